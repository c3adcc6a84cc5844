"""An installed wheel carries its templates, schema and texts: generate from an installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import COCOA, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder),
                    str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (built,) = folder.glob("agreementgen-*.whl")
    return built


def test_wheel_contains_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "agreementgen/_data/templates/partnership_agreement/template.docx" in names
    assert "agreementgen/_data/templates/partnership_agreement/manifest.yaml" in names
    assert "agreementgen/_data/schemas/description.yaml" in names
    assert "agreementgen/locales/en/messages.yaml" in names
    assert "agreementgen/clauses/library.yaml" in names


def test_installed_copy_generates_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=600)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c",
                            "import agreementgen; print(agreementgen.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target)), where
    result = subprocess.run([sys.executable, "-m", "agreementgen", "generate", str(COCOA),
                             "-o", "a.docx"],
                            cwd=work, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (work / "a.docx").read_bytes()[:2] == b"PK"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=600)
    return target


@pytest.mark.parametrize("args", [
    ["generate", "{example}", "-t", "memorandum_of_understanding", "-o", "m.docx"],
    ["generate", "{example}", "-t", "me_annex", "-o", "e.docx"],
    ["generate", "{example}", "-t", "health_annex", "--lang", "nl", "-o", "h.docx"],
    ["generate", "{example}", "--lang", "en,nl", "--health-annex", "-o", "b.docx"],
    ["generate", "{example}", "-o", "r.md"],
    ["generate", "{example}", "-o", "r.html"],
    ["templates", "check", "partnership_agreement"],
    ["schema", "--format", "json-schema", "-o", "s.json"],
    ["init", "n.yaml", "--kind", "mou", "--lang", "nl"],
])
def test_installed_copy_has_every_template_layout_and_language(installed: Path, tmp_path: Path,
                                                               args: list[str]) -> None:
    target = installed
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    command = [a.format(example=COCOA) for a in args]
    result = subprocess.run([sys.executable, "-m", "agreementgen", *command], cwd=work, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    written = [p.name for p in work.iterdir()]
    if args[0] == "templates":
        assert written == [] and "partnership_agreement" in result.stdout
    else:
        assert written, "nothing was written"
