"""Markdown as an HTML element tree: built directly for everyday text, else by the parser.

Python-Markdown is configured here to keep user text literal (raw HTML, entities and tabs stay
as typed) and to let a list start right under a line of text; both the Word writer and the
review copies read the tree it gives.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
import threading
from html import unescape

import markdown
from lxml import etree
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.preprocessors import Preprocessor

from agreementgen.render.plain_markdown import plain_tree

#: The HTML elements Markdown gives for headings, and for blocks of any kind.
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_TAGS = HEADING_TAGS | {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "div"}
BLOCK_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd"}
_LEAKED_PLACEHOLDER = re.compile(r"[\x02\x03]|&#0*[23];|&#[xX]0*[23];")
_NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
_LINE_INDENT = re.compile(r"(?m)^([ \t]*)(.*)$")


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
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_ListsInterruptPreprocessor(md), "lists_interrupt", 25)


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


def _markdown(text: str) -> markdown.Markdown:
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


@functools.lru_cache(maxsize=2048)
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
    html = _markdown(text).convert(text)
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
