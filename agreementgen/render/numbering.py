"""Numbered lists in a Word document: a fresh w:num per list, so each restarts.

Markdown numbered lists restart at their own start; the enumerations inside a clause,
``(a), (b)`` and below them ``(i), (ii)``, restart in every clause. Clause numbers themselves
are the second level of the article headings' own list, whose w:numId is read from the
template (:attr:`NumberingAllocator.clause_num_id`).
"""

from __future__ import annotations

import copy
import functools

from lxml import etree

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{_W_NS}}}"
_NS = {"w": _W_NS}
_LIST_NUMBER_STYLE = "ListNumber"
_HEADING_STYLE = "Heading1"
#: The abstract numbering of clause enumerations, added to a template that lacks it.
ENUMERATION_ABSTRACT_ID = "93"
#: Twips from the margin to a clause's text: room for its number ("10.10") before it.
CLAUSE_INDENT = 680
#: Twips per enumeration level: the hanging indent of "(a)", "(ii)".
ENUMERATION_STEP = 567
#: The levels of an enumeration: format, text, left indent and hanging indent (twips).
ENUMERATION_LEVELS = tuple(
    (fmt, text, CLAUSE_INDENT + ENUMERATION_STEP * (level + 1), ENUMERATION_STEP)
    for level, (fmt, text) in enumerate((("lowerLetter", "(%1)"), ("lowerRoman", "(%2)"),
                                         ("decimal", "%3."))))


class NumberingAllocator:
    """Hands out fresh w:num ids so every Markdown numbered list restarts at 1."""

    def __init__(
        self,
        numbering_xml: bytes | None,
        list_number_abstract_id: str | None = None,
        first_id: int = 1000,
    ) -> None:
        """Reads the template's numbering part and picks the abstract numbering to restart.

        Args:
            numbering_xml: The template's ``word/numbering.xml``, or None if it has none.
            list_number_abstract_id: The w:abstractNumId to use; by default the one linked
                to the "ListNumber" style, else the first decimal one, else a new one.
            first_id: The lowest w:numId to hand out; existing ids are skipped.

        Raises:
            ValueError: ``list_number_abstract_id`` is not in the numbering part.
        """
        self._next_id = first_id
        self._issued: list[tuple[str, int, str]] = []
        self._root: etree._Element | None = None
        self._abstract_id: str | None = None
        self._create_abstract = False
        self._existing: frozenset[str] = frozenset()
        self._has_enumeration = False
        #: The w:numId of the article headings' list, whose level 1 numbers the clauses
        #: (None: the template numbers no headings, and clause numbers are written out).
        self.clause_num_id: str | None = None
        if numbering_xml is None:
            return
        (self._root, self._existing, self._abstract_id, self._create_abstract,
         self.clause_num_id, self._has_enumeration) = _read_numbering(
            numbering_xml, list_number_abstract_id)

    def new_numbered_list(self, start: int = 1) -> str | None:
        """Reserves a w:numId for one numbered list.

        Args:
            start: The number the list starts at (Markdown's ``3.`` starts at 3).

        Returns:
            The numId to put in the list's w:numPr, or None when the template has no
            numbering part.
        """
        return self._new(start, str(self._abstract_id))

    def new_enumeration(self) -> str | None:
        """Reserves a w:numId for one enumeration of a clause, ``(a), (b)``, restarting at (a).

        Returns:
            The numId, or None when the template has no numbering part.
        """
        return self._new(1, ENUMERATION_ABSTRACT_ID)

    def _new(self, start: int, abstract_id: str) -> str | None:
        if self._root is None:
            return None
        while str(self._next_id) in self._existing:
            self._next_id += 1
        num_id = str(self._next_id)
        self._next_id += 1
        self._issued.append((num_id, start, abstract_id))
        return num_id

    def patched_numbering_xml(self) -> bytes | None:
        """Returns the numbering part with a w:num for every id handed out.

        Returns:
            The serialized part, or None if there is no part or no id was handed out.
        """
        if self._root is None or not self._issued:
            return None
        root = copy.deepcopy(self._root)
        used = {abstract for _, _, abstract in self._issued}
        if self._create_abstract and self._abstract_id in used:
            _insert_before(root, self._new_abstract(root), ("num", "numIdMacAtCleanup"))
        if not self._has_enumeration and ENUMERATION_ABSTRACT_ID in used:
            _insert_before(root, _enumeration_abstract(root), ("num", "numIdMacAtCleanup"))
        for num_id, start, abstract_id in self._issued:
            num = etree.SubElement(root, f"{_W}num", {f"{_W}numId": num_id})
            etree.SubElement(num, f"{_W}abstractNumId", {f"{_W}val": abstract_id})
            override = etree.SubElement(num, f"{_W}lvlOverride", {f"{_W}ilvl": "0"})
            etree.SubElement(override, f"{_W}startOverride", {f"{_W}val": str(start)})
            _insert_before(root, num, ("numIdMacAtCleanup",))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _new_abstract(self, root: etree._Element) -> etree._Element:
        abstract = etree.SubElement(
            root, f"{_W}abstractNum", {f"{_W}abstractNumId": str(self._abstract_id)}
        )
        etree.SubElement(abstract, f"{_W}multiLevelType", {f"{_W}val": "hybridMultilevel"})
        # Level 1 too, because nested numbered lists use ilvl 1.
        for ilvl in (0, 1):
            lvl = etree.SubElement(abstract, f"{_W}lvl", {f"{_W}ilvl": str(ilvl)})
            for tag, value in (("start", "1"), ("numFmt", "decimal"), ("lvlText", f"%{ilvl + 1}.")):
                etree.SubElement(lvl, f"{_W}{tag}", {f"{_W}val": value})
            ppr = etree.SubElement(lvl, f"{_W}pPr")
            etree.SubElement(
                ppr, f"{_W}ind", {f"{_W}left": str(720 * (ilvl + 1)), f"{_W}hanging": "360"}
            )
        return abstract


def _enumeration_abstract(root: etree._Element) -> etree._Element:
    """The abstract numbering of clause enumerations: (a), then (i), then 1."""
    abstract = etree.SubElement(
        root, f"{_W}abstractNum", {f"{_W}abstractNumId": ENUMERATION_ABSTRACT_ID})
    etree.SubElement(abstract, f"{_W}multiLevelType", {f"{_W}val": "multilevel"})
    for ilvl, (fmt, text, left, hanging) in enumerate(ENUMERATION_LEVELS):
        lvl = etree.SubElement(abstract, f"{_W}lvl", {f"{_W}ilvl": str(ilvl)})
        for tag, value in (("start", "1"), ("numFmt", fmt), ("lvlText", text),
                           ("lvlJc", "left")):
            etree.SubElement(lvl, f"{_W}{tag}", {f"{_W}val": value})
        ppr = etree.SubElement(lvl, f"{_W}pPr")
        etree.SubElement(ppr, f"{_W}ind", {f"{_W}left": str(left), f"{_W}hanging": str(hanging)})
    return abstract


@functools.lru_cache(maxsize=16)
def _read_numbering(numbering_xml: bytes, wanted: str | None
                    ) -> tuple[etree._Element, frozenset[str], str, bool, str | None, bool]:
    """A numbering part read once per template: its tree (shared: never changed), its
    w:numId values, the abstract numbering to restart and whether that one must be created,
    the w:numId of the article headings' list, and whether the enumerations' abstract exists."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(numbering_xml, parser)
    existing = frozenset(str(i) for i in root.xpath("w:num/@w:numId", namespaces=_NS))
    ids = [str(i) for i in root.xpath("w:abstractNum/@w:abstractNumId", namespaces=_NS)]
    headings = root.xpath(
        f"w:abstractNum[w:lvl[@w:ilvl='0']/w:pStyle/@w:val='{_HEADING_STYLE}']/@w:abstractNumId",
        namespaces=_NS)
    clause_nums = [str(n) for n in root.xpath(
        "w:num[w:abstractNumId/@w:val=$abstract]/@w:numId", namespaces=_NS,
        abstract=str(headings[0]))] if headings else []
    clause_num_id = clause_nums[0] if clause_nums else None
    enumeration = ENUMERATION_ABSTRACT_ID in ids
    if wanted is not None:
        if wanted not in ids:
            raise ValueError(f"numbering part has no w:abstractNum with id {wanted!r}")
        return root, existing, wanted, False, clause_num_id, enumeration
    for query in (
        f"w:abstractNum[w:lvl[@w:ilvl='0']/w:pStyle/@w:val='{_LIST_NUMBER_STYLE}']",
        "w:abstractNum[w:lvl[@w:ilvl='0']/w:numFmt/@w:val='decimal']",
    ):
        found = root.xpath(f"{query}/@w:abstractNumId", namespaces=_NS)
        if found:
            return root, existing, str(found[0]), False, clause_num_id, enumeration
    new_id = max((int(i) for i in ids if i.isdigit() and i != ENUMERATION_ABSTRACT_ID),
                 default=-1) + 1
    if str(new_id) == ENUMERATION_ABSTRACT_ID:
        new_id += 1
    return root, existing, str(new_id), True, clause_num_id, enumeration


def _insert_before(root: etree._Element, child: etree._Element, later: tuple[str, ...]) -> None:
    """Moves child before the first element the schema orders after it."""
    tags = {f"{_W}{name}" for name in later}
    for sibling in root:
        if sibling is not child and sibling.tag in tags:
            sibling.addprevious(child)
            return
    root.append(child)
