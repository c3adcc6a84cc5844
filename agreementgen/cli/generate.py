"""`agreementgen generate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from agreementgen.cli.options import (
    OUTPUT_FORMATS,
    agreement_options,
    check_prevailing,
    clauses_option,
    template_options,
)

if TYPE_CHECKING:
    from agreementgen.negotiation.merge import Merged


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
@click.option("--keep-edits", "keep_edits", type=click.Path(path_type=Path),
              metavar="EDITED.docx",
              help="An earlier draft edited in Word or LibreOffice: keep its edits, clause by "
                   "clause, where the description did not change the clause; where both "
                   "changed, keep the edit and add a comment with the new text.")
@click.option("--strict", is_flag=True,
              help="Refuse to generate while any warning, open point, untranslated text or "
                   "conflict with --keep-edits remains (exit 1).")
def generate(file: Path, output: Path | None, fmt: str | None, template: str | None,
             template_dirs: tuple[Path, ...], clauses: tuple[Path, ...], lang: str | None,
             prevailing: str | None, health_annex: bool, force: bool, quiet: bool,
             keep_edits: Path | None, strict: bool) -> None:
    """Validate a description and write the draft agreement as Word, PDF, Markdown or HTML.

    Prints the partnership health warnings (see `review`), and the texts that have no
    version in the output language (see `translations`), unless --quiet.

    \b
    Example:
      agreementgen generate examples/cocoa-supply-chain.yaml -o out/cocoa.docx
      agreementgen generate examples/cocoa-supply-chain.yaml --lang en,nl --health-annex
      agreementgen generate examples/cocoa-supply-chain.yaml -o review/cocoa.html
      agreementgen generate cocoa.yaml -o draft-0.4.docx --keep-edits draft-0.3-edited.docx
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
                 health_annex=health_annex, clauses=clauses, keep_edits=keep_edits)
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
    if result.merged is not None:
        _report_merge(result.merged, keep_edits)
    click.echo(f"wrote {result.output} ({result.template.name}, {result.language}, "
               f"{len(result.clauses)} clauses)")


def _report_merge(merged: Merged, edited: Path | None) -> None:
    """What --keep-edits kept, and the conflicts, on the terminal."""
    from agreementgen.i18n import message

    def ids(keys: list[tuple[str, int]]) -> str:
        return ", ".join(dict.fromkeys(k[0] for k in keys))

    if merged.kept:
        click.echo(message("keep_edits_kept", count=len(merged.kept), ids=ids(merged.kept)),
                   err=True)
    if merged.added:
        click.echo(message("keep_edits_added", count=merged.added), err=True)
    if merged.conflicts:
        click.secho(message("keep_edits_conflicts", count=len(merged.conflicts),
                            file=str(edited), ids=ids(merged.conflicts)), fg="yellow", err=True)
    if merged.dropped:
        click.secho(message("keep_edits_dropped", count=len(merged.dropped), file=str(edited),
                            ids=ids(merged.dropped)), fg="yellow", err=True)
    if merged.outside:
        click.secho(message("keep_edits_outside", count=merged.outside, file=str(edited)),
                    fg="yellow", err=True)
    for note in dict.fromkeys(merged.notes):
        click.secho(note, fg="yellow", err=True)
