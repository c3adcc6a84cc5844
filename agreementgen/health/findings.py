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
    # The findings quote the description's texts in the language of the messages.
    in_language = getattr(loaded, "description_in", None)
    d: Description = in_language(lang) if in_language else loaded.description
    source: Source | None = loaded.source
    texts = catalog(lang, "health")
    whole = texts["places"]["whole"]
    findings = []
    for rule in RULES:
        spec = texts["rules"][rule.id]
        issues = rule.check(d)
        if issues is None:
            text = spec["not_applicable"]
            findings.append(Finding(rule.id, rule.insight, NOT_APPLICABLE, "", None, text,
                                    what=text, place_words=whole))
        elif not issues:
            text = spec["title"]
            findings.append(Finding(rule.id, rule.insight, MET, "", None, text,
                                    what=text, place_words=whole))
        for issue in issues or ():
            what = spec["messages"][issue.message].format(
                **{k: _render(v, lang) for k, v in issue.values.items()})
            message = texts["finding"].format(
                what=what, why=spec["why"],
                sources=texts["source_separator"].join(spec["sources"]))
            findings.append(Finding(rule.id, rule.insight, WARNING, format_path(issue.path),
                                    _line(source, issue.path), message, what=what,
                                    place_words=_place_words(issue.path, d, texts["places"])))
    return Review(tuple(findings), _scores(findings, texts))


def _place_key(path: Path) -> str:
    """The key of a place in ``places`` of ``health.yaml``: the field path, each index as ``[]``.

    ``('partners', 2, 'negotiables')`` -> ``partners[].negotiables``; the empty path (the whole
    description) -> ``whole``.
    """
    key = ""
    for step in path:
        if isinstance(step, int):
            key += "[]"
        else:
            key += f".{step}" if key else step
    return key or "whole"


def _place_words(path: Path, d: Description, places: dict[str, str]) -> str:
    """Where a finding is, in words: the words of its place, or of its nearest named parent.

    ``{partner}`` is the display name of the partner the place belongs to (a contribution's is
    the contributing partner, a right to publish's the publishing partner), ``{number}`` the
    1-based position of the place's last list item.
    """
    while path and _place_key(path) not in places:
        path = path[:-1]
    indexes = [step for step in path if isinstance(step, int)]
    values: dict[str, Any] = {"number": indexes[-1] + 1 if indexes else ""}
    values["partner"] = _partner_at(path, d)
    return places[_place_key(path)].format(**values)


def _partner_at(path: Path, d: Description) -> str:
    """The display name of the partner a place belongs to, or "" when it belongs to none."""
    if len(path) < 2 or not isinstance(path[1], int):
        return ""
    index = path[1]
    if path[0] == "partners" and 0 <= index < len(d.partners):
        return d.partners[index].display_name
    if path[0] == "contributions" and 0 <= index < len(d.contributions):
        return d.partner(d.contributions[index].partner).display_name
    if path[0] == "publication" and 0 <= index < len(d.publication):
        return d.partner(d.publication[index].partner).display_name
    return ""


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
