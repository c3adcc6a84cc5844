"""The text of `review` on every shipped example, pinned.

A change in a rule or its wording shows up here as a diff to read. After a deliberate change,
regenerate with ``UPDATE_GOLDEN=1 pytest tests/test_review_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT

from agreementgen.cli import cli

GOLDEN = Path(__file__).parent / "golden"
CASES = [(example, fmt) for example in sorted(EXAMPLES.glob("*.yaml"))
         for fmt in ("text", "json", "markdown")]
SUFFIX = {"text": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize(("example", "fmt"), CASES, ids=[f"{e.stem}-{f}" for e, f in CASES])
def test_review_output_is_pinned(runner: CliRunner, example: Path, fmt: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, ["review", str(example.relative_to(ROOT)), "--format", fmt])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"review-{example.stem}.{SUFFIX[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(result.output, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}; run with UPDATE_GOLDEN=1"
    assert result.output == golden.read_text(encoding="utf-8")
