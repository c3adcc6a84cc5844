"""Paragraphs, tables and clauses of two documents, paired, and their differences marked.

The body of a document is read as a list of items: a clause of an agreementgen output (all
its paragraphs, found by its content control's tag ``agreementgen:clause=<id>`` or, failing
that, by the bookmark ``_ag_<id>`` on its first paragraph), or a single paragraph or table.
Clauses pair by id, so a clause that moved down because another was inserted before it, or
whose number changed, is compared with itself. Everything else pairs in document order, by
equal text first and then by similar text.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agreementgen.clauses.markers import bookmark_name
from agreementgen.compare.revisions import R_NS, Revisions, w
from agreementgen.compare.words import diff_paragraph, text_key
from agreementgen.negotiation.controls import SECOND_COLUMN
from agreementgen.negotiation.controls import TAG_PREFIX as CLAUSE_TAG
from agreementgen.negotiation.locate import is_heading as _is_heading

_BOOKMARK_PREFIX = "_ag_"
_END_PREFIX = "_age_"
#: How alike two paragraphs (or tables, or rows) must be to be shown as one edited, rather
#: than one deleted and another inserted (difflib's ratio of their texts).
SIMILAR = 0.5
#: Beyond this many pairs to weigh, unmatched stretches are shown as deleted and inserted.
_MAX_PAIRS = 40_000


@dataclass
class Item:
    """A clause, or one paragraph or table, of one of the documents.

    Attributes:
        key: What pairs items: ``clause:<bookmark name>`` for a clause, else the block's kind
            and text.
        blocks: The paragraphs and tables, in order.
        text: The text that similarity is measured on.
        clause: The clause's id, for a clause (which pairs only with the same clause).
    """

    key: str
    blocks: list[Any]
    text: str
    clause: str | None = None


@dataclass
class Context:
    """What marking the differences of one part needs.

    Attributes:
        revisions: Makes the marks.
        bookmarks: The names of NEW's bookmarks (a deleted copy does not repeat them).
        relink: Gives a relationship id of OLD its id in NEW (or None).
        changed: The ids of the clauses found changed, added or removed, in document order.
        clauses: Whether clauses are looked for (in the body and its tables; not in headers).
    """

    revisions: Revisions
    bookmarks: set[str]
    relink: Callable[[str], str | None]
    changed: list[str] = field(default_factory=list)
    clauses: bool = True


def items(container: Any, clauses: bool) -> list[Item]:
    """The items of a body, table cell or content control, in document order."""
    found: list[Item] = []
    _collect(container, clauses, found)
    return found


def _collect(container: Any, clauses: bool, found: list[Item]) -> None:
    current: Item | None = None  # the clause being read, until its end bookmark
    for child in container:
        tag = child.tag
        if tag == w("p"):
            lead = _clause_lead(child) if clauses else None
            if lead is not None:
                current = Item(f"clause:{lead[0]}", [child], "", clause=lead[1])
                found.append(current)
            elif current is not None and not _is_heading(child):
                current.blocks.append(child)
            else:
                current = None
                found.append(_block(child))
            if current is not None and _ends_clause(child):
                current = None
        elif tag == w("tbl"):
            current = None
            found.append(_block(child))
        elif tag in (w("sdt"), w("customXml")):
            current = None
            content = child.find(w("sdtContent")) if tag == w("sdt") else child
            clause = _clause_tag(child) if clauses else None
            if clause is not None and content is not None:
                found.append(Item(f"clause:{_bookmark_of(clause)}", _leaf_blocks(content), "",
                                  clause=clause))
            elif content is not None:
                _collect(content, clauses, found)
    for item in found:
        if item.clause and not item.text:
            item.text = "\n".join(text_of(b) for b in item.blocks)


def _block(element: Any) -> Item:
    text = text_of(element)
    return Item(f"{etree_local(element)}\0{text}", [element], text)


def _leaf_blocks(container: Any) -> list[Any]:
    """The paragraphs and tables in a content control, content controls inside it opened."""
    blocks: list[Any] = []
    for child in container:
        if child.tag in (w("p"), w("tbl")):
            blocks.append(child)
        elif child.tag == w("sdt"):
            content = child.find(w("sdtContent"))
            if content is not None:
                blocks.extend(_leaf_blocks(content))
        elif child.tag == w("customXml"):
            blocks.extend(_leaf_blocks(child))
    return blocks


def text_of(block: Any) -> str:
    """The text of a paragraph, or of a table cell by cell and row by row."""
    if block.tag == w("p"):
        return text_key(block)
    return "\n".join(_row_text(row) for row in rows(block))


def _row_text(row: Any) -> str:
    return "\x1f".join("\n".join(text_of(b) for b in _leaf_blocks(cell))
                       for cell in row.iter(w("tc")) if _owner_row(cell) is row)


def _owner_row(cell: Any) -> Any:
    return next(cell.iterancestors(w("tr")), None)


def rows(table: Any) -> list[Any]:
    """The rows of a table (also those inside a row-level content control)."""
    found: list[Any] = []
    for child in table:
        if child.tag == w("tr"):
            found.append(child)
        elif child.tag in (w("sdt"), w("customXml")):
            content = child.find(w("sdtContent")) if child.tag == w("sdt") else child
            if content is not None:
                found.extend(r for r in content if r.tag == w("tr"))
    return found


def cells(row: Any) -> list[Any]:
    """The cells of a row (also those inside a cell-level content control)."""
    found: list[Any] = []
    for child in row:
        if child.tag == w("tc"):
            found.append(child)
        elif child.tag == w("sdt"):
            content = child.find(w("sdtContent"))
            if content is not None:
                found.extend(c for c in content if c.tag == w("tc"))
    return found


def etree_local(element: Any) -> str:
    """An element's name without its namespace (``p``, ``tbl``)."""
    return str(element.tag).rpartition("}")[2]


def _clause_lead(paragraph: Any) -> tuple[str, str] | None:
    """The key and id of the clause a paragraph starts: by the tag of a content control in
    it (agreementgen puts an empty one at the start of each clause), else by its bookmark."""
    for control in paragraph.iter(w("sdt")):
        clause = _clause_tag(control)
        if clause is not None:
            return _bookmark_of(clause), clause
    for bookmark in paragraph.iter(w("bookmarkStart")):
        name = bookmark.get(w("name"), "")
        if name.startswith(_BOOKMARK_PREFIX):
            return str(name), clause_id(str(name))
    return None


def _ends_clause(paragraph: Any) -> bool:
    """Whether a paragraph holds a clause's end bookmark (``_age_<id>``)."""
    return any(b.get(w("name"), "").startswith(_END_PREFIX)
               for b in paragraph.iter(w("bookmarkStart")))


def _clause_tag(sdt: Any) -> str | None:
    tag = sdt.find(f"{w('sdtPr')}/{w('tag')}")
    value = "" if tag is None else tag.get(w("val"), "")
    if not value.startswith(CLAUSE_TAG):
        return None
    return str(value[len(CLAUSE_TAG):])


def _bookmark_of(clause: str) -> str:
    """The key of a clause by its id: its bookmark's name (``@2`` kept for a second column)."""
    base, column, _ = clause.partition(SECOND_COLUMN)
    try:
        name = bookmark_name(base)
    except ValueError:
        name = _BOOKMARK_PREFIX + base
    return name + column


def clause_id(bookmark: str) -> str:
    """The id of the library clause whose bookmark this is (else the name after ``_ag_``)."""
    return _library_bookmarks().get(bookmark, bookmark.removeprefix(_BOOKMARK_PREFIX))


@functools.cache
def _library_bookmarks() -> dict[str, str]:
    from agreementgen.clauses import library

    return {bookmark_name(spec.id): spec.id for spec in library()}


# Pairing ------------------------------------------------------------------------------------

Pair = tuple[Item | None, Item | None]


def align(old: list[Item], new: list[Item]) -> list[Pair]:
    """Pair the items of OLD and NEW in order: equal keys first, then similar texts."""
    matcher = difflib.SequenceMatcher(None, [i.key for i in old], [i.key for i in new],
                                      autojunk=False)
    pairs: list[Pair] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(old[i1:i2], new[j1:j2], strict=True))
        elif tag == "delete":
            pairs.extend((o, None) for o in old[i1:i2])
        elif tag == "insert":
            pairs.extend((None, n) for n in new[j1:j2])
        else:
            pairs.extend(_pair_similar(old[i1:i2], new[j1:j2]))
    return pairs


def _score(old: Item, new: Item) -> float:
    """How much pairing two items is worth: above 0 when they are one item, edited."""
    if old.clause or new.clause:
        return 1.0 if old.key == new.key else float("-inf")
    if old.key.partition("\0")[0] != new.key.partition("\0")[0]:
        return float("-inf")
    matcher = difflib.SequenceMatcher(None, old.text, new.text, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return float("-inf")
    return matcher.ratio() - SIMILAR


def _pair_similar(old: list[Item], new: list[Item]) -> list[Pair]:
    """The best order-keeping pairing of two stretches that differ (dynamic programming)."""
    n, m = len(old), len(new)
    if n * m > _MAX_PAIRS:
        return [(o, None) for o in old] + [(None, x) for x in new]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    step = [[""] * (m + 1) for _ in range(n + 1)]
    for a in range(n + 1):
        for b in range(m + 1):
            if a == 0 and b == 0:
                continue
            options = []
            if a:
                options.append((best[a - 1][b], "del"))
            if b:
                options.append((best[a][b - 1], "ins"))
            if a and b:
                score = _score(old[a - 1], new[b - 1])
                if score > 0 or (score == 0 and old[a - 1].text == new[b - 1].text):
                    options.append((best[a - 1][b - 1] + score + 1e-9, "pair"))
            best[a][b], step[a][b] = max(options, key=lambda o: o[0])
    pairs: list[Pair] = []
    a, b = n, m
    while a or b:
        move = step[a][b]
        if move == "pair":
            pairs.append((old[a - 1], new[b - 1]))
            a, b = a - 1, b - 1
        elif move == "del":
            pairs.append((old[a - 1], None))
            a -= 1
        else:
            pairs.append((None, new[b - 1]))
            b -= 1
    pairs.reverse()
    return pairs


# Marking ------------------------------------------------------------------------------------

def diff_container(old: Any, new: Any, context: Context) -> None:
    """Mark in ``new`` (a body, cell or header) how its content differs from ``old``'s."""
    pairs = align(items(old, context.clauses), items(new, context.clauses))
    _apply_pairs(pairs, new, context)


def _apply_pairs(pairs: list[Pair], container: Any, context: Context,
                 cursor: Any = None) -> None:
    """Mark each pair; OLD's items that have no partner go after the NEW item before them
    (or after ``cursor``, the element before the first of them)."""
    pending: list[Any] = []  # deleted copies before the first item of NEW
    for old, new in pairs:
        if new is None:
            assert old is not None
            copies = [_deleted_copy(block, context) for block in old.blocks]
            if old.clause:
                context.changed.append(old.clause)
            if cursor is None:
                pending.extend(copies)
            else:
                for block in copies:
                    cursor.addnext(block)
                    cursor = block
            continue
        if old is None:
            for block in new.blocks:
                context.revisions.mark_inserted(block)
            if new.clause:
                context.changed.append(new.clause)
        elif new.clause:
            before = context.revisions.inserted + context.revisions.deleted
            _diff_clause(old, new, context)
            if context.revisions.inserted + context.revisions.deleted != before:
                context.changed.append(new.clause)
        else:
            _diff_block(old.blocks[0], new.blocks[0], context)
        if pending:
            first = _outer(new.blocks[0], container)
            for block in pending:
                first.addprevious(block)
            pending = []
        cursor = _outer(new.blocks[-1], container)
    if pending:
        _append(container, pending)


def _diff_clause(old: Item, new: Item, context: Context) -> None:
    """Compare a clause with itself: its first paragraphs always, then the rest by text."""
    first_old, first_new = old.blocks[0], new.blocks[0]
    if first_old.tag == first_new.tag == w("p"):
        diff_paragraph(first_old, first_new, context.revisions)
        rest = align([_block(b) for b in old.blocks[1:]], [_block(b) for b in new.blocks[1:]])
        _apply_pairs(rest, first_new.getparent(), context, cursor=first_new)
    else:
        pairs = align([_block(b) for b in old.blocks], [_block(b) for b in new.blocks])
        _apply_pairs(pairs, first_new.getparent(), context)


def _outer(block: Any, container: Any) -> Any:
    """The element that holds ``block`` as a child of ``container`` (the block itself, or
    the content control around it)."""
    element = block
    for ancestor in block.iterancestors():
        if ancestor is container:
            return element
        element = ancestor
    return block


def _append(container: Any, blocks: list[Any]) -> None:
    """Add deleted copies at the end of a container, before a body's section properties."""
    last = container[-1] if len(container) else None
    for block in blocks:
        if last is not None and last.tag == w("sectPr"):
            last.addprevious(block)
        else:
            container.append(block)


def _diff_block(old: Any, new: Any, context: Context) -> None:
    if new.tag == w("p"):
        diff_paragraph(old, new, context.revisions)
    else:
        _diff_table(old, new, context)


def _diff_table(old: Any, new: Any, context: Context) -> None:
    """Pair rows by their text; paired rows are compared cell by cell, the rest marked."""
    old_rows, new_rows = rows(old), rows(new)
    old_items = [Item(f"tr{len(cells(r))}\0{_row_text(r)}", [r], _row_text(r)) for r in old_rows]
    new_items = [Item(f"tr{len(cells(r))}\0{_row_text(r)}", [r], _row_text(r)) for r in new_rows]
    cursor: Any = None
    pending: list[Any] = []
    for old_item, new_item in align(old_items, new_items):
        if new_item is None:
            assert old_item is not None
            context.changed.extend(_clauses_in(old_item.blocks[0], context))
            copy = _deleted_copy(old_item.blocks[0], context)
            if cursor is None:
                pending.append(copy)
            else:
                cursor.addnext(copy)
                cursor = copy
            continue
        row = new_item.blocks[0]
        if old_item is None:
            context.changed.extend(_clauses_in(row, context))
            context.revisions.mark_inserted(row)
        else:
            for old_cell, new_cell in zip(cells(old_item.blocks[0]), cells(row), strict=True):
                diff_container(old_cell, new_cell, context)
        for copy in pending:
            row.addprevious(copy)
        pending = []
        cursor = row
    if pending:
        new.extend(pending)


def _clauses_in(row: Any, context: Context) -> list[str]:
    """The ids of the clauses that start in a table row (a bilingual agreement's)."""
    if not context.clauses:
        return []
    return [lead[1] for p in row.iter(w("p")) if (lead := _clause_lead(p)) is not None]


def _deleted_copy(block: Any, context: Context) -> Any:
    """A copy of OLD's block marked deleted, its relationship ids made NEW's."""
    copy = context.revisions.deleted_copy(block, context.bookmarks)
    for element in copy.iter():
        for name in [n for n in element.attrib if n.startswith(f"{{{R_NS}}}")]:
            mapped = context.relink(element.attrib[name])
            if mapped is None:
                del element.attrib[name]
            else:
                element.set(name, mapped)
    return copy
