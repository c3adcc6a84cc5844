"""Output formats: PDF through LibreOffice, and Markdown and HTML review copies."""

from __future__ import annotations

import html
import os
import re
import stat
import string
import subprocess
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import markdown
import pytest
from click.testing import CliRunner
from markdown.extensions import Extension

from agreementgen.api import load_description
from agreementgen.cli import cli
from agreementgen.errors import ConversionError, OutputError
from agreementgen.generate import FORMATS, generate, output_format
from agreementgen.i18n import catalog
from agreementgen.render.pdf import docx_to_pdf
from agreementgen.render.text import (
    markdown_to_cell,
    markdown_to_html,
    markdown_to_markdown,
    plain_to_markdown,
)
from tests.conftest import COCOA, DUTCH, MOU, soffice

EXAMPLES = [COCOA, MOU, DUTCH]
JINJA = ("{{", "{%", "{#", "}}", "%}")
_VOID = {"meta", "br", "hr", "img", "link", "input", "col"}


class _Page(HTMLParser):
    """Collects tags, heading texts and visible text, and checks every element is closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in _VOID:
            self.open.append(tag)
        if tag == "h2":
            self._heading = []
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()
        if tag == "h2" and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def flat_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse_page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    assert page.errors == []
    assert page.open == []
    return page


class _CommonMarkEscapes(Extension):
    """As in CommonMark (GitHub, GitLab), a backslash escapes any ASCII punctuation."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in md.ESCAPED_CHARS)


def markdown_as_html(text: str) -> str:
    """Markdown rendered the way a pull-request viewer would: tables, raw HTML allowed."""
    return markdown.markdown(text, extensions=["tables", _CommonMarkEscapes()])


def word_headings(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Heading 1"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[Path, str], Path]:
    """Each example as docx, md and html."""
    folder = tmp_path_factory.mktemp("formats")
    return {(example, fmt): generate(example, folder / f"{example.stem}.{fmt}").output
            for example in EXAMPLES for fmt in ("docx", "md", "html")}


# -- Markdown -------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_markdown_has_every_partner_and_the_word_headings(
        made: dict[tuple[Path, str], Path], example: Path) -> None:
    text = made[example, "md"].read_text(encoding="utf-8")
    for syntax in JINJA:
        assert syntax not in text
    d = load_description(example).description
    shown = parse_page(markdown_as_html(text)).flat_text()
    for partner in d.partners:
        assert partner.name in shown
        if partner.representative:
            assert partner.representative.name in shown
    headings = re.findall(r"(?m)^## (\d+)\. (.+)$", text)
    assert [int(n) for n, _ in headings] == list(range(1, len(headings) + 1))
    assert [h for _, h in headings] == word_headings(made[example, "docx"])


def test_markdown_tables_have_a_row_per_item(made: dict[tuple[Path, str], Path]) -> None:
    d = load_description(COCOA).description
    rendered = markdown_as_html(made[COCOA, "md"].read_text(encoding="utf-8"))
    tables = re.findall(r"<table>(.*?)</table>", rendered, re.S)
    rows = {re.search(r"<th[^>]*>(.*?)</th>", t).group(1): t.count("<tr>") - 1  # type: ignore[union-attr]
            for t in tables}
    currencies = {(c.partner, c.value.currency) for c in d.contributions if c.value}
    assert rows["Partner"] == len(d.contributions) + len(currencies)
    assert rows["Indicator"] == len(d.monitoring.indicators)
    assert rows["Phase"] == len(d.monitoring.phases)
    assert rows["Risk"] == len(d.risks)
    assert rows["Intervention"] == len(d.theory_of_change.interventions)
    assert "<strong>Total</strong>" in rendered


def test_markdown_keeps_user_markdown(made: dict[tuple[Path, str], Path]) -> None:
    text = made[COCOA, "md"].read_text(encoding="utf-8")
    assert "**less than half**" in text
    assert "[Netherlands Arbitration Institute](https://www.nai-nl.org/en/)" in text
    assert "\n    - **partnering** with farmer organisations" in text
    assert "### For Van Rijswijk Chocolade B.V." in text
    assert "**1.1** The Partners share the following vision" in text


# -- HTML -----------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_html_is_a_whole_page_with_every_partner_and_article(
        made: dict[tuple[Path, str], Path], example: Path) -> None:
    text = made[example, "html"].read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for syntax in JINJA:
        assert syntax not in text
    page = parse_page(text)
    assert {"html", "head", "title", "style", "body", "main", "table"} <= set(page.tags)
    d = load_description(example).description
    shown = page.flat_text()
    assert d.agreement.title in shown
    for partner in d.partners:
        assert partner.name in shown
    numbered = [m for h in page.headings[1:] if (m := re.fullmatch(r"(\d+)\. (.+)", h))]
    assert [int(m.group(1)) for m in numbered] == list(range(1, len(numbered) + 1))
    assert [m.group(2) for m in numbered] == word_headings(made[example, "docx"])
    words = catalog(d.agreement.language or "en", "labels")["articles"]
    unnumbered = [h for h in page.headings[1:] if not re.match(r"\d+\. ", h)]
    assert unnumbered[:2] == [words["parties"], words["signatures"]]


def test_html_renders_markdown_fields(made: dict[tuple[Path, str], Path]) -> None:
    text = made[COCOA, "html"].read_text(encoding="utf-8")
    assert "<strong>less than half</strong>" in text
    assert '<a href="https://www.nai-nl.org/en/">Netherlands Arbitration Institute</a>' in text
    assert "**" not in text


def test_health_annex_in_text_formats(tmp_path: Path) -> None:
    for fmt in ("md", "html"):
        out = generate(MOU, tmp_path / f"mou.{fmt}", health_annex=True).output
        text = out.read_text(encoding="utf-8")
        assert "Partnership health checklist" in text
        assert "H01" in text


# -- Escaping -------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile(write_yaml: Callable[..., Path], cocoa_data: dict[str, Any]) -> Path:
    """The full example with markup and Markdown syntax in plain, md and table fields."""
    cocoa_data["agreement"]["title"] = f"Title {SCRIPT} & <b>co</b>"
    cocoa_data["partners"][0]["name"] = f"Van *Rijswijk* {SCRIPT} | B.V."
    cocoa_data["partners"][0]["mission"] = (f"We **mean** it {SCRIPT} <img src=x onerror=alert(2)>"
                                            " [click](javascript:alert(3)) ~~gone~~")
    cocoa_data["contributions"][0]["description"] = f"Funds | {SCRIPT} *x*"
    cocoa_data["contributions"][0]["schedule"] = f"1. {SCRIPT}"
    return write_yaml(cocoa_data)


def test_html_escapes_user_text(hostile: Path, tmp_path: Path) -> None:
    text = generate(hostile, tmp_path / "a.html").output.read_text(encoding="utf-8")
    page = parse_page(text)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "javascript:" not in text
    shown = page.flat_text()
    assert SCRIPT in shown
    assert f"Title {SCRIPT} & <b>co</b>" in shown
    assert "Van *Rijswijk* <script>" in shown
    assert "<strong>mean</strong>" in text
    assert "<title>Title &lt;script&gt;" in text


def test_markdown_escapes_user_text(hostile: Path, tmp_path: Path) -> None:
    text = generate(hostile, tmp_path / "a.md").output.read_text(encoding="utf-8")
    rendered = markdown_as_html(text)
    page = parse_page(rendered)
    assert "script" not in page.tags and "img" not in page.tags
    assert "javascript:" not in rendered
    assert r"Van \*Rijswijk\* \<script\>" in text
    assert "We **mean** it" in text
    shown = page.flat_text()
    assert f"Van *Rijswijk* {SCRIPT} | B.V." in shown
    # The escaped pipes keep every contribution row at five cells.
    table = next(t for t in re.findall(r"<table>(.*?)</table>", rendered, re.S)
                 if "<th>Partner</th>" in t)
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        assert len(re.findall(r"<t[hd][ >]", row)) == 5


@pytest.mark.parametrize("source", [
    "plain words",
    "**bold** and *italic* and `code | pipe`",
    "- one\n- two\n    - nested *deep*\n\n1. first\n2. second",
    "3. starts at three\n4. four",
    "Causes:\n- a\n- b",
    "# A heading\n\nText with \\*stars\\* and 1\\. not a list",
    "> quoted **text**",
    "[a link](https://example.org/a_(b)) and <https://example.org>",
    "Text\n\n    code block with ``` fences\n    and <b>tags</b>",
    "Literal <b>tags</b>, ~~tildes~~, 1) and 2.5 or -3",
    "- loose\n\n- list\n\n    with a paragraph",
])
def test_markdown_output_means_what_the_field_means(source: str) -> None:
    written = markdown_to_markdown(source)
    assert markdown_to_html(written) == markdown_to_html(source)


def test_markdown_entities_stay_literal() -> None:
    assert plain_to_markdown("&copy; & co") == "&amp;copy; & co"
    assert "&amp;copy;" in markdown_as_html(markdown_to_markdown("&copy; **x**"))


def test_markdown_cells_stay_on_one_line() -> None:
    cell = markdown_to_cell("First **para**.\n\n- a | b\n- c\n\n```\ncode\n```")
    assert "\n" not in cell
    assert cell == "First **para**.<br>\u2022 a \\| b<br>\u2022 c<br>`code`"
    assert plain_to_markdown("a\nb | *c*") == "a<br>b \\| \\*c\\*"


# -- Choosing the format --------------------------------------------------------------------


def test_cli_offers_the_library_formats() -> None:
    from agreementgen.cli.options import OUTPUT_FORMATS

    assert OUTPUT_FORMATS == FORMATS


@pytest.mark.parametrize(("name", "fmt"), [("a.pdf", "pdf"), ("a.MD", "md"), ("a.markdown", "md"),
                                           ("a.htm", "html"), ("a.html", "html"),
                                           ("a.docx", "docx"), ("a.txt", "docx"), (None, "docx")])
def test_format_from_suffix(name: str | None, fmt: str) -> None:
    assert output_format(name) == fmt


def test_format_option_overrides_the_suffix(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "review.txt"
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "--format", "html",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "agreement.html" in result.output
    out = tmp_path / "review.html"
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("Memorandum of Understanding\n\n# ")


def test_default_output_name_follows_the_format(runner: CliRunner, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["generate", str(MOU), "--format", "md", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "water-mou.md").is_file()


def test_unknown_format_from_the_api(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="'odt' is not an output format"):
        generate(MOU, tmp_path / "a.odt", format="odt")
    assert not (tmp_path / "a.odt").exists()


def test_template_with_a_text_format_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "a.md"
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "-t",
                                 "partnership_agreement"])
    assert result.exit_code == 1
    assert "a template (-t) shapes Word and PDF output only" in result.output
    assert not out.exists()


# -- PDF ------------------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_pdf_by_suffix_has_every_partner(runner: CliRunner, tmp_path: Path,
                                         example: Path) -> None:
    soffice()
    out = tmp_path / "agreement.pdf"
    result = runner.invoke(cli, ["generate", str(example), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "{{" not in text and "{%" not in text
    flat = " ".join(text.split())
    d = load_description(example).description
    assert d.agreement.title.split()[0] in flat
    for partner in d.partners:
        assert partner.name in flat
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement.pdf"]


def test_missing_soffice_is_exit_3_and_says_how_to_install(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out" / "agreement.pdf"
    out.parent.mkdir()
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "--quiet"])
    assert result.exit_code == 3
    assert "soffice" in result.output
    assert "apt-get install libreoffice-writer-nogui" in result.output
    assert "Traceback" not in result.output
    assert list(out.parent.iterdir()) == []


def _fake_soffice(folder: Path, script: str) -> None:
    folder.mkdir(exist_ok=True)
    fake = folder / "soffice"
    fake.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)


def test_failing_soffice_shows_its_output(runner: CliRunner, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_soffice(tmp_path / "bin", "echo 'Error: source file could not be loaded' >&2; exit 1")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "agreement.pdf"
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "--quiet"])
    assert result.exit_code == 3
    assert "exit code 1" in result.output
    assert "Error: source file could not be loaded" in result.output
    assert not out.exists()


def test_soffice_without_a_pdf_is_a_failure(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_soffice(tmp_path / "bin", "exit 0")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(ConversionError, match="it wrote no PDF and printed nothing"):
        docx_to_pdf(b"PK")


def test_slow_soffice_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "survived"
    _fake_soffice(tmp_path / "bin", f"sleep 2; touch {marker}")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(ConversionError, match=r"within 0\.5 seconds") as caught:
        docx_to_pdf(b"PK", timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert caught.value.exit_code == 3
    time.sleep(2.5)
    assert not marker.exists(), "the converter's child process kept running"


def test_text_formats_do_not_need_soffice(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = generate(MOU, tmp_path / "a.html").output
    assert html.unescape(out.read_text(encoding="utf-8")).count("Maji Haki Trust") >= 2
