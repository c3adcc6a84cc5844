"""The health rules H01-H26, each serving one of the five insights (docs/health-rules.md).

A rule decides where a description falls short; it only names a message of
``locales/<lang>/health.yaml`` and the values that fill it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from agreementgen.health.base import Field, Issue, Path, Percent, add_months, any_filled, filled
from agreementgen.model import (
    Binding,
    ContributionType,
    DataRole,
    Description,
    Money,
    Orientation,
    Sector,
)
from agreementgen.validation.rules import GOAL, PARTNERSHIP

# A check returns the issues it finds, or None when its subject is absent (not applicable).
Check = Callable[[Description], list[Issue] | None]


@dataclass(frozen=True)
class Rule:
    """A rule's id (``H05``), the insight it serves, and its check."""

    id: str
    insight: int
    check: Check


RULES: list[Rule] = []


def rule(rule_id: str, insight: int) -> Callable[[Check], Check]:
    """Register the decorated check as rule ``rule_id`` of insight ``insight``."""

    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, insight, check))
        return check

    return register


@rule("H01", 3)
def _mutual_benefit(d: Description) -> list[Issue]:
    contributing = {c.partner for c in d.contributions}
    issues = []
    for i, p in enumerate(d.partners):
        if p.id not in contributing:
            issues.append(Issue(("partners", i), "no_contribution", {"partner": p.display_name}))
        if not any_filled((*p.objectives, *p.expected_benefits)):
            issues.append(Issue(("partners", i), "no_benefit", {"partner": p.display_name}))
    return issues


@rule("H02", 2)
def _mission(d: Description) -> list[Issue]:
    issues = []
    for i, p in enumerate(d.partners):
        if not filled(p.mission):
            issues.append(Issue(("partners", i, "mission"), "no_mission",
                                 {"partner": p.display_name}))
        if not filled(p.mission_fit):
            issues.append(Issue(("partners", i, "mission_fit"), "no_mission_fit",
                                 {"partner": p.display_name}))
    return issues


@rule("H03", 2)
def _objectives(d: Description) -> list[Issue]:
    issues = []
    if not any_filled(d.purpose.shared_objectives):
        issues.append(Issue(("purpose", "shared_objectives"), "no_shared_objectives"))
    for i, p in enumerate(d.partners):
        if not any_filled(p.objectives):
            issues.append(Issue(("partners", i, "objectives"), "no_own_objectives",
                                 {"partner": p.display_name}))
    return issues


@rule("H04", 1)
def _theory_of_change(d: Description) -> list[Issue]:
    toc = d.theory_of_change
    measured = {ind.result for ind in d.monitoring.indicators} if d.monitoring else set()
    issues = [
        Issue(("theory_of_change", "outcomes", i), "outcome_without_indicator",
               {"outcome": o.id})
        for i, o in enumerate(toc.outcomes) if o.id not in measured
    ]
    # An intervention that only names 'goal' skips the outcomes on the way, so it does not count
    # as mapped: the theory of change should say which outcome the work changes.
    issues += [
        Issue(("theory_of_change", "interventions", i, "outcomes"),
               "intervention_without_outcome", {"intervention": iv.id})
        for i, iv in enumerate(toc.interventions) if not [o for o in iv.outcomes if o != GOAL]
    ]
    if not any(filled(a.statement) for a in toc.assumptions):
        issues.append(Issue(("theory_of_change", "assumptions"), "no_assumptions"))
    return issues


_INDICATOR_FIELDS = ("baseline", "target", "target_date", "means_of_verification", "frequency",
                     "responsible")


@rule("H05", 4)
def _indicator_plan(d: Description) -> list[Issue] | None:
    indicators = d.monitoring.indicators if d.monitoring else ()
    if not indicators:
        return None
    issues = []
    for i, ind in enumerate(indicators):
        missing = [name for name in _INDICATOR_FIELDS if not _set(getattr(ind, name))]
        if missing:
            issues.append(Issue(("monitoring", "indicators", i), "incomplete_indicator",
                                 {"indicator": ind.id, "fields": [Field(n) for n in missing]}))
    return issues


def _set(value: object) -> bool:
    return filled(value) if isinstance(value, str) else value is not None


@rule("H06", 4)
def _partnership_indicators(d: Description) -> list[Issue]:
    results = [ind.result for ind in d.monitoring.indicators] if d.monitoring else []
    place = ("monitoring", "indicators")
    issues = []
    if not [r for r in results if r != PARTNERSHIP]:
        issues.append(Issue(place, "no_result_indicator"))
    if PARTNERSHIP not in results:
        issues.append(Issue(place, "no_partnership_indicator"))
    return issues


_MAX_MONTHS = 12


@rule("H07", 4)
def _joint_reviews(d: Description) -> list[Issue]:
    reviews = d.monitoring.reviews if d.monitoring else None
    place: Path = ("monitoring", "reviews")
    if reviews is None:
        return [Issue(place, "no_reviews")]
    start = d.duration.start_date
    cadence = reviews.cadence_months
    issues = []
    if reviews.first_review is not None:
        if not start <= reviews.first_review <= add_months(start, _MAX_MONTHS):
            issues.append(Issue((*place, "first_review"), "late_first_review",
                                 {"date": reviews.first_review, "start": start}))
    # Without a date, the first review is one cadence after the start: "every 6 months" from
    # the start already promises a review in the first year.
    elif cadence is None or cadence > _MAX_MONTHS:
        issues.append(Issue((*place, "first_review"), "no_first_review", {"start": start}))
    if cadence is None:
        issues.append(Issue((*place, "cadence_months"), "no_cadence"))
    elif cadence > _MAX_MONTHS:
        issues.append(Issue((*place, "cadence_months"), "slow_cadence", {"months": cadence}))
    return issues


@rule("H08", 4)
def _phases(d: Description) -> list[Issue]:
    phases = d.monitoring.phases if d.monitoring else ()
    if not phases:
        return [Issue(("monitoring", "phases"), "no_phases")]
    return [Issue(("monitoring", "phases", i, "name"), "unnamed_phase", {"number": i + 1})
            for i, phase in enumerate(phases) if not filled(phase.name)]


_EXIT_ITEMS = ("results", "intellectual_property", "data", "brand")


@rule("H09", 5)
def _exit(d: Description) -> list[Issue]:
    du = d.duration
    issues = []
    if not any_filled(du.exit_triggers):
        issues.append(Issue(("duration", "exit_triggers"), "no_exit_triggers"))
    if du.notice_days is None:  # 0 days is a notice period too: leaving at once, agreed
        issues.append(Issue(("duration", "notice_days"), "no_notice"))
    missing = [item for item in _EXIT_ITEMS if not filled(getattr(du.on_exit, item, None))]
    if missing:
        issues.append(Issue(("duration", "on_exit"), "on_exit_incomplete",
                             {"items": [Field(item) for item in missing]}))
    return issues


@rule("H10", 5)
def _success(d: Description) -> list[Issue]:
    if any_filled(d.duration.success_criteria):
        return []
    return [Issue(("duration", "success_criteria"), "no_success_criteria")]


@rule("H11", 3)
def _decisions(d: Description) -> list[Issue]:
    gov = d.governance
    issues = []
    if gov is None or gov.decision_rule is None:
        issues.append(Issue(("governance", "decision_rule"), "no_decision_rule"))
    if gov is None or not any_filled(gov.escalation):
        issues.append(Issue(("governance", "escalation"), "no_escalation"))
    return issues


_DOMINANT_SHARE = Decimal("0.7")


@rule("H12", 3)
def _contribution_balance(d: Description) -> list[Issue] | None:
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
        issues.append(Issue(("contributions", valued[0][0]), "sole_contributor",
                             {"partner": name[sole], "amounts": amounts}))
    else:
        several = len(totals) > 1
        for currency, by_partner in totals.items():
            total = sum(by_partner.values(), Decimal())
            if len(by_partner) < 2 or total <= 0:
                continue
            for partner, amount in by_partner.items():
                if amount / total > _DOMINANT_SHARE:
                    issues.append(Issue(
                        ("contributions", first[(currency, partner)]),
                        "dominant_in_currency" if several else "dominant_contributor",
                        {"partner": name[partner], "share": Percent(amount / total),
                         "currency": currency, "amount": Money(amount, currency),
                         "total": Money(total, currency)}))
    return issues


@rule("H13", 3)
def _negotiables(d: Description) -> list[Issue]:
    issues = []
    for i, p in enumerate(d.partners):
        if not any_filled(p.negotiables):
            issues.append(Issue(("partners", i, "negotiables"), "no_negotiables",
                                 {"partner": p.display_name}))
        if not any_filled(p.non_negotiables):
            issues.append(Issue(("partners", i, "non_negotiables"), "no_non_negotiables",
                                 {"partner": p.display_name}))
    return issues


@rule("H14", 3)
def _binding(d: Description) -> list[Issue]:
    # The schema requires agreement.binding, so the status is always explicit; what is left to
    # check is money promised in an agreement that cannot hold anyone to it.
    if d.agreement.binding is not Binding.NON_BINDING:
        return []
    paying = list(dict.fromkeys(c.partner for c in d.cash))
    if not paying:
        return []
    return [Issue(("agreement", "binding"), "cash_in_non_binding",
                   {"partners": [d.partner(p).display_name for p in paying]})]


@rule("H15", 1)
def _collaborative_advantage(d: Description) -> list[Issue]:
    if filled(d.purpose.collaborative_advantage):
        return []
    return [Issue(("purpose", "collaborative_advantage"), "no_collaborative_advantage")]


@rule("H16", 5)
def _membership(d: Description) -> list[Issue]:
    issues = []
    if not filled(d.duration.adding_partners):
        issues.append(Issue(("duration", "adding_partners"), "no_adding_partners"))
    if not filled(d.duration.leaving_partners):
        issues.append(Issue(("duration", "leaving_partners"), "no_leaving_partners"))
    return issues


@rule("H17", 2)
def _independence(d: Description) -> list[Issue] | None:
    campaigning = [p.display_name for p in d.partners
                   if p.orientation in (Orientation.ACTIVIST, Orientation.MIXED)]
    comm = d.communication
    logo = comm.logo_use if comm else None
    uses_logos = bool(logo and logo.allowed)
    if not campaigning and not uses_logos:
        return None
    issues = []
    if campaigning and not filled(comm.independence if comm else None):
        issues.append(Issue(("communication", "independence"), "no_independence",
                             {"partners": campaigning}))
    if logo and uses_logos:
        if logo.approval_required is not True:
            issues.append(Issue(("communication", "logo_use", "approval_required"),
                                 "logo_without_approval"))
        if not filled(getattr(d.duration.on_exit, "brand", None)):
            issues.append(Issue(("duration", "on_exit", "brand"), "logo_after_exit"))
    return issues


@rule("H18", 3)
def _change(d: Description) -> list[Issue]:
    issues = []
    if not any(filled(r.mitigation) and r.owner for r in d.risks):
        issues.append(Issue(("risks",), "no_managed_risk"))
    if not (d.governance and filled(d.governance.context_change)):
        issues.append(Issue(("governance", "context_change"), "no_context_change"))
    return issues


@rule("H19", 5)
def _reflection(d: Description) -> list[Issue] | None:
    du = d.duration
    if du.end_date is None:
        return None
    # A moment before the start reflects on nothing yet, so it must fall within the term.
    if any(du.start_date <= moment < du.end_date for moment in du.reflection_moments):
        return []
    return [Issue(("duration", "reflection_moments"), "no_reflection",
                   {"start": du.start_date, "end": du.end_date})]


# The second wave (H20-H26): what a lawyer and a compliance officer look for.

@rule("H20", 3)
def _personal_data(d: Description) -> list[Issue] | None:
    """Roles and laws where personal data is shared; the question asked where it may be.

    A ``data`` contribution may well be about people (farmers' names, farm polygons); without a
    ``data_protection`` section nothing says whether it is, so the partners are asked, at each
    such contribution. A partner that brings data in handles them, so it needs a role too.
    """
    dp = d.data_protection
    data = [(i, c) for i, c in enumerate(d.contributions) if c.type is ContributionType.DATA]
    if dp is None:
        if not data:
            return None
        return [Issue(("contributions", i), "personal_data_unknown",
                       {"partner": d.partner(c.partner).display_name})
                for i, c in data]
    if not dp.personal_data:
        return None
    issues = []
    place: Path = ("data_protection", "roles")
    roles = [r.role for r in dp.roles]
    if not roles:
        issues.append(Issue(place, "no_roles"))
    else:
        with_role = {r.partner for r in dp.roles}
        without = list(dict.fromkeys(d.partner(c.partner).display_name for _, c in data
                                     if c.partner not in with_role))
        if without:
            issues.append(Issue(place, "data_partner_without_role", {"partners": without}))
        # Joint controllers determine the purposes and means together (GDPR art. 26): one alone
        # is a controller, or the others are missing.
        if roles.count(DataRole.JOINT_CONTROLLER) == 1:
            issues.append(Issue(place, "sole_joint_controller"))
        # A processor works on behalf of a controller (GDPR art. 28).
        if DataRole.PROCESSOR in roles and not {DataRole.CONTROLLER,
                                                DataRole.JOINT_CONTROLLER} & set(roles):
            issues.append(Issue(place, "processor_without_controller"))
    if not any_filled(dp.laws):
        issues.append(Issue(("data_protection", "laws"), "no_laws"))
    return issues


_FUNDING_TERMS = ("payment_schedule", "reporting", "audit_rights", "unspent_funds")


@rule("H21", 3)
def _funding_terms(d: Description) -> list[Issue] | None:
    """Payment schedule, reporting, audit rights and unspent funds, wherever cash is given.

    The payment schedule is also stated when every cash contribution has its own ``schedule``.
    An ``audit_rights: false`` states the term (no audit, agreed); so does any choice of what
    happens to unspent funds.
    """
    cash = d.cash
    if not cash:
        return None
    funding = d.funding
    stated = {
        "payment_schedule": bool(funding and filled(funding.payment_schedule))
        or all(filled(c.schedule) for c in cash),
        "reporting": bool(funding and filled(funding.reporting)),
        "audit_rights": bool(funding and _stated(funding.audit_rights)),
        "unspent_funds": bool(funding and funding.unspent_funds is not None),
    }
    missing = [term for term in _FUNDING_TERMS if not stated[term]]
    if not missing:
        return []
    paying = list(dict.fromkeys(d.partner(c.partner).display_name for c in cash))
    return [Issue(("funding",), "incomplete_funding",
                   {"partners": paying, "fields": [Field(term) for term in missing]})]


def _stated(value: bool | str | None) -> bool:
    """A yes-or-wording term is stated by a yes, a no, or a wording that says something."""
    return filled(value) if isinstance(value, str) else value is not None


@rule("H22", 2)
def _safeguarding(d: Description) -> list[Issue] | None:
    safeguarding = d.compliance.safeguarding if d.compliance else None
    if safeguarding is None or not safeguarding.applies:
        return None
    place: Path = ("compliance", "safeguarding")
    issues = []
    if not filled(safeguarding.policy):
        issues.append(Issue((*place, "policy"), "no_safeguarding_policy"))
    if not filled(safeguarding.focal_point):
        issues.append(Issue((*place, "focal_point"), "no_focal_point"))
    return issues


@rule("H23", 2)
def _due_diligence(d: Description) -> list[Issue] | None:
    businesses = [p.display_name for p in d.partners if p.sector is Sector.BUSINESS]
    csos = [p.display_name for p in d.partners if p.sector is Sector.CSO]
    if not businesses or not csos:
        return None
    if d.compliance and filled(d.compliance.due_diligence):
        return []
    return [Issue(("compliance", "due_diligence"), "no_due_diligence",
                   {"businesses": businesses, "csos": csos})]


@rule("H24", 2)
def _publication(d: Description) -> list[Issue] | None:
    """A knowledge or activist partner's right to publish, with days for the others to comment.

    One entry of the partner with ``review_days`` is enough; when it has entries and none sets
    the days, the finding points at its first entry.
    """
    publishing = [p for p in d.partners
                  if p.sector is Sector.KNOWLEDGE or p.orientation is Orientation.ACTIVIST]
    if not publishing:
        return None
    issues = []
    for p in publishing:
        entries = [i for i, pub in enumerate(d.publication) if pub.partner == p.id]
        if not entries:
            issues.append(Issue(("publication",), "no_publication_right",
                                 {"partner": p.display_name}))
        elif all(d.publication[i].review_days is None for i in entries):
            issues.append(Issue(("publication", entries[0], "review_days"), "no_review_days",
                                 {"partner": p.display_name}))
    return issues


@rule("H25", 3)
def _contacts(d: Description) -> list[Issue]:
    """A contact per partner, reachable in writing: by e-mail, or at the partner's address."""
    issues = []
    for i, p in enumerate(d.partners):
        if p.contact is None:
            issues.append(Issue(("partners", i, "contact"), "no_contact",
                                 {"partner": p.display_name}))
        elif not filled(p.contact.email) and not filled(p.address):
            issues.append(Issue(("partners", i, "contact"), "no_notice_address",
                                 {"partner": p.display_name, "contact": p.contact.name}))
    return issues


# Words that make an exit trigger about corruption, in the languages of the descriptions:
# corrupt(ion), brib(e, ery), omkop(ing), smeergeld, steekpenning(en).
_CORRUPTION = re.compile(r"corrupt|brib|omkop|smeergeld|steekpenning", re.IGNORECASE)


@rule("H26", 2)
def _anti_corruption(d: Description) -> list[Issue] | None:
    """An anti-corruption commitment where cash moves, or where an exit trigger relies on one.

    An exit trigger that speaks of corruption or bribery has the agreement point at
    commitments it does not contain, so it asks for the commitment too.
    """
    paying = list(dict.fromkeys(d.partner(c.partner).display_name for c in d.cash))
    triggers = [i for i, t in enumerate(d.duration.exit_triggers) if _CORRUPTION.search(t)]
    if not paying and not triggers:
        return None
    commitment = d.compliance.anti_corruption if d.compliance else None
    if commitment is True or (isinstance(commitment, str) and filled(commitment)):
        return []
    issues = []
    if paying:
        issues.append(Issue(("compliance", "anti_corruption"), "no_anti_corruption",
                             {"partners": paying}))
    issues += [Issue(("duration", "exit_triggers", i), "corruption_trigger_without_commitment",
                     {"number": i + 1}) for i in triggers]
    return issues


RULES.sort(key=lambda r: r.id)
