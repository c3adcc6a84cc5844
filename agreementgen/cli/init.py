"""`agreementgen init`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
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
