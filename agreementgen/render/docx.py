"""Render a .docx template: open, patch and compile it once, then fill it for many documents."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateSyntaxError, UndefinedError
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.exceptions import SecurityError
from lxml import etree

from agreementgen.errors import Problem, RenderError, TemplateError
from agreementgen.i18n import message
from agreementgen.render.sandbox import template_environment
from agreementgen.render.untranslated import mark_untranslated

# Limits checked before a template is loaded: a .docx is a zip, and a zip can be a bomb.
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2_000
#: Why a member's name is not a name inside the document (message ``member_reason_*``).
DROP_REASONS = ("absolute", "drive", "backslash", "parent")
_DRIVE = re.compile(r"[A-Za-z]:")
#: The longest text one XML text node may hold: libxml2's limit unless it is told to read
#: "huge" documents, which neither the check of a template nor that of the output does.
MAX_XML_TEXT = 10_000_000
# Templates come from elsewhere: no entities expanded, no DTD loaded, nothing fetched.
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_DOCTYPE = re.compile(r"\A\ufeff?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.DOTALL)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UNDEFINED_ENTITY = re.compile(r"Entity '([^']+)' not defined")
_TEXT_TOO_LONG = ("Text node too long", "huge text node")  # libxml2 2.11+, and before
#: The code of a part that is not well-formed XML for a reason with no message of its own.
MALFORMED_PART = "check_part_unreadable"
_NEAR_CHARS = 2_000  # how far from a problem to look for its paragraph
_NEAR_SHOWN = 120

#: What reading a member of a damaged zip raises: zlib.error for damaged deflate data,
#: NotImplementedError for a compression method zipfile lacks, RuntimeError for an encrypted
#: member, and the rest for a broken archive.
MEMBER_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error,
                 NotImplementedError, RuntimeError)
DOCUMENT = "word/document.xml"
NUMBERING = "word/numbering.xml"
STYLES = "word/styles.xml"
TEMPLATED_PART = re.compile(
    r"^(word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml|docProps/core\.xml)$")
_DOTX = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_ESCAPED_DELIMITER = re.compile(r"\{_\{|\}_\}|\{_%|%_\}")
_LITERAL_MARK = "\x01"
# Fixed zip timestamps make the same input give byte-identical output.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Characters docxtpl's listing clean-up turns into Word tabs, breaks and paragraphs.
_LISTING = "\t\n\a\f"
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_PARAGRAPH_START = re.compile(r"<w:p([ >])")
# The zip records, as zipfile packs them (local header, central directory, end record).
_LOCAL_HEADER = "<4s2B4HL2L2H"
_CENTRAL_HEADER = "<4s4B4HL2L5H2L"
_END_RECORD = "<4s4H2LH"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_END_SIGNATURE = b"PK\x05\x06"
_LOCAL_SIZE = struct.calcsize(_LOCAL_HEADER)
_VERSION = 20  # "deflate", the version needed to extract
_UNIX = 3  # "made by" a POSIX system, whatever system runs agreementgen
_MODE = 0o600 << 16  # rw------- as zipfile sets it
_UTF8_FLAG = 0x800
_ZIP32_LIMIT = 0xFFFFFFFF
_DOS_DATE = (_ZIP_DATE[0] - 1980) << 9 | _ZIP_DATE[1] << 5 | _ZIP_DATE[2]
_DOS_TIME = _ZIP_DATE[3] << 11 | _ZIP_DATE[4] << 5 | _ZIP_DATE[5] // 2


@dataclass(frozen=True)
class _Part:
    name: str
    source: str
    template: Template
    escapes: bool  # whether the part has docxtpl's escaped delimiters


class CompiledTemplate:
    """A .docx template, checked, patched and compiled once, ready to render many times.

    Attributes:
        name: How the template is named in messages.
        path: The template file.
        sha256: The SHA-256 of the file as it was read, for manifests.
        dropped: The members left out of every document, with why (see
            :func:`unsafe_member_name`).
    """

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or str(path)
        found = open_template(self.path, self.name)
        self._members, self.sha256, self.dropped = found.members, found.sha256, found.dropped
        env = template_environment()
        self._parts = [self._compile(env, n, data) for n, data in self._members.items()
                       if TEMPLATED_PART.match(n)]
        self._archive = _Archive(self._members.items())

    def _compile(self, env: Any, part: str, data: bytes) -> _Part:
        try:
            xml, _ = template_part(self.name, part, data)
        except TemplateError as exc:
            # Other mistakes in the XML show when the part is rendered, where the check of the
            # output names them; a DTD, bytes that are not UTF-8, an undefined entity or an
            # over-long text no rendering can mend.
            if exc.problems[0].code != MALFORMED_PART:
                raise
            xml = data.decode("utf-8")
        cleaned, entry = patched_part(xml)
        # docxtpl's escapes for a literal "{{" ("{_{" ...) are marked with a character no
        # value can hold (validation refuses it), so a value's own "{_{" stays as it is.
        patched = _ESCAPED_DELIMITER.sub(lambda m: m[0].replace("_", _LITERAL_MARK), cleaned)
        try:
            template = env.from_string(patched)
        except (SecurityError, TemplateSyntaxError) as first:
            # Again with one paragraph per line, so the error's line number points at the
            # paragraph; the line breaks change nothing else.
            lined = line_per_paragraph(patched)
            try:
                env.from_string(lined)
            except SecurityError as exc:  # before syntax errors: an unsafe name is both
                raise self._error("template_unsafe", part, exc, lined) from None
            except TemplateSyntaxError as exc:
                raise self._error("template_syntax", part, exc, lined) from None
            code = "template_unsafe" if isinstance(first, SecurityError) else "template_syntax"
            raise self._error(code, part, first, patched) from None
        if entry is not None:
            from agreementgen.render import code_cache

            code_cache.store(entry, cleaned)  # kept once the sandbox accepted the part
        return _Part(part, patched, template, _LITERAL_MARK in patched)

    def _error(self, code: str, part: str, exc: Exception,
               source: str | None = None) -> TemplateError:
        lineno = getattr(exc, "lineno", None)
        context = ""
        if source is not None and lineno:
            lines = source.splitlines()[max(lineno - 2, 0): lineno + 1]
            context = " | ".join(t for t in (re.sub(r"<[^>]+>", "", x).strip() for x in lines) if t)
        problem = getattr(exc, "message", None) or str(exc)
        text = message(code, part=part, problem=problem, context=repr(context[:300]), name=problem)
        return TemplateError(text, [Problem(self.name, text, code=code)])

    def render(self, context: Mapping[str, Any],
               extra_parts: Mapping[str, Callable[[bytes], bytes]] | None = None,
               finish: Callable[[Mapping[str, bytes], Mapping[str, bytes],
                                 Mapping[str, etree._Element]],
                                Mapping[str, bytes]] | None = None) -> bytes:
        """Fill the template and return the bytes of a complete .docx.

        Args:
            context: The values the template uses.
            extra_parts: Rewrites of other members (e.g. numbering), applied after rendering.
            finish: Given the template's members, the rendered ones and their parsed
                trees (not to be changed), the members to replace or add (added ones go
                after the template's own).

        Raises:
            TemplateError: The template uses a value that is not there, or something unsafe.
            RenderError: A part came out as broken XML, or the document is too large for a zip.
        """
        rendered: dict[str, bytes] = {}
        trees: dict[str, etree._Element] = {}
        for part in self._parts:
            try:
                xml = part.template.render(context)
            except SecurityError as exc:
                raise self._error("template_unsafe", part.name, exc) from None
            except UndefinedError as exc:
                raise self._undefined(part, context, exc) from None
            except JinjaTemplateError as exc:
                raise self._error("template_error", part.name, exc, part.source) from None
            except MemoryError:
                raise
            except Exception as exc:  # template code failing: {{ 1/0 }}, {{ 'a' + 1 }}, ...
                raise self._error("template_error", part.name, exc, part.source) from None
            data = finish_xml(xml, part.escapes).encode("utf-8")
            try:
                trees[part.name] = etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                raise self._broken(part.name, exc) from None
            rendered[part.name] = data
        for name, rewrite in (extra_parts or {}).items():
            if name in self._members:
                rendered[name] = rewrite(self._members[name])
        if finish is not None:
            rendered.update(finish(self._members, rendered, trees))
        try:
            return self._archive.write(rendered)
        except ValueError as exc:
            text = message("render_too_large", problem=str(exc))
            raise RenderError(text, [Problem(self.name, text, code="too_large")]) from None

    def _undefined(self, part: _Part, context: Mapping[str, Any],
                   exc: UndefinedError) -> TemplateError:
        """The error for a name the context lacks, located and with a suggestion, in the
        words of ``templates check``."""
        from agreementgen.template_check import undefined_problem

        problem = undefined_problem(self.name, part.name, part.source, context,
                                    exc.message or str(exc))
        return TemplateError(problem.message, [problem])

    def _broken(self, part: str, exc: etree.XMLSyntaxError) -> RenderError:
        """The error for a part that rendered to XML that does not parse."""
        if any(marker in exc.msg for marker in _TEXT_TOO_LONG):
            text = message("render_text_too_long", part=part, limit=MAX_XML_TEXT)
        else:
            text = message("render_broken_xml", part=part, problem=str(exc))
        return RenderError(text, [Problem(self.name, text, code="broken_xml")])

    def member(self, name: str) -> bytes | None:
        """The raw bytes of one member of the template (e.g. the numbering part)."""
        return self._members.get(name)



@dataclass(frozen=True)
class _Entry:
    """One member ready to store: its name as bytes, flags, checksum, sizes and deflated data."""

    name: bytes
    flags: int
    crc: int
    size: int
    data: bytes

    @classmethod
    def deflate(cls, name: str, content: bytes, level: int = zlib.Z_DEFAULT_COMPRESSION,
                ) -> _Entry:
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), _UTF8_FLAG
        # The compressor settings zipfile uses at ``level``, so the bytes match what it writes.
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        data = compressor.compress(content) + compressor.flush()
        return cls(encoded, flags, zlib.crc32(content), len(content), data)


#: How hard the document part and the members added for one document (the manifest) are
#: compressed: zlib's fastest level, which takes about a third of the time of its default on
#: them, for a file about a tenth larger. They differ for every document; every other member
#: is compressed at the default level, most of them once per process.
RENDERED_LEVEL = 1


class _Archive:
    """Writes the .docx zip: unchanged members are deflated once and their bytes reused.

    The layout is the one :mod:`zipfile` writes for ``ZipInfo(name, (1980, 1, 1, 0, 0, 0))``
    with ``ZIP_DEFLATED`` on a POSIX system (at :data:`RENDERED_LEVEL` for the document part
    and added members), so the output is byte-identical to it, the same on
    every platform and for every run, but without compressing the template's styles, theme
    and images again for every document.
    """

    def __init__(self, members: Iterable[tuple[str, bytes]]) -> None:
        self._members = dict(members)
        self._deflated: dict[str, _Entry] = {}
        # The last content of each rendered member: headers and footers often come out the
        # same for every document.
        self._last: dict[str, tuple[bytes, _Entry]] = {}

    def _entry(self, name: str, content: bytes) -> _Entry:
        original = self._members.get(name)
        if original is None:
            return _Entry.deflate(name, content, RENDERED_LEVEL)
        if content is not original and content != original:
            last = self._last.get(name)
            if last is not None and last[0] == content:
                return last[1]
            fresh = _Entry.deflate(name, content, RENDERED_LEVEL if name == DOCUMENT
                                   else zlib.Z_DEFAULT_COMPRESSION)
            self._last[name] = (content, fresh)
            return fresh
        entry = self._deflated.get(name)
        if entry is None:
            entry = self._deflated[name] = _Entry.deflate(name, original)
        return entry

    def write(self, replaced: Mapping[str, bytes]) -> bytes:
        """The zip of every member in the template's order, with ``replaced`` contents.

        Raises:
            ValueError: A member or the whole archive is too large for a zip without ZIP64.
        """
        chunks: list[bytes] = []
        directory: list[bytes] = []
        offset = 0
        added = [(name, content) for name, content in replaced.items()
                 if name not in self._members]
        for name, original in (*self._members.items(), *added):
            entry = self._entry(name, replaced.get(name, original))
            if max(entry.size, len(entry.data), offset) > _ZIP32_LIMIT:
                raise ValueError(f"part {name} does not fit in a zip file without ZIP64")
            fields = (entry.flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, entry.crc,
                      len(entry.data), entry.size, len(entry.name))
            chunks += (struct.pack(_LOCAL_HEADER, _LOCAL_SIGNATURE, _VERSION, 0, *fields, 0),
                       entry.name, entry.data)
            directory += (struct.pack(_CENTRAL_HEADER, _CENTRAL_SIGNATURE, _VERSION, _UNIX,
                                      _VERSION, 0, *fields, 0, 0, 0, 0, _MODE, offset),
                          entry.name)
            offset += _LOCAL_SIZE + len(entry.name) + len(entry.data)
        size = sum(len(d) for d in directory)
        if len(directory) // 2 > 0xFFFF or offset + size > _ZIP32_LIMIT:
            raise ValueError("the document does not fit in a zip file without ZIP64")
        count = len(directory) // 2
        end = struct.pack(_END_RECORD, _END_SIGNATURE, 0, 0, count, count, size, offset, 0)
        return b"".join([*chunks, *directory, end])


def patched_part(xml: str) -> tuple[str, str | None]:
    """A template part after docxtpl's tag clean-up, which rejoins tags Word split across runs
    and expands the ``{%p %}`` / ``{%tr %}`` / ``{{r }}`` forms; and the entry of the user's
    cache (:mod:`code_cache`) to keep it under, None when it came from there.

    The clean-up only rewrites text (it is called unbound), so its result depends on the text
    and docxtpl's code alone, which make the entry: a new process that compiles the same
    template skips it. The caller keeps a part only once the sandbox has accepted it.
    """
    from agreementgen.render import code_cache
    from agreementgen.render.docxtpl_text import source_key

    entry = code_cache.key("docxtpl.patch_xml", xml, source_key(), None)
    kept = code_cache.load_text(entry)
    if kept is not None:
        return kept, None
    from agreementgen.render.docxtpl_text import DocxTemplate

    return str(DocxTemplate.patch_xml(None, xml)), entry


def line_per_paragraph(xml: str) -> str:
    """Template XML with a line break before each paragraph, so line numbers name paragraphs."""
    return _PARAGRAPH_START.sub(r"\n<w:p\1", xml)


def without_paragraph_lines(xml: str) -> str:
    """Rendered XML without the line breaks :func:`line_per_paragraph` put in."""
    return xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")


def finish_xml(xml: str, escapes: bool = True) -> str:
    """Turn tabs and line breaks into Word's, docxtpl's escaped delimiters into text, and
    untranslated text into runs tagged with its language.

    Args:
        xml: A rendered part.
        escapes: Whether the part's template held escaped delimiters (``{_{``).
    """
    if escapes:
        xml = xml.replace(_LITERAL_MARK, "")
    xml = mark_untranslated(xml)
    if "\r" in xml:
        # A value's CRLF or CR is one line break, as XML itself reads it (resolve_listing
        # would break at the LF and XML would turn the CR left behind into a second one).
        xml = xml.replace("\r\n", "\n").replace("\r", "\n")
    return _resolve_listing(xml)


def _resolve_listing(xml: str) -> str:
    """docxtpl's ``resolve_listing``, run only on the paragraphs it would change.

    docxtpl rewrites every paragraph with nested regular expressions, which costs more than
    rendering; a paragraph without a tab, newline, bell or form feed comes out unchanged, so
    only the others are handed to it. The result is the same string.
    """
    first = _PARAGRAPH_START.search(xml)
    if first is None or not _has_listing_chars(xml, first.start()):
        return xml
    from agreementgen.render.docxtpl_text import DocxTemplate

    def resolve(match: re.Match[str]) -> str:
        paragraph = match.group(0)
        if not _has_listing_chars(paragraph):
            return paragraph
        return str(DocxTemplate.resolve_listing(None, paragraph))

    return _PARAGRAPH.sub(resolve, xml)


def _has_listing_chars(text: str, start: int = 0) -> bool:
    """Whether a tab, newline, bell or form feed follows ``start`` (str.find outpaces a regex
    character class many times on a document-sized string)."""
    return any(text.find(c, start) >= 0 for c in _LISTING)


@dataclass(frozen=True)
class TemplateFile:
    """The members of a .docx as read, and the members left out because of their names.

    Attributes:
        members: Each member's name and bytes, in the zip's order.
        sha256: The SHA-256 of the file as it was read, for manifests.
        dropped: (name, reason) of each member whose name points outside the document;
            the reason is one of :data:`DROP_REASONS`.
    """

    members: dict[str, bytes]
    sha256: str
    dropped: tuple[tuple[str, str], ...] = ()


def unsafe_member_name(name: str) -> str | None:
    """Why a zip member's name could point outside the folder it is unpacked in, or None.

    Word names a document's parts by forward-slash paths inside it (``word/document.xml``);
    an absolute name, a drive letter, a backslash or a ``..`` segment never occurs in one, and
    a tool that unpacks the output could write such a member anywhere.
    """
    if name.startswith(("/", "\\")):
        return "absolute"
    if _DRIVE.match(name):
        return "drive"
    if "\\" in name:
        return "backslash"
    if ".." in name.split("/"):
        return "parent"
    return None


def open_template(path: Path, name: str) -> TemplateFile:
    """Read a .docx after refusing non-zips, bombs, damaged members and non-documents.

    Members whose names point outside the document are left out, unread.

    Args:
        path: The template file.
        name: How the template is named in messages.

    Raises:
        TemplateError: The file cannot be used as a template; the error names the file, and
            the member when one is to blame.
    """

    def fail(code: str, **values: Any) -> TemplateError:
        text = message("template_unreadable", reason=message(code, **values))
        return TemplateError(text, [Problem(name, text, code="template_unreadable")])

    if not path.is_file():
        raise fail("template_reason_missing")
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise fail("template_reason_too_large", limit=MAX_TEMPLATE_BYTES)
    try:
        content = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail("template_reason_not_zip", problem=exc) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise fail("template_reason_too_many_parts", limit=MAX_MEMBERS)
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise fail("template_reason_unpacks_large", total=total,
                       limit=MAX_UNCOMPRESSED_BYTES)
        for info in infos:
            packed = max(info.compress_size, 1)
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * packed:
                raise fail("template_reason_ratio", part=info.filename,
                           ratio=info.file_size // packed)
        dropped = [(i.filename, why) for i in infos
                   if (why := unsafe_member_name(i.filename)) is not None]
        kept = [i for i in infos if unsafe_member_name(i.filename) is None]
        if DOCUMENT not in {i.filename for i in kept}:
            raise fail("template_reason_not_word", part=DOCUMENT)
        members: dict[str, bytes] = {}
        for info in kept:
            try:
                members[info.filename] = archive.read(info)
            except MEMBER_ERRORS as exc:
                raise fail("template_reason_damaged", part=info.filename,
                           problem=exc) from None
    if _DOTX.encode() in members.get("[Content_Types].xml", b""):
        raise fail("template_reason_dotx")
    for part, data in members.items():
        if part.endswith((".xml", ".rels")) and _declares_dtd(data):
            raise _part_error(name, part, "template_part_dtd")
    return TemplateFile(members, hashlib.sha256(content).hexdigest(), tuple(dropped))


def _declares_dtd(data: bytes) -> bool:
    """Whether an XML part starts with a document type declaration (its prolog has one)."""
    head = data[:4096]
    text = head.decode("utf-16" if head.startswith(_UTF16_BOMS) else "utf-8", errors="replace")
    return _DOCTYPE.match(text) is not None


def template_part(name: str, part: str, data: bytes) -> tuple[str, Any]:
    """The text and the parsed root of a templated part, once it is known to be usable.

    ``templates check`` and compiling a template both read a part through here, so both give
    the same verdict in the same words (compiling leaves a part that is not well-formed for
    another reason, :data:`MALFORMED_PART`, to the check of the rendered output).

    Args:
        name: How the template is named in messages.
        part: The member's name (``word/document.xml``).
        data: Its bytes.

    Raises:
        TemplateError: The part declares a DTD (external entities), is not UTF-8, uses an
            entity XML does not define, holds a text too long for XML, or is otherwise not
            well-formed; the problem names the file, the part, and the place in it.
    """
    if _declares_dtd(data):
        raise _part_error(name, part, "template_part_dtd")
    try:
        xml = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        line_start = before.rfind("\n") + 1
        text = data.decode("utf-8", errors="replace")
        raise _part_error(name, part, "template_part_not_utf8", byte=f"0x{data[exc.start]:02X}",
                          line=before.count("\n") + 1, column=len(before) - line_start + 1,
                          near=_near(text, len(before))) from None
    try:
        root = etree.fromstring(data, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        code, values = _xml_trouble(exc, xml)
        raise _part_error(name, part, code, **values) from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise _part_error(name, part, "template_part_dtd")
    return xml, root


def _xml_trouble(exc: etree.XMLSyntaxError, xml: str) -> tuple[str, dict[str, Any]]:
    """The message code and values that say what is wrong with XML lxml refused."""
    lineno = exc.lineno or 1
    lines = xml.split("\n")
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    offset = sum(len(x) + 1 for x in lines[: lineno - 1])
    after = exc.offset or 0  # libxml2 points just past the problem
    entity = _UNDEFINED_ENTITY.search(exc.msg)
    if entity is not None:
        reference = f"&{entity.group(1)};"
        start = line.rfind(reference, 0, after + len(reference))
        start = start if start >= 0 else max(line.find(reference), 0)
        return "template_part_entity", {
            "entity": reference, "line": lineno, "column": start + 1,
            "near": _near(xml, offset + start)}
    if any(marker in exc.msg for marker in _TEXT_TOO_LONG):
        start = line.rfind(">", 0, after) + 1
        return "template_part_text_too_long", {
            "line": lineno, "column": start + 1, "limit": MAX_XML_TEXT,
            "near": _near(xml, offset + start, forward=True)}
    return MALFORMED_PART, {"problem": exc.msg}


def _near(xml: str, index: int, forward: bool = False) -> str:
    """``; paragraph: '...'`` with the text of the paragraph around ``index`` in a part's XML
    (or of the text that starts there, ``forward``), or "" when it has no text."""
    if forward:
        chunk = xml[index: index + _NEAR_CHARS]
    else:
        start = max(xml.rfind("<w:p>", 0, index), xml.rfind("<w:p ", 0, index),
                    index - _NEAR_CHARS)
        end = xml.find("</w:p>", index, index + _NEAR_CHARS)
        chunk = xml[max(start, 0): end if end >= 0 else index + _NEAR_CHARS]
    # Tags out without a space: Word splits words across runs.
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>?", "", chunk)).strip()
    if len(text) > _NEAR_SHOWN:
        text = text[: _NEAR_SHOWN - 1] + "\u2026"
    return message("check_near", context=text) if text else ""


def _part_error(name: str, part: str, code: str, **values: Any) -> TemplateError:
    text = message(code, **values)
    return TemplateError(text, [Problem(name, text, part, code=code)])
