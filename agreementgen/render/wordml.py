"""Markdown from description fields rendered as WordprocessingML paragraphs and runs."""

from __future__ import annotations

import collections
import functools
import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import quote

from lxml import etree

from agreementgen.clauses.markers import MARK, RESERVED
from agreementgen.render.markdown_tree import BLOCK_TAGS, HEADING_TAGS, html_tree
from agreementgen.render.numbering import CLAUSE_INDENT, ENUMERATION_STEP, NumberingAllocator
from agreementgen.validation.characters import INVALID_XML_CHARACTER

__all__ = ["LINK_SCHEMES", "Lead", "NumberingAllocator", "markdown_to_runs",
           "markdown_to_wordml", "plain_to_runs"]

_BULLET = "\u2022"
# python-docx's default template defines "List Bullet 2/3" and "List Number 2/3", not 4/5.
_MAX_STYLE_LEVEL = 3
# Twips per list level, the step python-docx's default list styles use.
_INDENT_STEP = 360
_MAX_ILVL = 8
#: The links a document may carry; any other scheme (javascript:, file:) stays text.
LINK_SCHEMES = re.compile(r"(?i)(https?|mailto):")


#: Paragraph styles of a clause: its numbered first paragraph, the paragraphs after it, and
#: the items of its enumerations.
CLAUSE_STYLE, CLAUSE_TEXT_STYLE, CLAUSE_LIST_STYLE = "Clause", "ClauseText", "ClauseList"
_ENUMERATION_LEVELS = 2
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: The character style of an open point: highlighted, so a reader sees what is left to agree.
OPEN_POINT_STYLE = "OpenPoint"
_LINE_BREAK = re.compile(r"\n[ \t]*")


# The w:numId that switches off numbering a paragraph would take from its style.
_NO_NUMBERING = "0"


@dataclass(frozen=True)
class Lead:
    """How the first paragraph of a clause (or a recital) is styled, numbered and marked.

    Attributes:
        style: Its paragraph style id.
        num: ``(ilvl, numId)`` when Word numbers it; numId "0" when its style would number
            it and it must not be (the number is then written out).
        number: Its number written out, for when Word does not number it.
        number_ref: With ``number``: the bookmark whose number a REF field shows instead.
        bookmark: ``(w:id, name)`` of the bookmark that marks the clause.
    """

    style: str = CLAUSE_STYLE
    num: tuple[int, str] | None = None
    number: str = ""
    number_ref: str | None = None
    bookmark: tuple[int, str] | None = None


@dataclass(frozen=True)
class _Format:
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: bool = False
    highlight: bool = False


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
    hanging: int = 0  # twips the first line hangs out of the indent (a written-out number)
    depth: int = 0  # list nesting, used when flattening to runs
    marker: str = ""  # "•" or "3.", used when flattening to runs
    bookmark: tuple[int, str] | None = None


@dataclass(frozen=True)
class _Context:
    fmt: _Format = _Format()
    pre: bool = False
    list_depth: int = 0
    ol_depth: int = 0
    num_id: str | None = None  # numId of the enclosing numbered list
    enum_id: str | None = None  # numId of the enclosing clause enumeration


def markdown_to_wordml(
    text: str,
    *,
    paragraph_style: str = "BodyText",
    bullet_style: str = "ListBullet",
    number_style: str = "ListNumber",
    numbering: NumberingAllocator | None = None,
    lead: Lead | None = None,
) -> str:
    """Renders Markdown as complete w:p elements.

    Args:
        text: Markdown from a description field.
        paragraph_style: Style id for paragraphs, headings and block quotes.
        bullet_style: Style id for bullet items; nested levels append 2 or 3.
        number_style: Style id for numbered items; nested levels append 2 or 3.
        numbering: Gives each numbered list its own numId so it restarts; without it the
            numbering comes from the style alone and continues across lists.
        lead: Write the text as one clause: its first paragraph as ``lead`` says, the
            paragraphs after it indented to the clause's text, and its lists (bulleted or
            numbered) as the clause's enumerations, (a), (b) and within them (i), (ii).

    Returns:
        One or more ``<w:p>`` elements using the ``w:`` prefix without namespace
        declarations, or "" for blank text.

    Raises:
        ValueError: The text holds a character XML cannot store.
    """
    key = (text, paragraph_style, bullet_style, number_style, numbering is None, lead)
    known = _made.get(key)
    if known is not None:
        _made.move_to_end(key)
        return known
    walker = _Walker(paragraph_style, bullet_style, number_style, numbering, lead)
    paragraphs = walker.walk(text)
    if lead is not None and paragraphs:
        _lead_paragraph(paragraphs[0], lead)
    xml = "".join(_paragraph_xml(p) for p in paragraphs)
    if not walker.numbered:
        # Nothing was asked of the numbering: the same arguments give the same paragraphs.
        _made[key] = xml
        if len(_made) > MADE_CACHE_SIZE:
            _made.popitem(last=False)
    return xml


#: Texts whose Word paragraphs :func:`markdown_to_wordml` keeps, with the arguments they were
#: made with, when making them gave no list its own numbering: a batch meets the same clause
#: texts (a boilerplate clause, a partner's mission) in document after document.
MADE_CACHE_SIZE = 1024
_made: collections.OrderedDict[tuple[object, ...], str] = collections.OrderedDict()


def _lead_paragraph(paragraph: _Paragraph, lead: Lead) -> None:
    """Make a clause's first paragraph its numbered, bookmarked lead."""
    paragraph.style = lead.style
    paragraph.num = lead.num
    paragraph.indent = 0
    paragraph.bookmark = lead.bookmark
    if (lead.num is None or lead.num[1] == _NO_NUMBERING) and lead.number:
        if lead.num is not None:
            # The style's numbering is off, and with it the indent the number hung in.
            paragraph.indent = paragraph.hanging = CLAUSE_INDENT
        plain = _Format()
        number = ([_Seg("text", plain, lead.number)] if lead.number_ref is None
                  else _reference(lead.number_ref, lead.number, plain))
        paragraph.segs[:0] = [*number, _Seg("text", plain, "\t")]


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
    pieces: list[str] = []
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
        lead: Lead | None = None,
    ) -> None:
        self.paragraph_style = CLAUSE_TEXT_STYLE if lead is not None else paragraph_style
        self.bullet_style = bullet_style
        self.number_style = number_style
        self.numbering = numbering
        self.numbered = False  # whether the numbering gave a list its own numbering
        # In a clause, text is indented to the clause's text and lists are enumerations.
        self.clause = lead is not None
        self.base_indent = CLAUSE_INDENT if self.clause else 0
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
        if self.clause and depth <= _ENUMERATION_LEVELS:
            self._enumeration(el, ctx, depth)
            return
        base = self.number_style if ordered else self.bullet_style
        style = base if depth == 1 else f"{base}{min(depth, _MAX_STYLE_LEVEL)}"
        start_attr = el.get("start", "1")
        start = int(start_attr) if start_attr.isdigit() else 1
        num_id = ctx.num_id if ordered else None
        if ordered and num_id is None and self.numbering is not None:
            num_id = self.numbering.new_numbered_list(start)
            self.numbered = True
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
            self._item = _Paragraph(style, num=num, depth=depth, marker=marker,
                                    indent=self.base_indent if self.clause else 0)
            self._container(child, inner)
            if self._item is not None:
                self._emit_item()
            number += 1

    def _enumeration(self, el: etree._Element, ctx: _Context, depth: int) -> None:
        """A list in a clause, bulleted or numbered, as the clause's (a), (b) or (i), (ii)."""
        enum_id = ctx.enum_id
        if depth == 1 or enum_id is None:
            enum_id = self.numbering.new_enumeration() if self.numbering is not None else None
            self.numbered = self.numbered or enum_id is not None
        inner = replace(ctx, list_depth=depth, enum_id=enum_id)
        index = 0
        for child in el:
            if child.tag != "li":
                self._container(child, inner)
                continue
            marker = f"({_letter(index) if depth == 1 else _roman(index + 1)})"
            num = (depth - 1, enum_id) if enum_id is not None else None
            self._item = _Paragraph(CLAUSE_LIST_STYLE, num=num, depth=depth, marker=marker)
            self._container(child, inner)
            if self._item is not None:
                self._emit_item()
            index += 1

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
            item = self._item
            if item.style == CLAUSE_LIST_STYLE and item.num is None:
                segs = [_Seg("text", _Format(), item.marker + "\t"), *segs]
            item.segs = segs
            self._emit_item()
            return
        depth = ctx.list_depth
        step = ENUMERATION_STEP if self.clause else _INDENT_STEP
        self.paragraphs.append(
            _Paragraph(self.paragraph_style, segs, indent=self.base_indent + step * depth,
                       depth=depth)
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
            # A line break and the indent of the next line are one space, as Word shows it.
            text = _LINE_BREAK.sub(" ", text) if "\n" in text else text
            if RESERVED.search(text):
                segs.extend(_marked(text, ctx.fmt))
            else:
                segs.append(_Seg("text", ctx.fmt, text))
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


def _marked(text: str, fmt: _Format) -> list[_Seg]:
    """Text with clause references (REF fields) and open points (highlighted) in it."""
    segs: list[_Seg] = []
    position = 0
    for match in MARK.finditer(text):
        if match.start() > position:
            segs.append(_Seg("text", fmt, text[position:match.start()]))
        if match[1]:
            segs.extend(_reference(match[1], match[2], fmt))
        else:
            segs.append(_Seg("text", _with(fmt, "highlight"), match[3]))
        position = match.end()
    if position < len(text):
        segs.append(_Seg("text", fmt, text[position:]))
    return segs


def _reference(bookmark: str, number: str, fmt: _Format) -> list[_Seg]:
    """A cross-reference to a clause: a REF field to its bookmark, showing its number.

    ``\\w`` asks for the paragraph number in full context ("8.4"), ``\\h`` makes it a link.
    """
    return [
        _Seg("raw", fmt, _field_char("begin")),
        _Seg("raw", fmt, f'<w:r><w:instrText xml:space="preserve"> REF {bookmark} \\w \\h '
                         "</w:instrText></w:r>"),
        _Seg("raw", fmt, _field_char("separate")),
        _Seg("text", fmt, number),
        _Seg("raw", fmt, _field_char("end")),
    ]


def _letter(index: int) -> str:
    """a, b, ... z, aa, bb: the letters Word gives a lowerLetter list."""
    return _LETTERS[index % 26] * (index // 26 + 1)


def _roman(number: int) -> str:
    """i, ii, iii, iv: small Roman numerals for the second level of an enumeration."""
    numerals = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90),
                ("l", 50), ("xl", 40), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))
    out = ""
    for letters, value in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


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
    if paragraph.hanging:
        ppr += f'<w:ind w:left="{paragraph.indent}" w:hanging="{paragraph.hanging}"/>'
    elif paragraph.indent:
        ppr += f'<w:ind w:left="{paragraph.indent}"/>'
    runs = _runs_xml(paragraph.segs)
    if paragraph.bookmark is not None:
        mark, name = paragraph.bookmark
        runs = (f'<w:bookmarkStart w:id="{mark}" w:name="{_attr(name)}"/>{runs}'
                f'<w:bookmarkEnd w:id="{mark}"/>')
    return f"<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>"


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
    elif fmt.highlight:
        props += f'<w:rStyle w:val="{OPEN_POINT_STYLE}"/>'
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
