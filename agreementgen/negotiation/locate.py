"""Find the clauses of an agreement in its document part, generated or edited since.

A clause starts at the paragraph that holds its mark: the content control tagged with its id,
else a control titled with its id (LibreOffice keeps the title, not the tag), else its
bookmark. It ends at the paragraph with its end bookmark; when that is gone, before the next
clause, heading, table or section break. The paragraphs after a clause's end, up to the next
clause, heading or table, are its *gap*: text of the template (the operative formula after
the recitals) or text a lawyer added between clauses.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from lxml import etree

from agreementgen.clauses.markers import bookmark_name
from agreementgen.negotiation import controls
from agreementgen.negotiation.wordtext import _W

Key = tuple[str, int]
_HEADING_STYLE = re.compile(r"^(heading|title|subtitle|unnumbered|toc|contents)", re.IGNORECASE)


@dataclass
class Unit:
    """One clause as found: its key (id, column), paragraphs, and by which mark."""

    key: Key
    blocks: list[etree._Element]
    found_by: str
    ended: bool = False
    gap: list[etree._Element] = field(default_factory=list)


@dataclass
class Located:
    """The clauses of a document part, in document order."""

    units: dict[Key, Unit]

    def order(self) -> list[Key]:
        """The keys in document order."""
        return list(self.units)


def locate(root: etree._Element, known: Collection[str] = ()) -> Located:
    """The clauses in a document part.

    Args:
        root: The ``w:document`` element.
        known: Clause ids to look for by title or bookmark when their tag is gone (the
            manifest's); a tag is always read.
    """
    finder = _Finder(set(known))
    body = root.find(f"{_W}body")
    if body is not None:
        finder.container(body, 1)
    return Located(finder.units)


class _Finder:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.by_bookmark = {bookmark_name(k): k for k in known}
        self.by_end = {controls.end_bookmark(k, column == 2): (k, column)
                       for k in known for column in (1, 2)}
        self.units: dict[Key, Unit] = {}

    def container(self, element: etree._Element, column: int) -> None:
        current: Unit | None = None
        loose: list[etree._Element] = []  # paragraphs since the last clause or heading
        for block in element:
            tag = block.tag
            if tag == f"{_W}p":
                key, how = self._start(block, column)
                if key is not None and key not in self.units:
                    current = self.units[key] = Unit(key, [block], how)
                    loose = []
                elif _is_heading(block):
                    current, loose = None, []
                    continue
                elif current is not None and not current.ended:
                    current.blocks.append(block)
                else:
                    loose.append(block)
                    ended = self._end_only(block)
                    if ended is not None and ended not in self.units:
                        # Only the end bookmark is left (a second column's copy saved by
                        # LibreOffice): the clause is what came since the last one ended.
                        if current is not None:
                            del current.gap[len(current.gap) - len(loose) + 1:]
                        current = self.units[ended] = Unit(ended, loose, "bookmark", True)
                        loose = []
                        continue
                    if current is not None:
                        current.gap.append(block)
                if current is not None and not current.ended and _ends(block, current.key):
                    current.ended = True
                    loose = []
            elif tag == f"{_W}tbl":
                current, loose = None, []
                for row in block.iter(f"{_W}tr"):
                    cells = [c for c in row if c.tag == f"{_W}tc"]
                    for index, cell in enumerate(cells):
                        self.container(cell, min(index + 1, 2))
            elif tag == f"{_W}sdt":
                current, loose = None, []
                content = block.find(f"{_W}sdtContent")
                if content is not None:
                    self.container(content, column)
            elif tag == f"{_W}sectPr":
                current, loose = None, []

    def _start(self, paragraph: etree._Element, column: int) -> tuple[Key | None, str]:
        titled: Key | None = None
        for sdt in paragraph.iter(f"{_W}sdt"):
            props = sdt.find(f"{_W}sdtPr")
            if props is None:
                continue
            tag = props.find(f"{_W}tag")
            value = tag.get(f"{_W}val", "") if tag is not None else ""
            if value.startswith(controls.TAG_PREFIX):
                rest = value[len(controls.TAG_PREFIX):]
                if rest.endswith(controls.SECOND_COLUMN):
                    return (rest[: -len(controls.SECOND_COLUMN)], 2), "tag"
                return (rest, 1), "tag"
            alias = props.find(f"{_W}alias")
            title = alias.get(f"{_W}val", "") if alias is not None else ""
            if titled is None and title in self.known:
                titled = (title, column)
        if titled is not None:
            return titled, "title"
        for mark in paragraph.iter(f"{_W}bookmarkStart"):
            clause_id = self.by_bookmark.get(mark.get(f"{_W}name", ""))
            if clause_id is not None:
                return (clause_id, 1), "bookmark"
        return None, ""


    def _end_only(self, paragraph: etree._Element) -> Key | None:
        for mark in paragraph.iter(f"{_W}bookmarkStart"):
            key = self.by_end.get(mark.get(f"{_W}name", ""))
            if key is not None:
                return key
        return None


def _ends(paragraph: etree._Element, key: Key) -> bool:
    name = controls.end_bookmark(key[0], key[1] == 2)
    return any(m.get(f"{_W}name") == name for m in paragraph.iter(f"{_W}bookmarkStart"))


def _is_heading(paragraph: etree._Element) -> bool:
    props = paragraph.find(f"{_W}pPr")
    if props is None:
        return False
    if props.find(f"{_W}outlineLvl") is not None:
        return True
    style = props.find(f"{_W}pStyle")
    return style is not None and bool(_HEADING_STYLE.match(style.get(f"{_W}val", "")))


def outside(root: etree._Element, located: Located) -> list[etree._Element]:
    """The paragraphs of the body that belong to no clause and no clause's gap."""
    inside = {id(b) for unit in located.units.values() for b in (*unit.blocks, *unit.gap)}
    body = root.find(f"{_W}body")
    if body is None:
        return []
    found = []
    for paragraph in body.iter(f"{_W}p"):
        if id(paragraph) not in inside and not _within(paragraph, inside):
            found.append(paragraph)
    return found


def _within(paragraph: etree._Element, inside: set[int]) -> bool:
    parent = paragraph.getparent()
    while parent is not None:
        if id(parent) in inside:
            return True
        parent = parent.getparent()
    return False
