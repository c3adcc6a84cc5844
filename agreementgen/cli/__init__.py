"""The command line: parse options, call the library, print. All work lives in the library.

Each command lives in its own module and is imported only when it runs (or when ``--help``
lists it), so start-up stays fast and no command pays for another's imports.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from agreementgen._version import __version__
from agreementgen.errors import AgreementGenError

#: command name -> "module:attribute", in the order ``--help`` lists them.
COMMANDS = {
    "init": "agreementgen.cli.init:init",
    "validate": "agreementgen.cli.validate:validate",
    "review": "agreementgen.cli.review:review",
    "translations": "agreementgen.cli.translations:translations",
    "generate": "agreementgen.cli.generate:generate",
    "batch": "agreementgen.cli.batch:batch",
    "edits": "agreementgen.cli.edits:edits",
    "compare": "agreementgen.cli.compare:compare",
    "explain": "agreementgen.cli.explain:explain",
    "schema": "agreementgen.cli.schema:schema",
    "templates": "agreementgen.cli.templates:templates",
}


class AgreementGenGroup(click.Group):
    """Loads commands on demand and turns every AgreementGenError into its message and exit code."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        # https://no-color.org: a non-empty NO_COLOR turns colour off; every command's context
        # inherits it from this one.
        if os.environ.get("NO_COLOR"):
            extra["color"] = False
        return super().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

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


def main() -> None:
    """Entry point of the ``agreementgen`` console script."""
    cli(prog_name="agreementgen")
