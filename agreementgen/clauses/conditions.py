"""When each clause applies: named conditions on a description, used by the clause library."""

from __future__ import annotations

from collections.abc import Callable

from agreementgen.model import Binding, ContributionType, Description, Orientation

Condition = Callable[[Description], bool]


def _independence(d: Description) -> bool:
    campaigning = any(p.orientation in (Orientation.ACTIVIST, Orientation.MIXED)
                      for p in d.partners)
    return campaigning or bool(d.communication and d.communication.independence)


def _survivors(d: Description) -> bool:
    """Whether any clause outlives the agreement: in a binding one governing law always does;
    in a non-binding one only its binding carve-outs (confidentiality, names and logos)."""
    if d.agreement.binding is Binding.BINDING:
        return True
    return bool(d.communication and (d.communication.confidentiality
                                     or d.communication.logo_use))


CONDITIONS: dict[str, Condition] = {
    "always": lambda d: True,
    "has_vision": lambda d: bool(d.purpose.vision),
    "has_mission_fit": lambda d: any(p.mission_fit for p in d.partners),
    "has_collaborative_advantage": lambda d: bool(d.purpose.collaborative_advantage),
    "has_assumptions": lambda d: bool(d.theory_of_change.assumptions),
    "has_interventions": lambda d: bool(d.theory_of_change.interventions),
    "needs_independence": _independence,
    "has_contributions": lambda d: bool(d.contributions),
    "has_unvalued_contributions": lambda d: any(c.value is None for c in d.contributions),
    "non_binding_with_cash": lambda d: d.agreement.binding is Binding.NON_BINDING
    and any(c.type is ContributionType.CASH for c in d.contributions),
    "has_governance_body": lambda d: bool(d.governance and d.governance.body),
    "has_escalation": lambda d: bool(d.governance and d.governance.escalation),
    "has_negotiables": lambda d: any(p.negotiables or p.non_negotiables for p in d.partners),
    "has_indicators": lambda d: bool(d.monitoring and d.monitoring.indicators),
    "has_reviews": lambda d: bool(d.monitoring and d.monitoring.reviews),
    "has_learning_questions": lambda d: bool(d.monitoring and d.monitoring.learning_questions),
    "has_phases": lambda d: bool(d.monitoring and d.monitoring.phases),
    "has_risks": lambda d: bool(d.risks),
    "has_public_statements": lambda d: bool(d.communication and d.communication.public_statements),
    "has_logo_use": lambda d: bool(d.communication and d.communication.logo_use),
    "confidential": lambda d: bool(d.communication and d.communication.confidentiality),
    "has_reflection_moments": lambda d: bool(d.duration.reflection_moments),
    "has_success_criteria": lambda d: bool(d.duration.success_criteria),
    "has_exit_triggers": lambda d: bool(d.duration.exit_triggers),
    "has_on_exit": lambda d: bool(d.duration.on_exit and any(vars(d.duration.on_exit).values())),
    "has_adding_partners": lambda d: bool(d.duration.adding_partners),
    "has_survivors": _survivors,
    "non_binding": lambda d: d.agreement.binding is Binding.NON_BINDING,
    "binding": lambda d: d.agreement.binding is Binding.BINDING,
    "has_disputes": lambda d: d.agreement.binding is Binding.BINDING
    or bool(d.agreement.dispute_resolution),
    "has_annexes": lambda d: bool(d.annexes),
}
