"""Rendering: reopen the .docx, check what a reader sees, and convert it with LibreOffice."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from agreementgen.api import load_description
from agreementgen.generate import generate
from tests.conftest import COCOA, DUTCH, MOU, soffice

EXAMPLES = [COCOA, MOU, DUTCH]


def document_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    folder = tmp_path_factory.mktemp("generated")
    return {example: generate(example, folder / f"{example.stem}.docx").output
            for example in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_partner_goal_and_indicator_appears(generated: dict[Path, Path],
                                                   example: Path) -> None:
    d = load_description(example).description
    text = document_text(generated[example])
    for partner in d.partners:
        assert partner.name in text
        if partner.representative:
            assert partner.representative.name in text
    goal_words = d.theory_of_change.long_term_goal.split()[:6]
    assert " ".join(goal_words) in " ".join(text.split())
    for indicator in d.monitoring.indicators if d.monitoring else ():
        first_words = " ".join(indicator.indicator.replace("*", "").split()[:5])
        assert first_words in " ".join(text.split()), indicator.id


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_no_template_syntax_and_every_part_well_formed(generated: dict[Path, Path],
                                                        example: Path) -> None:
    with zipfile.ZipFile(generated[example]) as archive:
        for name in archive.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                data = archive.read(name)
                etree.fromstring(data)
                assert b"{{" not in data and b"{%" not in data, name
    assert "{{" not in document_text(generated[example])


def test_full_example_shows_every_section(generated: dict[Path, Path]) -> None:
    document = docx.Document(str(generated[COCOA]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Purpose", "Theory of change",
                        "Identity and roles of the Partners", "Contributions", "Funding terms",
                        "Governance and decision-making",
                        "Monitoring, evaluation and learning", "Risks", "Communication",
                        "Personal data", "Integrity and safeguarding",
                        "Duration, reflection and exit", "General provisions",
                        "Governing law and disputes"]
    unnumbered = [p.text for p in document.paragraphs if p.style.name == "Unnumbered Heading"]
    assert unnumbered == ["Parties", "Signatures", "Annexes"]
    text = document_text(generated[COCOA])
    for expected in ("Research & Development", "€360,000.00", "GHS\u00a0540,000.00", "unvalued",
                     "Independence and public advocacy", "On ending the partnership",
                     "the laws of the Netherlands", "Partnership Steering Committee"):
        assert expected in text, expected
    assert "**" not in text


def test_tables_have_a_row_per_item(generated: dict[Path, Path]) -> None:
    d = load_description(COCOA).description
    tables = docx.Document(str(generated[COCOA])).tables
    header_cells = {tuple(c.text for c in t.rows[0].cells): len(t.rows) - 1 for t in tables}
    assert (header_cells[("Partner", "Type", "Contribution", "Value", "Schedule")]
            == len(d.contributions))
    assert header_cells[("Risk", "Likelihood", "Impact", "Mitigation", "Owner")] == len(d.risks)
    indicator_rows = next(n for h, n in header_cells.items() if h[0] == "Indicator")
    assert indicator_rows == len(d.monitoring.indicators)
    signature_tables = [t for t in tables if t.rows[0].cells[0].text == "Name"]
    assert len(signature_tables) == len(d.partners)


def test_markdown_becomes_formatting(generated: dict[Path, Path]) -> None:
    document = docx.Document(str(generated[COCOA]))
    bold = {run.text for p in document.paragraphs for run in p.runs if run.bold}
    assert "less than half" in bold
    assert any(p.style.name == "Clause List" for p in document.paragraphs)


def test_header_footer_and_properties(generated: dict[Path, Path]) -> None:
    document = docx.Document(str(generated[COCOA]))
    header = document.sections[0].header.paragraphs[0].text
    assert header == "Nkabom Living Income Cocoa Partnership \u00b7 Version 0.3 draft"
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    assert document.core_properties.title == "Nkabom Living Income Cocoa Partnership"
    assert document.core_properties.subject == "Partnership Agreement"


def test_same_input_gives_identical_bytes(tmp_path: Path) -> None:
    first = generate(COCOA, tmp_path / "a.docx").output.read_bytes()
    second = generate(COCOA, tmp_path / "b.docx").output.read_bytes()
    assert first == second


@pytest.mark.libreoffice
def test_libreoffice_converts_to_pdf(generated: dict[Path, Path], tmp_path: Path) -> None:
    binary = soffice()
    d = load_description(COCOA).description
    subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(generated[COCOA])],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "cocoa-supply-chain.pdf"
    assert pdf.is_file()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "{{" not in text and "{%" not in text
    flat = " ".join(text.split())
    for partner in d.partners:
        assert partner.name in flat
