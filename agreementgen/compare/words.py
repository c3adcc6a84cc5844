"""Word by word inside one paragraph: NEW's runs, split and marked, with OLD's words between.

A paragraph is read as a list of tokens: the words, spaces and punctuation of its text, and one
token for each tab, break, field character, field code or picture. Tokens are found inside
hyperlinks, content controls, simple fields and smart tags too, so an edit there is marked
where it is and the element around it stays. Text inside an existing tracked deletion is no
part of a paragraph's text and is left as it is.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from agreementgen.compare.revisions import (
    HIDDEN_CHANGES,
    R_NS,
    RUN_CONTAINERS,
    SHOWN_CHANGES,
    XML_SPACE,
    Revisions,
    as_deleted,
    w,
)

_WORD = re.compile(r"\d+(?:[.,\u00a0\u202f]\d+)*|\s+|\w+|[^\w\s]")
#: Run content that stands for a character of its own.
_CHARACTERS = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "\u2011",
               w("softHyphen"): "\u00ad", w("ptab"): "\t"}
#: Run content that is no part of the text (a layout hint Word writes and refreshes).
_SILENT = frozenset({w("rPr"), w("lastRenderedPageBreak")})
#: The start of a token that is not text, which no text token can begin with.
_ATOM = "\ue0f0"


@dataclass
class Token:
    """One word, space, punctuation mark or other piece of run content.

    Attributes:
        key: What is compared.
        run: The ``w:r`` it is in.
        child: The run's child it comes from.
        text: For a ``w:t``, the piece of its text; else None.
    """

    key: str
    run: Any
    child: Any
    text: str | None = None


def tokens(paragraph: Any) -> list[Token]:
    """The tokens of a paragraph's current text, in order."""
    return list(_tokens_in(paragraph))


def text_key(paragraph: Any) -> str:
    """A paragraph's current text, with its fields and pictures, as one string to compare."""
    return "".join(t.key for t in tokens(paragraph))


def _tokens_in(element: Any) -> Iterator[Token]:
    for child in element:
        tag = child.tag
        if tag == w("r"):
            yield from _run_tokens(child)
        elif tag == w("sdt"):
            content = child.find(w("sdtContent"))
            if content is not None:
                yield from _tokens_in(content)
        elif tag in RUN_CONTAINERS or tag in SHOWN_CHANGES:
            yield from _tokens_in(child)


def _run_tokens(run: Any) -> Iterator[Token]:
    for child in run:
        tag = child.tag
        if tag in _SILENT or not isinstance(tag, str):
            continue
        if tag == w("t"):
            for word in _WORD.findall(child.text or ""):
                yield Token(word, run, child, word)
        elif tag in _CHARACTERS:
            kind = child.get(w("type"), "")
            yield Token(_CHARACTERS[tag] + (_ATOM + kind if kind else ""), run, child)
        elif tag == w("fldChar"):
            yield Token(_ATOM + "field-" + child.get(w("fldCharType"), ""), run, child)
        elif tag == w("instrText"):
            yield Token(_ATOM + "code " + " ".join((child.text or "").split()), run, child)
        else:
            yield Token(_ATOM + _fingerprint(child), run, child)


def _fingerprint(element: Any) -> str:
    """What a picture, symbol or other piece of run content is, without its relationship ids."""
    clean = copy.deepcopy(element)
    for node in clean.iter():
        for name in [n for n in node.attrib if n.startswith(f"{{{R_NS}}}")]:
            del node.attrib[name]
    data = etree.tostring(clean, method="c14n")
    return etree.QName(element).localname + hashlib.sha256(data).hexdigest()[:16]


@dataclass
class _Edit:
    """The outcome for NEW's tokens: which are inserted, and OLD's tokens deleted before each."""

    inserted: list[bool]
    deleted_before: dict[int, list[Token]]


def diff_paragraph(old: Any, new: Any, revisions: Revisions) -> bool:
    """Mark the word-level changes from paragraph ``old`` to ``new`` in ``new``.

    Returns:
        Whether the text differs.
    """
    old_tokens, new_tokens = tokens(old), tokens(new)
    edit = _edit(old_tokens, new_tokens)
    if not any(edit.inserted) and not edit.deleted_before:
        return False
    _apply(new, new_tokens, edit, revisions)
    return True


def _edit(old: list[Token], new: list[Token]) -> _Edit:
    matcher = difflib.SequenceMatcher(None, [t.key for t in old], [t.key for t in new],
                                      autojunk=False)
    inserted = [False] * len(new)
    deleted: dict[int, list[Token]] = {}
    for tag, i1, i2, j1, j2 in _merged(matcher.get_opcodes(), new):
        if tag in ("replace", "delete"):
            deleted.setdefault(j1, []).extend(old[i1:i2])
        if tag in ("replace", "insert"):
            for j in range(j1, j2):
                inserted[j] = True
    return _Edit(inserted, deleted)


def _merged(opcodes: Sequence[tuple[str, int, int, int, int]],
            new: list[Token]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes where a lone space kept between two changes joins them, as a reader would.

    "Farmers ~~sell~~ buy ~~contracted~~ the beans" reads worse than one change around
    "sell contracted" and "buy the"; only white space between changes is joined.
    """
    merged: list[tuple[str, int, int, int, int]] = []
    for index, code in enumerate(opcodes):
        tag, i1, i2, j1, j2 = code
        between = 0 < index < len(opcodes) - 1 and tag == "equal"
        if between and all(not t.key.strip() for t in new[j1:j2]):
            code = ("replace", i1, i2, j1, j2)
            tag = "replace"
        if merged and tag != "equal" and merged[-1][0] != "equal":
            _, p1, _, q1, _ = merged[-1]
            merged[-1] = ("replace", p1, i2, q1, j2)
        else:
            merged.append(code)
    return merged


def _apply(paragraph: Any, new_tokens: list[Token], edit: _Edit, revisions: Revisions) -> None:
    trailing = edit.deleted_before.get(len(new_tokens))
    if trailing:
        deletion = _deletion(trailing, revisions)
        if new_tokens:
            _outside_changes(new_tokens[-1].run, paragraph).addnext(deletion)
        else:
            paragraph.append(deletion)
    by_run: dict[Any, list[int]] = {}
    for index, token in enumerate(new_tokens):
        by_run.setdefault(token.run, []).append(index)
    for run, indexes in by_run.items():
        _split_run(run, indexes, new_tokens, edit, revisions)


def _split_run(run: Any, indexes: list[int], new_tokens: list[Token], edit: _Edit,
               revisions: Revisions) -> None:
    """Replace a run by runs of its tokens' statuses, with OLD's deleted words between."""
    by_child: dict[int, list[int]] = {}
    for index in indexes:
        by_child.setdefault(id(new_tokens[index].child), []).append(index)
    pieces: list[tuple[str, Any]] = []  # ("eq" | "ins", w:r) and ("del", w:del)

    def piece(status: str) -> Any:
        if not pieces or pieces[-1][0] != status:
            pieces.append((status, _empty_like(run)))
        return pieces[-1][1]

    for child in run:
        if child.tag == w("rPr"):
            continue
        own = by_child.get(id(child))
        if not own:
            # Content with no text (an empty w:t, a rendered page break) stays with its run.
            piece(pieces[-1][0] if pieces and pieces[-1][0] != "del" else "eq").append(
                copy.deepcopy(child))
            continue
        for index in own:
            deleted = edit.deleted_before.get(index)
            if deleted:
                pieces.append(("del", _deletion(deleted, revisions)))
            target = piece("ins" if edit.inserted[index] else "eq")
            text = new_tokens[index].text
            if text is None:
                target.append(copy.deepcopy(child))
            else:
                _append_text(target, text)
    if all(status == "eq" for status, _ in pieces):
        return
    in_insertion = run.getparent().tag in SHOWN_CHANGES
    for status, node in pieces:
        if status == "ins" and not in_insertion:
            mark = revisions.mark("ins")
            mark.append(node)
            node = mark
        run.addprevious(node)
    run.getparent().remove(run)
    if in_insertion:
        for status, node in pieces:
            if status == "del":
                _lift_out_of_change(node, revisions)


def _empty_like(run: Any) -> Any:
    """A run with the same properties as ``run`` and no content."""
    fresh = run.makeelement(w("r"), run.attrib)
    properties = run.find(w("rPr"))
    if properties is not None:
        fresh.append(copy.deepcopy(properties))
    return fresh


def _append_text(run: Any, text: str) -> None:
    last = run[-1] if len(run) else None
    if last is not None and last.tag == w("t"):
        last.text = (last.text or "") + text
        return
    element = etree.SubElement(run, w("t"))
    element.set(XML_SPACE, "preserve")
    element.text = text


def _deletion(old_tokens: list[Token], revisions: Revisions) -> Any:
    """A ``w:del`` holding OLD's tokens, one run per OLD run, with OLD's run properties."""
    mark = revisions.mark("del")
    current_source: Any = None
    run: Any = None
    for token in old_tokens:
        if token.run is not current_source:
            current_source = token.run
            run = _empty_like(token.run)
            change = run.find(f"{w('rPr')}/{w('rPrChange')}")
            if change is not None:
                change.getparent().remove(change)
            mark.append(run)
        if token.text is None:
            run.append(copy.deepcopy(token.child))
        else:
            _append_text(run, token.text)
        as_deleted(run)
    return mark


def _outside_changes(run: Any, paragraph: Any) -> Any:
    """Where deleted words after ``run`` can go: after the run, or its tracked change."""
    element = run
    parent = element.getparent()
    while parent is not None and parent is not paragraph and (
            parent.tag in SHOWN_CHANGES or parent.tag in HIDDEN_CHANGES):
        element = parent
        parent = element.getparent()
    return element


def _lift_out_of_change(deletion: Any, revisions: Revisions) -> None:
    """Split an existing tracked insertion around our deletion: no mark may hold another."""
    wrapper = deletion.getparent()
    following = [c for c in wrapper if c is not deletion and
                 wrapper.index(c) > wrapper.index(deletion)]
    wrapper.addnext(deletion)
    if following:
        rest = wrapper.makeelement(wrapper.tag, wrapper.attrib)
        rest.set(w("id"), revisions.new_id())
        for child in following:
            rest.append(child)
        deletion.addnext(rest)
    if len(wrapper) == 0:
        wrapper.getparent().remove(wrapper)
