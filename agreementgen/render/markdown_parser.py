"""Python-Markdown, configured to keep user text literal and to read lists as people write them.

Raw HTML, entities and tabs stay as typed, and a list may start right under a line of text.
Loaded only for text that :mod:`.plain_markdown` cannot build directly.
"""

from __future__ import annotations

import re
import string
import threading
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.preprocessors import Preprocessor

__all__ = ["parser"]


class _LiteralTextExtension(Extension):
    """Keeps user text literal where standard Markdown would swallow characters."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        if getattr(md, "delimiters", None) is None:
            raise RuntimeError("agreementgen needs Markdown >= 3.11 (its delimiter processor)")
        # Raw HTML in a description must show as text, never become markup.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # As in CommonMark, a backslash escapes any ASCII punctuation ("\\<", "\\|"), not
        # only the characters Python-Markdown lists.
        md.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in md.ESCAPED_CHARS)
        # Intraword asterisks are arithmetic or Jinja ({{ a*b }}), not emphasis.
        md.delimiters.add("*", "strong,em", smart=True)


_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+\S")


class _ListsInterruptPreprocessor(Preprocessor):
    """A list may start right under a line of text, as in CommonMark and as people write it.

    Python-Markdown needs a blank line before a list; without one, "Causes:\n- a\n- b" would
    come out as one paragraph with literal dashes.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            if (_LIST_ITEM.match(line) and out and out[-1].strip()
                    and not _LIST_ITEM.match(out[-1]) and not out[-1].startswith((" ", "\t"))):
                out.append("")
            out.append(line)
        return out


class _ListsInterruptExtension(Extension):
    """Lists as people write them: nested by CommonMark's indentation, right under text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After normalize_whitespace (30), which expands tabs and empties blank lines.
        md.preprocessors.register(_ListIndentPreprocessor(md), "list_indent", 27)
        md.preprocessors.register(_ListsInterruptPreprocessor(md), "lists_interrupt", 25)


# A list item as Python-Markdown knows it: "-", "+", "*" or "1." (not "1)"), a space, text.
_ITEM_MARKER = re.compile(r"^( *)([-+*]|\d{1,9}\.)( +)\S")
_RULE = re.compile(r"^([-*_])(?: *\1){2,} *$")
_TAB = 4  # Python-Markdown's tab_length: the indent of a nested list and of code


@dataclass(frozen=True)
class _Item:
    """An open list item: where its text starts in the source, and where it goes out."""

    indent: int  # the column of its marker in the source
    content: int  # the column of its text in the source (CommonMark's content column)
    out: int  # the column of its text for Python-Markdown: four spaces a level
    ordered: bool

    def holds(self, column: int) -> bool:
        """Whether a line indented to ``column`` is inside the item: indented to its text
        (CommonMark), or four spaces past its marker (Python-Markdown)."""
        return column >= min(self.content, self.indent + _TAB)


class _ListIndentPreprocessor(Preprocessor):
    """Nested lists and item paragraphs indented as people write them, as CommonMark reads them.

    A line belongs to a list item when it is indented to the item's text: two spaces under
    "- ", three under "1. ", four under "10. ", and four spaces always. Python-Markdown
    wants four spaces a level and reads two or three as the next item of the same list, so
    every line inside an item is re-indented to four spaces a level, keeping its indentation
    beyond the item's text (a code block in an item stays a code block). Lines that continue
    a paragraph lazily, without indentation, stay as they are.

    Python-Markdown also reads a block (lines between blank lines) that starts inside an
    item as a whole, so "- a\n\n  more\n- b" would put "- b" into the paragraph "more",
    and it reads "1. a\n- b" as one item "a - b" where CommonMark starts a second list. A
    blank line is put before such an item; CommonMark's list is loose there anyway.
    """

    def run(self, lines: list[str]) -> list[str]:
        if not any(_ITEM_MARKER.match(line) for line in lines):
            return lines
        out: list[str] = []
        items: list[_Item] = []
        previous = "blank"  # what the line before was: "blank", "text" or "code"
        block: tuple[int, bool] | None = None  # the block's first line: its column, an item?
        for line in lines:
            if not line.strip(" "):  # normalize_whitespace has expanded tabs already
                out.append(line)
                previous = "code" if previous == "code" else "blank"
                block = None
                continue
            column = len(line) - len(line.lstrip(" "))
            kind, text = self._line(line, column, items, previous)
            indent = len(text) - len(text.lstrip(" "))
            if block is not None and _own_block(kind, indent, block):
                out.append("")
                block = None
            out.append(text)
            block = block or (indent, kind in ("item", "new list"))
            previous = "code" if kind == "code" else "text"
        return out

    def _line(self, line: str, column: int, items: list[_Item],
              previous: str) -> tuple[str, str]:
        """What a line is and how it goes to Python-Markdown.

        The kinds are "item", "new list" (an item of another kind than the one before it at
        its level: a number after bullets), "code" and "text".

        Updates ``items``, the open list items, innermost last.
        """
        if previous == "code" and items and column >= items[-1].content + _TAB:
            return "code", self._inside(items[-1], line, column)
        marker = _ITEM_MARKER.match(line)
        if marker and _RULE.match(line.strip(" ")):
            marker = None  # "- - -" and "* * *" are rules
        if not marker and previous == "text" and items and not items[-1].holds(column):
            return "text", line  # continues the paragraph before, lazily
        sibling = None
        if marker or previous != "text":
            while items and not items[-1].holds(column):
                sibling = items.pop()
        # Four spaces beyond where text may start: code after a blank line, text after text.
        deep = column >= (items[-1].content if items else 0) + _TAB
        code = deep and previous != "text"
        if marker and not code and (items or not deep):
            parent = items[-1].out if items else 0
            spaces = len(marker[3])
            width = len(marker[2]) + (spaces if spaces <= _TAB else 1)
            item = _Item(column, column + width, parent + _TAB, marker[2][0].isdigit())
            kind = "item"
            if sibling is not None and sibling.out == item.out and sibling.ordered != item.ordered:
                kind = "new list"
            items.append(item)
            return kind, " " * parent + line[column:]
        if not items:
            return ("code" if code else "text"), line
        return ("code" if code else "text"), self._inside(items[-1], line, column)

    @staticmethod
    def _inside(item: _Item, line: str, column: int) -> str:
        """A line of the item's content, at the item's column for Python-Markdown."""
        return " " * (item.out + max(0, column - item.content)) + line[column:]


def _own_block(kind: str, indent: int, block: tuple[int, bool]) -> bool:
    """Whether a line of this kind, going out at ``indent``, needs a blank line before it in
    the block whose first line is ``block`` (its column, whether it is an item).

    Python-Markdown reads a block that starts inside an item as a whole, an item further out
    in it included, and it joins an item of another kind to the text of the item before.
    """
    if kind == "new list":
        return True
    first, item = block
    return kind == "item" and first >= _TAB and (not item or indent < first)


_local = threading.local()


# What a text must contain for each inline pattern to match anything in it. A pattern
# that cannot match is left out of the parser for that text: the result is the same, and
# the parser spends most of its time trying patterns.
_INLINE_TRIGGERS = {
    "backtick": ("`",), "escape": ("\\",), "reference": ("[",), "link": ("[",),
    "image_link": ("[",), "image_reference": ("[",), "short_reference": ("[",),
    "short_image_ref": ("[",), "autolink": ("<",), "automail": ("<",),
    "linebreak": ("  \n",), "entity": ("&",), "em_strong": ("*", "_"),
}


def parser(text: str) -> markdown.Markdown:
    """A parser for ``text``, without the inline patterns that cannot match in it.

    One parser per thread and set of patterns: building one costs as much as a conversion,
    and they are not thread-safe.
    """
    unused = frozenset(name for name, needs in _INLINE_TRIGGERS.items()
                       if not any(n in text for n in needs))
    parsers: dict[frozenset[str], markdown.Markdown] = _local.__dict__.setdefault("md", {})
    md = parsers.get(unused)
    if md is None:
        md = markdown.Markdown(
            extensions=[SaneListExtension(), _LiteralTextExtension(), _ListsInterruptExtension()],
            output_format="xhtml",
        )
        for name in unused:
            md.inlinePatterns.deregister(name)
        parsers[unused] = md
    return md.reset()
