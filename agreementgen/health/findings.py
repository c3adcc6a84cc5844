"""Findings: every rule run on a description, with messages in the reader's language."""

from __future__ import annotations

import datetime
from typing import Any

from agreementgen.formatting import format_date, format_money
from agreementgen.health.base import (
    INSIGHTS,
    MET,
    NOT_APPLICABLE,
    WARNING,
    Field,
    Finding,
    InsightScore,
    Path,
    Percent,
    Review,
)
from agreementgen.health.rules import RULES
from agreementgen.i18n import catalog
from agreementgen.loading import Source, format_path
from agreementgen.model import ContributionType, Description, Money


def review(loaded: Any, lang: str = "en") -> Review:
    """Check a loaded description against every health rule.

    Args:
        loaded: An :class:`agreementgen.api.Loaded` (its ``source`` gives the lines; it may be
            None, and then no finding has a line).
        lang: The language of the messages.

    Returns:
        One finding per warning, and one ``met`` or ``not_applicable`` finding per rule without
        warnings, in rule order; and a score per insight.
    """
    d: Description = loaded.description
    source: Source | None = loaded.source
    texts = catalog(lang, "health")
    findings = []
    for rule in RULES:
        spec = texts["rules"][rule.id]
        issues = rule.check(d)
        if issues is None:
            findings.append(Finding(rule.id, rule.insight, NOT_APPLICABLE, "", None,
                                    spec["not_applicable"]))
        elif not issues:
            findings.append(Finding(rule.id, rule.insight, MET, "", None, spec["title"]))
        for issue in issues or ():
            what = spec["messages"][issue.message].format(
                **{k: _render(v, lang) for k, v in issue.values.items()})
            findings.append(Finding(rule.id, rule.insight, WARNING, format_path(issue.path),
                                    _line(source, issue.path),
                                    texts["finding"].format(what=what, why=spec["why"])))
    return Review(tuple(findings), _scores(findings, texts))


def _scores(findings: list[Finding], texts: dict[str, Any]) -> tuple[InsightScore, ...]:
    status: dict[str, Finding] = {}
    for f in findings:  # a rule with any warning is a warning, whatever else it found
        if f.rule not in status or f.status == WARNING:
            status[f.rule] = f
    scores = []
    for insight in INSIGHTS:
        verdicts = [f.status for f in status.values() if f.insight == insight]
        scores.append(InsightScore(insight, texts["insights"][insight], verdicts.count(MET),
                                   len(verdicts) - verdicts.count(NOT_APPLICABLE)))
    return tuple(scores)


def _line(source: Source | None, path: Path) -> int | None:
    """The line of a field's key, or of a list item; for an absent field, its nearest parent's.

    The key, not the value: a list or mapping value starts on the line after its key, and the
    key is what a reader looks for. A section missing at the top level has no line.
    """
    if source is None or not path or not isinstance(source.data, dict) \
            or path[0] not in source.data:
        return None
    node: Any = source.data
    present = path
    for depth, step in enumerate(path):
        inside = (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node))
        if not inside:
            present = path[:depth]
            break
        node = node[step]
    return source.locate(present, key=True)[0]


def _render(value: Any, lang: str) -> str:
    """A value for a message, written the way the language writes it."""
    from babel.lists import format_list
    from babel.numbers import format_percent

    if isinstance(value, Field):
        words = str(catalog(lang, "health")["fields"].get(value, value))
        return words if words == value else f"{words} ({value})"
    if isinstance(value, Percent):
        return str(format_percent(value, format="#,##0.#%", locale=lang))
    if isinstance(value, Money):
        return format_money(value, lang)
    if isinstance(value, datetime.date):
        return format_date(value, lang)
    if isinstance(value, ContributionType):
        return str(catalog(lang, "labels")["contribution_type"][value.value])
    if isinstance(value, list | tuple):
        return str(format_list([_render(v, lang) for v in value], locale=lang))
    return str(value)
