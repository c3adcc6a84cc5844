"""Deliberately broken templates, made from the built-in one by editing its XML.

Nothing binary is committed: each builder copies the built-in ``partnership_agreement`` template
into a folder (``tmp_path``) and rewrites one part, the way a user's edit in Word would break it.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agreementgen.resources import data_dir

BUILTIN = data_dir("templates") / "partnership_agreement" / "template.docx"
DOCUMENT = "word/document.xml"
HEADER = "word/header1.xml"
STYLES = "word/styles.xml"
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


def damaged_deflate(folder: Path) -> Path:
    """The body's compressed data damaged (a bad download or disk): it does not inflate.

    Its first byte asks for a deflate block of the reserved type 3, so inflating fails at once,
    whatever the built-in template holds.
    """
    path = edited(folder / "damaged.docx", DOCUMENT, "{{ agreement.title }}",
                  "{{ agreement.title }}")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(DOCUMENT)
    data = bytearray(path.read_bytes())
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26: header + 28], "little")
    extra_length = int.from_bytes(data[header + 28: header + 30], "little")
    start = header + 30 + name_length + extra_length
    data[start: start + info.compress_size] = b"\x07" * info.compress_size
    path.write_bytes(bytes(data))
    return path


def not_utf8(folder: Path) -> Path:
    """A word typed by another program in Latin-1 ("café" with the byte 0xE9)."""
    return _with_bytes(folder / "latin1.docx", DOCUMENT, b"{{ agreement.title }}",
                       b"{{ agreement.title }} caf\xe9")


def undefined_entity(folder: Path) -> Path:
    """An HTML entity (``&nbsp;``) typed into the XML, which XML does not define."""
    return edited(folder / "entity.docx", DOCUMENT, "{{ agreement.title }}",
                  "{{ agreement.title }}&nbsp;")


def long_text(folder: Path) -> Path:
    """A text of more than 10,000,000 bytes in one text node (two letters at random, so it
    compresses less than 200:1 and is not taken for a zip bomb)."""
    letters = bytes(ord("a") + (i & 1) for i in range(256))
    text = random.Random(17).randbytes(10_000_100).translate(letters).decode("ascii")
    return edited(folder / "long.docx", DOCUMENT, "{{ agreement.title }}",
                  "{{ agreement.title }} " + text)


def external_entity(folder: Path) -> Path:
    """An XXE attempt: a DTD declaring an entity read from a file, used in the title."""
    path = edited(folder / "xxe.docx", DOCUMENT, "{{ agreement.title }}",
                  "{{ agreement.title }}&xxe;")
    return _with_bytes(path, DOCUMENT, b"?>", b'?><!DOCTYPE w:document '
                       b'[<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')


def dtd_in_styles(folder: Path) -> Path:
    """A DTD in a part that is not templated (the styles), which is copied into the output."""
    return _with_bytes(edited(folder / "styles-dtd.docx", DOCUMENT, "{{ agreement.title }}",
                              "{{ agreement.title }}"),
                       STYLES, b"?>", b'?><!DOCTYPE w:styles SYSTEM "http://example.org/x.dtd">')


#: Members whose names point outside the document, and why each is left out.
UNSAFE_MEMBERS = {
    "../../evil.txt": "parent",
    "word/../../../evil.txt": "parent",
    "/abs/x": "absolute",
    "\\server\\share\\x": "absolute",
    "word\\media\\evil.png": "backslash",
    "C:/Windows/evil.txt": "drive",
    "c:evil.txt": "drive",
}


def unsafe_member_names(folder: Path) -> Path:
    """The built-in template with members that a careless unzip would write outside its
    folder (zip slip)."""
    path = edited(folder / "slip.docx", DOCUMENT, "{{ agreement.title }}", "{{ agreement.title }}")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        for name in UNSAFE_MEMBERS:
            archive.writestr(name, b"written outside the folder")
    return path


def misspelt_field(folder: Path) -> Path:
    """A field of the first partner misspelt: ``partners[0].nmae``."""
    return edited(folder / "nmae.docx", DOCUMENT, "{{ agreement.title }}",
                  "{{ partners[0].nmae }}")


def _with_bytes(path: Path, part: str, old: bytes, new: bytes) -> Path:
    """Copy the built-in template to ``path`` (unless it is there) with ``old`` replaced by
    ``new`` in the raw bytes of ``part``."""
    source = path if path.exists() else BUILTIN
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    assert old in members[part], f"{old!r} not found in {part}"
    members[part] = members[part].replace(old, new, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
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
    "damaged deflate data": Broken(damaged_deflate, "", (
        "cannot open the template: part word/document.xml is damaged (Error -3 while "
        "decompressing data: invalid block type)",
        "open the template in Word and save it again, or use an undamaged copy")),
    "not UTF-8": Broken(not_utf8, DOCUMENT, (
        "this part is not UTF-8 text (byte 0xE9 at line 2, column ",
        "paragraph: '{{ agreement.title }} caf\ufffd'",
        "open the template in Word and save it again")),
    "undefined entity": Broken(undefined_entity, DOCUMENT, (
        "undefined XML entity &nbsp; at line 2, column ",
        "paragraph: '{{ agreement.title }}&nbsp;'",
        "write the character itself instead")),
    "text too long": Broken(long_text, DOCUMENT, (
        "is longer than 10000000 bytes, the most one XML text may hold",
        "shorten it or split it into paragraphs")),
    "external entity": Broken(external_entity, DOCUMENT, (
        "this part declares a DTD",
        "external entities and DTDs are not allowed in a template")),
    "DTD in a part that is not templated": Broken(dtd_in_styles, STYLES, (
        "external entities and DTDs are not allowed in a template",)),
}
