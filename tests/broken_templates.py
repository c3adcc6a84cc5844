"""Deliberately broken templates, made from the built-in one by editing its XML.

Nothing binary is committed: each builder copies the built-in ``partnership_agreement`` template
into a folder (``tmp_path``) and rewrites one part, the way a user's edit in Word would break it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agreementgen.resources import data_dir

BUILTIN = data_dir("templates") / "partnership_agreement" / "template.docx"
DOCUMENT = "word/document.xml"
HEADER = "word/header1.xml"
CONTENT_TYPES = "[Content_Types].xml"
DOCX_TYPE = "wordprocessingml.document.main+xml"
DOTX_TYPE = "wordprocessingml.template.main+xml"


def edited(target: Path, part: str, old: str, new: str, count: int = 1) -> Path:
    """Copy the built-in template to ``target`` with ``old`` replaced by ``new`` in ``part``.

    Raises:
        AssertionError: ``old`` does not occur ``count`` times (the built-in template changed;
            pick another place to break).
    """
    with zipfile.ZipFile(BUILTIN) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    xml = members[part].decode("utf-8")
    assert xml.count(old) >= count, f"{old!r} not found {count} time(s) in {part}"
    members[part] = xml.replace(old, new, count).encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def syntax_error(folder: Path) -> Path:
    """A print tag with an operator and nothing after it."""
    return edited(folder / "syntax.docx", DOCUMENT, "{{ agreement.kind_label }}",
                  "{{ agreement.kind_label + }}")


def unclosed_if(folder: Path) -> Path:
    """The header's ``{% if agreement.version %}`` lost its ``{% endif %}``."""
    return edited(folder / "unclosed.docx", HEADER,
                  "{{ agreement.version }}{% endif %}", "{{ agreement.version }}")


def split_paragraphs(folder: Path) -> Path:
    """The title tag broken over two paragraphs (an Enter typed inside it)."""
    return edited(folder / "split.docx", DOCUMENT,
                  "<w:t>{{ agreement.title }}</w:t></w:r></w:p>",
                  "<w:t>{{ agreement.</w:t></w:r></w:p><w:p><w:r><w:t>title }}</w:t></w:r></w:p>")


def split_runs(folder: Path) -> Path:
    """The title tag split over runs with a proofing mark between: docxtpl rejoins it (fine)."""
    return edited(folder / "runs.docx", DOCUMENT,
                  "<w:t>{{ agreement.title }}</w:t>",
                  '<w:t>{{ agreement.</w:t></w:r><w:proofErr w:type="spellStart"/>'
                  "<w:r><w:rPr><w:b/></w:rPr><w:t>title }}</w:t>")


def curly_quotes(folder: Path) -> Path:
    """Word's AutoFormat turned the straight quotes in a tag into curly ones."""
    return edited(folder / "quotes.docx", DOCUMENT, "{{ agreement.kind_label }}",
                  "{{ agreement.kind_label or \u201cAgreement\u201d }}")


def unknown_variables(folder: Path) -> Path:
    """Three misspelt names: a root, a field, and a field of a loop variable."""
    path = edited(folder / "unknown.docx", DOCUMENT, "{%p for p in partners %}",
                  "{%p for p in partner %}")
    path = _again(path, DOCUMENT, "{{ agreement.title }}", "{{ agrement.title }}")
    path = _again(path, DOCUMENT, "{{ agreement.binding_label }}", "{{ agreement.bindng_label }}")
    return _again(path, DOCUMENT, "{{ p.signing_place }}", "{{ p.signing_plaec }}")


def paragraph_tag_with_text(folder: Path) -> Path:
    """A ``{%p if %}`` typed at the end of a paragraph instead of in one of its own.

    docxtpl replaces the whole paragraph with the tag, so the paragraph's text is lost.
    """
    path = edited(folder / "ptext.docx", DOCUMENT, "<w:t>{{ t.articles.parties }}</w:t>",
                  "<w:t>{{ t.articles.parties }} {%p if articles.purpose %}</w:t>")
    return _again(path, DOCUMENT,
                  "<w:p><w:pPr/><w:r><w:t>{%p if articles.purpose %}</w:t></w:r></w:p>", "")


def broken_xml(folder: Path) -> Path:
    """An ``{% if %}`` inside a paragraph's text closed by a ``{%p endif %}`` paragraph.

    When the condition is false, the paragraph the ``if`` sits in loses its end tags.
    """
    path = edited(folder / "brokenxml.docx", DOCUMENT, "<w:t>{{ t.articles.parties }}</w:t>",
                  "<w:t>{{ t.articles.parties }}{% if agreement.place == 'nowhere' %}</w:t>")
    return _again(path, DOCUMENT, "<w:t>{{ t.articles.signatures }}</w:t></w:r></w:p>",
                  "<w:t>{{ t.articles.signatures }}</w:t></w:r></w:p>"
                  "<w:p><w:r><w:t>{%p endif %}</w:t></w:r></w:p>")


def not_a_zip(folder: Path) -> Path:
    """A text file named .docx."""
    path = folder / "notzip.docx"
    path.write_text("Dear partner, this is not a Word document.", encoding="utf-8")
    return path


def dotx(folder: Path) -> Path:
    """A Word template (.dotx): Word's 'Save as template' instead of a document."""
    path = edited(folder / "organisation.dotx", CONTENT_TYPES, DOCX_TYPE, DOTX_TYPE)
    return path


def _again(path: Path, part: str, old: str, new: str) -> Path:
    """Edit a template made by :func:`edited` once more, in place."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    xml = members[part].decode("utf-8")
    assert old in xml, f"{old!r} not found in {part}"
    members[part] = xml.replace(old, new, 1).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@dataclass(frozen=True)
class Broken:
    """A broken template and what ``templates check`` must say about it.

    Attributes:
        build: Makes the template in a folder and returns its path.
        part: The part the problem is reported in ("" for the file as a whole).
        expected: Texts that must all appear in the problem's message.
    """

    build: Callable[[Path], Path]
    part: str
    expected: tuple[str, ...]


BROKEN: dict[str, Broken] = {
    "syntax error": Broken(syntax_error, DOCUMENT, (
        "Jinja syntax error: unexpected 'end of print statement'",
        "paragraph: '{{ agreement.kind_label + }}'")),
    "unclosed if": Broken(unclosed_if, HEADER, (
        "'{% if agreement.version %}' is never closed; add '{% endif %}'",
        "paragraph: '{{ agreement.title }}{% if agreement.version %}")),
    "tag split across paragraphs": Broken(split_paragraphs, DOCUMENT, (
        "the tag '{{ agreement. \u00b6 title }}' runs over 2 paragraphs",
        "delete the paragraph break inside it",
        "paragraph: '{{ agreement.'")),
    "curly quotes in a tag": Broken(curly_quotes, DOCUMENT, (
        "the tag '{{ agreement.kind_label or \u201cAgreement\u201d }}' has curly quotes "
        "(\u201c\u201d)",
        "type straight quotes")),
    "unknown variable": Broken(unknown_variables, DOCUMENT, (
        "unknown variable 'partner'; did you mean 'partners'?",
        "paragraph: '{{ t.cover.between }}{% for p in partner %}'",
        "known here: agreement, annexes, articles, health, lang, numbers, options, partners, "
        "preamble, recitals, t, tables, toc",
        "unknown variable 'agrement'; did you mean 'agreement'?",
        "unknown variable 'agreement.bindng_label'; did you mean 'agreement.binding_label'?",
        "unknown variable 'p.signing_plaec'; did you mean 'p.signing_place'?")),
    "paragraph tag beside text": Broken(paragraph_tag_with_text, DOCUMENT, (
        "'{%p if articles.purpose %}' replaces its whole paragraph",
        "'{{ t.articles.parties }}'",  # the text that would be lost is named
        "put the tag in a paragraph of its own")),
    "broken XML after rendering": Broken(broken_xml, DOCUMENT, (
        "gives broken XML",
        "give each {%p if %} or {%p for %} a paragraph of its own")),
    "not a zip": Broken(not_a_zip, "", (
        "cannot open the template: not a .docx (zip) file",)),
    ".dotx": Broken(dotx, "", (
        "this is a Word template (.dotx); open it in Word and save it as a .docx document",)),
}
