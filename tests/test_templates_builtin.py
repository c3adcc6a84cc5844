"""The built-in Word templates: every template with every shipped example, as Word and PDF."""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import docx
import pytest
import yaml
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph
from lxml import etree

from agreementgen.api import load_description
from agreementgen.generate import generate
from agreementgen.templates import DEFAULT_FOR_KIND, resolve
from tests.conftest import COCOA, DUTCH, MOU, ROOT, soffice

TEMPLATES = ["partnership_agreement", "memorandum_of_understanding", "me_annex", "health_annex"]
AGREEMENTS = ["partnership_agreement", "memorandum_of_understanding"]
EXAMPLES = [COCOA, MOU, DUTCH]
CASES = [(t, e) for t in TEMPLATES for e in EXAMPLES]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
# Run properties a template or a Markdown field may set; sizes, colours, fonts belong in styles.
# rFonts only for Markdown `code`.
RUN_PROPERTIES = {"rStyle", "b", "i", "rFonts"}
PARAGRAPH_PROPERTIES = {"pStyle", "numPr", "ind", "sectPr"}


def case_id(case: tuple[str, Path]) -> str:
    return f"{case[0]}-{case[1].stem}"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, Path], Path]:
    """Every template with every example; the full agreement with the health checklist."""
    folder = tmp_path_factory.mktemp("builtin")
    made = {}
    for template, example in CASES:
        target = folder / f"{template}--{example.stem}.docx"
        generate(example, target, template=template,
                 health_annex=template == "partnership_agreement")
        made[(template, example)] = target
    return made


@pytest.fixture(scope="module")
def pdf_texts(outputs: dict[tuple[str, Path], Path],
              tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, Path], str]:
    """The text LibreOffice prints for each output, one conversion run for all of them."""
    binary = soffice()
    folder = tmp_path_factory.mktemp("pdf")
    subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "pdf", "--outdir", str(folder),
                    *(str(p) for p in outputs.values())],
                   check=True, capture_output=True, timeout=600)
    texts = {}
    for case, path in outputs.items():
        pdf = folder / f"{path.stem}.pdf"
        assert pdf.is_file(), f"LibreOffice did not convert {path.name}"
        texts[case] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                     text=True, check=True).stdout
    return texts


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def parts_like(path: Path, pattern: str) -> list[etree._Element]:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if re.fullmatch(pattern, n)]
        return [etree.fromstring(archive.read(n)) for n in names]


def text_of(element: etree._Element) -> str:
    return "".join(element.itertext())


def field_codes(root: etree._Element) -> list[str]:
    simple = [f.get(f"{W}instr") for f in root.iter(f"{W}fldSimple")]
    complex_ = [text_of(i) for i in root.iter(f"{W}instrText")]
    return [c.split()[0] for c in simple + complex_ if c and c.split()]


def body_paragraphs(document: DocxDocument) -> list[Paragraph]:
    return list(document.paragraphs)


def style_name(paragraph: Paragraph) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_style_used_is_a_named_style(outputs: dict[tuple[str, Path], Path],
                                          case: tuple[str, Path]) -> None:
    path = outputs[case]
    styles = part(path, "word/styles.xml")
    defined = {s.get(f"{W}styleId"): s.find(f"{W}name").get(f"{W}val")
               for s in styles.iter(f"{W}style")}
    roots = [part(path, "word/document.xml"), *parts_like(path, r"word/(header|footer)\d*\.xml")]
    for root in roots:
        for tag in ("pStyle", "rStyle", "tblStyle"):
            for used in root.iter(f"{W}{tag}"):
                assert used.get(f"{W}val") in defined, f"{tag} {used.get(f'{W}val')} undefined"
        for rpr in root.iter(f"{W}rPr"):
            if rpr.getparent().tag == f"{W}pPr":
                continue  # a paragraph mark's properties
            direct = {etree.QName(c).localname for c in rpr} - RUN_PROPERTIES
            assert not direct, f"direct run formatting {direct} in {text_of(rpr.getparent())!r}"
        for ppr in root.iter(f"{W}pPr"):
            direct = {etree.QName(c).localname for c in ppr} - PARAGRAPH_PROPERTIES - {"rPr"}
            assert not direct, f"direct paragraph formatting {direct}"
    # render/wordml.py styles Markdown links with "Hyperlink": the template must define it.
    assert defined.get("Hyperlink") == "Hyperlink"
    link = styles.find("w:style[@w:styleId='Hyperlink']", NS)
    assert link.get(f"{W}type") == "character"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_headings_use_heading_styles_and_none_is_empty(outputs: dict[tuple[str, Path], Path],
                                                       case: tuple[str, Path]) -> None:
    document = docx.Document(str(outputs[case]))
    headings = [p for p in body_paragraphs(document) if style_name(p).startswith("Heading")]
    assert headings, "no Heading paragraphs"
    assert all(p.text.strip() for p in headings), "an empty heading"
    assert any(style_name(p) == "Heading 1" for p in headings)
    for p in headings:
        # Numbering comes from the Heading style, never from the paragraph.
        assert p._p.find(f"{W}pPr/{W}numPr") is None, p.text
    heading1 = document.styles["Heading 1"].element
    assert heading1.find(f"{W}pPr/{W}numPr") is not None, "Heading 1 is not numbered"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_no_blank_paragraphs_left_by_tags(outputs: dict[tuple[str, Path], Path],
                                          case: tuple[str, Path]) -> None:
    body = part(outputs[case], "word/document.xml").find(f"{W}body")
    for paragraph in body.findall(f"{W}p"):
        if text_of(paragraph).strip():
            continue
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        holds = {etree.QName(e).localname for e in paragraph.iter()}
        # Empty paragraphs only carry a section break, a page break or a field character.
        assert holds & {"sectPr", "br", "fldChar"}, (
            f"blank paragraph in style {style.get(f'{W}val') if style is not None else None}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_tables_have_repeated_header_rows(outputs: dict[tuple[str, Path], Path],
                                          case: tuple[str, Path]) -> None:
    document = docx.Document(str(outputs[case]))
    data_tables = [t for t in document.tables
                   if t.rows[0]._tr.trPr is not None
                   and t.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None]
    assert data_tables, "no table with a header row"
    for table in document.tables:
        assert table.style is not None and table.style.name == "Agreement Table"
    for table in data_tables:
        header = table.rows[0].cells
        assert all(c.text.strip() for c in header)
        assert all(c.paragraphs[0].style.name == "Table Heading" for c in header)
        assert len(table.rows) >= 2, [c.text for c in header]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_header_footer_fields_and_properties(outputs: dict[tuple[str, Path], Path],
                                             case: tuple[str, Path]) -> None:
    template, example = case
    path = outputs[case]
    title = load_description(example).description.agreement.title
    document = docx.Document(str(path))
    assert document.core_properties.title == title
    assert document.core_properties.subject
    headers = [text_of(h) for h in parts_like(path, r"word/header\d*\.xml")]
    assert any(title in h for h in headers)
    for footer in parts_like(path, r"word/footer\d*\.xml"):
        assert {"PAGE", "NUMPAGES"} <= set(field_codes(footer))
    codes = field_codes(part(path, "word/document.xml"))
    assert ("TOC" in codes) == (template in AGREEMENTS)


@pytest.mark.parametrize("template", AGREEMENTS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_contents_list_the_numbered_articles(outputs: dict[tuple[str, Path], Path],
                                             template: str, example: Path) -> None:
    document = docx.Document(str(outputs[(template, example)]))
    paragraphs = body_paragraphs(document)
    entries = [p.text for p in paragraphs if style_name(p) == "toc 1" and p.text]
    articles = [p.text for p in paragraphs if style_name(p) == "Heading 1"]
    others = [p.text for p in paragraphs if style_name(p) == "Unnumbered Heading"]
    # Parties first and signatures (then annexes) last, unnumbered; the articles numbered.
    assert entries == [others[0], *(f"{n}.\t{a}" for n, a in enumerate(articles, start=1)),
                       *others[1:]]


@pytest.mark.parametrize(("template", "example", "words"), [
    ("partnership_agreement", COCOA, "less than half"),
    ("memorandum_of_understanding", COCOA, "less than half"),
    ("me_annex", COCOA, "partnership health check"),
    ("partnership_agreement", DUTCH, "ruim een derde minder"),
    ("memorandum_of_understanding", DUTCH, "leefbaar loon"),
], ids=lambda v: v.stem if isinstance(v, Path) else str(v))
def test_a_bold_markdown_word_is_a_bold_run(outputs: dict[tuple[str, Path], Path],
                                            template: str, example: Path, words: str) -> None:
    document = docx.Document(str(outputs[(template, example)]))
    runs = [r for p in body_paragraphs(document) for r in p.runs]
    bold = [r for r in runs if r.text == words]
    assert bold and all(r.bold for r in bold)
    assert not any("**" in p.text for p in body_paragraphs(document))


def test_markdown_links_use_the_hyperlink_style(outputs: dict[tuple[str, Path], Path]) -> None:
    document = docx.Document(str(outputs[("partnership_agreement", COCOA)]))
    linked = [r.text for p in body_paragraphs(document) for r in p.runs
              if r.style is not None and r.style.name == "Hyperlink"]
    assert "".join(linked) == "Netherlands Arbitration Institute"


@pytest.mark.parametrize("template", ["partnership_agreement", "me_annex"])
def test_indicators_sit_on_landscape_pages(outputs: dict[tuple[str, Path], Path],
                                          template: str) -> None:
    path = outputs[(template, COCOA)]
    body = part(path, "word/document.xml").find(f"{W}body")
    sections: list[list[etree._Element]] = [[]]
    for child in body:
        sections[-1].append(child)
        if child.find(f"{W}pPr/{W}sectPr") is not None:
            sections.append([])
    sect_prs = [s[-1].find(f"{W}pPr/{W}sectPr") for s in sections[:-1]]
    sect_prs.append(body.find(f"{W}sectPr"))
    indicator_header = "Means of verification"
    for elements, sect_pr in zip(sections, sect_prs, strict=True):
        size = sect_pr.find(f"{W}pgSz")
        landscape = int(size.get(f"{W}w")) > int(size.get(f"{W}h"))
        tables = [e for e in elements if e.tag == f"{W}tbl"]
        has_indicators = any(indicator_header in text_of(t) for t in tables)
        if has_indicators:
            assert landscape and size.get(f"{W}orient") == "landscape"
        # Every section carries the header and footer, so none loses them.
        assert sect_pr.find(f"{W}headerReference[@w:type='default']", NS) is not None
    assert any(indicator_header in text_of(t) for t in body.iter(f"{W}tbl"))


def test_health_checklist_is_the_last_annex_only_when_asked(
        outputs: dict[tuple[str, Path], Path], tmp_path: Path) -> None:
    with_annex = docx.Document(str(outputs[("partnership_agreement", COCOA)]))
    annexes = [p.text for p in with_annex.paragraphs if style_name(p) == "Annex Heading"]
    assert annexes == ["Annex 1", "Partnership health checklist"]
    rules = [t.rows[1].cells[0].text for t in with_annex.tables
             if t.rows[0].cells[0].text == "Rule"]
    assert rules == ["H01"]
    without = generate(MOU, tmp_path / "plain.docx", template="partnership_agreement").output
    document = docx.Document(str(without))
    assert not [p for p in document.paragraphs if style_name(p) == "Annex Heading"]
    assert "Annexes" not in [p.text for p in document.paragraphs]
    assert "Partnership health checklist" not in "\n".join(p.text for p in document.paragraphs)


def test_health_annex_lists_every_rule(outputs: dict[tuple[str, Path], Path]) -> None:
    document = docx.Document(str(outputs[("health_annex", MOU)]))
    findings = next(t for t in document.tables if t.rows[0].cells[0].text == "Rule")
    header = [c.text for c in findings.rows[0].cells]
    assert header == ["Rule", "Insight", "Status", "Where", "Finding"]
    rules = {row.cells[0].text for row in findings.rows[1:]}
    assert {f"H{n:02d}" for n in range(1, 20)} <= rules
    statuses = {row.cells[2].text for row in findings.rows[1:]}
    assert "Open" in statuses


def test_memorandum_lists_indicators_and_keeps_every_risk(
        outputs: dict[tuple[str, Path], Path], tmp_path: Path) -> None:
    document = docx.Document(str(outputs[("memorandum_of_understanding", COCOA)]))
    headers = [t.rows[0].cells[0].text for t in document.tables]
    assert "Indicator" not in headers
    # The indicators are still there, as a list.
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Average yield of participating farms" in text
    # Nothing the description says is dropped: its risks keep their article and table.
    assert "Risks" in [p.text for p in document.paragraphs if style_name(p) == "Heading 1"]
    risks = next(t for t in document.tables if t.rows[0].cells[0].text == "Risk")
    assert len(risks.rows) == 1 + 3
    with_annex = generate(COCOA, tmp_path / "mou.docx", template="memorandum_of_understanding",
                          health_annex=True).output
    paragraphs = docx.Document(str(with_annex)).paragraphs
    annexes = [p.text for p in paragraphs if style_name(p) == "Annex Heading"]
    assert annexes[-1].endswith("Partnership health checklist")
    assert [p.text for p in paragraphs if style_name(p) == "toc 1"][-1].endswith("Annexes")


def test_memorandum_is_the_default_for_a_mou() -> None:
    assert DEFAULT_FOR_KIND["mou"] == "memorandum_of_understanding"
    assert resolve(None, "mou").name == "memorandum_of_understanding"
    assert resolve(None, "partnership_agreement").name == "partnership_agreement"


@pytest.mark.parametrize("template", TEMPLATES)
def test_manifest_describes_the_template(template: str) -> None:
    folder = ROOT / "templates" / template
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["name"] == template
    assert manifest["kind"] and manifest["description"]
    assert manifest["languages"] == ["en", "nl"]
    assert manifest["sections"] and all(isinstance(s, str) for s in manifest["sections"])
    assert (folder / "template.docx").is_file()


@functools.cache
def _builder() -> ModuleType:
    """tools/build_templates.py, loaded as a module (tools/ is not a package)."""
    name = "agreementgen_tools_build_templates"
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "build_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up while the class body runs.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("template", TEMPLATES)
def test_shipped_template_is_what_the_builder_makes(template: str, tmp_path: Path) -> None:
    """The .docx files are built from code; a hand edit or a stale build shows here."""
    target = tmp_path / "template.docx"
    _builder().BUILDERS[template](target)
    shipped = ROOT / "templates" / template / "template.docx"
    with zipfile.ZipFile(target) as built, zipfile.ZipFile(shipped) as kept:
        assert built.namelist() == kept.namelist()
        for name in built.namelist():
            assert built.read(name) == kept.read(name), (
                f"{name} differs: run tools/build_templates.py")
    # Built with fixed member times, a rebuild gives the very same file.
    assert target.read_bytes() == shipped.read_bytes()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_pdf_shows_every_partner_and_no_template_syntax(pdf_texts: dict[tuple[str, Path], str],
                                                        case: tuple[str, Path]) -> None:
    text = pdf_texts[case]
    assert "{{" not in text and "{%" not in text and "**" not in text
    flat = " ".join(text.split())
    for partner in load_description(case[1]).description.partners:
        assert partner.name in flat, partner.name
