"""The partnership health review: rules H01-H19, each serving one of the five insights.

``docs/health-rules.md`` states the rules; this module decides, per rule, where a description
falls short. The words live in ``locales/<lang>/health.yaml``: a rule here only names a message
and the values that fill it. A rule never refuses a description; it reports what it sees.
"""

from __future__ import annotations

import calendar
import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from agreementgen.formatting import format_date, format_money
from agreementgen.i18n import catalog
from agreementgen.loading import Source, format_path
from agreementgen.model import (
    Binding,
    ContributionType,
    Description,
    Money,
    Orientation,
)
from agreementgen.validation.rules import GOAL, PARTNERSHIP

__all__ = ["Finding", "InsightScore", "Review", "format_json", "format_markdown", "format_text",
           "review"]

MET = "met"
WARNING = "warning"
NOT_APPLICABLE = "not_applicable"
INSIGHTS = (1, 2, 3, 4, 5)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One rule's verdict at one place in the description.

    Attributes:
        rule: The rule id, e.g. ``H05``.
        insight: The insight the rule serves (1-5).
        status: ``met``, ``warning`` or ``not_applicable``.
        path: The dotted field path (``monitoring.indicators[2]``); "" for the whole description.
        line: The 1-based line of that place in the file, when known.
        message: One sentence: what is missing or wrong here, and why it matters.
    """

    rule: str
    insight: int
    status: str
    path: str
    line: int | None
    message: str


@dataclass(frozen=True)
class InsightScore:
    """How many of an insight's applicable rules a description meets."""

    insight: int
    name: str
    met: int
    applicable: int


@dataclass(frozen=True)
class Review:
    """Every finding, in rule order, and the score per insight."""

    findings: tuple[Finding, ...]
    scores: tuple[InsightScore, ...]

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings that are warnings."""
        return tuple(f for f in self.findings if f.status == WARNING)


class _Issue(NamedTuple):
    """A rule's complaint about one place: the message to show and the values that fill it."""

    path: Path
    message: str
    values: dict[str, Any] = {}  # noqa: RUF012 - never mutated, so one shared default is safe


class _Field(str):
    """A field's key in a message: written as the language names the field, with the key."""


class _Percent(Decimal):
    """A share (0.685), written as a percentage in the review's language."""


# A check returns the issues it finds, or None when its subject is absent (not applicable).
Check = Callable[[Description], list[_Issue] | None]


@dataclass(frozen=True)
class _Rule:
    id: str
    insight: int
    check: Check


_RULES: list[_Rule] = []


def _rule(rule_id: str, insight: int) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        _RULES.append(_Rule(rule_id, insight, check))
        return check

    return register


def _filled(text: str | None) -> bool:
    return bool(text and text.strip())


def _any_filled(texts: Iterable[str]) -> bool:
    return any(_filled(t) for t in texts)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


@_rule("H01", 3)
def _mutual_benefit(d: Description) -> list[_Issue]:
    contributing = {c.partner for c in d.contributions}
    issues = []
    for i, p in enumerate(d.partners):
        if p.id not in contributing:
            issues.append(_Issue(("partners", i), "no_contribution", {"partner": p.display_name}))
        if not _any_filled((*p.objectives, *p.expected_benefits)):
            issues.append(_Issue(("partners", i), "no_benefit", {"partner": p.display_name}))
    return issues


@_rule("H02", 2)
def _mission(d: Description) -> list[_Issue]:
    issues = []
    for i, p in enumerate(d.partners):
        if not _filled(p.mission):
            issues.append(_Issue(("partners", i, "mission"), "no_mission",
                                 {"partner": p.display_name}))
        if not _filled(p.mission_fit):
            issues.append(_Issue(("partners", i, "mission_fit"), "no_mission_fit",
                                 {"partner": p.display_name}))
    return issues


@_rule("H03", 2)
def _objectives(d: Description) -> list[_Issue]:
    issues = []
    if not _any_filled(d.purpose.shared_objectives):
        issues.append(_Issue(("purpose", "shared_objectives"), "no_shared_objectives"))
    for i, p in enumerate(d.partners):
        if not _any_filled(p.objectives):
            issues.append(_Issue(("partners", i, "objectives"), "no_own_objectives",
                                 {"partner": p.display_name}))
    return issues


@_rule("H04", 1)
def _theory_of_change(d: Description) -> list[_Issue]:
    toc = d.theory_of_change
    measured = {ind.result for ind in d.monitoring.indicators} if d.monitoring else set()
    issues = [
        _Issue(("theory_of_change", "outcomes", i), "outcome_without_indicator",
               {"outcome": o.id})
        for i, o in enumerate(toc.outcomes) if o.id not in measured
    ]
    # An intervention that only names 'goal' skips the outcomes on the way, so it does not count
    # as mapped: the theory of change should say which outcome the work changes.
    issues += [
        _Issue(("theory_of_change", "interventions", i, "outcomes"),
               "intervention_without_outcome", {"intervention": iv.id})
        for i, iv in enumerate(toc.interventions) if not [o for o in iv.outcomes if o != GOAL]
    ]
    if not any(_filled(a.statement) for a in toc.assumptions):
        issues.append(_Issue(("theory_of_change", "assumptions"), "no_assumptions"))
    return issues


_INDICATOR_FIELDS = ("baseline", "target", "target_date", "means_of_verification", "frequency",
                     "responsible")


@_rule("H05", 4)
def _indicator_plan(d: Description) -> list[_Issue] | None:
    indicators = d.monitoring.indicators if d.monitoring else ()
    if not indicators:
        return None
    issues = []
    for i, ind in enumerate(indicators):
        missing = [name for name in _INDICATOR_FIELDS if not _set(getattr(ind, name))]
        if missing:
            issues.append(_Issue(("monitoring", "indicators", i), "incomplete_indicator",
                                 {"indicator": ind.id, "fields": [_Field(n) for n in missing]}))
    return issues


def _set(value: object) -> bool:
    return _filled(value) if isinstance(value, str) else value is not None


@_rule("H06", 4)
def _partnership_indicators(d: Description) -> list[_Issue]:
    results = [ind.result for ind in d.monitoring.indicators] if d.monitoring else []
    place = ("monitoring", "indicators")
    issues = []
    if not [r for r in results if r != PARTNERSHIP]:
        issues.append(_Issue(place, "no_result_indicator"))
    if PARTNERSHIP not in results:
        issues.append(_Issue(place, "no_partnership_indicator"))
    return issues


_MAX_MONTHS = 12


@_rule("H07", 4)
def _joint_reviews(d: Description) -> list[_Issue]:
    reviews = d.monitoring.reviews if d.monitoring else None
    place: Path = ("monitoring", "reviews")
    if reviews is None:
        return [_Issue(place, "no_reviews")]
    start = d.duration.start_date
    cadence = reviews.cadence_months
    issues = []
    if reviews.first_review is not None:
        if not start <= reviews.first_review <= _add_months(start, _MAX_MONTHS):
            issues.append(_Issue((*place, "first_review"), "late_first_review",
                                 {"date": reviews.first_review, "start": start}))
    # Without a date, the first review is one cadence after the start: "every 6 months" from
    # the start already promises a review in the first year.
    elif cadence is None or cadence > _MAX_MONTHS:
        issues.append(_Issue((*place, "first_review"), "no_first_review", {"start": start}))
    if cadence is None:
        issues.append(_Issue((*place, "cadence_months"), "no_cadence"))
    elif cadence > _MAX_MONTHS:
        issues.append(_Issue((*place, "cadence_months"), "slow_cadence", {"months": cadence}))
    return issues


@_rule("H08", 4)
def _phases(d: Description) -> list[_Issue]:
    phases = d.monitoring.phases if d.monitoring else ()
    if not phases:
        return [_Issue(("monitoring", "phases"), "no_phases")]
    return [_Issue(("monitoring", "phases", i, "name"), "unnamed_phase", {"number": i + 1})
            for i, phase in enumerate(phases) if not _filled(phase.name)]


_EXIT_ITEMS = ("results", "intellectual_property", "data", "brand")


@_rule("H09", 5)
def _exit(d: Description) -> list[_Issue]:
    du = d.duration
    issues = []
    if not _any_filled(du.exit_triggers):
        issues.append(_Issue(("duration", "exit_triggers"), "no_exit_triggers"))
    if du.notice_days is None:  # 0 days is a notice period too: leaving at once, agreed
        issues.append(_Issue(("duration", "notice_days"), "no_notice"))
    missing = [item for item in _EXIT_ITEMS if not _filled(getattr(du.on_exit, item, None))]
    if missing:
        issues.append(_Issue(("duration", "on_exit"), "on_exit_incomplete",
                             {"items": [_Field(item) for item in missing]}))
    return issues


@_rule("H10", 5)
def _success(d: Description) -> list[_Issue]:
    if _any_filled(d.duration.success_criteria):
        return []
    return [_Issue(("duration", "success_criteria"), "no_success_criteria")]


@_rule("H11", 3)
def _decisions(d: Description) -> list[_Issue]:
    gov = d.governance
    issues = []
    if gov is None or gov.decision_rule is None:
        issues.append(_Issue(("governance", "decision_rule"), "no_decision_rule"))
    if gov is None or not _any_filled(gov.escalation):
        issues.append(_Issue(("governance", "escalation"), "no_escalation"))
    return issues


_DOMINANT_SHARE = Decimal("0.7")


@_rule("H12", 3)
def _contribution_balance(d: Description) -> list[_Issue] | None:
    """Shares of the valued contributions, per currency, and unvalued in-kind contributions.

    There are no exchange rates, so shares are compared within one currency, and only in a
    currency in which more than one partner contributes: a partner that alone gives EUR while
    another alone gives GHS may well be in balance with it. One case needs no rates at all: when
    a single partner supplies every valued contribution, its share is 100% in any currency.
    The rule's second half (in-kind contributions valued or explicitly unvalued) holds by
    construction: the description format defines an omitted value as "explicitly unvalued",
    and the agreement's contributions table says "unvalued" for each such contribution.
    """
    valued = [(i, c.partner, c.value) for i, c in enumerate(d.contributions)
              if c.value is not None]
    if not valued:
        return None
    issues = []
    name = {p.id: p.display_name for p in d.partners}
    # (currency, partner) -> total, and where the partner's first contribution in it is.
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    first: dict[tuple[str, str], int] = {}
    for i, partner, value in valued:
        totals[value.currency][partner] += value.amount
        first.setdefault((value.currency, partner), i)
    contributors = {partner for _, partner, _ in valued}
    if len(contributors) == 1 and any(value.amount > 0 for _, _, value in valued):
        (sole,) = contributors
        amounts = [Money(by_partner[sole], cur) for cur, by_partner in totals.items()]
        issues.append(_Issue(("contributions", valued[0][0]), "sole_contributor",
                             {"partner": name[sole], "amounts": amounts}))
    else:
        several = len(totals) > 1
        for currency, by_partner in totals.items():
            total = sum(by_partner.values(), Decimal())
            if len(by_partner) < 2 or total <= 0:
                continue
            for partner, amount in by_partner.items():
                if amount / total > _DOMINANT_SHARE:
                    issues.append(_Issue(
                        ("contributions", first[(currency, partner)]),
                        "dominant_in_currency" if several else "dominant_contributor",
                        {"partner": name[partner], "share": _Percent(amount / total),
                         "currency": currency, "amount": Money(amount, currency),
                         "total": Money(total, currency)}))
    return issues


@_rule("H13", 3)
def _negotiables(d: Description) -> list[_Issue]:
    issues = []
    for i, p in enumerate(d.partners):
        if not _any_filled(p.negotiables):
            issues.append(_Issue(("partners", i, "negotiables"), "no_negotiables",
                                 {"partner": p.display_name}))
        if not _any_filled(p.non_negotiables):
            issues.append(_Issue(("partners", i, "non_negotiables"), "no_non_negotiables",
                                 {"partner": p.display_name}))
    return issues


@_rule("H14", 3)
def _binding(d: Description) -> list[_Issue]:
    # The schema requires agreement.binding, so the status is always explicit; what is left to
    # check is money promised in an agreement that cannot hold anyone to it.
    if d.agreement.binding is not Binding.NON_BINDING:
        return []
    paying = list(dict.fromkeys(c.partner for c in d.contributions
                                if c.type is ContributionType.CASH))
    if not paying:
        return []
    return [_Issue(("agreement", "binding"), "cash_in_non_binding",
                   {"partners": [d.partner(p).display_name for p in paying]})]


@_rule("H15", 1)
def _collaborative_advantage(d: Description) -> list[_Issue]:
    if _filled(d.purpose.collaborative_advantage):
        return []
    return [_Issue(("purpose", "collaborative_advantage"), "no_collaborative_advantage")]


@_rule("H16", 5)
def _membership(d: Description) -> list[_Issue]:
    issues = []
    if not _filled(d.duration.adding_partners):
        issues.append(_Issue(("duration", "adding_partners"), "no_adding_partners"))
    if not _filled(d.duration.leaving_partners):
        issues.append(_Issue(("duration", "leaving_partners"), "no_leaving_partners"))
    return issues


@_rule("H17", 2)
def _independence(d: Description) -> list[_Issue] | None:
    campaigning = [p.display_name for p in d.partners
                   if p.orientation in (Orientation.ACTIVIST, Orientation.MIXED)]
    comm = d.communication
    logo = comm.logo_use if comm else None
    uses_logos = bool(logo and logo.allowed)
    if not campaigning and not uses_logos:
        return None
    issues = []
    if campaigning and not _filled(comm.independence if comm else None):
        issues.append(_Issue(("communication", "independence"), "no_independence",
                             {"partners": campaigning}))
    if logo and uses_logos:
        if logo.approval_required is not True:
            issues.append(_Issue(("communication", "logo_use", "approval_required"),
                                 "logo_without_approval"))
        if not _filled(getattr(d.duration.on_exit, "brand", None)):
            issues.append(_Issue(("duration", "on_exit", "brand"), "logo_after_exit"))
    return issues


@_rule("H18", 3)
def _change(d: Description) -> list[_Issue]:
    issues = []
    if not any(_filled(r.mitigation) and r.owner for r in d.risks):
        issues.append(_Issue(("risks",), "no_managed_risk"))
    if not (d.governance and _filled(d.governance.context_change)):
        issues.append(_Issue(("governance", "context_change"), "no_context_change"))
    return issues


@_rule("H19", 5)
def _reflection(d: Description) -> list[_Issue] | None:
    du = d.duration
    if du.end_date is None:
        return None
    # A moment before the start reflects on nothing yet, so it must fall within the term.
    if any(du.start_date <= moment < du.end_date for moment in du.reflection_moments):
        return []
    return [_Issue(("duration", "reflection_moments"), "no_reflection",
                   {"start": du.start_date, "end": du.end_date})]


_RULES.sort(key=lambda r: r.id)


# The review --------------------------------------------------------------------------------

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
    for rule in _RULES:
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

    if isinstance(value, _Field):
        words = str(catalog(lang, "health")["fields"].get(value, value))
        return words if words == value else f"{words} ({value})"
    if isinstance(value, _Percent):
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


# Output ------------------------------------------------------------------------------------

def format_text(review: Review, lang: str = "en") -> str:
    """The review for a terminal: the score per insight, then each warning with its place."""
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
    return "\n".join(lines) + "\n"


def format_json(review: Review, file: str) -> str:
    """The review as JSON with stable keys: ``file``, ``warnings``, ``scores``, ``findings``."""
    document = {
        "file": file,
        "warnings": len(review.warnings),
        "scores": [{"insight": s.insight, "name": s.name, "met": s.met,
                    "applicable": s.applicable} for s in review.scores],
        "findings": [{"rule": f.rule, "insight": f.insight, "status": f.status, "path": f.path,
                      "line": f.line, "message": f.message,
                      "severity": WARNING if f.status == WARNING else None}
                     for f in review.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def format_markdown(review: Review, lang: str = "en") -> str:
    """The review as Markdown: a table of scores per insight, then a table of warnings."""
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
    return "\n".join(out) + "\n"
