"""Marks inside clause texts: references to other clauses and open points.

A clause text refers to another clause by its id and never by a typed number; it marks a term
the description does not give as an open point. Both travel through the Markdown of a clause
as marks made of private-use characters, which no Markdown rule reads, so each writer can turn
them into what its format needs: a Word cross-reference (a ``REF`` field to the target's
bookmark) and a highlighted run in Word, the number and the bracketed text in Markdown and HTML.
"""

from __future__ import annotations

import re

_REF_OPEN, _REF_SPLIT, _REF_CLOSE = "\ue000", "\ue001", "\ue002"
_OPEN_START, _OPEN_END = "\ue003", "\ue004"

#: A reference: the target's bookmark name, then the number it shows.
REFERENCE = re.compile(f"{_REF_OPEN}([A-Za-z0-9_]+){_REF_SPLIT}([^{_REF_CLOSE}]*){_REF_CLOSE}")
#: An open point: its text as the reader sees it, "[to be agreed: notice period]".
OPEN_POINT = re.compile(f"{_OPEN_START}([^{_OPEN_END}]*){_OPEN_END}")
#: Either mark; group 1 and 2 for a reference, group 3 for an open point.
MARK = re.compile(f"{REFERENCE.pattern}|{OPEN_POINT.pattern}")
#: Characters the marks are made of (U+E000 to U+E004, private use).
RESERVED = re.compile(f"[{_REF_OPEN}-{_OPEN_END}]")

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


def open_points(text: str) -> list[str]:
    """The visible texts of the open points in a clause text, in order."""
    return OPEN_POINT.findall(text)


def plain(text: str) -> str:
    """The text as a reader sees it: each reference its number, each open point its text."""
    return MARK.sub(lambda m: m[2] if m[1] else m[3], text)
