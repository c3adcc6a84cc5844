"""When each clause applies: named conditions on a description, used by the clause library."""

from __future__ import annotations

from collections.abc import Callable

from agreementgen.model import Binding, Description, Orientation

Condition = Callable[[Description], bool]


def _independence(d: Description) -> bool:
    campaigning = any(p.orientation in (Orientation.ACTIVIST, Orientation.MIXED)
                      for p in d.partners)
    return campaigning or bool(d.communication and d.communication.independence)


def _survivors(d: Description) -> bool:
    """Whether any clause outlives the agreement: in a binding one governing law always does;
    in a non-binding one only its binding carve-outs (confidentiality, names and logos,
    personal data)."""
    if d.agreement.binding is Binding.BINDING:
        return True
    return bool(d.communication and (d.communication.confidentiality
                                     or d.communication.logo_use)) or _personal_data(d)


def _funding(d: Description) -> bool:
    """Whether there are cash contributions, or funding terms for them."""
    return d.funding is not None or bool(d.cash)


def _binding(d: Description) -> bool:
    return d.agreement.binding is Binding.BINDING


def _personal_data(d: Description) -> bool:
    return bool(d.data_protection and d.data_protection.personal_data)


def _force_majeure(d: Description) -> bool:
    """Asked for, or by default in a binding agreement."""
    return _binding(d) if d.force_majeure is None else d.force_majeure


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
    "non_binding_with_funding": lambda d: not _binding(d) and _funding(d),
    "binding_with_funding": lambda d: _binding(d) and _funding(d),
    "binding_with_funding_audit": lambda d: _binding(d) and _funding(d)
    and (d.funding is None or d.funding.audit_rights is not False),
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
    "has_publication": lambda d: bool(d.publication),
    "has_personal_data": _personal_data,
    "has_transfer_rule": lambda d: _personal_data(d)
    and d.data_protection.transfers_outside_eea is not None,  # type: ignore[union-attr]
    "has_anti_corruption": lambda d: bool(d.compliance and d.compliance.anti_corruption),
    "has_sanctions": lambda d: bool(d.compliance and d.compliance.sanctions),
    "has_due_diligence": lambda d: bool(d.compliance and d.compliance.due_diligence),
    "has_conflict_of_interest": lambda d: bool(d.compliance
                                               and d.compliance.conflict_of_interest),
    "has_safeguarding": lambda d: bool(d.compliance and d.compliance.safeguarding
                                       and d.compliance.safeguarding.applies),
    "has_liability_cap": lambda d: bool(d.liability and d.liability.cap),
    "has_insurance": lambda d: bool(d.liability and d.liability.insurance),
    "has_force_majeure": _force_majeure,
    "has_reflection_moments": lambda d: bool(d.duration.reflection_moments),
    "has_success_criteria": lambda d: bool(d.duration.success_criteria),
    "has_exit_triggers": lambda d: bool(d.duration.exit_triggers),
    "has_on_exit": lambda d: bool(d.duration.on_exit and any(vars(d.duration.on_exit).values())),
    "has_adding_partners": lambda d: bool(d.duration.adding_partners),
    "has_survivors": _survivors,
    "non_binding": lambda d: d.agreement.binding is Binding.NON_BINDING,
    "binding": _binding,
    "has_disputes": lambda d: d.agreement.binding is Binding.BINDING
    or bool(d.agreement.dispute_resolution),
    "has_annexes": lambda d: bool(d.annexes),
}
