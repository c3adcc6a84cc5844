"""A template compiled once and reused renders the same document as one rendered from scratch."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docxtpl import DocxTemplate
from lxml import etree

from agreementgen import generate as pipeline
from agreementgen.api import load_description
from agreementgen.generate import compiled_template, language_of, load_template, render_docx
from agreementgen.health import review
from agreementgen.render.docx import CompiledTemplate
from agreementgen.render.sandbox import template_environment
from agreementgen.templates import TemplateInfo
from tests.conftest import EXAMPLES, ROOT

TEMPLATES = sorted(p.parent for p in (ROOT / "templates").glob("*/template.docx"))
DESCRIPTIONS = sorted(EXAMPLES.glob("*.yaml"))
# The parts a template fills in; the others are copied from the template unchanged.
FILLED = ("word/document.xml", "word/header", "word/footer")


def test_there_is_something_to_compare() -> None:
    assert TEMPLATES and DESCRIPTIONS


def normalised(xml: bytes) -> bytes:
    """Canonical XML: the same document whatever the serializer's choices of quoting and order."""
    return bytes(etree.tostring(etree.fromstring(xml), method="c14n"))


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


@pytest.fixture(params=TEMPLATES, ids=lambda p: p.name)
def template(request: pytest.FixtureRequest) -> TemplateInfo:
    folder: Path = request.param
    return TemplateInfo(folder.name, folder / "template.docx", True, {})


@pytest.mark.parametrize("example", DESCRIPTIONS, ids=lambda p: p.name)
def test_reused_template_renders_what_a_fresh_one_does(template: TemplateInfo, example: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_description(example)
    lang = language_of(loaded, None)
    health = review(loaded, lang)

    first, _ = render_docx(loaded, template, lang, health)
    hits = compiled_template.cache_info().hits
    second, _ = render_docx(loaded, template, lang, health)
    assert compiled_template.cache_info().hits > hits, "the second render must reuse the template"
    assert load_template(template) is load_template(template)

    monkeypatch.setattr(pipeline, "load_template",
                        lambda info: CompiledTemplate(info.path, info.name))
    fresh, _ = render_docx(loaded, template, lang, health)

    assert first == second == fresh
    assert text_of(first) == text_of(fresh)
    ours, theirs = members(first), members(fresh)
    assert list(ours) == list(theirs)
    for name in ours:
        if name.endswith(".xml"):
            assert normalised(ours[name]) == normalised(theirs[name]), name


@pytest.mark.parametrize("example", DESCRIPTIONS, ids=lambda p: p.name)
def test_compiled_template_renders_what_docxtpl_renders_from_scratch(
        template: TemplateInfo, example: Path) -> None:
    """docxtpl opens, patches, compiles and renders the template anew; the parts it fills in
    come out as the same XML, and the document reads the same."""
    from agreementgen.context import build_context, word_writer
    from agreementgen.render.docx import NUMBERING
    from agreementgen.render.numbering import NumberingAllocator

    loaded = load_description(example)
    lang = language_of(loaded, None)
    health = review(loaded, lang)
    compiled = load_template(template)

    def context() -> dict[str, object]:
        numbering = NumberingAllocator(compiled.member(NUMBERING))
        return build_context(loaded.description, lang, word_writer(numbering), review=health)

    ours = compiled.render(context())
    plain = DocxTemplate(str(template.path))
    plain.render(context(), jinja_env=template_environment())
    buffer = io.BytesIO()
    plain.save(buffer)
    theirs = buffer.getvalue()

    assert text_of(ours) == text_of(theirs)
    mine, reference = members(ours), members(theirs)
    filled = [n for n in mine if n.startswith(FILLED) and n.endswith(".xml")]
    assert "word/document.xml" in filled
    for name in filled:
        assert normalised(mine[name]) == normalised(reference[name]), name


LISTING_CASES = [
    '<?xml version="1.0"?>\r\n<w:body><w:p><w:r><w:t>plain</w:t></w:r></w:p></w:body>',
    "<w:body><w:p><w:pPr><w:jc/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>a\tb\nc</w:t></w:r>"
    "</w:p><w:p><w:r><w:t>untouched</w:t></w:r></w:p>"
    '<w:p w:rsidR="1"><w:r><w:t xml:space="preserve">page\fbreak\aand para</w:t></w:r></w:p>'
    "</w:body>",
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell\none</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
]


@pytest.mark.parametrize("xml", LISTING_CASES)
def test_listing_clean_up_is_docxtpls(xml: str) -> None:
    """Tabs, newlines, bells and form feeds in text become Word's, exactly as docxtpl does it."""
    from agreementgen.render.docx import _resolve_listing

    expected = DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]
    assert _resolve_listing(xml) == expected
    if "\t" in xml:
        assert _resolve_listing(xml) != xml
