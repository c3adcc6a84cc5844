"""The text of a clause as it reads with every tracked change accepted.

One function reads a clause's text for the manifest when it is generated and again from an
edited file, so a clause nobody touched reads the same both times. Two forms come out:

- the *shown* text, paragraphs joined by line breaks, as a reader sees it, for diffs;
- the *compared* text, which is the shown text with each cross-reference written as the
  bookmark it points at, so a clause whose only change is the number of a clause it refers
  to (renumbered by another change) counts as unchanged.

White space is collapsed and empty paragraphs are left out in both.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: Files from elsewhere: no entities expanded, no DTD loaded, nothing fetched.
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_SPACES = re.compile(r"\s+")
# Text inside these is not in the text once every change is accepted.
_REMOVED = {f"{_W}del", f"{_W}moveFrom"}
_SKIPPED = {f"{_W}delText", f"{_W}pPr", f"{_W}rPr", f"{_W}sdtPr", f"{_W}instrText",
            f"{_W}delInstrText", f"{_W}commentReference", f"{_W}footnoteReference",
            f"{_W}endnoteReference", f"{_W}sectPr", f"{_W}tblPr", f"{_W}trPr", f"{_W}tcPr"}
_REF = re.compile(r"^\s*REF\s+(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class ClauseText:
    """A clause's text: as shown, and as compared (see the module's docstring)."""

    shown: str
    compared: str

    @property
    def sha256(self) -> str:
        """The hash the manifest records for the compared text."""
        return digest(self.compared)


def digest(text: str) -> str:
    """The SHA-256 of a text, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_of(blocks: Iterable[etree._Element]) -> ClauseText:
    """The text of blocks of a document body (paragraphs, tables, content controls)."""
    shown: list[str] = []
    compared: list[str] = []
    joined = False  # the last paragraph's mark was deleted: it runs on into the next
    for paragraph in paragraphs(blocks):
        reader = _Reader()
        reader.read(paragraph)
        a, b = _clean("".join(reader.shown)), _clean("".join(reader.compared))
        if joined and shown:
            shown[-1] = _clean(f"{shown[-1]} {a}")
            compared[-1] = _clean(f"{compared[-1]} {b}")
        elif a or b:
            shown.append(a)
            compared.append(b)
        joined = mark_deleted(paragraph)
    return ClauseText("\n".join(shown), "\n".join(compared))


def paragraphs(blocks: Iterable[etree._Element]) -> list[etree._Element]:
    """The paragraphs in blocks, in document order (those in tables and controls too)."""
    found: list[etree._Element] = []
    for block in blocks:
        if block.tag == f"{_W}p":
            found.append(block)
        else:
            found += [p for p in block.iter(f"{_W}p") if not _inside_removed(p, block)]
    return found


def mark_deleted(paragraph: etree._Element) -> bool:
    """Whether a paragraph's mark is a tracked deletion (accepting it joins the next)."""
    return paragraph.find(f"{_W}pPr/{_W}rPr/{_W}del") is not None


def has_tracked_changes(root: etree._Element) -> bool:
    """Whether a part holds tracked changes that nobody accepted or rejected yet."""
    names = ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange")
    return any(True for _ in root.iter(*(f"{_W}{n}" for n in names)))


def _inside_removed(element: etree._Element, top: etree._Element) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not top:
        if parent.tag in _REMOVED:
            return True
        parent = parent.getparent()
    return False


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class _Reader:
    """Walks one paragraph, keeping field results and reading cross-references."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.compared: list[str] = []
        # Fields nest: per open field, its instruction and whether its result is showing.
        self._fields: list[list[str | bool]] = []

    def read(self, element: etree._Element) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED or tag in _REMOVED:
                if tag == f"{_W}instrText" and self._fields:
                    self._fields[-1][0] = f"{self._fields[-1][0]}{child.text or ''}"
                continue
            if tag == f"{_W}t":
                self._text(child.text or "")
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                self._text("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                self._text("\n")
            elif tag == f"{_W}noBreakHyphen":
                self._text("-")
            elif tag == f"{_W}fldChar":
                self._field(child.get(f"{_W}fldCharType", ""))
            elif tag == f"{_W}fldSimple":
                self._simple(child)
            else:
                self.read(child)

    def _text(self, text: str) -> None:
        self.shown.append(text)
        if not any(self._target(f) for f in self._fields):
            self.compared.append(text)

    def _field(self, kind: str) -> None:
        if kind == "begin":
            self._fields.append(["", False])
        elif kind == "separate" and self._fields:
            self._fields[-1][1] = True
            target = self._target(self._fields[-1])
            if target:
                self.compared.append(f"[{target}]")
        elif kind == "end" and self._fields:
            self._fields.pop()

    def _simple(self, element: etree._Element) -> None:
        field: list[str | bool] = [element.get(f"{_W}instr", ""), True]
        target = self._target(field)
        if target:
            self.compared.append(f"[{target}]")
        self._fields.append(field)
        self.read(element)
        self._fields.pop()

    @staticmethod
    def _target(field: list[str | bool]) -> str | None:
        match = _REF.match(str(field[0]))
        return match[1] if match else None
