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
from collections.abc import Container, Iterable
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: Files from elsewhere: no entities expanded, no DTD loaded, nothing fetched.
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# Text inside these is not in the text once every change is accepted.
_REMOVED = {f"{_W}del", f"{_W}moveFrom"}
_P, _T, _INSTR = f"{_W}p", f"{_W}t", f"{_W}instrText"
_FLD_CHAR, _FLD_SIMPLE = f"{_W}fldChar", f"{_W}fldSimple"
# Elements that stand for white space or a character of their own.
_SPACES_LIKE = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n",
                f"{_W}noBreakHyphen": "-"}
_TEXT_TAGS = (_P, _T, _INSTR, _FLD_CHAR, _FLD_SIMPLE, *_SPACES_LIKE, *_REMOVED)
# What makes a paragraph's text more than the join of its text runs.
_SPECIAL = (_INSTR, _FLD_CHAR, _FLD_SIMPLE, *_SPACES_LIKE, *_REMOVED)
_DEL, _RPR, _PPR = f"{_W}del", f"{_W}rPr", f"{_W}pPr"
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


def text_of(blocks: Iterable[etree._Element],
            special: Container[etree._Element] | None = None) -> ClauseText:
    """The text of blocks of a document body (paragraphs, tables, content controls).

    Args:
        blocks: The blocks.
        special: The paragraphs that hold more than text runs (:func:`special_paragraphs`),
            when the caller knows them; else each paragraph is looked at.
    """
    shown: list[str] = []
    compared: list[str] = []
    joined = False  # the last paragraph's mark was deleted: it runs on into the next
    for block in blocks:
        for paragraph in (block,) if block.tag == _P else block.iter(_P):
            if paragraph not in special if special is not None else \
                    next(paragraph.iter(*_SPECIAL), None) is None:
                # Only text runs (most paragraphs): lxml joins the text.
                a = b = _clean("".join(paragraph.itertext(_T, with_tail=False)))
                deleted = False
            else:
                a, b, deleted = _paragraph_text(paragraph)
            if joined and shown:
                shown[-1] = _clean(f"{shown[-1]} {a}")
                compared[-1] = _clean(f"{compared[-1]} {b}")
            elif a or b:
                shown.append(a)
                compared.append(b)
            joined = deleted
    return ClauseText("\n".join(shown), "\n".join(compared))


def special_paragraphs(root: etree._Element) -> set[etree._Element]:
    """The paragraphs of a part that hold fields, tabs, breaks or tracked changes."""
    found: set[etree._Element] = set()
    for element in root.iter(*_SPECIAL):
        parent = element.getparent()
        while parent is not None:
            if parent.tag == _P:
                found.add(parent)
            parent = parent.getparent()
    return found


def _paragraph_text(paragraph: etree._Element) -> tuple[str, str, bool]:
    """A paragraph's shown and compared text, and whether its mark is deleted, for one that
    holds fields, tabs, breaks or tracked changes."""
    shown: list[str] = []
    compared: list[str] = []
    fields: list[tuple[str | None, bool]] = []  # per open field: REF target, result showing
    removed = 0  # depth inside deleted or moved-away content
    deleted = False
    for event, element in etree.iterwalk(paragraph, events=("start", "end"), tag=_TEXT_TAGS):
        tag = element.tag
        if tag in _REMOVED:
            parent = element.getparent()
            if parent is not None and parent.tag == _RPR and parent.getparent() is not None \
                    and parent.getparent().tag == _PPR:
                deleted = deleted or tag == _DEL
                continue
            removed += 1 if event == "start" else -1
        elif removed or (event == "end" and tag != _FLD_SIMPLE) or tag == _P:
            continue
        elif tag == _T:
            text = element.text or ""
            shown.append(text)
            if not any(target for target, _ in fields):
                compared.append(text)
        elif tag in _SPACES_LIKE:
            shown.append(_SPACES_LIKE[tag])
            if not any(target for target, _ in fields):
                compared.append(_SPACES_LIKE[tag])
        elif tag == _FLD_CHAR:
            kind = element.get(f"{_W}fldCharType", "")
            if kind == "begin":
                fields.append((None, False))
            elif kind == "separate" and fields:
                match = _REF.match(fields[-1][0] or "")
                target = match[1] if match else None
                fields[-1] = (target, True)
                if target:
                    compared.append(f"[{target}]")
            elif kind == "end" and fields:
                fields.pop()
        elif tag == _INSTR and fields and not fields[-1][1]:
            fields[-1] = (f"{fields[-1][0] or ''}{element.text or ''}", False)
        elif tag == _FLD_SIMPLE:
            if event == "end":
                if fields:
                    fields.pop()
                continue
            match = _REF.match(element.get(f"{_W}instr", ""))
            fields.append((match[1] if match else None, True))
            if match:
                compared.append(f"[{match[1]}]")
    return _clean("".join(shown)), _clean("".join(compared)), deleted


def has_tracked_changes(root: etree._Element) -> bool:
    """Whether a part holds tracked changes that nobody accepted or rejected yet."""
    names = ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange")
    return next(root.iter(*(f"{_W}{n}" for n in names)), None) is not None


def _clean(text: str) -> str:
    return " ".join(text.split())
