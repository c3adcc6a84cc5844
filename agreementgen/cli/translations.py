"""`agreementgen translations`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from agreementgen.i18n import LANGUAGES


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--lang", required=True, type=click.Choice(list(LANGUAGES)),
              help="The language to translate into.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--strict", is_flag=True, help="Exit 1 when any text is untranslated.")
def translations(file: Path, lang: str, fmt: str, strict: bool) -> None:
    """List the texts of a description that have no version in a language, each with its
    place and the text to translate.

    Add the translation beside the text, as a mapping from language to text:

    \b
      problem:
        en: Deforestation in the Ashanti cocoa belt is rising.
        nl: De ontbossing in de cacaogordel van Ashanti neemt toe.

    \b
    Example:
      agreementgen translations examples/cocoa-supply-chain.yaml --lang nl
    """
    from agreementgen.api import load_description
    from agreementgen.i18n import message

    loaded = load_description(file)
    missing = loaded.untranslated(lang)
    if fmt == "json":
        click.echo(json.dumps({
            "file": str(file), "lang": lang,
            "untranslated": [{"path": m.path, "line": m.line, "shown_in": m.shown_in,
                              "text": m.text} for m in missing]},
            indent=2, ensure_ascii=False))
    elif not missing:
        click.echo(message("translations_complete", lang=lang))
    else:
        from agreementgen.translations import format_untranslated

        click.echo(format_untranslated(missing, lang).splitlines()[0])
        for m in missing:
            line = message("untranslated_line", lang=lang, line=m.line) if m.line else ""
            click.echo(f"\n{m.path}{line}, {m.shown_in}:")
            click.echo("\n".join(f"    {row}" for row in m.text.strip().splitlines()))
    if strict and missing:
        sys.exit(1)
