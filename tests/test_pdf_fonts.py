"""Text no installed font has (CJK names without a CJK font) is a warning on PDF conversion."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from agreementgen.generate import generate
from agreementgen.render import pdf
from agreementgen.render.pdf import Coverage, docx_to_pdf, missing_glyphs, printed_texts
from tests.conftest import MOU, soffice

CJK_NAME = "张伟茶业有限公司"
#: What a machine with Latin, Greek and Cyrillic fonts only has, as fc-list prints it.
LATIN_FONTS = "20-7e a0-36f 370-3ff 400-52f\n2000-206f 20a0-20bf\n"
CJK_FONTS = LATIN_FONTS + "3000-303f 4e00-9fff ff00-ffef\n"


@pytest.fixture
def cjk_description(write_yaml: Callable[..., Path]) -> Path:
    data = yaml.safe_load(MOU.read_text(encoding="utf-8"))
    data["partners"][0]["name"] = CJK_NAME
    return write_yaml(data, "cjk.yaml")


@pytest.fixture
def cjk_docx(cjk_description: Path, tmp_path: Path) -> bytes:
    out = tmp_path / "cjk.docx"
    generate(cjk_description, out)
    return out.read_bytes()


def test_coverage_reads_fontconfig_charsets() -> None:
    coverage = Coverage.from_charsets("20-7e a0-ff\n4e00-4e0f 4e10-9fff\n1f600\n")
    assert all(c in coverage for c in "Az~é ÿ张伟😀")
    assert "ア" not in coverage  # U+30A2, katakana
    assert "\u0100" not in coverage and "\u1f00" not in coverage
    assert "ab" not in coverage


def test_the_printed_text_of_a_document_is_read(cjk_docx: bytes) -> None:
    texts = printed_texts(cjk_docx)
    assert any(CJK_NAME in t for t in texts)
    assert printed_texts(b"PK not a zip") == []


def test_characters_without_a_font_are_found(cjk_docx: bytes) -> None:
    found = missing_glyphs(cjk_docx, Coverage.from_charsets(LATIN_FONTS))
    assert found is not None
    assert found.characters[:len(CJK_NAME)] == tuple(CJK_NAME)
    assert CJK_NAME in found.text and len(found.text) <= 62
    warning = found.warning()
    assert warning.startswith(f"warning: no installed font has {len(found.characters)} "
                              "character(s) of the agreement, such as 张 U+5F20, 伟 U+4F1F, "
                              "茶 U+8336, 业 U+4E1A, 有 U+6709 in ")
    assert "fonts-noto-cjk" in warning


def test_with_a_cjk_font_nothing_is_missing(cjk_docx: bytes) -> None:
    assert missing_glyphs(cjk_docx, Coverage.from_charsets(CJK_FONTS)) is None


def test_without_fontconfig_there_is_no_check(cjk_docx: bytes,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pdf.installed_fonts.cache_clear()
    monkeypatch.setenv("PATH", "")
    try:
        assert pdf.installed_fonts() is None
        assert missing_glyphs(cjk_docx) is None
    finally:
        pdf.installed_fonts.cache_clear()


def _fake_soffice(folder: Path) -> None:
    """A soffice that 'converts' by writing a minimal PDF where LibreOffice would."""
    folder.mkdir()
    fake = folder / "soffice"
    fake.write_text('#!/bin/sh\n'
                    'while [ "$#" -gt 0 ]; do [ "$1" = --outdir ] && dir="$2"; shift; done\n'
                    'mkdir -p "$dir" && printf "%%PDF-1.4\\n" > "$dir/agreement.pdf"\n',
                    encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)


def test_pdf_conversion_warns_about_text_without_a_font(
        cjk_description: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _fake_soffice(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(pdf, "installed_fonts", lambda: Coverage.from_charsets(LATIN_FONTS))
    out = tmp_path / "cjk.pdf"
    with caplog.at_level(logging.WARNING, logger="agreementgen.render.pdf"):
        generate(cjk_description, out)
    assert out.read_bytes().startswith(b"%PDF")  # a warning, not an error
    (record,) = caplog.records
    assert record.getMessage().startswith(f"{out}: warning: no installed font has ")
    assert "张 U+5F20" in record.getMessage()


def test_pdf_conversion_is_quiet_when_every_character_has_a_font(
        cjk_docx: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _fake_soffice(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(pdf, "installed_fonts", lambda: Coverage.from_charsets(CJK_FONTS))
    with caplog.at_level(logging.WARNING):
        assert docx_to_pdf(cjk_docx).startswith(b"%PDF")
    assert caplog.records == []


@pytest.mark.libreoffice
def test_the_warning_reaches_stderr_when_libreoffice_lacks_the_font(cjk_description: Path,
                                                                    tmp_path: Path) -> None:
    soffice()
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    # fontconfig itself is the judge: is there a font with 张 (U+5F20)?
    has_cjk = subprocess.run([fc_list, ":charset=5f20", "file"], capture_output=True,
                             text=True, check=True).stdout.strip() != ""
    out = tmp_path / "cjk.pdf"
    done = subprocess.run([sys.executable, "-m", "agreementgen", "generate",
                           str(cjk_description), "-o", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    warned = f"{out}: warning: no installed font has " in done.stderr
    assert warned != has_cjk, done.stderr
    if warned:
        assert "张 U+5F20" in done.stderr and "fonts-noto-cjk" in done.stderr
