"""`agreementgen validate`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from agreementgen.errors import AgreementGenError


@click.command()
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
            files_hit = len({p.file for p in problems})
            click.echo(f"{len(problems)} problem(s) in {files_hit} file(s)", err=True)
        sys.exit(1)
