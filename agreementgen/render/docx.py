"""Render a .docx template: open, patch and compile it once, then fill it for many documents."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
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

# Limits checked before a template is loaded: a .docx is a zip, and a zip can be a bomb.
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2_000

DOCUMENT = "word/document.xml"
NUMBERING = "word/numbering.xml"
_TEMPLATED = re.compile(r"^(word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml|docProps/core\.xml)$")
_DOTX = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
# Fixed zip timestamps make the same input give byte-identical output.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class _Part:
    name: str
    source: str
    template: Template


class CompiledTemplate:
    """A .docx template, checked, patched and compiled once, ready to render many times.

    Attributes:
        name: How the template is named in messages.
        path: The template file.
    """

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or str(path)
        self._members = _read_members(self.path, self.name)
        env = template_environment()
        self._parts = [self._compile(env, n, data) for n, data in self._members.items()
                       if _TEMPLATED.match(n)]

    def _compile(self, env: Any, part: str, data: bytes) -> _Part:
        from docxtpl import DocxTemplate

        xml = data.decode("utf-8")
        # docxtpl's tag clean-up: rejoins tags Word split across runs and expands the
        # {%p %} / {%tr %} / {{r }} forms; it only rewrites text, so it is called unbound.
        patched = DocxTemplate.patch_xml(None, xml)  # type: ignore[arg-type]
        # One paragraph per line, so an error's line number points at a paragraph.
        patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
        try:
            template = env.from_string(patched)
        except TemplateSyntaxError as exc:
            raise self._error("template_syntax", part, exc, patched) from None
        return _Part(part, patched, template)

    def _error(self, code: str, part: str, exc: Exception, source: str | None = None) -> TemplateError:
        lineno = getattr(exc, "lineno", None)
        context = ""
        if source is not None and lineno:
            lines = source.splitlines()[max(lineno - 2, 0): lineno + 1]
            context = " | ".join(t for t in (re.sub(r"<[^>]+>", "", x).strip() for x in lines) if t)
        problem = getattr(exc, "message", None) or str(exc)
        text = message(code, part=part, problem=problem, context=repr(context[:300]), name=problem)
        return TemplateError(text, [Problem(self.name, text, code=code)])

    def render(self, context: Mapping[str, Any],
               extra_parts: Mapping[str, Callable[[bytes], bytes]] | None = None) -> bytes:
        """Fill the template and return the bytes of a complete .docx.

        Args:
            context: The values the template uses.
            extra_parts: Rewrites of other members (e.g. numbering), applied after rendering.

        Raises:
            TemplateError: The template uses a value that is not there, or something unsafe.
            RenderError: A part came out as broken XML.
        """
        rendered: dict[str, bytes] = {}
        for part in self._parts:
            try:
                xml = part.template.render(context)
            except SecurityError as exc:
                raise self._error("template_unsafe", part.name, exc) from None
            except UndefinedError as exc:
                raise self._error("template_undefined", part.name, exc, part.source) from None
            except JinjaTemplateError as exc:
                raise self._error("template_error", part.name, exc, part.source) from None
            xml = _finish(xml)
            try:
                etree.fromstring(xml.encode("utf-8"))
            except etree.XMLSyntaxError as exc:
                text = message("render_broken_xml", part=part.name, problem=str(exc))
                raise RenderError(text, [Problem(self.name, text, code="broken_xml")]) from None
            rendered[part.name] = xml.encode("utf-8")
        for name, rewrite in (extra_parts or {}).items():
            if name in self._members:
                rendered[name] = rewrite(self._members[name])
        return self._zip(rendered)

    def member(self, name: str) -> bytes | None:
        """The raw bytes of one member of the template (e.g. the numbering part)."""
        return self._members.get(name)

    def _zip(self, rendered: Mapping[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self._members.items():
                info = zipfile.ZipInfo(name, _ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, rendered.get(name, data))
        return out.getvalue()


def _finish(xml: str) -> str:
    """Undo the line breaks added for error messages and turn tabs and newlines into Word's."""
    from docxtpl import DocxTemplate

    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if "\t" in xml or "\n" in xml:
        xml = DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]
    return xml


def _read_members(path: Path, name: str) -> dict[str, bytes]:
    """The members of a .docx, after checks that refuse non-zips, bombs and non-documents."""

    def fail(reason: str) -> TemplateError:
        text = message("template_unreadable", reason=reason)
        return TemplateError(text, [Problem(name, text, code="template_unreadable")])

    if not path.is_file():
        raise fail("file not found")
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise fail(f"larger than {MAX_TEMPLATE_BYTES} bytes")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail(f"not a .docx (zip) file: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise fail(f"more than {MAX_MEMBERS} parts")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise fail(f"unpacks to {total} bytes, more than {MAX_UNCOMPRESSED_BYTES} (a zip bomb?)")
        for info in infos:
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise fail(f"part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}:1 (a zip bomb?)")
        names = {i.filename for i in infos}
        if DOCUMENT not in names:
            raise fail(f"not a Word document: it has no {DOCUMENT}")
        try:
            members = {i.filename: archive.read(i) for i in infos}
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise fail(f"damaged zip: {exc}") from None
    if _DOTX.encode() in members.get("[Content_Types].xml", b""):
        raise fail("this is a Word template (.dotx); open it in Word and save it as a .docx document")
    return members
