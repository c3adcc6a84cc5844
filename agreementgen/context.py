"""The render context: everything a template shows, built once from a description.

The same context serves every output format; a :class:`Writer` decides how Markdown and plain
text become Word XML, Markdown or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from agreementgen.clauses import (
    NUMBERED_ARTICLES,
    RECITALS,
    Clause,
    article_numbers,
    derive,
    document_texts,
    facts,
    markers,
)
from agreementgen.formatting import format_date, format_list, format_money
from agreementgen.health import Review
from agreementgen.i18n import catalog
from agreementgen.model import Description, Partner

ARTICLES = ("parties", *NUMBERED_ARTICLES)


#: Field keys a review message names in brackets, "(target_date)": the checklist is for the
#: partners, who read fields in words.
_KEYS = re.compile(r" \([a-z_]+(?:, [a-z_]+)*\)")
#: Where the bookmarks of the clauses start counting (w:id), clear of a template's own.
BOOKMARK_BASE = 9000


@dataclass
class Writer:
    """How text becomes output: Markdown blocks, Markdown inline, and plain text.

    Attributes:
        block: Markdown -> a block of the output (Word paragraphs, HTML, Markdown).
        inline: Markdown -> inline content (Word runs, for table cells).
        plain: Plain text -> inline content.
        clause: A clause (its position in the document, and whether it is the second
            language's copy of a clause shown beside the first) -> a numbered block.
        between: What goes between two blocks.
    """

    block: Callable[[str], Markup]
    inline: Callable[[str], Markup]
    plain: Callable[[str], Any]
    clause: Callable[[Clause, int, bool], Markup]
    between: str = ""


def word_writer(numbering: Any = None) -> Writer:
    """A writer that produces WordprocessingML for docx templates.

    A clause is a paragraph numbered by Word at the second level of the article headings'
    list (written out when the template numbers no headings), with a bookmark named after
    its id that cross-references point at; a recital takes the "Recital" style, which
    letters it. The second language's copy of a clause shows the first's number through a
    cross-reference, so the two columns never disagree.
    """
    from agreementgen.negotiation import controls
    from agreementgen.render.wordml import (
        Lead,
        markdown_to_runs,
        markdown_to_wordml,
        plain_to_runs,
    )

    def clause(c: Clause, index: int, mirror: bool = False) -> Markup:
        name = markers.bookmark_name(c.spec.id)
        if c.spec.article == RECITALS:
            # The second column's recitals are lettered in writing: the style's own
            # numbering would count on from the first column's.
            lead = Lead(style="Recital", num=(0, "0"), number=f"({c.number})") if mirror \
                else Lead(style="Recital", bookmark=(BOOKMARK_BASE + index, name))
        elif mirror:
            lead = Lead(number=c.number, number_ref=name)
        else:
            num_id = numbering.clause_num_id if numbering is not None else None
            lead = Lead(num=(1, num_id) if num_id else None, number=c.number,
                        bookmark=(BOOKMARK_BASE + index, name))
        body = markdown_to_wordml(c.text, numbering=numbering, lead=lead)
        return Markup(controls.wrapped(c.spec.id, body, index, mirror))

    return Writer(
        block=lambda text: Markup(markdown_to_wordml(text, numbering=numbering)),
        inline=lambda text: Markup(markdown_to_runs(text)),
        plain=lambda text: Markup(plain_to_runs(text)),
        clause=clause,
    )


def markdown_writer() -> Writer:
    """A writer that produces Markdown, for the review copy (``--format md``).

    ``Markup`` here marks text that is Markdown already, so the layout does not escape it.
    """
    from agreementgen.render.text import markdown_to_cell, markdown_to_markdown, plain_to_markdown

    def clause(c: Clause, index: int, mirror: bool = False) -> Markup:
        return Markup(markdown_to_markdown(_numbered(c)))

    return Writer(
        block=lambda text: Markup(markdown_to_markdown(markers.plain(text))),
        inline=lambda text: Markup(markdown_to_cell(markers.plain(text))),
        plain=lambda text: Markup(plain_to_markdown(text)),
        clause=clause,
        between="\n\n",
    )


def _numbered(c: Clause) -> str:
    """A clause as Markdown that begins with its number, for the review copies."""
    number = f"({c.number})" if c.spec.article == RECITALS else f"**{c.number}**"
    return f"{number} {markers.plain(c.text)}"


def html_writer() -> Writer:
    """A writer that produces HTML, for the review page (``--format html``)."""
    from agreementgen.render.text import markdown_to_html, markdown_to_html_inline, plain_to_html

    def clause(c: Clause, index: int, mirror: bool = False) -> Markup:
        html = markdown_to_html(_numbered(c))
        return Markup(f'<div class="clause" id="{markers.bookmark_name(c.spec.id)}">{html}</div>')

    return Writer(
        block=lambda text: Markup(markdown_to_html(markers.plain(text))),
        inline=lambda text: Markup(markdown_to_html_inline(markers.plain(text))),
        plain=lambda text: Markup(plain_to_html(text)),
        clause=clause,
        between="\n",
    )


def agreement_context(d: Description, lang: str, writer: Writer, review: Review | None = None,
                      health_annex: bool = False) -> tuple[dict[str, Any], list[Clause]]:
    """Derive a description's clauses and build its render context, in one language.

    Returns:
        The context (see :func:`build_context`) and the clauses, in document order.
    """
    shared = facts(d, lang)
    clauses = derive(d, lang, shared)
    return build_context(d, lang, writer, clauses, shared, review=review,
                         health_annex=health_annex), clauses


def build_context(d: Description, lang: str, writer: Writer,
                  clauses: list[Clause] | None = None, shared: dict[str, Any] | None = None,
                  review: Review | None = None,
                  health_annex: bool = False) -> dict[str, Any]:
    """The values every built-in template uses.

    Args:
        d: The description.
        lang: Output language.
        writer: How Markdown and plain text are written for the output format.
        clauses: Derived clauses, when the caller has them already.
        shared: The description's clause facts, when the caller has them already.
        review: The partnership health review, for the health checklist (``health``).
        health_annex: Whether the agreement carries the health checklist as an annex.
    """
    labels = catalog(lang, "labels")
    shared = facts(d, lang) if shared is None else shared
    clauses = derive(d, lang, shared) if clauses is None else clauses
    names = shared["names"]
    outcomes = shared["outcomes"]

    def date(value: Any) -> str:
        return format_date(value, lang) if value else ""

    def label(group: str, value: Any) -> str:
        return str(labels[group][str(value)]) if value is not None else ""

    articles: dict[str, Markup] = dict.fromkeys(ARTICLES, Markup(""))
    blocks: dict[str, list[Markup]] = {}
    for index, c in enumerate(clauses):
        blocks.setdefault(c.spec.article, []).append(writer.clause(c, index, False))
    for article, parts in blocks.items():
        if article in articles:
            articles[article] = Markup(writer.between).join(parts)
    recitals = Markup(writer.between).join(blocks.get(RECITALS, ()))
    document = document_texts(d, lang, clauses, shared)
    t = {**labels, "articles": {**labels["articles"], "legal": _legal_title(labels, shared)}}
    numbers = article_numbers(clauses)

    agreement = d.agreement
    contributions = [
        {
            "partner": names[c.partner],
            "type": label("contribution_type", c.type),
            "description": writer.inline(c.description),
            "value": format_money(c.value, lang) if c.value else labels["table"]["unvalued"],
            "schedule": c.schedule or "",
        }
        for c in d.contributions
    ]
    monitoring = d.monitoring
    indicators = [
        {
            "id": i.id,
            "indicator": writer.inline(i.indicator),
            "result": labels["result"].get(i.result) or outcomes.get(i.result, i.result),
            "baseline": i.baseline or "",
            "target": i.target or "",
            "target_date": date(i.target_date),
            "verification": i.means_of_verification or "",
            "frequency": i.frequency or "",
            "responsible": names.get(i.responsible or "", ""),
        }
        for i in (monitoring.indicators if monitoring else ())
    ]
    phases = [
        {"name": p.name, "start": date(p.start), "end": date(p.end),
         "milestone": writer.inline(p.milestone or "")}
        for p in (monitoring.phases if monitoring else ())
    ]
    risks = [
        {"risk": writer.inline(r.risk), "likelihood": label("level", r.likelihood),
         "impact": label("level", r.impact), "mitigation": writer.inline(r.mitigation or ""),
         "owner": names.get(r.owner or "", "")}
        for r in d.risks
    ]
    interventions = [
        {"activity": writer.inline(i.activity), "lead": names.get(i.lead or "", ""),
         "outcomes": format_list([outcomes.get(o, o) for o in i.outcomes], lang),
         "start": date(i.start), "end": date(i.end)}
        for i in d.theory_of_change.interventions
    ]
    return {
        "t": t,
        "lang": lang,
        "agreement": {
            "title": agreement.title,
            "kind": str(agreement.kind),
            "kind_label": label("kind", agreement.kind),
            "binding": str(agreement.binding),
            "binding_label": label("binding", agreement.binding),
            "version": agreement.version or "",
            "date": date(agreement.date),
            "place": agreement.place or "",
            "governing_law": agreement.governing_law or "",
        },
        "partners": [_partner(p, labels, writer, document[f"party.{p.id}"],
                              agreement.place or "") for p in d.partners],
        # ``columns``: the whole preamble in two columns, in a bilingual agreement only.
        "preamble": {**{key: writer.inline(document[key])
                        for key in ("parties_intro", "parties_together", "recitals_intro",
                                    "operative")}, "columns": Markup("")},
        "recitals": recitals,
        "articles": articles,
        "numbers": numbers,
        "toc": [{"number": "", "title": t["articles"]["parties"]}]
        + [{"number": str(numbers[a]), "title": t["articles"][a]}
           for a in ARTICLES if a in numbers and articles[a]]
        + [{"number": "", "title": t["articles"]["signatures"]}],
        "tables": {
            "contributions": contributions,
            "totals": [{"partner": names[t["partner"]], "value": format_money(t["money"], lang)}
                       for t in shared["totals"]],
            "indicators": indicators,
            "phases": phases,
            "risks": risks,
            "interventions": interventions,
        },
        "annexes": [writer.block(a) for a in d.annexes],
        "health": _health(review, labels, writer, shared["doc"], lang),
        "options": {"health_annex": health_annex and review is not None},
    }


def _legal_title(labels: dict[str, Any], shared: dict[str, Any]) -> str:
    """The title of the legal article: governing law in a binding document, else its nature."""
    key = "binding" if shared["binding"] else "non_binding"
    return str(labels["legal_article"][key]).format(doc=shared["doc"])


def _health(review: Review | None, labels: dict[str, Any], writer: Writer, doc: str,
            lang: str) -> dict[str, Any]:
    """The health checklist: the score per insight, one row per rule finding (its place in
    words, never a field path), and each source it rests on, once."""
    from agreementgen.health.report import sources

    words = labels["health_annex"]
    statement = str(words["not_part"]).format(doc=doc)
    if review is None:
        return {"summary": [], "findings": [], "open": 0, "sources": [],
                "statement": statement}
    status = {"warning": words["open"], "met": words["met"],
              "not_applicable": words["not_applicable"]}
    return {
        "summary": [{"insight": f"{s.insight}. {s.name}", "met": s.met,
                     "applicable": s.applicable} for s in review.scores],
        "findings": [{"rule": f.rule, "insight": f.insight, "status": status[f.status],
                      "open": f.status == "warning",
                      "place": f.place_words or words["whole_description"],
                      "message": writer.plain(_KEYS.sub("", f.what or f.message))}
                     for f in review.findings],
        "open": len(review.warnings),
        "sources": [writer.plain(source) for source in sources(review, lang)],
        "statement": statement,
    }


def _partner(p: Partner, labels: dict[str, Any], writer: Writer, party: str,
             place: str) -> dict[str, Any]:
    words = labels["parties"]
    details = []
    if p.registration:
        details.append(f"{words['registered']} {p.registration}")
    if p.address:
        details.append(f"{words['address']} {p.address}")
    elif p.country:
        details.append(f"{words['country']} {p.country}")
    if p.representative:
        who = p.representative.name
        if p.representative.title:
            who += f", {p.representative.title}"
        details.append(f"{words['represented_by']} {who}")
    details.append(f"{words['referred_as']} \u201c{p.display_name}\u201d")
    rep = p.representative
    return {
        "id": p.id,
        "name": p.name,
        "display_name": p.display_name,
        "identification": ", ".join(details),
        "party": writer.inline(party),
        "signing_place": p.signing_place or place,
        "sector": labels["sector"][str(p.sector)],
        "role": p.role,
        "mission": writer.block(p.mission),
        "representative": {"name": rep.name if rep else "",
                           "title": (rep.title or "") if rep else ""},
    }
