"""`agreementgen review`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agreementgen.cli.options import language_option


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format of the review.")
@language_option(bilingual=False, of="the review")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any warning, open point or untranslated text remains.")
def review(file: Path, fmt: str, lang: str | None, strict: bool) -> None:
    """Review the partnership's health (rules H01-H26, scored per insight) and list the open
    points the agreement would hold and the texts with no version in the language (--lang).

    \b
    Example:
      agreementgen review examples/water-mou.yaml --format markdown
    """
    from agreementgen.api import load_description
    from agreementgen.clauses import derive, open_points
    from agreementgen.generate import language_of
    from agreementgen.health import format_json, format_markdown, format_text
    from agreementgen.health import review as run

    loaded = load_description(file)
    lang = language_of(loaded, lang)
    result = run(loaded, lang)
    points = open_points(derive(loaded.description_in(lang), lang))
    missing = loaded.untranslated(lang)
    if fmt == "json":
        click.echo(format_json(result, str(file), points, missing))
    elif fmt == "markdown":
        click.echo(format_markdown(result, lang, points, missing))
    else:
        click.echo(format_text(result, lang, points, missing))
    if strict and (result.warnings or points or missing):
        sys.exit(1)
