"""Two language versions of one agreement, side by side.

Each language gets its own render context, built the ordinary way; this module merges them into
one context that any template can show. Every clause becomes a table row with its two versions in
two columns, so each article's versions stay aligned clause by clause. Headings, labels and other
words that differ become "first / second"; a run of text that differs becomes the two versions on
two lines. User text that is the same in both languages is shown once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

# Twentieths of a point: an A4 page less the margins of the built-in templates, in two columns.
_TABLE_WIDTH = 5000  # fiftieths of a percent: the full width
_CELL_MARGIN = 113  # about 2 mm between the columns


def side_by_side(rows: Sequence[tuple[Markup, Markup]]) -> Markup:
    """A borderless two-column table of WordML blocks, one row per pair.

    Args:
        rows: Each pair is the first and second language's paragraphs (``w:p`` elements).
    """
    if not rows:
        return Markup("")
    cell = ('<w:tc><w:tcPr><w:tcW w:w="2500" w:type="pct"/></w:tcPr>{}</w:tc>')
    body = "".join(
        f'<w:tr>{cell.format(_block(a))}{cell.format(_block(b))}'
        f"</w:tr>" for a, b in rows)
    return Markup(
        '<w:tbl><w:tblPr><w:tblW w:w="{w}" w:type="pct"/><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="{m}" w:type="dxa"/>'
        '</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
        '<w:tblGrid><w:gridCol w:w="4700"/><w:gridCol w:w="4700"/></w:tblGrid>{body}</w:tbl>'
    ).format(w=_TABLE_WIDTH, m=_CELL_MARGIN, body=Markup(body))


def merge(first: Any, second: Any) -> Any:
    """One value showing both languages: equal parts once, differing parts side by side."""
    if isinstance(first, dict) and isinstance(second, dict):
        return {key: merge(value, second.get(key, value)) for key, value in first.items()}
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [merge(a, b) for a, b in zip(first, second, strict=True)]
    if first == second:
        return first
    if isinstance(first, Markup) and isinstance(second, Markup):
        if "<w:p" in first or "<w:tbl" in first:
            return side_by_side([(first, second)])
        return first + Markup('<w:r><w:br/></w:r>') + second
    if isinstance(first, str) and isinstance(second, str):
        return f"{first} / {second}"
    return first


def _block(content: Markup) -> Markup:
    """A cell's content: WordML blocks, ending in a paragraph as Word requires."""
    text = str(content).strip()
    if not text.endswith("</w:p>"):
        text += "<w:p/>"
    return Markup(text)


def bilingual_context(d: Any, langs: Sequence[str], writer: Any, review: Any = None,
                      health_annex: bool = False,
                      prevailing: str | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The render context of a two-language agreement, and the clauses in the first language.

    Args:
        d: The description.
        langs: The two languages, in the order of the columns.
        writer: How Markdown and plain text are written (see :class:`context.Writer`).
        review: The partnership health review, for the checklist annex.
        health_annex: Whether the agreement carries the health checklist.
        prevailing: The language whose version prevails (default: the first).
    """
    from agreementgen.clauses import RECITALS, Clause, ClauseSpec
    from agreementgen.context import ARTICLES, agreement_context

    first = langs[0]
    contexts, clauses = [], []
    for lang in langs:
        context, derived = agreement_context(d, lang, writer, review, health_annex)
        contexts.append(context)
        clauses.append(derived)
    merged: dict[str, Any] = merge(contexts[0], contexts[1])
    # The languages clause closes the final provisions, numbered after the last of them.
    finals = [c for c in clauses[0] if c.spec.article == "final"]
    article = finals[-1].number.split(".")[0] if finals else "1"
    spec = ClauseSpec("final.languages", "final", 0, None, "always", ())
    number = f"{article}.{len(finals) + 1}"
    languages = [Clause(spec, _prevails_text(lang, langs, prevailing or first), number)
                 for lang in langs]
    pairs = [*zip(clauses[0], clauses[1], strict=True), (languages[0], languages[1])]
    rows: dict[str, list[tuple[Markup, Markup]]] = {}
    for index, (a, b) in enumerate(pairs):
        rows.setdefault(a.spec.article, []).append(
            (writer.clause(a, index, False), writer.clause(b, index, True)))
    for name in ARTICLES:
        merged["articles"][name] = side_by_side(rows.get(name, []))
    merged["recitals"] = side_by_side(rows.get(RECITALS, []))
    merged["lang"] = first
    merged["languages"] = list(langs)
    return merged, clauses[0]


def _prevails_text(lang: str, langs: Sequence[str], prevailing: str) -> str:
    from babel import Locale

    from agreementgen.i18n import catalog

    names = Locale.parse(lang).languages
    text: str = catalog(lang, "labels")["bilingual"]["prevails"]
    return text.format(first=names[langs[0]], second=names[langs[1]],
                       prevailing=names[prevailing])
