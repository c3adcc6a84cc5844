"""Markdown from description fields rendered as WordprocessingML paragraphs and runs."""

from __future__ import annotations

import copy
import functools
import itertools
import re
import string
import threading
from dataclasses import dataclass, field, replace
from html import unescape
from typing import Literal
from urllib.parse import quote

import markdown
from lxml import etree
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.preprocessors import Preprocessor

from agreementgen.render.plain_markdown import plain_tree
from agreementgen.validation.characters import INVALID_XML_CHARACTER

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{_W_NS}}}"
_NS = {"w": _W_NS}

_LIST_NUMBER_STYLE = "ListNumber"
_BULLET = "\u2022"
# python-docx's default template defines "List Bullet 2/3" and "List Number 2/3", not 4/5.
_MAX_STYLE_LEVEL = 3
# Twips per list level, the step python-docx's default list styles use.
_INDENT_STEP = 360
_MAX_ILVL = 8
#: The links a document may carry; any other scheme (javascript:, file:) stays text.
LINK_SCHEMES = re.compile(r"(?i)(https?|mailto):")
_LEAKED_PLACEHOLDER = re.compile(r"[\x02\x03]|&#0*[23];|&#[xX]0*[23];")
_NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
_LINE_INDENT = re.compile(r"(?m)^([ \t]*)(.*)$")
#: The HTML elements Markdown gives for headings, and for blocks of any kind.
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_TAGS = HEADING_TAGS | {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "div"}
BLOCK_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd"}


@dataclass(frozen=True)
class _Format:
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: bool = False


@dataclass
class _Seg:
    """A piece of a paragraph: text, a line break, or a ready-made run (field characters)."""

    kind: Literal["text", "break", "raw"]
    fmt: _Format
    text: str = ""


@dataclass
class _Paragraph:
    style: str
    segs: list[_Seg] = field(default_factory=list)
    num: tuple[int, str] | None = None  # (ilvl, numId)
    indent: int = 0
    depth: int = 0  # list nesting, used when flattening to runs
    marker: str = ""  # "•" or "3.", used when flattening to runs


@dataclass(frozen=True)
class _Context:
    fmt: _Format = _Format()
    pre: bool = False
    list_depth: int = 0
    ol_depth: int = 0
    num_id: str | None = None  # numId of the enclosing numbered list


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
        self._issued: list[tuple[str, int]] = []
        self._root: etree._Element | None = None
        self._abstract_id: str | None = None
        self._create_abstract = False
        self._existing: frozenset[str] = frozenset()
        if numbering_xml is None:
            return
        self._root, self._existing, self._abstract_id, self._create_abstract = _read_numbering(
            numbering_xml, list_number_abstract_id)

    def new_numbered_list(self, start: int = 1) -> str | None:
        """Reserves a w:numId for one numbered list.

        Args:
            start: The number the list starts at (Markdown's ``3.`` starts at 3).

        Returns:
            The numId to put in the list's w:numPr, or None when the template has no
            numbering part.
        """
        if self._root is None:
            return None
        while str(self._next_id) in self._existing:
            self._next_id += 1
        num_id = str(self._next_id)
        self._next_id += 1
        self._issued.append((num_id, start))
        return num_id

    def patched_numbering_xml(self) -> bytes | None:
        """Returns the numbering part with a w:num for every id handed out.

        Returns:
            The serialized part, or None if there is no part or no id was handed out.
        """
        if self._root is None or not self._issued:
            return None
        root = copy.deepcopy(self._root)
        if self._create_abstract:
            _insert_before(root, self._new_abstract(root), ("num", "numIdMacAtCleanup"))
        for num_id, start in self._issued:
            num = etree.SubElement(root, f"{_W}num", {f"{_W}numId": num_id})
            etree.SubElement(num, f"{_W}abstractNumId", {f"{_W}val": str(self._abstract_id)})
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


@functools.lru_cache(maxsize=16)
def _read_numbering(numbering_xml: bytes, wanted: str | None
                    ) -> tuple[etree._Element, frozenset[str], str, bool]:
    """A numbering part's tree (shared: never changed), its w:numId values, the abstract
    numbering to restart and whether that one must be created; read once per template."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(numbering_xml, parser)
    existing = frozenset(str(i) for i in root.xpath("w:num/@w:numId", namespaces=_NS))
    ids = [str(i) for i in root.xpath("w:abstractNum/@w:abstractNumId", namespaces=_NS)]
    if wanted is not None:
        if wanted not in ids:
            raise ValueError(f"numbering part has no w:abstractNum with id {wanted!r}")
        return root, existing, wanted, False
    for query in (
        f"w:abstractNum[w:lvl[@w:ilvl='0']/w:pStyle/@w:val='{_LIST_NUMBER_STYLE}']",
        "w:abstractNum[w:lvl[@w:ilvl='0']/w:numFmt/@w:val='decimal']",
    ):
        found = root.xpath(f"{query}/@w:abstractNumId", namespaces=_NS)
        if found:
            return root, existing, str(found[0]), False
    return root, existing, str(max((int(i) for i in ids if i.isdigit()), default=-1) + 1), True


def _insert_before(root: etree._Element, child: etree._Element, later: tuple[str, ...]) -> None:
    """Moves child before the first element the schema orders after it."""
    for sibling in root:
        if sibling is not child and etree.QName(sibling).localname in later:
            sibling.addprevious(child)
            return
    root.append(child)


def markdown_to_wordml(
    text: str,
    *,
    paragraph_style: str = "BodyText",
    bullet_style: str = "ListBullet",
    number_style: str = "ListNumber",
    numbering: NumberingAllocator | None = None,
) -> str:
    """Renders Markdown as complete w:p elements.

    Args:
        text: Markdown from a description field.
        paragraph_style: Style id for paragraphs, headings and block quotes.
        bullet_style: Style id for bullet items; nested levels append 2 or 3.
        number_style: Style id for numbered items; nested levels append 2 or 3.
        numbering: Gives each numbered list its own numId so it restarts; without it the
            numbering comes from the style alone and continues across lists.

    Returns:
        One or more ``<w:p>`` elements using the ``w:`` prefix without namespace
        declarations, or "" for blank text.

    Raises:
        ValueError: The text holds a character XML cannot store.
    """
    walker = _Walker(paragraph_style, bullet_style, number_style, numbering)
    return "".join(_paragraph_xml(p) for p in walker.walk(text))


def markdown_to_runs(text: str) -> str:
    """Renders Markdown as w:r runs for use inside an existing paragraph.

    Block structure is flattened: paragraphs are joined by line breaks and list items are
    prefixed with a bullet or their number (and a tab per nesting level).

    Args:
        text: Markdown from a description field.

    Returns:
        ``<w:r>`` elements only, or "" for blank text.

    Raises:
        ValueError: The text holds a character XML cannot store.
    """
    walker = _Walker("", "", "", None)
    pieces = []
    for i, paragraph in enumerate(walker.walk(text)):
        if i:
            pieces.append("<w:r><w:br/></w:r>")
        prefix = "\t" * paragraph.depth
        if paragraph.marker:
            prefix = "\t" * (paragraph.depth - 1) + paragraph.marker + " "
        if prefix:
            pieces.append(_runs_xml([_Seg("text", _Format(), prefix)]))
        pieces.append(_runs_xml(paragraph.segs))
    return "".join(pieces)


def plain_to_runs(text: str) -> str:
    """Renders plain text as w:r runs, interpreting only tabs and line breaks.

    Args:
        text: Text that is not Markdown (names, places, labels).

    Returns:
        ``<w:r>`` elements, or "" for empty text.

    Raises:
        ValueError: The text holds a character XML cannot store.
    """
    _check_xml_chars(text)
    segs: list[_Seg] = []
    plain = _Format()
    for i, line in enumerate(re.split(r"\r\n|\r|\n", text)):
        if i:
            segs.append(_Seg("break", plain))
        if line:
            segs.append(_Seg("text", plain, line))
    return _runs_xml(segs)


class _Walker:
    """Walks Python-Markdown's HTML and collects Word paragraphs."""

    def __init__(
        self,
        paragraph_style: str,
        bullet_style: str,
        number_style: str,
        numbering: NumberingAllocator | None,
    ) -> None:
        self.paragraph_style = paragraph_style
        self.bullet_style = bullet_style
        self.number_style = number_style
        self.numbering = numbering
        self.paragraphs: list[_Paragraph] = []
        # A list item waiting for its first paragraph of text.
        self._item: _Paragraph | None = None

    def walk(self, text: str) -> list[_Paragraph]:
        _check_xml_chars(text)
        if text.strip():
            self._container(html_tree(text), _Context())
        return self.paragraphs

    def _container(self, el: etree._Element, ctx: _Context) -> None:
        pending: list[_Seg] = []
        self._text(el.text, ctx, pending)
        for child in el:
            if child.tag in BLOCK_TAGS:
                self._flush(pending, ctx)
                pending = []
                self._block(child, ctx)
            else:
                self._inline(child, ctx, pending)
            self._tail(child, ctx, pending)
        self._flush(pending, ctx)

    def _block(self, el: etree._Element, ctx: _Context) -> None:
        tag = el.tag
        if tag == "hr":
            return
        if tag in ("ul", "ol"):
            self._list(el, ctx)
            return
        if tag == "blockquote":
            ctx = replace(ctx, fmt=replace(ctx.fmt, italic=True))
        elif tag in HEADING_TAGS:
            # Agreement headings belong to the template; in a field a heading is emphasis.
            ctx = replace(ctx, fmt=replace(ctx.fmt, bold=True))
        elif tag == "pre":
            ctx = replace(ctx, pre=True)
        self._container(el, ctx)

    def _list(self, el: etree._Element, ctx: _Context) -> None:
        if self._item is not None:  # "- - x": the outer item has no text of its own
            self._emit_item()
        ordered = el.tag == "ol"
        depth = ctx.list_depth + 1
        base = self.number_style if ordered else self.bullet_style
        style = base if depth == 1 else f"{base}{min(depth, _MAX_STYLE_LEVEL)}"
        start_attr = el.get("start", "1")
        start = int(start_attr) if start_attr.isdigit() else 1
        num_id = ctx.num_id if ordered else None
        if ordered and num_id is None and self.numbering is not None:
            num_id = self.numbering.new_numbered_list(start)
        num = (min(ctx.ol_depth, _MAX_ILVL), num_id) if num_id is not None else None
        inner = replace(
            ctx,
            list_depth=depth,
            ol_depth=ctx.ol_depth + ordered,
            num_id=num_id if ordered else ctx.num_id,
        )
        number = start
        for child in el:
            if child.tag != "li":
                self._container(child, inner)
                continue
            marker = f"{number}." if ordered else _BULLET
            self._item = _Paragraph(style, num=num, depth=depth, marker=marker)
            self._container(child, inner)
            if self._item is not None:
                self._emit_item()
            number += 1

    def _emit_item(self) -> None:
        assert self._item is not None
        self.paragraphs.append(self._item)
        self._item = None

    def _flush(self, segs: list[_Seg], ctx: _Context) -> None:
        # A code block ends in a newline; as a trailing break it would add an empty line.
        while segs and segs[-1].kind == "break":
            segs.pop()
        # Python-Markdown puts newlines between block tags; they are not content.
        if not any(s.kind != "text" or s.text.strip(" ") for s in segs):
            return
        if segs[0].kind == "text":
            segs[0].text = segs[0].text.lstrip(" ")
        if segs[-1].kind == "text":
            segs[-1].text = segs[-1].text.rstrip(" ")
        if self._item is not None:
            self._item.segs = segs
            self._emit_item()
            return
        depth = ctx.list_depth
        self.paragraphs.append(
            _Paragraph(self.paragraph_style, segs, indent=_INDENT_STEP * depth, depth=depth)
        )

    def _inline(self, el: etree._Element, ctx: _Context, segs: list[_Seg]) -> None:
        tag = el.tag
        fmt = ctx.fmt
        if tag == "br":
            segs.append(_Seg("break", fmt))
            return
        if tag == "img":
            self._text(el.get("alt"), ctx, segs)
            return
        if tag == "a":
            self._link(el, ctx, segs)
            return
        if tag in ("strong", "b"):
            fmt = _with(fmt, "bold")
        elif tag in ("em", "i"):
            fmt = _with(fmt, "italic")
        elif tag == "code":
            fmt = _with(fmt, "code")
        self._children(el, ctx if fmt is ctx.fmt else replace(ctx, fmt=fmt), segs)

    def _children(self, el: etree._Element, ctx: _Context, segs: list[_Seg]) -> None:
        self._text(el.text, ctx, segs)
        for child in el:
            self._inline(child, ctx, segs)
            self._tail(child, ctx, segs)

    def _tail(self, el: etree._Element, ctx: _Context, segs: list[_Seg]) -> None:
        tail = el.tail
        if el.tag == "br" and tail and tail.startswith("\n"):
            tail = tail[1:]  # nl2br keeps the newline after <br />; it is already a break
        self._text(tail, ctx, segs)

    def _text(self, text: str | None, ctx: _Context, segs: list[_Seg]) -> None:
        if not text:
            return
        if not ctx.pre:
            segs.append(_Seg("text", ctx.fmt, text.replace("\n", " ")))
            return
        for i, line in enumerate(text.split("\n")):
            if i:
                segs.append(_Seg("break", ctx.fmt))
            if line:
                segs.append(_Seg("text", ctx.fmt, line))

    def _link(self, el: etree._Element, ctx: _Context, segs: list[_Seg]) -> None:
        url = (el.get("href") or "").strip()
        if not LINK_SCHEMES.match(url):
            # javascript:, file:, relative paths: keep the words, drop the target.
            self._children(el, ctx, segs)
            return
        link_ctx = replace(ctx, fmt=replace(ctx.fmt, link=True))
        label: list[_Seg] = []
        self._children(el, link_ctx, label)
        if not any(s.text.strip() for s in label):
            label = [_Seg("text", link_ctx.fmt, url)]
        # Field codes treat quotes, backslashes and spaces as syntax; percent-encode them.
        target = url.replace("\\", "%5C").replace('"', "%22")
        target = re.sub(r"\s", lambda m: quote(m.group()), target)
        instr = f' HYPERLINK "{target}" '
        segs.append(_Seg("raw", ctx.fmt, _field_char("begin")))
        segs.append(
            _Seg(
                "raw",
                ctx.fmt,
                f'<w:r><w:instrText xml:space="preserve">{_escape(instr)}</w:instrText></w:r>',
            )
        )
        segs.append(_Seg("raw", ctx.fmt, _field_char("separate")))
        segs.extend(label)
        segs.append(_Seg("raw", ctx.fmt, _field_char("end")))


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


def _check_xml_chars(text: str) -> None:
    bad = INVALID_XML_CHARACTER.search(text)
    if bad:
        raise ValueError(
            f"character U+{ord(bad.group()):04X} at position {bad.start()} "
            "cannot be stored in a Word document"
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _field_char(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


def _paragraph_xml(paragraph: _Paragraph) -> str:
    ppr = f'<w:pStyle w:val="{_attr(paragraph.style)}"/>'
    if paragraph.num is not None:
        ilvl, num_id = paragraph.num
        ppr += f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{_attr(num_id)}"/></w:numPr>'
    if paragraph.indent:
        ppr += f'<w:ind w:left="{paragraph.indent}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{_runs_xml(paragraph.segs)}</w:p>"


@functools.cache
def _with(fmt: _Format, flag: str) -> _Format:
    """``fmt`` with one more of bold, italic, code or link (made once per combination)."""
    return fmt if getattr(fmt, flag) else replace(fmt, **{flag: True})


@functools.cache
def _run_properties(fmt: _Format) -> str:
    # Element order follows CT_RPr: rStyle, rFonts, b, i.
    props = ""
    if fmt.link:
        props += '<w:rStyle w:val="Hyperlink"/>'
    if fmt.code:
        props += '<w:rFonts w:ascii="Consolas" w:hAnsi="Consolas"/>'
    if fmt.bold:
        props += "<w:b/>"
    if fmt.italic:
        props += "<w:i/>"
    return f"<w:rPr>{props}</w:rPr>" if props else ""


def _runs_xml(segs: list[_Seg]) -> str:
    """Serializes segments, merging neighbours with the same format into one run."""
    out: list[str] = []
    for fmt, group in itertools.groupby(segs, key=lambda s: None if s.kind == "raw" else s.fmt):
        if fmt is None:
            out.extend(s.text for s in group)
            continue
        content = ""
        for kind, same in itertools.groupby(group, key=lambda s: s.kind):
            if kind == "break":
                content += "<w:br/>" * len(list(same))
                continue
            text = "".join(s.text for s in same)
            content += "<w:tab/>".join(
                f'<w:t xml:space="preserve">{_escape(p)}</w:t>' if p else ""
                for p in text.split("\t")
            )
        if content:
            out.append(f"<w:r>{_run_properties(fmt)}{content}</w:r>")
    return "".join(out)
