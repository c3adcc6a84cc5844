"""Two language versions of one agreement, side by side.

Each language gets its own render context, built the ordinary way; this module merges them into
one context that any template can show. Every clause becomes a table row with its two versions in
two columns, so each article's versions stay aligned clause by clause. Headings, labels and other
words that differ become "first / second"; a run of text that differs becomes the two versions on
two lines. User text that is the same in both languages is shown once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from agreementgen.clauses.markers import without_untranslated

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
    """One value showing both languages: equal parts once, differing parts side by side.

    A user's text with no translation is the same text in both: it is shown once, as written.
    """
    if isinstance(first, dict) and isinstance(second, dict):
        return {key: merge(value, second.get(key, value)) for key, value in first.items()}
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [merge(a, b) for a, b in zip(first, second, strict=True)]
    if first == second:
        return first
    if isinstance(first, str) and isinstance(second, str) \
            and _unmarked(first) == _unmarked(second):
        return first
    if isinstance(first, Markup) and isinstance(second, Markup):
        if "<w:p" in first or "<w:tbl" in first:
            return side_by_side([(first, second)])
        return first + Markup('<w:r><w:br/></w:r>') + second
    if isinstance(first, str) and isinstance(second, str):
        return f"{first} / {second}"
    return first


_EMPTY_RUN = re.compile(
    r'<w:r>(?:<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>)?<w:t xml:space="preserve"></w:t></w:r>')


def _unmarked(text: str) -> str:
    """A value without untranslated marks, nor the empty runs a mark alone leaves in Word XML."""
    plain = without_untranslated(text)
    return _EMPTY_RUN.sub("", plain) if plain is not text and "<w:r>" in plain else plain


def _block(content: Markup) -> Markup:
    """A cell's content: WordML blocks, ending in a paragraph as Word requires."""
    text = str(content).strip()
    if not text.endswith("</w:p>"):
        text += "<w:p/>"
    return Markup(text)


def bilingual_context(descriptions: Sequence[Any], langs: Sequence[str], writer: Any,
                      review: Any = None, health_annex: bool = False,
                      prevailing: str | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The render context of a two-language agreement, and the clauses in the first language.

    Args:
        descriptions: The description in each language, with that language's texts.
        langs: The two languages, in the order of the columns.
        writer: How Markdown and plain text are written (see :class:`context.Writer`).
        review: The partnership health review, for the checklist annex.
        health_annex: Whether the agreement carries the health checklist.
        prevailing: The language whose version prevails (default: the first).
    """
    from agreementgen.clauses import RECITALS, Clause, ClauseSpec
    from agreementgen.context import ARTICLES, agreement_context
    from agreementgen.render.untranslated import in_language

    first = langs[0]
    contexts, clauses = [], []
    for d, lang in zip(descriptions, langs, strict=True):
        context, derived = agreement_context(d, lang, writer, review, health_annex)
        contexts.append(context)
        clauses.append(derived)
    merged: dict[str, Any] = merge(contexts[0], contexts[1])
    # The languages clause closes the final provisions, numbered after the last of them.
    finals = [c for c in clauses[0] if c.spec.article == "final"]
    article = finals[-1].number.split(".")[0] if finals else "1"
    spec = ClauseSpec("final.languages", "final", 0, None, "always", ())
    number = f"{article}.{len(finals) + 1}"
    kind = str(descriptions[0].agreement.kind)
    languages = [Clause(spec, _prevails_text(lang, langs, prevailing or first, kind), number)
                 for lang in langs]
    pairs = [*zip(clauses[0], clauses[1], strict=True), (languages[0], languages[1])]
    rows: dict[str, list[tuple[Markup, Markup]]] = {}
    for index, (a, b) in enumerate(pairs):
        rows.setdefault(a.spec.article, []).append(
            (writer.clause(a, index, False),
             Markup(in_language(writer.clause(b, index, True), langs[1]))))
    for name in ARTICLES:
        merged["articles"][name] = side_by_side(rows.get(name, []))
    merged["recitals"] = side_by_side(rows.get(RECITALS, []))
    # The parties, the recitals and the operative formula in columns too: a template shows
    # ``preamble.columns`` in place of its own preamble when it is there.
    merged["preamble"]["columns"] = side_by_side(
        _preamble_rows(contexts, rows.get(RECITALS, []), langs[1]))
    merged["lang"] = first
    merged["languages"] = list(langs)
    return merged, clauses[0]


def _preamble_rows(contexts: Sequence[dict[str, Any]], recitals: list[tuple[Markup, Markup]],
                   second: str) -> list[tuple[Markup, Markup]]:
    """The rows of the parties article: the opening words, each party, the closing words,
    then the recitals with their opening words, and the operative formula.

    The parties are numbered by their style in the first column and in writing in the second,
    as the recitals are, so the two columns never count on from each other.
    """
    from agreementgen.render.untranslated import in_language

    def pair(key: str) -> tuple[Markup, Markup]:
        return (_paragraph(contexts[0]["preamble"][key]),
                Markup(in_language(_paragraph(contexts[1]["preamble"][key]), second)))

    rows = [pair("parties_intro")]
    for index, (a, b) in enumerate(zip(contexts[0]["partners"], contexts[1]["partners"],
                                       strict=True)):
        rows.append((_paragraph(a["party"], "Party"),
                     Markup(in_language(_paragraph(b["party"], "Party", f"({index + 1})"),
                                        second))))
    rows.append(pair("parties_together"))
    if recitals:
        rows += [pair("recitals_intro"), *recitals]
    rows.append(pair("operative"))
    return rows


def _paragraph(runs: Markup, style: str = "BodyText", number: str | None = None) -> Markup:
    """A paragraph of ``runs``; with ``number``, its style's numbering off and ``number``
    written before a tab."""
    from agreementgen.render.numbering import CLAUSE_INDENT

    properties = f'<w:pStyle w:val="{style}"/>'
    if number is not None:
        # The style's numbering is off, and with it the indent its number hung in.
        properties += ('<w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'
                       f'<w:ind w:left="{CLAUSE_INDENT}" w:hanging="{CLAUSE_INDENT}"/>')
        runs = Markup(f'<w:r><w:t xml:space="preserve">{number}</w:t></w:r><w:r><w:tab/></w:r>'
                      ) + runs
    return Markup(f"<w:p><w:pPr>{properties}</w:pPr>{runs}</w:p>")


def _prevails_text(lang: str, langs: Sequence[str], prevailing: str, kind: str) -> str:
    """The languages clause in ``lang``: the document is made in both, one version prevails.

    The prevailing version is named as the language's labels say (``version_of``): Dutch
    writes "de Engelse versie", with the adjective, where English writes "the English version".
    """
    from babel import Locale

    from agreementgen.i18n import catalog

    names = Locale.parse(lang).languages
    labels = catalog(lang, "labels")
    words = labels["bilingual"]
    version = words["version_of"][prevailing]
    text: str = words["prevails"]
    return text.format(first=names[langs[0]], second=names[langs[1]], prevailing=version,
                       Doc=labels["self_name_start"][kind])
