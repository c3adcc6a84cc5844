"""Characters a Word document cannot hold, found in every key and text of a description.

XML 1.0 allows tab, newline and carriage return of the C0 controls, and no lone surrogates nor
U+FFFE/U+FFFF. docxtpl and lxml would drop or reject such characters at render time, far from
the field that holds them; refusing them at validation names the field and the place instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agreementgen.errors import Flaw
from agreementgen.i18n import message

__all__ = ["INVALID_XML_CHARACTER", "check_characters", "first_invalid", "visible"]

#: One character that XML 1.0 (and so a .docx) cannot contain: a C0 control other than tab,
#: newline and carriage return, a lone surrogate, U+FFFE or U+FFFF. (Written as what is
#: refused, not as the complement of what XML allows: Python compiles that in a tenth of the
#: time, and it is the same set.)
INVALID_XML_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Private-use characters agreementgen marks clause references, open points and untranslated
#: text with (see :mod:`agreementgen.clauses.markers`): in a user's text they would forge one.
RESERVED_CHARACTER = re.compile("[\ue000-\ue00f]")

Path = tuple[str | int, ...]


def first_invalid(text: str) -> tuple[int, str] | None:
    """The 1-based position and the code point (``U+0007``) of the first bad character.

    Returns:
        None when every character of ``text`` can be stored in a Word document.
    """
    found = INVALID_XML_CHARACTER.search(text)
    if found is None:
        return None
    return found.start() + 1, f"U+{ord(found.group()):04X}"


def visible(text: str) -> str:
    """``text`` with every character XML cannot hold written as an escape (``\\u0007``).

    Messages quote the user's keys and values; a raw control character or lone surrogate in
    them would garble a terminal or fail to encode.
    """
    return INVALID_XML_CHARACTER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def check_characters(data: Any) -> list[Flaw]:
    """A flaw for every key and text in ``data`` that holds a character XML cannot hold.

    Args:
        data: A loaded description (mappings, lists and scalars), checked in document order.

    Returns:
        One flaw per offending key or text, naming the first bad character and its position.
    """
    if not _any_flagged(data):
        return []  # nearly every description: one search over all its text, no paths made
    return list(_walk(data, ()))


def _any_flagged(data: Any) -> bool:
    """Whether any key or text in ``data`` holds a character XML cannot hold or a reserved one
    (a reserved one in a key is allowed; the careful walk then finds nothing)."""
    texts: list[str] = []
    stack = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            texts.append(current)
        elif isinstance(current, dict):
            texts.extend(key for key in current if isinstance(key, str))
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    joined = "\n".join(texts)
    return bool(INVALID_XML_CHARACTER.search(joined) or RESERVED_CHARACTER.search(joined))


def _walk(value: Any, path: Path) -> Iterator[Flaw]:
    # An explicit stack rather than recursion: the loader bounds depth, but this walk should
    # not depend on that to stay safe.
    stack: list[tuple[Any, Path]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            yield from _flaw(current, where, at_key=False)
        elif isinstance(current, dict):
            children = []
            for key, child in current.items():
                key_path = (*where, key if isinstance(key, str) else str(key))
                if isinstance(key, str):
                    yield from _flaw(key, key_path, at_key=True)
                children.append((child, key_path))
            stack.extend(reversed(children))
        elif isinstance(current, list):
            stack.extend(reversed([(child, (*where, i)) for i, child in enumerate(current)]))


def _flaw(text: str, path: Path, *, at_key: bool) -> Iterator[Flaw]:
    bad = first_invalid(text)
    if bad is None:
        reserved = RESERVED_CHARACTER.search(text)
        if reserved is not None and not at_key:
            yield Flaw(path, "bad_character",
                       message("reserved_character", character=f"U+{ord(reserved.group()):04X}",
                               position=reserved.start() + 1))
        return
    position, code_point = bad
    code = "bad_character_in_key" if at_key else "bad_character"
    yield Flaw(path, "bad_character",
               message(code, character=code_point, position=position), at_key=at_key)
