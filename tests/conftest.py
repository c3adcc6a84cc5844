"""Shared fixtures: the CLI runner, the shipped examples, and descriptions made on the fly."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
COCOA = EXAMPLES / "cocoa-supply-chain.yaml"
MOU = EXAMPLES / "water-mou.yaml"
DUTCH = EXAMPLES / "nl-textiel-partnerschap.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cocoa_data() -> dict[str, Any]:
    """The full example as plain data, a fresh copy for each test to change."""
    from agreementgen.loading import load

    return copy.deepcopy(load(COCOA).data)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write data (or text) to a YAML file in tmp_path and return its path."""

    def write(data: Any, name: str = "description.yaml") -> Path:
        path = tmp_path / name
        text = (data if isinstance(data, str)
                else yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        path.write_text(text, encoding="utf-8")
        return path

    return write


def soffice() -> str:
    """The LibreOffice binary; missing is a skip on a laptop and a failure in CI."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is not installed; "
                    "CI must install libreoffice-writer-nogui")
    pytest.skip("LibreOffice (soffice) is not installed")
    raise AssertionError  # unreachable
