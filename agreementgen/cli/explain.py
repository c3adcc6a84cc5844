"""`agreementgen explain`."""

from __future__ import annotations

from pathlib import Path

import click

from agreementgen.cli.options import language_option


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("clause_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@language_option(bilingual=False, of="the explanation and clause texts")
def explain(file: Path, clause_id: str | None, fmt: str, lang: str | None) -> None:
    """List the clauses that apply to a description, and why; or show one clause's text.

    Each clause shows the insight it serves, the health rule that asks for it, the
    description fields it draws on, and the condition that selected it.

    \b
    Example:
      agreementgen explain examples/cocoa-supply-chain.yaml
      agreementgen explain examples/cocoa-supply-chain.yaml governance.escalation
    """
    from agreementgen.api import load_description
    from agreementgen.clauses import derive
    from agreementgen.explain import clause_text, format_json, format_text, lookup
    from agreementgen.generate import language_of

    loaded = load_description(file)
    language = language_of(loaded, lang)
    if clause_id is not None:
        clause = lookup(loaded.description_in(language), clause_id, language, str(file))
        if fmt == "json":
            click.echo(format_json([clause], str(file), language), nl=False)
        else:
            click.echo(clause_text(clause, language), nl=False)
        return
    clauses = derive(loaded.description_in(language), language)
    output = format_json if fmt == "json" else format_text
    click.echo(output(clauses, str(file), language), nl=False)
