"""`agreementgen init`: a starter description, or one made from answers to a few questions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from agreementgen.cli.options import parse_languages
from agreementgen.i18n import DEFAULT_LANGUAGE, message
from agreementgen.starter import DEFAULT_KIND, KINDS, Answers, PartnerAnswers


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), default=DEFAULT_KIND, show_default=True,
              help="The kind of agreement the description is for.")
@click.option("--lang", default=DEFAULT_LANGUAGE, show_default=True, callback=parse_languages,
              metavar="LANG[,LANG]",
              help="Language of the comments, placeholders and agreement.language; two "
                   "(en,nl) give every free text in both languages.")
@click.option("-i", "--interactive", is_flag=True,
              help="Ask the essential questions and write a description from the answers.")
@click.option("--schema-url", metavar="URL",
              help="Name this schema (a URL, or a path relative to FILE) in the editor line, "
                   "instead of writing agreementgen.schema.json beside FILE.")
@click.option("--force", is_flag=True,
              help="Overwrite an existing FILE, and an outdated agreementgen.schema.json.")
def init(file: Path, kind: str, lang: str, interactive: bool, schema_url: str | None,
         force: bool) -> None:
    """Write a commented starter description that validates as written.

    Beside it goes agreementgen.schema.json, which a comment at the top of the file names, so
    editors with the YAML language server check the description as you type.

    \b
    Example:
      agreementgen init partnership.yaml
      agreementgen init water-mou.yaml --kind mou --lang nl
      agreementgen init partnership.yaml --lang en,nl
      agreementgen init partnership.yaml --interactive
    """
    from agreementgen.starter import SchemaFile, check_init_target, write_answers, write_starter

    langs, lang = lang, lang.split(",")[0]
    if interactive:
        check_init_target(file, force=force)
        answers = ask(lang)
        result = write_answers(file, answers, kind=kind, lang=lang, force=force,
                               schema_url=schema_url)
    else:
        result = write_starter(file, kind=kind, lang=langs, force=force, schema_url=schema_url)
    if result.schema is not None and result.schema_file is SchemaFile.WRITTEN:
        click.echo(message("init_schema_written", lang, schema=result.schema, file=file))
    elif result.schema is not None and result.schema_file is SchemaFile.OUTDATED:
        click.secho(message("init_schema_outdated", lang, schema=result.schema), fg="yellow",
                    err=True)
    click.echo(message("init_wrote", lang, file=file))


def ask(lang: str) -> Answers:
    """Ask the essential questions in the terminal; each answer is checked as it is given."""
    from agreementgen.starter import MIN_PARTNERS, ORIENTATIONS, SECTORS, check_date, check_text

    def text(key: str, markdown: bool = False, **values: object) -> str:
        return str(click.prompt(message(key, lang, **values), value_proc=_checked(
            lambda value: check_text(value, markdown=markdown, lang=lang))))

    def choice(key: str, options: tuple[str, ...], **values: object) -> str:
        return str(click.prompt(message(key, lang, **values), type=click.Choice(options)))

    click.echo(message("init_intro", lang))
    title = text("init_ask_title")
    partners: list[PartnerAnswers] = []
    while len(partners) < MIN_PARTNERS or click.confirm(message("init_ask_another_partner", lang),
                                                        default=False):
        number = len(partners) + 1
        name = text("init_ask_partner_name", number=number)
        sector = choice("init_ask_sector", SECTORS, number=number)
        orientation = (choice("init_ask_orientation", ORIENTATIONS, number=number)
                       if sector == "cso" else None)
        role = text("init_ask_role", number=number)
        mission = text("init_ask_mission", markdown=True, number=number)
        partners.append(PartnerAnswers(name, sector, role, mission, orientation))
    problem = text("init_ask_problem", markdown=True)
    objective = text("init_ask_objective", markdown=True)
    goal = text("init_ask_goal", markdown=True)
    outcome = text("init_ask_outcome", markdown=True)
    start = str(click.prompt(message("init_ask_start", lang), value_proc=_checked(
        lambda value: check_date(value, lang=lang))))
    end = str(click.prompt(message("init_ask_end", lang), value_proc=_checked(
        lambda value: check_date(value, after=start, lang=lang))))
    # What changes a first draft besides the essentials; the file says what to add for each yes.
    personal_data = click.confirm(message("init_ask_personal_data", lang), default=False)
    cash = click.confirm(message("init_ask_cash", lang), default=False)
    vulnerable = click.confirm(message("init_ask_vulnerable", lang), default=False)
    return Answers(title, tuple(partners), problem, objective, goal, outcome, start, end,
                   personal_data=personal_data, cash=cash, vulnerable=vulnerable)


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """A click.prompt value_proc: a failed check is shown, and the question is asked again."""

    def proc(value: str) -> str:
        try:
            return check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return proc
