"""Marks inside clause texts: references to other clauses, open points and untranslated text.

A clause text refers to another clause by its id and never by a typed number; it marks a term
the description does not give as an open point. Both travel through the Markdown of a clause
as marks made of private-use characters, which no Markdown rule reads, so each writer can turn
them into what its format needs: a Word cross-reference (a ``REF`` field to the target's
bookmark) and a highlighted run in Word, the number and the bracketed text in Markdown and HTML.

A user's text shown in a language it was not written in is wrapped in an untranslated mark
that names its language. The mark may span paragraphs and list items, so the Word writer reads
it after rendering, run by run (:mod:`agreementgen.render.untranslated`); the review copies show
the text without it.
"""

from __future__ import annotations

import re

_REF_OPEN, _REF_SPLIT, _REF_CLOSE = "\ue000", "\ue001", "\ue002"
_OPEN_START, _OPEN_END = "\ue003", "\ue004"
#: Untranslated text: the start, its language code, the split, the text, the end.
UNTRANSLATED_START, UNTRANSLATED_SPLIT, UNTRANSLATED_END = "\ue005", "\ue006", "\ue007"

#: A reference: the target's bookmark name, then the number it shows.
REFERENCE = re.compile(f"{_REF_OPEN}([A-Za-z0-9_]+){_REF_SPLIT}([^{_REF_CLOSE}]*){_REF_CLOSE}")
#: An open point: its text as the reader sees it, "[to be agreed: notice period]".
OPEN_POINT = re.compile(f"{_OPEN_START}([^{_OPEN_END}]*){_OPEN_END}")
#: Either mark; group 1 and 2 for a reference, group 3 for an open point.
MARK = re.compile(f"{REFERENCE.pattern}|{OPEN_POINT.pattern}")
#: The marks of references and open points (U+E000 to U+E004, private use).
RESERVED = re.compile(f"[{_REF_OPEN}-{_OPEN_END}]")
#: The start or the end of untranslated text; group 1 is the language of a start.
UNTRANSLATED = re.compile(
    f"{UNTRANSLATED_START}([a-z]{{2,3}}){UNTRANSLATED_SPLIT}|{UNTRANSLATED_END}")
#: Every character the marks may be made of (U+E000 to U+E00F), which no user text may hold.
MARK_CHARACTERS = re.compile("[\ue000-\ue00f]")

# White space, and the Markdown that may open a text's first line: list markers, a heading's
# hashes, a quote's angle bracket.
_BLOCK_PREFIX = re.compile(r"\s*(?:(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)[ \t]+)*")

# Word bookmark names: at most 40 characters, letters, digits and underscores.
_BOOKMARK_PREFIX = "_ag_"
_BOOKMARK_MAX = 40


def bookmark_name(clause_id: str) -> str:
    """The stable name of the bookmark on a clause: ``_ag_`` and the id, dots as underscores."""
    name = _BOOKMARK_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", clause_id)
    if len(name) > _BOOKMARK_MAX:
        raise ValueError(f"clause id {clause_id!r} is too long for a Word bookmark name")
    return name


def reference(clause_id: str, number: str) -> str:
    """The mark for a reference to a clause that shows ``number``."""
    return f"{_REF_OPEN}{bookmark_name(clause_id)}{_REF_SPLIT}{number}{_REF_CLOSE}"


def open_point(text: str) -> str:
    """The mark for an open point whose visible text is ``text`` (brackets included)."""
    return f"{_OPEN_START}{text}{_OPEN_END}"


def untranslated(text: str, lang: str) -> str:
    """The mark for ``text``, written in ``lang``, shown in another language's version.

    The mark goes around the words: outer white space, and the Markdown that opens the first
    line (a list item's ``-``, a heading's ``#``), stay outside it, so they keep their meaning.
    """
    prefix = _BLOCK_PREFIX.match(text)
    start = prefix.end() if prefix else 0
    end = len(text.rstrip())
    if end <= start:
        return text
    return (f"{text[:start]}{UNTRANSLATED_START}{lang}{UNTRANSLATED_SPLIT}{text[start:end]}"
            f"{UNTRANSLATED_END}{text[end:]}")


def rstrip(text: str, chars: str) -> str:
    """``text.rstrip(chars)``, also where the text ends in an untranslated mark: the
    characters go from inside the mark."""
    if text.endswith(UNTRANSLATED_END):
        return text[:-1].rstrip(chars) + UNTRANSLATED_END
    return text.rstrip(chars)


def without_untranslated(text: str) -> str:
    """The text without its untranslated marks (the words stay)."""
    return UNTRANSLATED.sub("", text) if UNTRANSLATED_START in text else text


def open_points(text: str) -> list[str]:
    """The visible texts of the open points in a clause text, in order."""
    return OPEN_POINT.findall(text)


def plain(text: str) -> str:
    """The text as a reader sees it: each reference its number, each open point its text."""
    return MARK.sub(lambda m: m[2] if m[1] else m[3], without_untranslated(text))
