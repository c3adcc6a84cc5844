"""The manifest inside a generated agreement: what each clause said when it was generated.

A custom XML part (``customXml/itemN.xml``, in Word's data store, which Word and LibreOffice
keep when they save) records the tool's version, the hashes of the description and the
template, and per clause its id, its column, its language, the hash of its compared text and
its shown text (:mod:`agreementgen.negotiation.wordtext`). ``edits`` compares an edited file
with it; ``generate --keep-edits`` takes it as the base of a three-way merge.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from lxml import etree

from agreementgen.negotiation import controls
from agreementgen.negotiation.controls import quoted
from agreementgen.negotiation.locate import locate, outside
from agreementgen.negotiation.wordtext import SAFE_PARSER, digest, special_paragraphs, text_of

#: The namespace of the manifest part.
NAMESPACE = "urn:agreementgen:manifest:1"
_CUSTOM_XML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
_PROPS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
              "customXmlProps")
_PROPS_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_ITEM = re.compile(r"^customXml/item(\d+)\.xml$")
DOCUMENT_RELS = "word/_rels/document.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
_ROOT_START = re.compile(r"<w:document\b[^>]*>")


@dataclass(frozen=True)
class Entry:
    """One clause in the manifest.

    Attributes:
        id: The clause id.
        column: 1, or 2 for the second language's copy in a bilingual agreement.
        lang: The language of this copy.
        sha256: The hash of its compared text.
        text: Its shown text.
        after: The text of the paragraphs between it and the next clause or heading (see
            :mod:`agreementgen.negotiation.locate`), as generated.
    """

    id: str
    column: int
    lang: str
    sha256: str
    text: str
    after: str = ""

    @property
    def key(self) -> tuple[str, int]:
        """What identifies this copy of the clause in the document."""
        return (self.id, self.column)


@dataclass(frozen=True)
class Manifest:
    """What an agreement was generated from, its clauses in document order, and the text
    outside them (the cover, the parties, the tables, the signature blocks)."""

    tool_version: str
    description_sha256: str
    template_sha256: str
    languages: tuple[str, ...]
    clauses: tuple[Entry, ...] = field(default=())
    outside: str = ""

    def by_key(self) -> dict[tuple[str, int], Entry]:
        """The clauses by (id, column)."""
        return {e.key: e for e in self.clauses}

    def xml(self) -> bytes:
        """The manifest as the bytes of its custom XML part."""
        lines = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<agreement xmlns="{NAMESPACE}" tool-version={quoted(self.tool_version)}'
                 f' description-sha256="{self.description_sha256}"'
                 f' template-sha256="{self.template_sha256}"'
                 f' languages={quoted(",".join(self.languages))}>']
        for e in self.clauses:
            after = f"<after>{escape(e.after, quote=False)}</after>" if e.after else ""
            lines.append(f"<clause id={quoted(e.id)} column=\"{e.column}\""
                         f" lang={quoted(e.lang)} sha256=\"{e.sha256}\">"
                         f"<text>{escape(e.text, quote=False)}</text>{after}</clause>")
        if self.outside:
            lines.append(f"<outside>{escape(self.outside, quote=False)}</outside>")
        lines.append("</agreement>")
        return "\n".join(lines).encode("utf-8")


def generated_clauses(root: etree._Element, languages: tuple[str, ...]) -> tuple[
        tuple[Entry, ...], str]:
    """The clauses of a freshly rendered document part (its ``w:document``), found by their
    controls, and the text outside them."""
    located = locate(root)
    special = special_paragraphs(root)
    entries = []
    for unit in located.units.values():
        clause_id, column = unit.key
        text = text_of(unit.blocks, special)
        lang = languages[min(column, len(languages)) - 1]
        entries.append(Entry(clause_id, column, lang, text.sha256, text.shown,
                             text_of(unit.gap, special).shown))
    return tuple(entries), text_of(outside(root, located), special).shown


def with_manifest(members: Mapping[str, bytes], rendered: Mapping[str, bytes],
                  manifest: Manifest) -> dict[str, bytes]:
    """The members to replace or add so that the package carries ``manifest``.

    Args:
        members: The template's members, by name.
        rendered: The members rendered for this document (document part included).
        manifest: What to record.
    """
    item = _free_item(members)
    props = f"customXml/itemProps{item}.xml"
    part = manifest.xml()
    guid = uuid.uuid5(uuid.NAMESPACE_URL, f"{NAMESPACE}/{manifest.description_sha256}"
                      f"/{manifest.template_sha256}/{digest(part.decode())}")
    changed = {
        f"customXml/item{item}.xml": part,
        props: (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                f'<ds:datastoreItem ds:itemID="{{{str(guid).upper()}}}" xmlns:ds="http://'
                f'schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
                f'<ds:schemaRef ds:uri="{NAMESPACE}"/></ds:schemaRefs></ds:datastoreItem>'
                ).encode(),
        f"customXml/_rels/item{item}.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{_PROPS_REL}" Target="itemProps{item}.xml"/></Relationships>'
        ).encode(),
    }
    rels = members.get(DOCUMENT_RELS)
    if rels is not None:
        changed[DOCUMENT_RELS] = add_relationship(rels, _CUSTOM_XML_REL,
                                                  f"../customXml/item{item}.xml")[0]
    types = members.get(CONTENT_TYPES)
    if types is not None:
        changed[CONTENT_TYPES] = add_override(types, f"/{props}", _PROPS_TYPE)
    document = rendered.get("word/document.xml")
    if document is not None:
        changed["word/document.xml"] = with_w15(document)
    return changed


def add_relationship(rels: bytes, kind: str, target: str,
                     external: bool = False) -> tuple[bytes, str]:
    """A relationships part with one more relationship, and the new relationship's id."""
    text = rels.decode("utf-8")
    taken = set(re.findall(r'Id="([^"]+)"', text))
    number = len(taken) + 1
    while f"rId{number}" in taken:
        number += 1
    rid = f"rId{number}"
    mode = ' TargetMode="External"' if external else ""
    added = (f'<Relationship Id="{rid}" Type="{kind}" Target={quoted(target)}{mode}/>'
             "</Relationships>")
    return text.replace("</Relationships>", added, 1).encode("utf-8"), rid


def add_override(types: bytes, part: str, content_type: str) -> bytes:
    """A content-types part that also names the type of ``part``."""
    text = types.decode("utf-8")
    if f'PartName="{part}"' in text:
        return types
    return text.replace("</Types>", f'<Override PartName="{part}" ContentType='
                        f'"{content_type}"/></Types>', 1).encode("utf-8")


def with_w15(document: bytes) -> bytes:
    """The document part with Word 2012's namespace declared and ignorable, which the
    controls' hidden appearance needs (Word 2010 skips what it does not know)."""
    text = document.decode("utf-8")
    match = _ROOT_START.search(text)
    if match is None or "xmlns:w15=" in match[0]:
        return document
    start = match[0][:-1] + f' xmlns:w15="{controls.W15}"'
    ignorable = re.search(r'mc:Ignorable="([^"]*)"', start)
    if ignorable is not None:
        values = " ".join(filter(None, (ignorable[1], "w15")))
        start = start.replace(ignorable[0], f'mc:Ignorable="{values}"')
    elif 'xmlns:mc="' in start:
        start += ' mc:Ignorable="w15"'
    return (text[: match.start()] + start + ">" + text[match.end():]).encode("utf-8")


def _free_item(members: Mapping[str, bytes]) -> int:
    taken = {int(m[1]) for name in members if (m := _ITEM.match(name))}
    number = 1
    while number in taken:
        number += 1
    return number


def read_manifest(members: Mapping[str, bytes]) -> Manifest | None:
    """The manifest among a package's members; None when there is none.

    Raises:
        ValueError: A manifest part is there but cannot be read.
    """
    for name in sorted(members):
        if not name.startswith("customXml/") or not name.endswith(".xml"):
            continue
        data = members[name]
        if NAMESPACE.encode() not in data[:600]:
            continue
        root = etree.fromstring(data, SAFE_PARSER)
        if root.tag != f"{{{NAMESPACE}}}agreement":
            continue
        clauses = tuple(
            Entry(c.get("id", ""), int(c.get("column", "1")), c.get("lang", ""),
                  c.get("sha256", ""), c.findtext(f"{{{NAMESPACE}}}text") or "",
                  c.findtext(f"{{{NAMESPACE}}}after") or "")
            for c in root.iter(f"{{{NAMESPACE}}}clause"))
        return Manifest(root.get("tool-version", ""), root.get("description-sha256", ""),
                        root.get("template-sha256", ""),
                        tuple(filter(None, root.get("languages", "").split(","))), clauses,
                        root.findtext(f"{{{NAMESPACE}}}outside") or "")
    return None
