"""`agreementgen generate`."""

from __future__ import annotations

from pathlib import Path

import click

from agreementgen.cli.options import (
    OUTPUT_FORMATS,
    agreement_options,
    check_prevailing,
    clauses_option,
    template_options,
)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The file to write: .docx, .pdf, .md or .html; a name without a suffix "
                   "gets Word, missing folders are made (default: the input's name in the "
                   "current folder).")
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS),
              help="Output format (default: from the -o suffix, else docx). pdf needs "
                   "LibreOffice; md and html are review copies from a built-in layout.")
@template_options
@clauses_option
@agreement_options
@click.option("--force", is_flag=True,
              help="Overwrite an existing output file (only a regular file, never a link, "
                   "folder or device).")
@click.option("--quiet", is_flag=True,
              help="Do not print warnings: about the description, the partnership's health, "
                   "and untranslated texts.")
@click.option("--strict", is_flag=True,
              help="Refuse to generate while any warning, open point or untranslated text "
                   "remains (exit 1).")
def generate(file: Path, output: Path | None, fmt: str | None, template: str | None,
             template_dirs: tuple[Path, ...], clauses: tuple[Path, ...], lang: str | None,
             prevailing: str | None, health_annex: bool, force: bool, quiet: bool,
             strict: bool) -> None:
    """Validate a description and write the draft agreement as Word, PDF, Markdown or HTML.

    Prints the partnership health warnings (see `review`), and the texts that have no
    version in the output language (see `translations`), unless --quiet.

    \b
    Example:
      agreementgen generate examples/cocoa-supply-chain.yaml -o out/cocoa.docx
      agreementgen generate examples/cocoa-supply-chain.yaml --lang en,nl --health-annex
      agreementgen generate examples/cocoa-supply-chain.yaml -o review/cocoa.html
    """
    from agreementgen.errors import OutputError
    from agreementgen.generate import generate as run
    from agreementgen.generate import target_format

    check_prevailing(lang, prevailing)
    try:
        fmt = target_format(output, fmt)
    except OutputError as exc:
        raise click.BadParameter(exc.message, param_hint="'-o' / '--output'") from None

    result = run(file, output, template=template, lang=lang, format=fmt, prevailing=prevailing,
                 force=force, template_dirs=list(template_dirs), strict=strict,
                 health_annex=health_annex, clauses=clauses)
    from agreementgen.clauses import open_points

    if not quiet:
        for warning in result.warnings:
            click.secho(warning.format(), fg="yellow", err=True)
    points = open_points(result.clauses)
    if result.review is not None and (result.review.warnings or points) and not quiet:
        from agreementgen.health import format_text

        click.echo(format_text(result.review, result.language.split(",")[0], points), err=True)
    if result.untranslated and not quiet:
        from agreementgen.translations import format_untranslated

        for lang in result.language.split(","):
            text = format_untranslated([u for u in result.untranslated if u.lang == lang], lang)
            if text:
                click.echo(text, err=True)
    click.echo(f"wrote {result.output} ({result.template.name}, {result.language}, "
               f"{len(result.clauses)} clauses)")
