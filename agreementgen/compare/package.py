"""Read the two documents of a comparison, and write the redline as a .docx."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from agreementgen.errors import InputError, Problem
from agreementgen.i18n import message
from agreementgen.render.docx import (
    DOCUMENT,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TEMPLATE_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    MEMBER_ERRORS,
    SAFE_PARSER,
    unsafe_member_name,
)

RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_EXTERNAL = "External"
# Fixed zip timestamps: the same two documents and date give the same redline, byte for byte.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# The content types of parts a deleted paragraph may bring along (its pictures).
_MEDIA_TYPES = {
    "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif",
    "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "emf": "image/x-emf",
    "wmf": "image/x-wmf", "svg": "image/svg+xml",
}


@dataclass
class Package:
    """The parts of a .docx, as read; the redline replaces and adds parts before writing.

    Attributes:
        name: The file as the user named it, for messages.
        members: Each part's name and bytes, in the zip's order.
        heading: The message that says what cannot be done with a file that is unreadable
            (``compare_unreadable``: "cannot compare this file: ...").
    """

    name: str
    members: dict[str, bytes]
    heading: str = "compare_unreadable"
    _parsed: dict[str, Any] = field(default_factory=dict, repr=False)

    def xml(self, part: str) -> Any:
        """The parsed root of an XML part (parsed once; changes to it are kept).

        Raises:
            InputError: The part is not well-formed XML, or declares a DTD.
        """
        root = self._parsed.get(part)
        if root is None:
            try:
                root = etree.fromstring(self.members[part], SAFE_PARSER)
            except etree.XMLSyntaxError as exc:
                raise unreadable(self.name, "compare_reason_xml", self.heading, part=part,
                                 problem=exc) from None
            info = root.getroottree().docinfo
            if info.doctype or info.internalDTD is not None:
                raise unreadable(self.name, "compare_reason_dtd", self.heading, part=part)
            self._parsed[part] = root
        return root

    def parts(self, pattern: str) -> list[str]:
        """The names of the XML parts whose name starts with ``pattern`` (``word/header``)."""
        return [n for n in self.members if n.startswith(pattern) and n.endswith(".xml")]

    def to_bytes(self) -> bytes:
        """The package as a .docx, with every parsed part written back."""
        return zipped({name: xml_bytes(self._parsed[name]) if name in self._parsed else data
                       for name, data in self.members.items()})


def xml_bytes(root: Any) -> bytes:
    """A parsed part as the bytes of its file."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def zipped(members: Mapping[str, bytes]) -> bytes:
    """A .docx of ``members``, in their order, with a fixed date (the same bytes each time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def unreadable(name: str, code: str, heading: str = "compare_unreadable",
               **values: Any) -> InputError:
    """The error for a file that cannot be read, naming it and saying why (``heading``:
    the message that says what cannot be done with it)."""
    text = message(heading, reason=message(code, **values))
    return InputError(text, [Problem(name, text, code=heading)])


def read_package(path: Path, heading: str = "compare_unreadable") -> Package:
    """Read a .docx after refusing missing files, non-zips, bombs and damaged members.

    Members whose names point outside the document are left out, unread. ``heading`` is the
    message that says what cannot be done with a file that is refused.

    Raises:
        InputError: The file cannot be compared; the error names it.
    """
    name = str(path)
    if not path.is_file():
        raise unreadable(name, "file_missing", heading)
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise unreadable(name, "template_reason_too_large", heading, limit=MAX_TEMPLATE_BYTES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    except (zipfile.BadZipFile, OSError) as exc:
        raise unreadable(name, "template_reason_not_zip", heading, problem=exc) from None
    with archive:
        infos = [i for i in archive.infolist() if unsafe_member_name(i.filename) is None]
        _check_sizes(name, infos, heading)
        if DOCUMENT not in {i.filename for i in infos}:
            raise unreadable(name, "template_reason_not_word", heading, part=DOCUMENT)
        members: dict[str, bytes] = {}
        for info in infos:
            try:
                members[info.filename] = archive.read(info)
            except MEMBER_ERRORS as exc:
                raise unreadable(name, "compare_reason_damaged", heading, part=info.filename,
                                 problem=exc) from None
    package = Package(name, members, heading)
    package.xml(DOCUMENT)
    return package


def _check_sizes(name: str, infos: list[zipfile.ZipInfo], heading: str) -> None:
    if len(infos) > MAX_MEMBERS:
        raise unreadable(name, "template_reason_too_many_parts", heading, limit=MAX_MEMBERS)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise unreadable(name, "template_reason_unpacks_large", heading, total=total,
                         limit=MAX_UNCOMPRESSED_BYTES)
    for info in infos:
        packed = max(info.compress_size, 1)
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * packed:
            raise unreadable(name, "template_reason_ratio", heading, part=info.filename,
                             ratio=info.file_size // packed)


def rels_name(part: str) -> str:
    """The relationships part of a part: ``word/_rels/document.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


class Relations:
    """Gives a deleted paragraph copied from OLD the relationships its ids point at in NEW.

    A hyperlink's target or a picture of OLD gets a relationship in NEW's part (reused when
    NEW has the same one); a picture NEW lacks is copied into NEW's package.
    """

    def __init__(self, old: Package, new: Package, part: str) -> None:
        self._old, self._new, self._part = old, new, part
        self._old_rels = _relationships(old, rels_name(part))
        self._mapped: dict[str, str | None] = {}

    def new_id(self, old_id: str) -> str | None:
        """NEW's id for OLD's relationship ``old_id``, or None when OLD has no such one."""
        if old_id not in self._mapped:
            self._mapped[old_id] = self._map(old_id)
        return self._mapped[old_id]

    def _map(self, old_id: str) -> str | None:
        rel = self._old_rels.get(old_id)
        if rel is None:
            return None
        kind, target, mode = rel.get("Type", ""), rel.get("Target", ""), rel.get("TargetMode")
        if mode != _EXTERNAL:
            target = self._copy_part(target)
            if target is None:
                return None
        root = self._new_rels_root()
        for existing in root:
            if (existing.get("Type"), existing.get("Target"), existing.get("TargetMode")) == (
                    kind, target, mode):
                return str(existing.get("Id"))
        taken = {r.get("Id") for r in root}
        number = len(taken) + 1
        while f"rId{number}" in taken:
            number += 1
        added = etree.SubElement(root, f"{{{RELATIONSHIPS}}}Relationship",
                                 Id=f"rId{number}", Type=kind, Target=target)
        if mode:
            added.set("TargetMode", mode)
        return f"rId{number}"

    def _copy_part(self, target: str) -> str | None:
        """Copy OLD's part ``target`` into NEW (unless NEW has the same bytes there)."""
        folder = posixpath.dirname(self._part)
        source = posixpath.normpath(posixpath.join(folder, target))
        data = self._old.members.get(source)
        if data is None:
            return None
        if self._new.members.get(source) == data:
            return target
        stem, dot, suffix = posixpath.basename(source).rpartition(".")
        number = 1
        while True:
            name = posixpath.join(posixpath.dirname(source), f"{stem}_old{number}{dot}{suffix}")
            if name not in self._new.members:
                break
            number += 1
        self._new.members[name] = data
        _declare_type(self._new, suffix.lower())
        return posixpath.relpath(name, folder)

    def _new_rels_root(self) -> Any:
        name = rels_name(self._part)
        if name not in self._new.members:
            self._new.members[name] = (
                f'<Relationships xmlns="{RELATIONSHIPS}"/>'.encode())
        return self._new.xml(name)


def _relationships(package: Package, name: str) -> dict[str, Any]:
    if name not in package.members:
        return {}
    return {rel.get("Id"): rel for rel in package.xml(name)}


def _declare_type(package: Package, suffix: str) -> None:
    """Make sure [Content_Types].xml gives a content type to parts ending in ``suffix``."""
    name = "[Content_Types].xml"
    if name not in package.members or suffix not in _MEDIA_TYPES:
        return
    root = package.xml(name)
    defaults = root.iter(f"{{{CONTENT_TYPES}}}Default")
    if any(d.get("Extension", "").lower() == suffix for d in defaults):
        return
    default = etree.Element(f"{{{CONTENT_TYPES}}}Default", Extension=suffix,
                            ContentType=_MEDIA_TYPES[suffix])
    root.insert(0, default)
