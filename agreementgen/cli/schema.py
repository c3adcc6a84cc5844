"""`agreementgen schema`."""

from __future__ import annotations

from pathlib import Path

import click

from agreementgen.jsonschema import FORMATS


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="cerberus", show_default=True,
              help="cerberus: the schema as agreementgen reads it (YAML, with comments); "
                   "json-schema: JSON Schema 2020-12 for editors and other tools.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the schema to this file instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def schema(fmt: str, output: Path | None, force: bool) -> None:
    """Print the description schema, or write it to a file.

    The JSON Schema lets editors with the YAML language server (VS Code, Neovim, ...) complete,
    explain and check a description while you type: name it in a comment at the top of the
    description, `# yaml-language-server: $schema=agreementgen.schema.json`.

    \b
    Example:
      agreementgen schema --format json-schema -o agreementgen.schema.json
      agreementgen schema | less
    """
    from agreementgen.jsonschema import export, write_export

    if output is None:
        click.echo(export(fmt), nl=False)
        return
    write_export(output, fmt, force=force)
    click.echo(f"wrote {output}")
