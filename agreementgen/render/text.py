"""The agreement as Markdown or HTML, for review in a pull request or a browser.

Description fields are parsed with the same Markdown parser the Word output uses, then written
back out from the parsed tree: as normalised Markdown with every literal character escaped, or
as a small allow-list of HTML elements. Raw HTML in a field therefore always shows as text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from html import escape as html_escape
from pathlib import Path
from typing import Any

from lxml import etree
from markupsafe import Markup

from agreementgen.clauses import escape_markdown
from agreementgen.render.markdown_tree import BLOCK_TAGS, HEADING_TAGS, html_tree
from agreementgen.render.sandbox import template_environment
from agreementgen.render.wordml import LINK_SCHEMES

LAYOUTS = Path(__file__).resolve().parent / "layouts"
#: Output format -> layout file in :data:`LAYOUTS`.
LAYOUT_FILES = {"md": "agreement.md.j2", "html": "agreement.html.j2"}

_LISTS = frozenset({"ul", "ol"})
_HTML_KEPT = {"p": "p", "ul": "ul", "ol": "ol", "li": "li", "blockquote": "blockquote",
              "pre": "pre", "code": "code", "strong": "strong", "b": "strong", "em": "em",
              "i": "em"}
_BREAK = "<br>"
_BULLET = "\u2022"
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_PAREN_NUMBER = re.compile(r"^(\s*\d+)\)(?=\s|$)", re.M)
_NOT_A_MARKER = re.compile(r"^(\s*\d*)\\([-+.])(?=[0-9A-Za-z])", re.M)
_BACKTICKS = re.compile(r"`+")


# -- Markdown fields as HTML --------------------------------------------------------------------

def markdown_to_html(text: str) -> str:
    """Renders a Markdown field as HTML blocks; raw HTML and unsafe links stay text.

    Args:
        text: Markdown from a description field.

    Returns:
        HTML (paragraphs, lists, emphasis, code, links), or "" for blank text.
    """
    if not text.strip():
        return ""
    return _html_children(html_tree(text)).strip()


def markdown_to_html_inline(text: str) -> str:
    """Renders a Markdown field for a table cell: one paragraph loses its ``<p>``."""
    html = markdown_to_html(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def plain_to_html(text: str) -> str:
    """Escapes plain text for HTML, keeping its line breaks."""
    return html_escape(text, quote=False).replace("\n", f"{_BREAK}\n")


def _html_children(el: etree._Element) -> str:
    out = [html_escape(el.text or "", quote=False)]
    for child in el:
        out.append(_html_element(child))
        out.append(html_escape(child.tail or "", quote=False))
    return "".join(out)


def _html_element(el: etree._Element) -> str:
    tag = el.tag
    if tag == "br":
        return _BREAK
    if tag == "hr":
        return ""
    if tag == "img":
        return html_escape(el.get("alt") or "", quote=False)
    inner = _html_children(el)
    if tag in HEADING_TAGS:
        # The agreement's headings belong to the layout; in a field a heading is emphasis.
        return f"<p><strong>{inner}</strong></p>"
    if tag == "a":
        url = (el.get("href") or "").strip()
        if not LINK_SCHEMES.match(url):
            return inner
        return f'<a href="{html_escape(url, quote=True)}">{inner or html_escape(url)}</a>'
    if tag == "ol" and el.get("start", "1") != "1" and el.get("start", "").isdigit():
        return f'<ol start="{el.get("start")}">{inner}</ol>'
    kept = _HTML_KEPT.get(str(tag))
    return f"<{kept}>{inner}</{kept}>" if kept else inner


# -- Markdown fields as Markdown ----------------------------------------------------------------

def escape_text(text: str) -> str:
    """Plain text made literal in Markdown, also for GitHub's extensions (``~~``, ``1)``).

    ``&copy;`` is written ``&amp;copy;``: a backslash before ``&`` is not understood everywhere.
    """
    text = escape_markdown(text).replace("~", "\\~")
    text = _ENTITY.sub("&amp;", text)
    # A list marker needs a space after it: "0.3 draft" and "-5%" can stay as they are.
    text = _NOT_A_MARKER.sub(r"\1\2", text)
    return _PAREN_NUMBER.sub(r"\1\\)", text)


def plain_to_markdown(text: str) -> str:
    """Plain text as literal Markdown; line breaks become ``<br>`` so tables stay intact."""
    return _BREAK.join(escape_text(line) for line in re.split(r"\r\n|\r|\n", text))


def markdown_to_markdown(text: str) -> str:
    """Rewrites a Markdown field as normalised Markdown that means what the Word output shows.

    Args:
        text: Markdown from a description field.

    Returns:
        Markdown blocks separated by blank lines, or "" for blank text.
    """
    if not text.strip():
        return ""
    return "\n\n".join(_MarkdownBlocks().blocks(html_tree(text)))


def markdown_to_cell(text: str) -> str:
    """Renders a Markdown field on one line for a table cell.

    Paragraphs and list items are joined by ``<br>``; list items keep a bullet or number.
    """
    if not text.strip():
        return ""
    lines: list[str] = []
    _cell_lines(html_tree(text), lines, 0)
    return _BREAK.join(line for line in lines if line)


class _MarkdownBlocks:
    """Walks the parsed tree of a field and writes it back as Markdown blocks."""

    def __init__(self, cell: bool = False) -> None:
        self.cell = cell

    def blocks(self, el: etree._Element) -> list[str]:
        out: list[str] = []
        pending: list[str] = [self.text(el.text)]
        for child in el:
            if child.tag in BLOCK_TAGS:
                out.append("".join(pending).strip())
                pending = []
                out.append(self.block(child))
            else:
                pending.append(self.inline(child))
            pending.append(self.text(child.tail))
        out.append("".join(pending).strip())
        return [b for b in out if b]

    def block(self, el: etree._Element) -> str:
        tag = el.tag
        if tag == "p":
            return self.inline_children(el).strip()
        if tag in HEADING_TAGS:
            return _wrap("**", self.inline_children(el).strip())
        if tag in _LISTS:
            return self.list(el)
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(el))
            return "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
        if tag == "pre":
            # Indented rather than fenced: every Markdown dialect reads an indented block.
            code = "".join(el.itertext()).rstrip("\n")
            return "\n".join(f"    {line}" if line.strip() else "" for line in code.split("\n"))
        if tag == "hr":
            return ""
        return "\n\n".join(self.blocks(el))

    def list(self, el: etree._Element) -> str:
        ordered = el.tag == "ol"
        start = el.get("start", "1")
        number = int(start) if start.isdigit() else 1
        items = []
        loose = any(child.find("p") is not None for child in el)
        for child in el:
            marker = f"{number}. " if ordered else "- "
            number += 1
            content = ("\n\n" if loose else "\n").join(self.blocks(child))
            indent = " " * max(4, len(marker))
            lines = content.split("\n")
            items.append(marker + "\n".join(
                [lines[0]] + [indent + line if line else "" for line in lines[1:]]))
        return ("\n\n" if loose else "\n").join(items)

    def inline_children(self, el: etree._Element) -> str:
        out = [self.text(el.text)]
        for child in el:
            out.append(self.inline(child))
            out.append(self.text(child.tail))
        return "".join(out)

    def inline(self, el: etree._Element) -> str:
        tag = el.tag
        if tag == "br":
            return _BREAK
        if tag == "img":
            return self.text(el.get("alt"))
        if tag == "code":
            return _code_span("".join(el.itertext()), self.cell)
        inner = self.inline_children(el)
        if tag in ("strong", "b"):
            return _wrap("**", inner)
        if tag in ("em", "i"):
            return _wrap("*", inner)
        if tag == "a":
            url = (el.get("href") or "").strip()
            if not LINK_SCHEMES.match(url):
                return inner
            target = re.sub(r"[\s<>|]", lambda m: f"%{ord(m.group()):02X}", url)
            if "(" in target or ")" in target:
                target = f"<{target}>"
            return f"[{inner or self.text(url)}]({target})"
        return inner

    def text(self, text: str | None) -> str:
        if not text:
            return ""
        # Python-Markdown keeps the newline after a <br />; the break is written already.
        return escape_text(re.sub(r"\s*\n\s*", " ", text))


def _wrap(marker: str, inner: str) -> str:
    """Emphasis around inner text, with its outer spaces moved outside the markers."""
    core = inner.strip()
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{marker}{core}{marker}{trail}"


def _code_span(code: str, cell: bool) -> str:
    code = code.replace("\n", " ")
    longest = max((len(m) for m in _BACKTICKS.findall(code)), default=0)
    fence = "`" * (longest + 1)
    if code.startswith("`") or code.endswith("`"):
        code = f" {code} "
    if cell:
        # GitHub splits table cells at every unescaped pipe, even inside code.
        code = code.replace("|", "\\|")
    return f"{fence}{code}{fence}"


def _cell_lines(el: etree._Element, lines: list[str], depth: int,
                marker: list[str] | None = None) -> None:
    """Flattens a parsed field into the lines of one table cell (as Word runs are flattened).

    ``marker`` holds the bullet or number of the list item being written; its first line
    takes it.
    """
    writer = _MarkdownBlocks(cell=True)
    mark = marker if marker is not None else [""]
    pending = [writer.text(el.text)]

    def flush() -> None:
        text = "".join(pending).strip()
        pending.clear()
        if text:
            indent = "\u00a0\u00a0" * max(depth - 1, 0)
            lines.append(f"{indent}{mark[0]} {text}" if mark[0] else f"{indent}{text}")
            mark[0] = ""

    for child in el:
        tag = child.tag
        if tag in _LISTS:
            flush()
            start = child.get("start", "1")
            number = int(start) if start.isdigit() else 1
            for item in child:
                _cell_lines(item, lines, depth + 1, [f"{number}." if tag == "ol" else _BULLET])
                number += 1
        elif tag == "pre":
            flush()
            lines.extend(_code_span(line, True) for line in "".join(child.itertext()).split("\n")
                         if line.strip())
        elif tag in HEADING_TAGS:
            flush()
            pending.append(_wrap("**", writer.inline_children(child).strip()))
            flush()
        elif tag in BLOCK_TAGS:
            flush()
            _cell_lines(child, lines, depth, mark)
        else:
            pending.append(writer.inline(child))
        pending.append(writer.text(child.tail))
    flush()


# -- Pages --------------------------------------------------------------------------------------

#: The description section each article of the agreement comes from, as template manifests
#: name them (``sections:``); a template whose manifest leaves a section out leaves out its
#: articles.
ARTICLE_SECTIONS = {
    "purpose": "purpose", "theory_of_change": "theory_of_change", "identity": "partners",
    "contributions": "contributions", "funding": "funding", "governance": "governance",
    "monitoring": "monitoring", "risks": "risks", "communication": "communication",
    "data_protection": "data_protection", "compliance": "compliance", "duration": "duration",
    "liability": "liability", "final": "agreement", "legal": "agreement",
}


def render_page(fmt: str, context: dict[str, Any], sections: Sequence[str] | None = None) -> str:
    """Render the whole agreement in a text format from the shared render context.

    Args:
        fmt: ``md`` or ``html``.
        context: The context of :func:`agreementgen.context.build_context`, built with the
            writer for the same format.
        sections: The description sections the Word template for this agreement shows (its
            manifest's ``sections``), so both show the same articles; None: every article.

    Returns:
        The complete Markdown document or standalone HTML page, its articles and clauses
        numbered the way Word numbers them.
    """
    shown = [a for a, section in ARTICLE_SECTIONS.items()
             if context["articles"][a] and (sections is None or section in sections)]
    parts = ["parties", *shown, "signatures"]
    if context["annexes"] or context["options"]["health_annex"]:
        parts.append("annexes")
    return _layout(fmt).render({**context, "shown": shown, "sections": parts})


@functools.cache
def _layout(fmt: str) -> Any:
    if fmt == "md":
        env = template_environment(autoescape=False, finalize=_markdown_value,
                                   trim_blocks=True, lstrip_blocks=True)
    else:
        env = template_environment(finalize=_html_value, trim_blocks=True, lstrip_blocks=True)
    source = (LAYOUTS / LAYOUT_FILES[fmt]).read_text(encoding="utf-8")
    return env.from_string(source)


def _markdown_value(value: Any) -> str:
    """Output of ``{{ }}`` in the Markdown layout: writer output as is, anything else literal."""
    if isinstance(value, Markup):
        return str(value)
    return plain_to_markdown(str(value))


def _html_value(value: Any) -> Any:
    """Output of ``{{ }}`` in the HTML layout: plain text keeps its line breaks."""
    if isinstance(value, str) and not isinstance(value, Markup) and "\n" in value:
        return Markup(plain_to_html(value))
    return value
