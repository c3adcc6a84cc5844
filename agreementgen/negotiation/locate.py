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
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from lxml import etree

from agreementgen.clauses.markers import bookmark_name
from agreementgen.negotiation import controls
from agreementgen.negotiation.wordtext import _W

Key = tuple[str, int]
_P, _TBL, _TR, _TC, _SDT, _BODY = (f"{_W}{n}" for n in ("p", "tbl", "tr", "tc", "sdt", "body"))
_TAG, _ALIAS, _BOOKMARK = f"{_W}tag", f"{_W}alias", f"{_W}bookmarkStart"
_STYLE, _OUTLINE, _VAL = f"{_W}pStyle", f"{_W}outlineLvl", f"{_W}val"
_PPR = f"{_W}pPr"
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



def locate(root: etree._Element, known: Collection[str] = ()) -> Located:
    """The clauses in a document part.

    Args:
        root: The ``w:document`` element.
        known: Clause ids to look for by title or bookmark when their tag is gone (the
            manifest's); a tag is always read.
    """
    body = root.find(f"{_W}body")
    if body is None:
        return Located({})
    finder = _Finder(set(known), body)
    finder.container(body, 1)
    return Located(finder.units)


class _Finder:
    """Reads every mark of the body in one walk, then follows its paragraphs in order."""

    def __init__(self, known: set[str], body: etree._Element) -> None:
        by_bookmark = {bookmark_name(k): k for k in known}
        by_end = {controls.end_bookmark(k, column == 2): (k, column)
                  for k in known for column in (1, 2)}
        self.units: dict[Key, Unit] = {}
        self.tagged: dict[etree._Element, Key] = {}
        self.titled: dict[etree._Element, str] = {}
        self.bookmarked: dict[etree._Element, str] = {}
        self.ends: dict[etree._Element, list[str]] = {}
        self.ended_only: dict[etree._Element, Key] = {}
        self.closed: set[Key] = set()  # clauses whose end bookmark is in the body
        for element in body.iter(_TAG, _ALIAS, _BOOKMARK):
            tag = element.tag
            paragraph = _paragraph_of(element)
            if paragraph is None:
                continue
            if tag == _TAG:
                value = element.get(_VAL, "")
                if value.startswith(controls.TAG_PREFIX) and paragraph not in self.tagged:
                    rest = value[len(controls.TAG_PREFIX):]
                    second = rest.endswith(controls.SECOND_COLUMN)
                    key = (rest[: -len(controls.SECOND_COLUMN)], 2) if second else (rest, 1)
                    self.tagged[paragraph] = key
                    by_end[controls.end_bookmark(key[0], second)] = key
            elif tag == _ALIAS:
                title = element.get(_VAL, "")
                if title in known:
                    self.titled.setdefault(paragraph, title)
            else:
                name = element.get(f"{_W}name", "")
                if name in by_bookmark:
                    self.bookmarked.setdefault(paragraph, by_bookmark[name])
                elif name in by_end or name.startswith("_age_"):
                    self.ends.setdefault(paragraph, []).append(name)
                    if name in by_end:
                        self.ended_only.setdefault(paragraph, by_end[name])
                        self.closed.add(by_end[name])

    def container(self, element: etree._Element, column: int) -> None:
        current: Unit | None = None
        loose: list[etree._Element] = []  # paragraphs since the last clause or heading
        for block in element:
            tag = block.tag
            if tag == _P:
                key, how = self._start(block, column)
                if key is not None and key not in self.units:
                    current = self.units[key] = Unit(key, [block], how)
                    loose = []
                elif current is not None and not current.ended and current.key in self.closed:
                    # The clause's end bookmark is further on: it ends there, not earlier.
                    current.blocks.append(block)
                elif current is not None and is_heading(block):
                    current, loose = None, []
                    continue
                elif current is not None and not current.ended:
                    current.blocks.append(block)
                else:
                    loose.append(block)
                    ended = self.ended_only.get(block)
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
                if current is not None and not current.ended and block in self.ends and \
                        controls.end_bookmark(current.key[0], current.key[1] == 2) \
                        in self.ends[block]:
                    current.ended = True
                    loose = []
            elif tag == _TBL:
                current, loose = None, []
                for row in block.iter(_TR):
                    cells = [c for c in row if c.tag == _TC]
                    for index, cell in enumerate(cells):
                        self.container(cell, min(index + 1, 2))
            elif tag == _SDT:
                current, loose = None, []
                content = block.find(f"{_W}sdtContent")
                if content is not None:
                    self.container(content, column)
            elif tag == f"{_W}sectPr":
                current, loose = None, []

    def _start(self, paragraph: etree._Element, column: int) -> tuple[Key | None, str]:
        if paragraph in self.tagged:
            return self.tagged[paragraph], "tag"
        if paragraph in self.titled:
            return (self.titled[paragraph], column), "title"
        if paragraph in self.bookmarked:
            return (self.bookmarked[paragraph], 1), "bookmark"
        return None, ""


def is_heading(paragraph: etree._Element) -> bool:
    """Whether a paragraph is a heading, a title or the contents: it ends a clause."""
    props = paragraph.find(_PPR)
    if props is None:
        return False
    if props.find(_OUTLINE) is not None:
        return True
    style = props.find(_STYLE)
    return style is not None and bool(_HEADING_STYLE.match(style.get(_VAL, "")))


def _paragraph_of(element: etree._Element) -> etree._Element | None:
    """The paragraph an element is in (None for one outside paragraphs)."""
    parent = element.getparent()
    while parent is not None and parent.tag != _P:
        if parent.tag in (_BODY, _TC):
            return None
        parent = parent.getparent()
    return parent


def outside(root: etree._Element, located: Located,
            gaps: bool = True) -> list[etree._Element]:
    """The paragraphs of the body that belong to no clause and (with ``gaps``) to no
    clause's gap."""
    # Every paragraph of a clause, those inside its paragraphs (a text box) too; the set
    # holds the elements, so each keeps the one Python object lxml gives it.
    inside = {p for unit in located.units.values()
              for b in (*unit.blocks, *(unit.gap if gaps else ())) for p in b.iter(_P)}
    body = root.find(f"{_W}body")
    if body is None:
        return []
    return [p for p in body.iter(_P) if p not in inside]


def find_by_text(root: etree._Element, located: Located,
                 generated: Iterable[tuple[Key, str]]) -> None:
    """Find the clauses whose marks are gone (copied into another document, say) by their
    text as generated: a paragraph outside every clause found that reads as the clause's
    first paragraph did starts it, and it runs on over as many paragraphs as it had.

    Args:
        root: The ``w:document`` element.
        located: The clauses found by their marks; those found by text are added.
        generated: (key, shown text as generated) of the clauses to look for.
    """
    from agreementgen.negotiation.wordtext import text_of

    missing = [(key, text.splitlines()) for key, text in generated
               if key not in located.units and text]
    if not missing:
        return
    loose = outside(root, located, gaps=False)
    taken: set[int] = set()
    starts: dict[str, list[etree._Element]] = {}
    for paragraph in loose:
        starts.setdefault(text_of([paragraph]).shown, []).append(paragraph)
    for key, lines in missing:
        for paragraph in starts.get(lines[0], []):
            if id(paragraph) in taken:
                continue
            blocks = [paragraph]
            following = paragraph.getnext()
            while len(blocks) < len(lines) and following is not None and \
                    following.tag == _P and not is_heading(following) and \
                    id(following) not in taken:
                blocks.append(following)
                following = following.getnext()
            taken.update(id(b) for b in blocks)
            located.units[key] = Unit(key, blocks, "text", True)
            break
    for unit in located.units.values():
        unit.gap = [b for b in unit.gap if id(b) not in taken]
