"""Options that several commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from agreementgen.i18n import LANGUAGES, message

F = TypeVar("F", bound=Callable[..., Any])

#: The output formats, as ``agreementgen.generate.FORMATS`` lists them (a test keeps them
#: equal); importing that module here would load the whole pipeline for ``--help``.
OUTPUT_FORMATS = ("docx", "pdf", "md", "html")


def parse_languages(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--lang``: one language, or two separated by a comma for a bilingual agreement."""
    if value is None:
        return None
    langs = [part.strip() for part in value.split(",")]
    for lang in langs:
        if lang not in LANGUAGES:
            raise click.BadParameter(message("lang_unknown", language=lang,
                                             known=", ".join(LANGUAGES)))
    if len(langs) > 2 or len(set(langs)) != len(langs):
        raise click.BadParameter(message("lang_pair", value=value))
    return ",".join(langs)


def language_option(bilingual: bool, of: str = "") -> Callable[[F], F]:
    """The ``--lang`` option; with ``bilingual``, two languages give a side-by-side agreement.

    Args:
        bilingual: Whether two languages may be asked for.
        of: For one language, what is written in it ("the review").
    """
    if not bilingual:
        return click.option("--lang", type=click.Choice(list(LANGUAGES)),
                            help=f"Language of {of} (default: agreement.language, else en).")
    return click.option(
        "--lang", callback=parse_languages, metavar="LANG[,LANG]",
        help="Output language, or two (en,nl) for both versions side by side "
             "(default: agreement.language, else en).")


def prevailing_option() -> Callable[[F], F]:
    """The ``--prevailing`` option of a bilingual agreement."""
    return click.option(
        "--prevailing", type=click.Choice(list(LANGUAGES)),
        help="In a bilingual agreement, the version that prevails (default: the first).")


def check_prevailing(lang: str | None, prevailing: str | None) -> None:
    """``--prevailing`` must name one of the ``--lang`` languages.

    Raises:
        click.BadParameter: It does not.
    """
    if prevailing and prevailing not in (lang or "").split(","):
        raise click.BadParameter(message("prevailing_not_in_langs", language=prevailing,
                                         languages=lang or "-"), param_hint="--prevailing")


def template_options(f: F) -> F:
    """``-t/--template`` and ``--template-dir``, as ``generate`` and ``batch`` take them."""
    f = click.option("--template-dir", "template_dirs", multiple=True,
                     type=click.Path(path_type=Path),
                     help="A folder of user templates (repeatable; also "
                          "AGREEMENTGEN_TEMPLATE_PATH).")(f)
    return click.option("-t", "--template",
                        help="A built-in or user template name, or a .docx path.")(f)


def clauses_option(f: F) -> F:
    """``--clauses``: clause packs over the built-in clause texts (and the template's pack)."""
    return click.option(
        "--clauses", "clauses", multiple=True, type=click.Path(path_type=Path),
        metavar="PACK",
        help="Your own clause texts: a pack file named after its language (clauses.nl.yaml), "
             "or a folder of clauses.<lang>.yaml files; over those beside the template "
             "(repeatable).")(f)


def agreement_options(f: F) -> F:
    """The choices about the agreement's content: languages and the health checklist."""
    f = click.option("--health-annex", is_flag=True,
                     help="Add the partnership health checklist as an annex.")(f)
    f = prevailing_option()(f)
    return language_option(bilingual=True)(f)
