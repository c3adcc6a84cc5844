"""`agreementgen templates`: list, show, check and start templates."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from agreementgen.cli.options import clauses_option, parse_languages

_TEMPLATE_DIR = click.option(
    "--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path),
    help="A folder of user templates (repeatable; also AGREEMENTGEN_TEMPLATE_PATH).")
_WIDTH = 88


@click.group()
def templates() -> None:
    """Built-in and user templates: list, show, check and start your own.

    User templates are folders NAME/template.docx (with a manifest.yaml) inside a folder given
    with --template-dir or listed in AGREEMENTGEN_TEMPLATE_PATH; a user template shadows a
    built-in one of the same name.

    \b
    Example:
      agreementgen templates list
      agreementgen templates new acme --from partnership_agreement --dir my-templates
      agreementgen templates check acme --template-dir my-templates
    """


@templates.command("list")
@_TEMPLATE_DIR
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def list_(template_dirs: tuple[Path, ...], fmt: str) -> None:
    """List every template a name can find, with kind, languages and where it lives.

    \b
    Example:
      agreementgen templates list --template-dir my-templates
    """
    from agreementgen.i18n import message
    from agreementgen.templates import listing

    found = listing(list(template_dirs))
    if fmt == "json":
        click.echo(json.dumps([_as_dict(item.info, item.shadows) for item in found], indent=2,
                              ensure_ascii=False))
        return
    for item in found:
        info = item.info
        where = message("templates_builtin" if info.builtin else "templates_user")
        shadows = [message("templates_shadows", path=s.path.parent) for s in item.shadows]
        click.echo(click.style(info.name, bold=True) + f"  ({'; '.join([where, *shadows])})")
        click.echo("  " + message("templates_details", kind=_field(info.manifest, "kind"),
                                  languages=_field(info.manifest, "languages")))
        description = str(info.manifest.get("description") or "").strip()
        if description:
            click.echo(textwrap.fill(description, _WIDTH, initial_indent="  ",
                                     subsequent_indent="  "))
        click.echo(f"  {info.path.parent}")


@templates.command()
@click.argument("name")
@_TEMPLATE_DIR
def show(name: str, template_dirs: tuple[Path, ...]) -> None:
    """Show a template: its manifest, its file, the sections and variables it uses.

    \b
    Example:
      agreementgen templates show memorandum_of_understanding
    """
    from agreementgen.i18n import message
    from agreementgen.template_check import check_template
    from agreementgen.templates import manifest_of, resolve

    info = resolve(name, "", list(template_dirs))
    manifest = manifest_of(info)
    click.echo(f"name: {manifest.get('name') or info.name}")
    click.echo(message("templates_show_template", path=info.path))
    click.echo(message("templates_show_source",
                       source=message("templates_builtin" if info.builtin else "templates_user")))
    for key, value in manifest.items():
        if key not in ("name", "sections"):
            click.echo(f"{key}: {_text(value)}")
    click.echo(message("templates_show_sections", sections=_field(manifest, "sections")))
    report = check_template(info.path, str(info.path), _languages(manifest))
    if not report.ok:
        click.echo(message("templates_show_unreadable", name=name))
        return
    click.echo(message("templates_show_variables"))
    labels = [v for v in report.variables if v.startswith("t.")]
    for variable in report.variables:
        if not variable.startswith("t."):
            click.echo(f"  {variable}")
    click.echo(textwrap.fill(message("templates_show_labels", labels=", ".join(labels)), _WIDTH,
                             subsequent_indent="  "))


@templates.command()
@click.argument("templates_", metavar="TEMPLATE...", nargs=-1, required=True)
@_TEMPLATE_DIR
@clauses_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of the problems.")
def check(templates_: tuple[str, ...], template_dirs: tuple[Path, ...],
          clauses: tuple[Path, ...], fmt: str) -> None:
    """Check templates before use: a .docx path or a template name.

    Reports Jinja syntax errors, blocks left open, tags split across paragraphs, {%p}/{%tr}
    tags that lose text or break the document, curly quotes in tags, and variables the
    description does not provide (with "did you mean"), each with the part and the paragraph
    text. Exit 1 when there are problems. Warnings (parts left out of the output because of
    their names) are shown but do not fail the check; in JSON each entry has a "severity".

    The clause packs beside the template (clauses.<lang>.yaml) and those given with
    --clauses are checked too: unknown clause ids, Jinja errors, values and clauses a text
    cannot use, texts that fail on a real description, and languages the template is made
    for that no pack covers; each problem with its file, line and clause id.

    \b
    Example:
      agreementgen templates check my-templates/acme/template.docx
      agreementgen templates check acme --template-dir my-templates --clauses extra.nl.yaml
    """
    from agreementgen.errors import AgreementGenError
    from agreementgen.i18n import message
    from agreementgen.template_check import Report
    from agreementgen.template_check import check as run
    from agreementgen.template_check.packs import check_packs, pack_files

    problems = []
    entries: list[dict[str, object]] = []
    for name in templates_:
        try:
            report = run(name, list(template_dirs))
            files, languages = pack_files(name, template_dirs, clauses)
            report.problems += check_packs(files, languages, report.template)
        except AgreementGenError as exc:  # an unknown name: go on with the others
            report = Report(name, list(exc.problems))
        problems += report.problems
        entries += [{**p.as_dict(), "severity": "error"} for p in report.problems]
        entries += [{**w.as_dict(), "severity": "warning"} for w in report.warnings]
        if fmt == "text":
            for problem in report.problems:
                click.secho(problem.format(), fg="red", err=True)
            for warning in report.warnings:
                click.secho(warning.format(), fg="yellow", err=True)
            if report.ok:
                click.echo(message("check_clean", name=report.template))
            else:
                click.echo(message("check_summary", count=len(report.problems),
                                   name=report.template), err=True)
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
    if problems:
        sys.exit(1)


@templates.command()
@click.argument("name")
@click.option("--from", "source", default="partnership_agreement", show_default=True,
              help="The built-in template to start from.")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=Path("."),
              show_default=True,
              help="The folder to create the template in (made when missing).")
@click.option("--with-clauses", "with_clauses", is_flag=True,
              help="Also write clause packs (clauses.<lang>.yaml) with the built-in clause "
                   "texts, commented out, to start your own wording from.")
@click.option("--lang", callback=parse_languages, metavar="LANG[,LANG]",
              help="With --with-clauses: the languages of the packs (default: the "
                   "template's languages).")
def new(name: str, source: str, folder: Path, with_clauses: bool, lang: str | None) -> None:
    """Start an organisation's own template as a copy of a built-in one.

    Creates DIR/NAME/ with template.docx and manifest.yaml (and, with --with-clauses, a
    clause pack per language); refuses to overwrite.

    \b
    Example:
      agreementgen templates new acme --from memorandum_of_understanding --dir my-templates
      agreementgen templates new acme --with-clauses --lang en,nl --dir my-templates
    """
    from agreementgen.i18n import LANGUAGES, message
    from agreementgen.templates import TEMPLATE_FILE, builtin, create
    from agreementgen.writing import folder_for

    packs: list[str] = []
    if with_clauses:
        declared = _languages(builtin(source).manifest)
        packs = lang.split(",") if lang else [x for x in declared if x in LANGUAGES]
    # A missing --dir is made, and removed again when the template cannot be made.
    with folder_for(folder / name):
        target = create(name, source, folder, packs)
    click.echo(message("templates_new_done", path=target, source=source,
                       template=target / TEMPLATE_FILE, name=name, folder=folder))
    if packs:
        click.echo(message("templates_new_packs", files=", ".join(
            str(target / f"clauses.{x}.yaml") for x in packs)))


def _as_dict(info: Any, shadows: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "name": info.name,
        "builtin": info.builtin,
        "kind": info.manifest.get("kind"),
        "languages": info.manifest.get("languages") or [],
        "description": info.manifest.get("description"),
        "path": str(info.path),
        "shadows": [str(s.path) for s in shadows],
    }


def _field(manifest: dict[str, Any], key: str) -> str:
    return _text(manifest.get(key)) or "-"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else " ".join(str(value).split())


def _languages(manifest: dict[str, Any]) -> list[str]:
    languages = manifest.get("languages")
    return [str(x) for x in languages] if isinstance(languages, list) else []
