"""`agreementgen explain`."""

from __future__ import annotations

from pathlib import Path

import click

from agreementgen.cli.options import clauses_option, language_option


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("clause_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@language_option(bilingual=False, of="the explanation and clause texts")
@click.option("-t", "--template",
              help="The template the agreement is made with (its clause packs count).")
@click.option("--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path),
              help="A folder of user templates (repeatable; also AGREEMENTGEN_TEMPLATE_PATH).")
@clauses_option
def explain(file: Path, clause_id: str | None, fmt: str, lang: str | None,
            template: str | None, template_dirs: tuple[Path, ...],
            clauses: tuple[Path, ...]) -> None:
    """List the clauses that apply to a description, and why; or show one clause's text.

    Each clause shows the insight it serves, the health rule that asks for it, the
    description fields it draws on, the condition that selected it, and where its text
    comes from: built in, or a clause pack (file and line) beside the template or given
    with --clauses.

    \b
    Example:
      agreementgen explain examples/cocoa-supply-chain.yaml
      agreementgen explain examples/cocoa-supply-chain.yaml governance.escalation
      agreementgen explain partnership.yaml -t acme --template-dir my-templates
    """
    from agreementgen.api import load_description
    from agreementgen.clauses import derive
    from agreementgen.clauses.packs import job_packs
    from agreementgen.explain import clause_text, format_json, format_text, lookup
    from agreementgen.generate import language_of

    loaded = load_description(file)
    language = language_of(loaded, lang)
    kind = str(loaded.description.agreement.kind)
    source = job_packs(template, template_dirs, kind, clauses, [language]).texts(language)
    if clause_id is not None:
        clause = lookup(loaded.description_in(language), clause_id, language, str(file), source)
        if fmt == "json":
            click.echo(format_json([clause], str(file), language, source), nl=False)
        else:
            click.echo(clause_text(clause, language, source), nl=False)
        return
    found = derive(loaded.description_in(language), language, texts=source)
    output = format_json if fmt == "json" else format_text
    click.echo(output(found, str(file), language, source), nl=False)
