"""The HTML tree of everyday Markdown, built directly instead of by the parser.

Most description fields and clause texts use a small part of Markdown: paragraphs, flat lists
(``- item``, ``1. item``, also right under a line of text, the last item perhaps running on to
more lines), ``**bold**`` and ``*italic*`` words, and references to other clauses.
:func:`plain_tree` recognises text that uses nothing else, in shapes that can only mean one
thing, and builds the tree the Markdown parser (as :mod:`.markdown_parser` configures it) would
build for it, in a fraction of the time. Any other text gives None and goes to the parser.

tests/render/test_plain_markdown.py checks the result against the parser on generated text.
"""

from __future__ import annotations

import re

from lxml import etree

# Characters left to the parser: code, escapes, links, raw HTML, the parser's own placeholder
# characters, underscores, and tabs and line separators other than "\n".
_PARSER_CHARACTERS = re.compile(r"[\\`_\[\]<>\x02\x03\t\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
# A reference to another clause (see agreementgen.clauses.markers): its bookmark name holds
# underscores, which open no emphasis when none of them can close one, as none does that is
# followed by a letter or digit; the mark is checked with them left out.
_REFERENCE = re.compile("\ue000_ag_[A-Za-z0-9_]*[A-Za-z0-9]\ue001[0-9A-Za-z.]*\ue002")
# A line the parser reads as a list item, a heading, a rule, a quote or an underline, in
# any of its forms (a list marker may be followed by any white space, as markdown_tree's
# _ListsInterruptPreprocessor sees it); such lines are simple only as the exact items below.
_BLOCK_START = re.compile(r"\d+[.)](\s|$)|[-+=#>]|\*+(\s|$)|\*{3}")
_BULLET_ITEM = re.compile(r"- (?=\S)")
_NUMBER_ITEM = re.compile(r"(\d{1,9})\. (?=\S)")
_ASTERISKS = re.compile(r"\*+")
_WORD = re.compile(r"\w")

_Block = tuple[str, list[str], str]  # (tag, lines or item texts, first number)


def plain_tree(text: str) -> etree._Element | None:
    """The parser's tree of ``text`` under a <root> element, or None when it needs the parser.

    ``text`` has ``\\n`` line breaks only.
    """
    if _PARSER_CHARACTERS.search(_REFERENCE.sub("\ue000", text) if "\ue000" in text else text):
        return None
    blocks = _blocks(text)
    if blocks is None:
        return None
    root = etree.Element("root")
    previous: etree._Element | None = None
    for tag, lines, start in blocks:
        element = etree.SubElement(root, tag)
        if tag == "p":
            if not _inline(element, "\n".join(lines)):
                return None
        else:
            element.text = "\n"
            if tag == "ol" and start != "1":
                element.set("start", start)
            for line in lines:
                item = etree.SubElement(element, "li")
                item.tail = "\n"
                if not _inline(item, line):
                    return None
        if previous is not None:
            previous.tail = "\n"
        previous = element
    return root


def _blocks(text: str) -> list[_Block] | None:
    """Paragraphs and lists, in order, or None for any shape the parser may read otherwise."""
    lines = text.split("\n")
    if lines[0].startswith(" ") and not lines[0].strip(" "):
        return None  # the parser keeps a first line of spaces only
    blocks: list[_Block] = []
    paragraph: list[str] = []
    items: list[str] = []
    tag = start = ""
    continued = False  # the last item has a line of its own after its first
    for line in [*lines, ""]:
        if line.endswith("  "):
            return None  # a hard line break
        if not line.strip(" "):  # a blank line ends the block
            if paragraph:
                blocks.append(("p", paragraph, ""))
            if items:
                if not paragraph and blocks and blocks[-1][0] == tag:
                    return None  # the parser joins the two lists into one loose list
                blocks.append((tag, items, start))
            paragraph, items, tag, start, continued = [], [], "", "", False
            continue
        if line[0].isspace() or (line[-1].isspace() and line[-1] != " "):
            return None  # indented, or other white space than one space at an end
        bullet = _BULLET_ITEM.match(line)
        number = None if bullet else _NUMBER_ITEM.match(line)
        if bullet or number:
            kind = "ul" if bullet else "ol"
            if tag and kind != tag:
                return None  # a bullet among numbers continues the item before it
            if continued:
                return None  # the parser reads the list as loose from here on
            tag = kind
            if number and not items:
                start = number[1]
            content = line[(bullet or number).end():]  # type: ignore[union-attr]
            if _BLOCK_START.match(content):
                return None  # a nested list, heading or rule inside the item
            items.append(content)
        elif _BLOCK_START.match(line):
            return None  # other block syntax
        elif items:
            items[-1] += "\n" + line  # a lazy continuation of the last item
            continued = True
        else:
            paragraph.append(line)
    return blocks


def _inline(parent: etree._Element, text: str) -> bool:
    """Put ``text`` into ``parent`` with its bold and italic spans; False if not simple.

    Simple spans are a run of one or two asterisks that opens before a character and closes
    after one, with no asterisk between and no reading as both an opening and a closing.
    """
    runs = list(_ASTERISKS.finditer(text))
    if len(runs) % 2:
        return False
    last: etree._Element | None = None
    position = 0
    for opening, closing in zip(runs[::2], runs[1::2], strict=True):
        size = opening.end() - opening.start()
        if size > 2 or closing.end() - closing.start() != size:
            return False
        if not (_opens(text, opening.start(), opening.end())
                and _closes(text, closing.start(), closing.end())):
            return False
        span = etree.SubElement(parent, "strong" if size == 2 else "em")
        span.text = text[opening.end():closing.start()]
        piece = text[position:opening.start()]
        if last is None:
            parent.text = piece or None
        else:
            last.tail = piece or None
        last = span
        position = closing.end()
    rest = text[position:]
    if last is None:
        parent.text = rest
    else:
        last.tail = rest or None
    return True


def _opens(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end]
    if after.isspace() or (before and _WORD.match(before)):
        return False
    # Followed by punctuation and preceded by something other than a space, the run could
    # also close a span: the parser then weighs it against its neighbours.
    return bool(_WORD.match(after)) or not before or before.isspace()


def _closes(text: str, start: int, end: int) -> bool:
    before = text[start - 1]
    after = text[end] if end < len(text) else ""
    if before.isspace() or (after and _WORD.match(after)):
        return False
    return bool(_WORD.match(before)) or not after or after.isspace()
