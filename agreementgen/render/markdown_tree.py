"""Markdown as an HTML element tree: built directly for everyday text, else by the parser.

Everyday text (:mod:`.plain_markdown`) never loads Python-Markdown; any other text goes to
the parser as :mod:`.markdown_parser` configures it. Both the Word writer and the review
copies read the tree.
"""

from __future__ import annotations

import functools
import itertools
import re
from html import unescape

from lxml import etree

from agreementgen.render.plain_markdown import plain_tree

#: The HTML elements Markdown gives for headings, and for blocks of any kind.
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_TAGS = HEADING_TAGS | {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "div"}
BLOCK_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd"}
_LEAKED_PLACEHOLDER = re.compile(r"[\x02\x03]|&#0*[23];|&#[xX]0*[23];")
_NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
_LINE_INDENT = re.compile(r"(?m)^([ \t]*)(.*)$")


#: Texts whose trees :func:`html_tree` keeps. A batch meets the clause texts in every document
#: and a description's own texts once; a description with 1,000 indicators alone has about
#: 1,200 texts, and the clause texts must survive it. A full cache holds about 10 MB.
MARKDOWN_CACHE_SIZE = 8192


@functools.lru_cache(maxsize=MARKDOWN_CACHE_SIZE)
def html_tree(text: str) -> etree._Element:
    """Converts Markdown to an HTML element tree under a <root> element.

    Cached: a batch meets the same clause texts again and again. Callers only read the tree.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    plain = plain_tree(text)
    return plain if plain is not None else _markdown_tree(text)


def _markdown_tree(text: str) -> etree._Element:
    """Converts Markdown to an HTML element tree under a <root> element, with the parser."""
    amp, tab = _sentinels(text, 2)
    # Python-Markdown passes "&copy;" through as an entity (undefined in XML, and not what
    # the user typed) and expands tabs to spaces; smuggle both past it.
    text = text.replace("&", amp)
    # Leading tabs stay: they are Markdown indentation (nested lists, code blocks).
    text = _LINE_INDENT.sub(lambda m: m.group(1) + m.group(2).replace("\t", tab), text)
    from agreementgen.render.markdown_parser import parser

    html = parser(text).convert(text)
    if _LEAKED_PLACEHOLDER.search(html):
        # Python-Markdown 3.11 can leak its stash placeholders (STX/ETX, which user text
        # cannot contain) on tangles of escapes and delimiters, e.g. *_0_ a*0\\*0a* or
        # <0@\.> ; showing the text as typed beats showing broken text.
        return _literal_tree(text.replace(amp, "&").replace(tab, "\t"))
    # Automail obfuscates addresses with HTML entities such as &nbsp;, unknown to XML.
    html = _NAMED_ENTITY.sub(lambda m: "".join(f"&#{ord(c)};" for c in unescape(m[0])), html)
    root = etree.fromstring(f"<root>{html}</root>")

    def restore(value: str) -> str:
        return value.replace(amp, "&").replace(tab, "\t")

    for el in root.iter():
        if el.text:
            el.text = restore(el.text)
        if el.tail:
            el.tail = restore(el.tail)
        for name, value in el.attrib.items():
            el.set(name, restore(value))
    return root


def _literal_tree(text: str) -> etree._Element:
    """The tree Markdown would give text without any syntax: paragraphs and line breaks."""
    root = etree.Element("root")
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        paragraph = etree.SubElement(root, "p")
        first, *rest = block.split("\n")
        paragraph.text = first
        for line in rest:
            etree.SubElement(paragraph, "br").tail = line
    return root


def _sentinels(text: str, count: int) -> list[str]:
    """Private-use characters that do not occur in text."""
    candidates = itertools.chain(range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))
    free = (chr(c) for c in candidates if chr(c) not in text)
    return list(itertools.islice(free, count))
