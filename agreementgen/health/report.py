"""The review written out: for a terminal, as JSON, and as Markdown; and the sources it cites."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agreementgen.health.base import WARNING, Review
from agreementgen.i18n import catalog

if TYPE_CHECKING:
    from agreementgen.clauses import OpenPoint
    from agreementgen.translations import Untranslated


def format_text(review: Review, lang: str = "en", open_points: Sequence[OpenPoint] = (),
                untranslated: Sequence[Untranslated] = ()) -> str:
    """The review for a terminal: the score per insight, each warning with its place, the
    open points the agreement would hold, and the texts with no version in ``lang``."""
    words = catalog(lang, "health")["report"]
    met = sum(s.met for s in review.scores)
    applicable = sum(s.applicable for s in review.scores)
    lines = [words["heading"].format(met=met, applicable=applicable,
                                     warnings=len(review.warnings)), ""]
    for s in review.scores:
        template = words["score"] if s.applicable else words["score_none"]
        lines.append(template.format(insight=s.insight, name=s.name, met=s.met,
                                     applicable=s.applicable))
    lines.append("")
    if review.warnings:
        lines.append(words["warnings"])
        for f in review.warnings:
            lines.append(words["warning"].format(
                rule=f.rule, insight=f.insight, place=f.path or words["whole_description"],
                line=words["line"].format(line=f.line) if f.line is not None else "",
                message=f.message))
    else:
        lines.append(words["no_warnings"])
    if open_points:
        lines += ["", words["open_points"].format(count=len(open_points))]
        lines += [words["open_point"].format(number=p.number, clause=p.clause, text=p.text)
                  for p in open_points]
    if untranslated:
        from agreementgen.translations import format_untranslated

        lines += ["", format_untranslated(untranslated, lang).rstrip("\n")]
    return "\n".join(lines) + "\n"


def format_json(review: Review, file: str, open_points: Sequence[OpenPoint] = (),
                untranslated: Sequence[Untranslated] = ()) -> str:
    """The review as JSON with stable keys: ``file``, ``warnings``, ``scores``, ``findings``,
    ``open_points`` (each with the id of its ``clause`` and its ``text``) and ``untranslated``
    (each field's ``path``, ``line``, the ``lang`` it lacks and the language it is
    ``shown_in``)."""
    document = {
        "file": file,
        "warnings": len(review.warnings),
        "scores": [{"insight": s.insight, "name": s.name, "met": s.met,
                    "applicable": s.applicable} for s in review.scores],
        "findings": [{"rule": f.rule, "insight": f.insight, "status": f.status, "path": f.path,
                      "line": f.line, "message": f.message,
                      "severity": WARNING if f.status == WARNING else None}
                     for f in review.findings],
        "open_points": [{"clause": p.clause, "text": p.text} for p in open_points],
        "untranslated": [{"path": u.path, "line": u.line, "lang": u.lang,
                          "shown_in": u.shown_in} for u in untranslated],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def format_markdown(review: Review, lang: str = "en", open_points: Sequence[OpenPoint] = (),
                    untranslated: Sequence[Untranslated] = ()) -> str:
    """The review as Markdown: a table of scores per insight, a table of warnings, the
    open points the agreement would hold, and the texts with no version in ``lang``."""
    from agreementgen.clauses import escape_markdown

    def cell(text: str) -> str:
        return escape_markdown(" ".join(text.split()))

    words = catalog(lang, "health")["report"]
    out = [f"## {words['markdown_title']}", "",
           f"| {words['column_insight']} | {words['column_rules_met']} |", "|---|---|"]
    for s in review.scores:
        out.append(f"| {s.insight}. {cell(s.name)} | {s.met}/{s.applicable} |")
    out += ["", f"### {words['markdown_warnings']}", ""]
    if not review.warnings:
        out.append(cell(words["no_warnings"]))
    else:
        out += [f"| {words['column_rule']} | {words['column_insight']} | {words['column_place']}"
                f" | {words['column_line']} | {words['column_message']} |", "|---|---|---|---|---|"]
        for f in review.warnings:
            place = f"`{f.path}`" if f.path else cell(words["whole_description"])
            line = "" if f.line is None else str(f.line)
            out.append(f"| {f.rule} | {f.insight} | {place} | {line} | {cell(f.message)} |")
    if open_points:
        out += ["", f"### {words['markdown_open_points']}", ""]
        out += ["- " + cell(words["open_point"].format(number=p.number, clause=p.clause,
                                                       text=p.text)) for p in open_points]
    if untranslated:
        from agreementgen.translations import format_untranslated

        heading = format_untranslated(untranslated, lang).splitlines()[0]
        out += ["", f"### {words['markdown_untranslated']}", "", cell(heading), ""]
        out += [f"- `{u.path}`" + (words["line"].format(line=u.line) if u.line else "")
                for u in untranslated]
    return "\n".join(out) + "\n"


def sources(review: Review, lang: str = "en") -> list[str]:
    """The sources the review's warnings cite, each once, in rule order.

    A warning's message ends with its rule's sources in brackets, so the same sources recur on
    every warning of a rule and across rules; a list of findings that leaves them out of each row
    names them here once instead. Rules without warnings cite nothing.

    Args:
        review: The review, as :func:`agreementgen.health.review` made it.
        lang: The language the sources are written in (the review's language).
    """
    rules = catalog(lang, "health")["rules"]
    cited: dict[str, None] = {}
    for rule in dict.fromkeys(f.rule for f in review.warnings):
        cited.update(dict.fromkeys(rules[rule]["sources"]))
    return list(cited)
