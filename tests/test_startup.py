"""Start-up stays fast: commands import only what they use (checked by modules, not wall time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import COCOA, ROOT

# What rendering needs and a quick command must not pay for (~0.2 s for docxtpl alone).
RENDERING = {"docxtpl", "docx", "lxml", "jinja2", "markdown", "markupsafe"}
# Everything beyond Click that `--help` has no use for.
PIPELINE = RENDERING | {"yaml", "cerberus", "babel", "tomllib"}

PROBE = """
import json, sys
from agreementgen.cli import cli
try:
    cli(sys.argv[1:], prog_name="agreementgen")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*args: str) -> tuple[object, set[str]]:
    """Run the command line in a fresh interpreter: its exit code and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)
    report = json.loads(done.stderr.rsplit("@@", 1)[1])
    return report["code"], set(report["modules"])


def top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["batch", "--help"],
                                  ["generate", "--help"], ["validate", "--help"]],
                         ids=" ".join)
def test_help_imports_nothing_of_the_pipeline(args: list[str]) -> None:
    code, modules = imported_by(*args)
    assert code == 0
    assert top_level(modules) & PIPELINE == set()


def test_help_lists_every_command_without_importing_the_pipeline() -> None:
    code, modules = imported_by("--help")
    assert code == 0
    from agreementgen.cli import COMMANDS

    for target in COMMANDS.values():
        assert target.partition(":")[0] in modules


def test_validate_does_not_import_rendering() -> None:
    code, modules = imported_by("validate", str(COCOA))
    assert code == 0
    assert "agreementgen.validation.schema" in modules, "the probe must have validated"
    assert top_level(modules) & RENDERING == set()
    # A valid description gets its yes from the compiled check: Cerberus is not needed.
    assert "cerberus" not in top_level(modules)
    # Currency codes come from babel.numbers; dates and their time zones are not needed.
    assert "babel.dates" not in modules


def test_importtime_of_help_has_no_heavy_import() -> None:
    """The same check through the interpreter's own import log (``-X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE, "--help"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    logged = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
              if line.startswith("import time:") and "|" in line}
    assert "agreementgen.cli" in logged
    assert top_level(logged) & PIPELINE == set()
