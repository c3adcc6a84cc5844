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

    Reports every problem at once, as FILE:LINE:COL: FIELD: MESSAGE; then the warnings (a
    starter's placeholder left in, a list item split at a comma), which leave a description
    valid. In JSON, each entry has a "severity": "error" or "warning".

    \b
    Example:
      agreementgen validate examples/*.yaml
    """
    from agreementgen.loading import load
    from agreementgen.validation import check, check_warnings

    problems = []
    entries: list[dict[str, object]] = []
    for file in files:
        warnings = []
        try:
            source = load(file)
            _, found = check(source)
            warnings = check_warnings(source)
        except AgreementGenError as exc:
            found = list(exc.problems)
        problems += found
        entries += [{**p.as_dict(), "severity": "error"} for p in found]
        entries += [{**w.as_dict(), "severity": "warning"} for w in warnings]
        if fmt == "text":
            for problem in found:
                click.secho(problem.format(), fg="red", err=True)
            for warning in warnings:
                click.secho(warning.format(), fg="yellow", err=True)
            if not found:
                click.echo(f"{file}: valid")
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
    if problems:
        if fmt == "text":
            files_hit = len({p.file for p in problems})
            click.echo(f"{len(problems)} problem(s) in {files_hit} file(s)", err=True)
        sys.exit(1)
