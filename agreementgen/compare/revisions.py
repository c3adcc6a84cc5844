"""Word's revision marks: insertions and deletions of runs, paragraph marks and table rows."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
AUTHOR = "agreementgen"


def w(tag: str) -> str:
    """The qualified name of a WordprocessingML element or attribute."""
    return f"{{{W_NS}}}{tag}"


#: Existing tracked changes whose content is part of the document's current text.
SHOWN_CHANGES = frozenset({w("ins"), w("moveTo")})
#: Existing tracked changes whose content the current text no longer holds.
HIDDEN_CHANGES = frozenset({w("del"), w("moveFrom")})
#: Elements that hold runs and may hold revision marks around them.
RUN_CONTAINERS = frozenset({w("hyperlink"), w("smartTag"), w("customXml"), w("fldSimple"),
                            w("dir"), w("bdo"), w("sdtContent")})
#: What a run-level content control can sit in.
_RUN_PARENTS = RUN_CONTAINERS - {w("sdtContent")} | {w("p")}
#: Marks that belong to the document they were made in and mean nothing in a copy.
_COPY_DROPS = frozenset({w("commentRangeStart"), w("commentRangeEnd"), w("proofErr"),
                         w("permStart"), w("permEnd")})
#: Run content that refers to another part of OLD (its comments, notes).
_RUN_DROPS = frozenset({w("commentReference"), w("footnoteReference"),
                        w("endnoteReference")})


class Revisions:
    """Makes revision marks with one author and date, and ids no other mark in NEW has.

    Attributes:
        date: ``w:date`` of every mark, ISO 8601 in UTC to the second.
        inserted: How many insertions were marked.
        deleted: How many deletions were marked.
    """

    def __init__(self, date: str, first_id: int) -> None:
        self.date = date
        self._next_id = first_id
        self.inserted = 0
        self.deleted = 0

    def new_id(self) -> str:
        """A fresh ``w:id`` for a revision mark or a copied bookmark."""
        self._next_id += 1
        return str(self._next_id)

    def mark(self, kind: str) -> Any:
        """An empty ``w:ins`` or ``w:del`` element with id, author and date."""
        element = etree.Element(w(kind))
        element.set(w("id"), self.new_id())
        element.set(w("author"), AUTHOR)
        element.set(w("date"), self.date)
        if kind == "ins":
            self.inserted += 1
        else:
            self.deleted += 1
        return element

    def wrap(self, elements: list[Any], kind: str) -> None:
        """Put consecutive siblings ``elements`` inside one new ``w:ins`` or ``w:del``."""
        first = elements[0]
        wrapper = self.mark(kind)
        first.addprevious(wrapper)
        for element in elements:
            wrapper.append(element)

    def mark_paragraph(self, paragraph: Any, kind: str) -> None:
        """Mark a paragraph's mark inserted or deleted (``w:pPr/w:rPr/w:ins|w:del``)."""
        properties = paragraph.find(w("pPr"))
        if properties is None:
            properties = paragraph.makeelement(w("pPr"), {})
            paragraph.insert(0, properties)
        run_properties = properties.find(w("rPr"))
        if run_properties is None:
            run_properties = properties.makeelement(w("rPr"), {})
            later = [c for c in properties if c.tag in (w("sectPr"), w("pPrChange"))]
            if later:
                later[0].addprevious(run_properties)
            else:
                properties.append(run_properties)
        if any(c.tag in SHOWN_CHANGES | HIDDEN_CHANGES for c in run_properties):
            return
        run_properties.insert(0, self.mark(kind))

    def mark_row(self, row: Any, kind: str) -> None:
        """Mark a table row inserted or deleted (``w:trPr/w:ins|w:del``)."""
        properties = row.find(w("trPr"))
        if properties is None:
            properties = row.makeelement(w("trPr"), {})
            exceptions = row.find(w("tblPrEx"))
            row.insert(0 if exceptions is None else row.index(exceptions) + 1, properties)
        if properties.find(w("ins")) is not None or properties.find(w("del")) is not None:
            return
        change = properties.find(w("trPrChange"))
        mark = self.mark(kind)
        if change is None:
            properties.append(mark)
        else:
            change.addprevious(mark)

    def mark_inserted(self, block: Any) -> None:
        """Mark a whole paragraph or table of NEW as inserted: its rows, marks and runs."""
        for row in _iter_self(block, w("tr")):
            self.mark_row(row, "ins")
        for paragraph in _iter_self(block, w("p")):
            self.mark_paragraph(paragraph, "ins")
        for group in _run_groups(block):
            self.wrap(group, "ins")

    def deleted_copy(self, block: Any, bookmarks_in_use: set[str]) -> Any:
        """A copy of a paragraph or table of OLD, marked as deleted throughout.

        OLD's own tracked changes in it are taken as accepted first. Its bookmarks are kept
        (with fresh ids) unless NEW has one of that name; comment and note references are left
        out, since they point into OLD's other parts.
        """
        block = copy.deepcopy(block)
        accept_changes(block)
        _prepare_copy(block, bookmarks_in_use, self)
        for row in _iter_self(block, w("tr")):
            self.mark_row(row, "del")
        for paragraph in _iter_self(block, w("p")):
            self.mark_paragraph(paragraph, "del")
        for group in _run_groups(block):
            self.wrap(group, "del")
        for run in block.iter(w("r")):
            as_deleted(run)
        return block


def as_deleted(run: Any) -> None:
    """Turn a run's text and field codes into their deleted forms (``w:delText``...)."""
    for child in run:
        if child.tag == w("t"):
            child.tag = w("delText")
            child.set(XML_SPACE, "preserve")
        elif child.tag == w("instrText"):
            child.tag = w("delInstrText")
            child.set(XML_SPACE, "preserve")


def accept_changes(block: Any) -> None:
    """Take a copied block's tracked changes as accepted: its text as the reader sees it."""
    for element in list(block.iter(*HIDDEN_CHANGES)):
        parent = element.getparent()
        if parent is None:
            continue
        # Deleted text goes; a deleted paragraph mark or row is marked deleted again anyway.
        parent.remove(element)
    for element in list(block.iter(*SHOWN_CHANGES)):
        parent = element.getparent()
        if parent is None:
            continue
        if parent.tag in (w("rPr"), w("trPr")):
            parent.remove(element)
        else:
            unwrap(element)
    for change in list(block.iter(w("rPrChange"), w("pPrChange"), w("trPrChange"),
                                  w("tcPrChange"), w("tblPrChange"), w("sectPrChange"))):
        change.getparent().remove(change)


def unwrap(element: Any) -> None:
    """Replace an element by its children."""
    for child in list(element):
        element.addprevious(child)
    element.getparent().remove(element)


def _prepare_copy(block: Any, bookmarks_in_use: set[str], revisions: Revisions) -> None:
    for element in list(block.iter(*_COPY_DROPS)):
        element.getparent().remove(element)
    for run in list(block.iter(w("r"))):
        for child in list(run):
            if child.tag in _RUN_DROPS:
                run.remove(child)
    starts = {b.get(w("id")): b for b in block.iter(w("bookmarkStart"))}
    ends = {b.get(w("id")): b for b in block.iter(w("bookmarkEnd"))}
    for bookmark_id in set(starts) | set(ends):
        start, end = starts.get(bookmark_id), ends.get(bookmark_id)
        name = start.get(w("name")) if start is not None else None
        if start is None or end is None or name in bookmarks_in_use:
            for element in (start, end):
                if element is not None:
                    element.getparent().remove(element)
            continue
        fresh = revisions.new_id()
        start.set(w("id"), fresh)
        end.set(w("id"), fresh)
        bookmarks_in_use.add(str(name))


def _iter_self(block: Any, tag: str) -> Iterator[Any]:
    return iter(list(block.iter(tag)))


def _run_groups(block: Any) -> list[list[Any]]:
    """The runs and run-level content controls of a block not yet inside a tracked change,
    in groups of adjacent siblings (a control is taken whole, its runs with it)."""
    groups: list[list[Any]] = []
    for element in list(block.iter(w("r"), w("sdt"))):
        if element.tag == w("sdt") and element.getparent().tag not in _RUN_PARENTS:
            continue  # a block or row control: its paragraphs are marked one by one
        if in_change(element) or _in_run_control(element):
            continue
        previous = element.getprevious()
        if groups and previous is not None and previous is groups[-1][-1]:
            groups[-1].append(element)
        else:
            groups.append([element])
    return groups


def _in_run_control(element: Any) -> bool:
    return any(a.tag == w("sdt") and a.getparent().tag in _RUN_PARENTS
               for a in _ancestors_in_paragraph(element))


def in_change(element: Any) -> bool:
    """Whether an element sits inside a tracked insertion, deletion or move."""
    return any(a.tag in SHOWN_CHANGES or a.tag in HIDDEN_CHANGES
               for a in _ancestors_in_paragraph(element))


def _ancestors_in_paragraph(element: Any) -> Iterable[Any]:
    for ancestor in element.iterancestors():
        if ancestor.tag == w("p"):
            return
        yield ancestor


def max_id(roots: Iterable[Any]) -> int:
    """The largest numeric ``w:id`` in some parts, so new marks can take ids above it."""
    largest = 0
    attribute = w("id")
    for root in roots:
        for element in root.iter():
            value = element.get(attribute)
            if value is not None and value.lstrip("-").isdigit():
                largest = max(largest, int(value))
    return largest
