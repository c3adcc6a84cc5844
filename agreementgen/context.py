"""The render context: everything a template shows, built once from a description.

The same context serves every output format; a :class:`Writer` decides how Markdown and plain
text become Word XML, Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from agreementgen.clauses import Clause, derive, facts
from agreementgen.formatting import format_date, format_money
from agreementgen.health import Review
from agreementgen.i18n import catalog
from agreementgen.model import Description, Partner

ARTICLES = ("parties", "purpose", "theory_of_change", "identity", "contributions", "governance",
            "monitoring", "risks", "communication", "duration", "legal", "final")


@dataclass
class Writer:
    """How text becomes output: Markdown blocks, Markdown inline, and plain text.

    Attributes:
        block: Markdown -> a block of the output (Word paragraphs, HTML, Markdown).
        inline: Markdown -> inline content (Word runs, for table cells).
        plain: Plain text -> inline content.
        between: What goes between two blocks.
    """

    block: Callable[[str], Markup]
    inline: Callable[[str], Markup]
    plain: Callable[[str], Any]
    between: str = ""


def word_writer(numbering: Any = None) -> Writer:
    """A writer that produces WordprocessingML for docx templates."""
    from agreementgen.render.wordml import markdown_to_runs, markdown_to_wordml, plain_to_runs

    return Writer(
        block=lambda text: Markup(markdown_to_wordml(text, numbering=numbering)),
        inline=lambda text: Markup(markdown_to_runs(text)),
        plain=lambda text: Markup(plain_to_runs(text)),
    )


def markdown_writer() -> Writer:
    """A writer that produces Markdown, for the review copy (``--format md``).

    ``Markup`` here marks text that is Markdown already, so the layout does not escape it.
    """
    from agreementgen.render.text import markdown_to_cell, markdown_to_markdown, plain_to_markdown

    return Writer(
        block=lambda text: Markup(markdown_to_markdown(text)),
        inline=lambda text: Markup(markdown_to_cell(text)),
        plain=lambda text: Markup(plain_to_markdown(text)),
        between="\n\n",
    )


def html_writer() -> Writer:
    """A writer that produces HTML, for the review page (``--format html``)."""
    from agreementgen.render.text import markdown_to_html, markdown_to_html_inline, plain_to_html

    return Writer(
        block=lambda text: Markup(markdown_to_html(text)),
        inline=lambda text: Markup(markdown_to_html_inline(text)),
        plain=lambda text: Markup(plain_to_html(text)),
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

    def date(value: Any) -> str:
        return format_date(value, lang) if value else ""

    def label(group: str, value: Any) -> str:
        return str(labels[group][str(value)]) if value is not None else ""

    articles: dict[str, Markup] = dict.fromkeys(ARTICLES, Markup(""))
    for article in ARTICLES:
        # Clause by clause: each clause's lists stand alone, and a clause met before (the
        # same words in another agreement of a batch) is converted only once.
        blocks = [writer.block(c.text) for c in clauses if c.spec.article == article]
        if blocks:
            articles[article] = Markup(writer.between).join(blocks)

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
            "result": labels["result"].get(i.result, i.result),
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
         "outcomes": ", ".join(i.outcomes), "start": date(i.start), "end": date(i.end)}
        for i in d.theory_of_change.interventions
    ]
    return {
        "t": labels,
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
        "partners": [_partner(p, labels, writer) for p in d.partners],
        "articles": articles,
        "toc": [labels["articles"][a] for a in ARTICLES if a == "parties" or articles[a]]
        + [labels["articles"]["signatures"]],
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
        "health": _health(review, labels, writer),
        "options": {"health_annex": health_annex and review is not None},
    }


def _health(review: Review | None, labels: dict[str, Any], writer: Writer) -> dict[str, Any]:
    """The health checklist: the score per insight and one row per rule finding."""
    if review is None:
        return {"summary": [], "findings": [], "open": 0}
    words = labels["health_annex"]
    status = {"warning": words["open"], "met": words["met"],
              "not_applicable": words["not_applicable"]}
    return {
        "summary": [{"insight": f"{s.insight}. {s.name}", "met": s.met,
                     "applicable": s.applicable} for s in review.scores],
        "findings": [{"rule": f.rule, "insight": f.insight, "status": status[f.status],
                      "open": f.status == "warning", "place": f.path or words["whole_description"],
                      "message": writer.plain(f.message)} for f in review.findings],
        "open": len(review.warnings),
    }


def _partner(p: Partner, labels: dict[str, Any], writer: Writer) -> dict[str, Any]:
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
        "sector": labels["sector"][str(p.sector)],
        "role": p.role,
        "mission": writer.block(p.mission),
        "representative": {"name": rep.name if rep else "",
                           "title": (rep.title or "") if rep else ""},
    }
