"""The command line: parse options, call the library, print. All work lives in the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from agreementgen._version import __version__
from agreementgen.errors import AgreementGenError

FORMATS = ("docx",)


class AgreementGenGroup(click.Group):
    """Turns every AgreementGenError into its message on stderr and its exit code, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgreementGenError as exc:
            for line in exc.lines():
                click.secho(line, fg="red", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=AgreementGenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agreementgen")
def cli() -> None:
    """Draft partnership agreements between CSOs and businesses from a description.

    \b
    Example:
      agreementgen init partnership.yaml
      agreementgen validate partnership.yaml
      agreementgen generate partnership.yaml -o agreement.docx

    Exit codes: 0 success; 1 the input or template is wrong; 2 usage error;
    3 an external converter (LibreOffice) is missing or failed.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of the problems.")
def validate(files: tuple[Path, ...], fmt: str) -> None:
    """Check descriptions against the schema and the cross-field rules.

    Reports every problem at once, as FILE:LINE:COL: FIELD: MESSAGE.

    \b
    Example:
      agreementgen validate examples/*.yaml
    """
    from agreementgen.api import validate as validate_file

    problems = []
    for file in files:
        try:
            found = validate_file(file)
        except AgreementGenError as exc:
            found = list(exc.problems)
        problems += found
        if fmt == "text":
            for problem in found:
                click.secho(problem.format(), fg="red", err=True)
            if not found:
                click.echo(f"{file}: valid")
    if fmt == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    if problems:
        if fmt == "text":
            click.echo(f"{len(problems)} problem(s) in {len({p.file for p in problems})} file(s)", err=True)
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The .docx to write (default: the input's name in the current folder).")
@click.option("-t", "--template", help="A built-in or user template name, or a .docx path.")
@click.option("--template-dir", "template_dirs", multiple=True, type=click.Path(path_type=Path),
              help="A folder of user templates (repeatable; also AGREEMENTGEN_TEMPLATE_PATH).")
@click.option("--lang", type=click.Choice(["en", "nl"]),
              help="Output language (default: agreement.language, else en).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--quiet", is_flag=True, help="Do not print the partnership health warnings.")
@click.option("--strict", is_flag=True, help="Refuse to generate while health warnings remain (exit 1).")
def generate(file: Path, output: Path | None, template: str | None,
             template_dirs: tuple[Path, ...], lang: str | None, force: bool, quiet: bool,
             strict: bool) -> None:
    """Validate a description and write the draft agreement as a Word document.

    Prints the partnership health warnings (see `review`) unless --quiet.

    \b
    Example:
      agreementgen generate examples/cocoa-supply-chain.yaml -o out/cocoa.docx
    """
    from agreementgen.generate import generate as run

    result = run(file, output, template=template, lang=lang, force=force,
                 template_dirs=list(template_dirs), strict=strict)
    if result.review is not None and result.review.warnings and not quiet:
        from agreementgen.health import format_text

        click.echo(format_text(result.review, result.language), err=True)
    click.echo(f"wrote {result.output} ({result.template.name}, {result.language}, "
               f"{len(result.clauses)} clauses)")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format of the review.")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True,
              help="Language of the review.")
@click.option("--strict", is_flag=True, help="Exit 1 when any warning remains.")
def review(file: Path, fmt: str, lang: str, strict: bool) -> None:
    """Review the partnership's health: rules H01-H19, scored per insight.

    \b
    Example:
      agreementgen review examples/water-mou.yaml --format markdown
    """
    from agreementgen.api import load_description
    from agreementgen.health import format_json, format_markdown, format_text
    from agreementgen.health import review as run

    result = run(load_description(file), lang)
    if fmt == "json":
        click.echo(format_json(result, str(file)))
    elif fmt == "markdown":
        click.echo(format_markdown(result, lang))
    else:
        click.echo(format_text(result, lang))
    if strict and result.warnings:
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(file: Path, force: bool) -> None:
    """Write a commented starter description that validates as written.

    \b
    Example:
      agreementgen init partnership.yaml
    """
    from agreementgen.starter import write_starter

    write_starter(file, force=force)
    click.echo(f"wrote {file}; fill it in, then run: agreementgen validate {file}")


def main() -> None:
    """Entry point of the ``agreementgen`` console script."""
    cli(prog_name="agreementgen")
