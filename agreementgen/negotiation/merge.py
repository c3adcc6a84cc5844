"""Regenerate while keeping a lawyer's edits (``generate --keep-edits``).

Per clause, three texts: the *base* (the edited file's manifest: what the clause said when
that file was generated), *ours* (the new rendering) and *theirs* (the edited file):

- only theirs changed: the edited paragraphs replace the new ones, with their formatting,
  tracked changes and comments;
- only ours changed: the new text stays;
- both changed: the edited paragraphs are kept and get a Word comment that holds the new
  text, and the clause is a conflict;
- a clause the lawyer deleted stays deleted, unless the description changed it too (a
  conflict: the new text comes back with a comment saying so).

Paragraphs a lawyer added between clauses go after the same clause in the new file. The new
file's manifest is the new rendering's, so the next round compares with it.
"""

from __future__ import annotations

import copy
import io
import itertools
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from agreementgen.compare.package import xml_bytes, zipped
from agreementgen.i18n import message
from agreementgen.negotiation import controls
from agreementgen.negotiation.edits import Agreement, outside_changes
from agreementgen.negotiation.locate import Key, Unit, locate
from agreementgen.negotiation.manifest import (
    CONTENT_TYPES,
    DOCUMENT_RELS,
    add_override,
    add_relationship,
    read_manifest,
)
from agreementgen.negotiation.wordtext import _W, SAFE_PARSER, R, W, text_of

_R = f"{{{R}}}"
DOCUMENT = "word/document.xml"
NUMBERING = "word/numbering.xml"
STYLES = "word/styles.xml"
COMMENTS = "word/comments.xml"
_COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
_HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
AUTHOR = "agreementgen"
# Elements whose w:id is one of a document's annotation ids, renumbered when copied.
_ANNOTATIONS = {f"{_W}{n}" for n in ("ins", "del", "moveFrom", "moveTo", "rPrChange",
                                     "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
                                     "tcPrChange", "numberingChange", "cellIns", "cellDel")}
_BOOKMARKS = (f"{_W}bookmarkStart", f"{_W}bookmarkEnd")
_COMMENT_MARKS = (f"{_W}commentRangeStart", f"{_W}commentRangeEnd", f"{_W}commentReference")
_OBJECTS = (f"{_W}drawing", f"{_W}pict", f"{_W}object")


@dataclass
class Merged:
    """What ``--keep-edits`` did.

    Attributes:
        data: The bytes of the merged .docx.
        kept: Clauses whose edited text replaced the new text.
        conflicts: Clauses changed in both; the edited text is kept, with a comment.
        dropped: Edited clauses the description no longer yields (left out).
        added: How many paragraphs added between clauses were kept.
        deleted: Clauses the lawyer deleted that stay deleted.
        notes: Warnings (a picture that could not be carried over).
        outside: How many paragraphs outside the clauses were edited (not kept).
    """

    data: bytes
    kept: list[Key] = field(default_factory=list)
    conflicts: list[Key] = field(default_factory=list)
    dropped: list[Key] = field(default_factory=list)
    added: int = 0
    deleted: list[Key] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outside: int = 0


def keep_edits(new: bytes, edited: Agreement, lang: str) -> Merged:
    """Merge the edits of ``edited`` into the freshly rendered agreement ``new``.

    Args:
        new: The new rendering (.docx bytes, with its manifest).
        edited: The edited agreement, read with :func:`~.edits.read_agreement`.
        lang: The language of the comments.
    """
    with zipfile.ZipFile(io.BytesIO(new)) as archive:
        names = archive.namelist()
        members = {n: archive.read(n) for n in names}
    ours_manifest = read_manifest(members)
    assert ours_manifest is not None, "a new rendering always has a manifest"
    root = etree.fromstring(members[DOCUMENT], SAFE_PARSER)
    ours = locate(root).units
    located = edited.located()
    theirs = located.units
    base = edited.manifest.by_key()
    new_hash = ours_manifest.by_key()
    work = _Work(members, edited, lang)
    result = Merged(b"")
    for key, unit in ours.items():
        before = base.get(key)
        if before is None:
            continue  # a clause the edited file did not have: the new text
        mine = new_hash[key]
        other = theirs.get(key)
        if other is None:
            if mine.sha256 == before.sha256:
                work.remove(unit)
                result.deleted.append(key)
            else:
                work.comment(unit, message("keep_edits_comment_deleted", lang=lang,
                                           file=edited.path.name), [])
                result.conflicts.append(key)
            continue
        their_text = text_of(other.blocks)
        if their_text.sha256 != before.sha256:
            if mine.sha256 == before.sha256 or their_text.sha256 == mine.sha256:
                if their_text.sha256 != mine.sha256:
                    work.transplant(unit, other)
                    result.kept.append(key)
            else:
                placed = work.transplant(unit, other)
                work.comment(placed, message("keep_edits_comment", lang=lang,
                                             file=edited.path.name),
                             mine.text.splitlines())
                result.conflicts.append(key)
        result.added += work.add_after(unit, other, before.after)
    for key, before in base.items():
        other = theirs.get(key)
        if key not in ours and other is not None and \
                text_of(other.blocks).sha256 != before.sha256:
            result.dropped.append(key)
    result.outside = len(outside_changes(edited, located))
    result.notes = work.notes
    members[DOCUMENT] = xml_bytes(root)
    result.data = work.package(names)
    return result


class _Work:
    """The new package being changed: its numbering, comments and relationships."""

    def __init__(self, members: dict[str, bytes], edited: Agreement, lang: str) -> None:
        self.members = members
        self.lang = lang
        self.notes: list[str] = []
        self._ids = itertools.count(_highest_id(members.get(DOCUMENT, b"")) + 1)
        self._numbering = _Numbering(members.get(NUMBERING), edited.members.get(NUMBERING))
        styles = members.get(STYLES)
        self._styles = set(etree.fromstring(styles, SAFE_PARSER).xpath(
            "//w:style/@w:styleId", namespaces={"w": W})) if styles else set()
        self._comments: etree._Element | None = None
        their_comments = edited.members.get(COMMENTS)
        self._their_comments = ({c.get(f"{_W}id"): c for c in etree.fromstring(
            their_comments, SAFE_PARSER).iter(f"{_W}comment")} if their_comments else {})
        self._their_rels = _relationships(edited.members.get(DOCUMENT_RELS))

    def remove(self, unit: Unit) -> None:
        for block in unit.blocks:
            parent = block.getparent()
            if parent is not None:
                parent.remove(block)

    def transplant(self, ours: Unit, theirs: Unit) -> Unit:
        """Put copies of the edited paragraphs where the new ones are; the new clause's
        marks and the first paragraph's numbering stay."""
        lead = ours.blocks[0]
        copies = [copy.deepcopy(b) for b in theirs.blocks]
        marks = _marks(lead)
        for block in copies:
            self._clean(block, ours.key)
        first = copies[0]
        lead_props = lead.find(f"{_W}pPr")
        their_props = first.find(f"{_W}pPr")
        if lead_props is not None:
            props = copy.deepcopy(lead_props)
            mark = their_props.find(f"{_W}rPr") if their_props is not None else None
            if mark is not None:
                props.append(copy.deepcopy(mark))
            if their_props is not None:
                first.remove(their_props)
            first.insert(0, props)
        for element in reversed(marks.start):
            first.insert(1, element)
        first.extend(marks.end_of_lead)
        end = controls.end_bookmark(ours.key[0], ours.key[1] == 2)
        copies[-1].extend(_bookmark(ours.blocks[-1], lambda name: name == end))
        for block in copies[1:]:
            self._numbering.renumber(block, ours.blocks[1:], ours.key)
        for block in copies:
            lead.addprevious(block)
        self.remove(ours)
        return Unit(ours.key, copies, ours.found_by)

    def add_after(self, ours: Unit, theirs: Unit | None, generated: str) -> int:
        """Keep what a lawyer wrote in the gap after a clause (see
        :mod:`~agreementgen.negotiation.locate`); how many paragraphs are new or changed.

        Where the new gap is still the generated one, the edited gap replaces it; where the
        template changed it too, the edited paragraphs it did not have go before it.
        """
        if theirs is None or text_of(theirs.gap).shown == generated:
            return 0
        known = generated.splitlines()
        changed = [b for b in theirs.gap if (t := text_of([b]).shown) and t not in known]
        anchor = ours.blocks[-1]
        if anchor.getparent() is None or not changed:
            return 0
        replace = text_of(ours.gap).shown == generated
        for block in theirs.gap if replace else changed:
            duplicate = copy.deepcopy(block)
            self._clean(duplicate, ours.key)
            anchor.addnext(duplicate)
            anchor = duplicate
        if replace:
            self.remove(Unit(ours.key, ours.gap, ours.found_by))
        return len(changed)

    def comment(self, unit: Unit, heading: str, lines: list[str]) -> None:
        """Attach a comment by agreementgen to a clause's paragraphs."""
        if self._comments is None:
            self._comments = self._comments_part()
        number = str(next(self._ids))
        comment = etree.SubElement(self._comments, f"{_W}comment", {
            f"{_W}id": number, f"{_W}author": AUTHOR, f"{_W}initials": "AG"})
        for text in (heading, *lines):
            paragraph = etree.SubElement(comment, f"{_W}p")
            run = etree.SubElement(paragraph, f"{_W}r")
            t = etree.SubElement(run, f"{_W}t")
            t.text = text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        first, last = unit.blocks[0], unit.blocks[-1]
        start = etree.Element(f"{_W}commentRangeStart", {f"{_W}id": number})
        props = first.find(f"{_W}pPr")
        first.insert(1 if props is not None else 0, start)
        last.append(etree.Element(f"{_W}commentRangeEnd", {f"{_W}id": number}))
        run = etree.SubElement(last, f"{_W}r")
        etree.SubElement(run, f"{_W}commentReference", {f"{_W}id": number})

    def _comments_part(self) -> etree._Element:
        data = self.members.get(COMMENTS)
        if data is not None:
            return etree.fromstring(data, SAFE_PARSER)
        rels = self.members.get(DOCUMENT_RELS)
        if rels is not None:
            self.members[DOCUMENT_RELS] = add_relationship(rels, _COMMENTS_REL,
                                                           "comments.xml")[0]
        types = self.members.get(CONTENT_TYPES)
        if types is not None:
            self.members[CONTENT_TYPES] = add_override(types, f"/{COMMENTS}", _COMMENTS_TYPE)
        return etree.Element(f"{_W}comments", nsmap={"w": W})

    def _clean(self, block: etree._Element, key: Key) -> None:
        """Strip a copied block of the edited file's clause marks, and make its ids, styles,
        comments and links those of the new file."""
        for sdt in list(block.iter(f"{_W}sdt")):
            props = sdt.find(f"{_W}sdtPr")
            tag = props.find(f"{_W}tag") if props is not None else None
            value = tag.get(f"{_W}val", "") if tag is not None else ""
            if value.startswith(controls.TAG_PREFIX) or tag is None:
                _unwrap(sdt)
        bookmarks: dict[str, str] = {}
        for mark in list(block.iter(*_BOOKMARKS)):
            name = mark.get(f"{_W}name", "")
            old = mark.get(f"{_W}id", "")
            if name.startswith("_ag") or bookmarks.get(old) == "":
                bookmarks.setdefault(old, "")
                _drop(mark)
                continue
            bookmarks.setdefault(old, str(next(self._ids)))
            mark.set(f"{_W}id", bookmarks[old])
        for element in block.iter(*_ANNOTATIONS):
            if element.get(f"{_W}id") is not None:
                element.set(f"{_W}id", str(next(self._ids)))
        self._carry_comments(block)
        self._known_styles(block)
        for link in block.iter(f"{_W}hyperlink"):
            rid = link.get(f"{_R}id")
            if rid is not None:
                self._carry_link(link, rid)
        for thing in list(block.iter(*_OBJECTS)):
            run = thing.getparent()
            _drop(run if run is not None and run.tag == f"{_W}r" else thing)
            self.notes.append(message("keep_edits_dropped_image", lang=self.lang, id=key[0]))

    def _carry_comments(self, block: etree._Element) -> None:
        numbers: dict[str, str] = {}
        for mark in list(block.iter(*_COMMENT_MARKS)):
            old = mark.get(f"{_W}id", "")
            if old not in self._their_comments:
                _drop(mark)
                continue
            if old not in numbers:
                numbers[old] = str(next(self._ids))
                if self._comments is None:
                    self._comments = self._comments_part()
                comment = copy.deepcopy(self._their_comments[old])
                comment.set(f"{_W}id", numbers[old])
                self._clean_comment(comment)
                self._comments.append(comment)
            mark.set(f"{_W}id", numbers[old])

    def _clean_comment(self, comment: etree._Element) -> None:
        self._known_styles(comment)
        for element in list(comment.iter(*_OBJECTS, f"{_W}hyperlink")):
            if element.tag == f"{_W}hyperlink":
                _unwrap(element)
            else:
                _drop(element)

    def _known_styles(self, element: etree._Element) -> None:
        """Drop the styles the new file does not have (the text keeps its own formatting)."""
        for style in list(element.iter(f"{_W}pStyle", f"{_W}rStyle")):
            if style.get(f"{_W}val") not in self._styles:
                _drop(style)

    def _carry_link(self, link: etree._Element, rid: str) -> None:
        target = self._their_rels.get(rid)
        rels = self.members.get(DOCUMENT_RELS)
        if target is None or rels is None:
            link.attrib.pop(f"{_R}id", None)
            return
        self.members[DOCUMENT_RELS], new = add_relationship(rels, _HYPERLINK_REL, target,
                                                            external=True)
        link.set(f"{_R}id", new)

    def package(self, names: list[str]) -> bytes:
        """The merged package, its members in the new file's order, comments last."""
        if self._comments is not None:
            self.members[COMMENTS] = xml_bytes(self._comments)
        changed = self._numbering.xml()
        if changed is not None:
            self.members[NUMBERING] = changed
        order = names + [n for n in self.members if n not in names]
        return zipped({name: self.members[name] for name in order})


@dataclass
class _Marks:
    start: list[etree._Element]
    end_of_lead: list[etree._Element]


def _marks(lead: etree._Element) -> _Marks:
    """Copies of the new lead paragraph's marks: its control and its bookmark's start, which
    go at the start of the kept text, and the bookmark's end, which goes at the end of it."""
    control = [copy.deepcopy(c) for c in lead if c.tag == f"{_W}sdt"]
    bookmark = _bookmark(lead, lambda name: name.startswith("_ag_"))
    return _Marks(control + bookmark[:1], bookmark[1:])


def _bookmark(paragraph: etree._Element, named: Callable[[str], bool]) -> list[etree._Element]:
    """Copies of the first bookmark in a paragraph whose name ``named`` accepts: its start,
    then its end (empty when there is none)."""
    for mark in paragraph.iter(f"{_W}bookmarkStart"):
        if named(mark.get(f"{_W}name", "")):
            number = mark.get(f"{_W}id")
            return [copy.deepcopy(mark), *(copy.deepcopy(e) for e in paragraph.iter(
                f"{_W}bookmarkEnd") if e.get(f"{_W}id") == number)]
    return []


def _unwrap(element: etree._Element) -> None:
    """Replace an element by its content (a control by what it holds)."""
    parent = element.getparent()
    if parent is None:
        return
    content = element.find(f"{_W}sdtContent") if element.tag == f"{_W}sdt" else element
    index = parent.index(element)
    children = list(content) if content is not None else []
    parent.remove(element)
    for offset, child in enumerate(children):
        if child.tag == f"{_W}sdtPr":
            continue
        parent.insert(index + offset, child)


def _drop(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _highest_id(document: bytes) -> int:
    """The highest w:id in a document part, so new ones stay clear of it."""
    return max([0x30000000, *(int(n) for n in re.findall(rb'w:id="(\d{1,9})"', document))])


def _relationships(data: bytes | None) -> dict[str, str]:
    """External relationship targets by id."""
    if not data:
        return {}
    root = etree.fromstring(data, SAFE_PARSER)
    return {r.get("Id", ""): r.get("Target", "") for r in root
            if r.get("TargetMode") == "External"}


class _Numbering:
    """The numbering of kept paragraphs: a list in the edited text takes the list of the new
    clause in the same place, and a list the new clause lacks is copied over."""

    def __init__(self, ours: bytes | None, theirs: bytes | None) -> None:
        self._ours = etree.fromstring(ours, SAFE_PARSER) if ours else None
        self._theirs = etree.fromstring(theirs, SAFE_PARSER) if theirs else None
        self._changed = False
        self._copied: dict[str, str] = {}  # their abstractNumId -> our numId
        # Per new clause, the edited text's lists (abstractNumIds) in order of appearance.
        self._order: dict[Key, list[str]] = {}

    def renumber(self, block: etree._Element, ours: list[etree._Element], key: Key) -> None:
        """Give a kept paragraph's list the new clause's list in the same place (by order of
        appearance), or a copy of the edited file's list."""
        num = block.find(f"{_W}pPr/{_W}numPr/{_W}numId")
        if num is None or self._ours is None:
            return
        theirs_abstract = self._abstract_of(num.get(f"{_W}val", ""))
        our_lists = list(dict.fromkeys(
            n.get(f"{_W}val", "") for b in ours
            for n in b.findall(f"{_W}pPr/{_W}numPr/{_W}numId")))
        order = self._order.setdefault(key, [])
        if theirs_abstract not in order:
            order.append(theirs_abstract)
        position = order.index(theirs_abstract)
        if position < len(our_lists):
            num.set(f"{_W}val", our_lists[position])
            return
        num.set(f"{_W}val", self._copy(theirs_abstract))

    def _abstract_of(self, num_id: str) -> str:
        if self._theirs is None:
            return num_id
        for num in self._theirs.iter(f"{_W}num"):
            if num.get(f"{_W}numId") == num_id:
                ref = num.find(f"{_W}abstractNumId")
                return ref.get(f"{_W}val", num_id) if ref is not None else num_id
        return num_id

    def _copy(self, abstract_id: str) -> str:
        if abstract_id in self._copied:
            return self._copied[abstract_id]
        assert self._ours is not None
        source = None
        if self._theirs is not None:
            source = next((a for a in self._theirs.iter(f"{_W}abstractNum")
                           if a.get(f"{_W}abstractNumId") == abstract_id), None)
        if source is None:
            self._copied[abstract_id] = "0"
            return "0"
        abstracts = list(self._ours.iter(f"{_W}abstractNum"))
        nums = list(self._ours.iter(f"{_W}num"))
        new_abstract = str(1 + max([int(a.get(f"{_W}abstractNumId", "0")) for a in abstracts]
                                   or [0]))
        new_num = str(1 + max([int(n.get(f"{_W}numId", "0")) for n in nums] or [0]))
        element = copy.deepcopy(source)
        element.set(f"{_W}abstractNumId", new_abstract)
        for nsid in element.findall(f"{_W}nsid"):
            element.remove(nsid)
        if abstracts:
            abstracts[-1].addnext(element)
        else:
            self._ours.insert(0, element)
        num = etree.SubElement(self._ours, f"{_W}num", {f"{_W}numId": new_num})
        etree.SubElement(num, f"{_W}abstractNumId", {f"{_W}val": new_abstract})
        self._changed = True
        self._copied[abstract_id] = new_num
        return new_num

    def xml(self) -> bytes | None:
        if not self._changed or self._ours is None:
            return None
        return xml_bytes(self._ours)
