"""One test per derivation: each clause is there when its condition holds, and absent when not.

Each case starts from the full example, changes it so the clause's condition holds (putting a
marker in a field the clause draws on, where it has one), and changes it again so the condition
fails. The clause's text must show the marker, so the test also proves where the words came from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from agreementgen.api import load_description
from agreementgen.clauses import Clause, derive, library, markers

MARK = "Zyxwv"
Data = dict[str, Any]
Change = Callable[[Data], None]


def keep(data: Data) -> None:
    """The full example already meets the condition."""


def drop(*path: str) -> Change:
    def change(data: Data) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1], None)
    return change


def put(value: Any, *path: str) -> Change:
    def change(data: Data) -> None:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return change


def both(*changes: Change) -> Change:
    def change(data: Data) -> None:
        for c in changes:
            c(data)
    return change


def each_partner(key: str, value: Any = None) -> Change:
    def change(data: Data) -> None:
        for partner in data["partners"]:
            if value is None:
                partner.pop(key, None)
            else:
                partner[key] = value
    return change


def unvalue_all(data: Data) -> None:
    for c in data["contributions"]:
        c.pop("value", None)


def value_all(data: Data) -> None:
    for c in data["contributions"]:
        c.setdefault("value", {"amount": 1000, "currency": "EUR"})


def non_binding(data: Data) -> None:
    data["agreement"]["binding"] = "non_binding"
    data["agreement"].pop("governing_law", None)


class Case(NamedTuple):
    holds: Change
    fails: Change | None  # None: the clause is part of every agreement
    shows: str  # a text the clause must contain when it holds


CASES: dict[str, Case] = {
    "recitals.problem": Case(put(f"The {MARK} problem.", "purpose", "problem"), None, MARK),
    "recitals.mission_fit": Case(each_partner("mission_fit", f"It fits {MARK}."),
                                 each_partner("mission_fit"), MARK),
    "recitals.collaborative_advantage": Case(
        put(f"Only {MARK} together.", "purpose", "collaborative_advantage"),
        drop("purpose", "collaborative_advantage"), MARK),
    "purpose.vision": Case(put(f"A {MARK} vision.", "purpose", "vision"),
                           drop("purpose", "vision"), MARK),
    "purpose.shared_objectives": Case(put([f"Reach {MARK}."], "purpose", "shared_objectives"),
                                      None, MARK),
    "toc.goal": Case(put(f"The {MARK} goal.", "theory_of_change", "long_term_goal"), None, MARK),
    "toc.outcomes": Case(keep, None, "Nkabom runs its own extension"),
    "toc.assumptions": Case(
        put([{"statement": f"{MARK} holds."}], "theory_of_change", "assumptions"),
        drop("theory_of_change", "assumptions"), MARK),
    "toc.interventions": Case(keep, both(drop("theory_of_change", "interventions"),
                                         drop("monitoring")), "interventions assigned"),
    "identity.partners": Case(keep, None, "Van Rijswijk"),
    "identity.independence": Case(
        put(f"{MARK} may campaign.", "communication", "independence"),
        both(drop("communication", "independence"), each_partner("orientation",
                                                                   "partnership_oriented")),
        MARK),
    "identity.publication": Case(
        put([{"partner": "fairbean", "rights": f"its {MARK} findings", "review_days": 10}],
            "publication"), drop("publication"), MARK),
    "contributions.overview": Case(keep, drop("contributions"), "Van Rijswijk"),
    "contributions.unvalued": Case(unvalue_all, value_all, "no agreed monetary value"),
    "contributions.funding_contract": Case(non_binding, keep, "separate, legally binding"),
    "funding.payment": Case(put(f"{MARK} pays.", "funding", "payment_schedule"), non_binding,
                            MARK),
    "funding.reporting": Case(put(f"{MARK} reports.", "funding", "reporting"), non_binding,
                              MARK),
    "funding.audit": Case(put(f"{MARK} audits.", "funding", "audit_rights"),
                          put(False, "funding", "audit_rights"), MARK),
    "funding.unspent": Case(keep, non_binding, "other activities that serve the purpose"),
    "governance.body": Case(put(f"{MARK} Committee", "governance", "body", "name"),
                            drop("governance", "body"), MARK),
    "governance.decision_rule": Case(keep, None, "by consensus"),
    "governance.escalation": Case(put([f"{MARK} talk first."], "governance", "escalation"),
                                  drop("governance", "escalation"), MARK),
    "governance.negotiables": Case(each_partner("negotiables", [f"{MARK} volumes"]),
                                   both(each_partner("negotiables"),
                                        each_partner("non_negotiables")), MARK),
    "governance.context_change": Case(
        put(f"On {MARK} the partners renegotiate.", "governance", "context_change"), None, MARK),
    "monitoring.plan": Case(keep, drop("monitoring", "indicators"), "using the indicators"),
    "monitoring.reviews": Case(put(f"A {MARK} workshop.", "monitoring", "reviews", "format"),
                               drop("monitoring", "reviews"), MARK),
    "monitoring.learning": Case(put([f"Does {MARK} work?"], "monitoring", "learning_questions"),
                                drop("monitoring", "learning_questions"), MARK),
    "monitoring.phases": Case(keep, drop("monitoring", "phases"), "phases set out below"),
    "risks.register": Case(keep, drop("risks"), "risks in the table"),
    "communication.public_statements": Case(keep, drop("communication", "public_statements"),
                                            "approval of all Partners"),
    "communication.logo_use": Case(keep, drop("communication", "logo_use"), "names and logos"),
    "communication.confidentiality": Case(keep, drop("communication", "confidentiality"),
                                          "shall keep confidential"),
    "data.scope": Case(put([f"{MARK} names"], "data_protection", "categories"),
                       drop("data_protection"), MARK),
    "data.roles": Case(keep, both(put(False, "data_protection", "personal_data"),
                                  drop("data_protection", "roles")), "each act as controller"),
    "data.purpose": Case(keep, drop("data_protection"), "use it only for the partnership"),
    "data.security": Case(keep, drop("data_protection"), "technical and organisational"),
    "data.breach": Case(keep, drop("data_protection"), "breach of security"),
    "data.transfers": Case(keep, drop("data_protection", "transfers_outside_eea"),
                           "standard contractual clauses"),
    "data.deletion": Case(keep, drop("data_protection"), "delete the personal data"),
    "compliance.anti_corruption": Case(put(f"{MARK} pays no bribes.", "compliance",
                                           "anti_corruption"),
                                       put(False, "compliance", "anti_corruption"), MARK),
    "compliance.sanctions": Case(keep, put(False, "compliance", "sanctions"), "sanctions list"),
    "compliance.due_diligence": Case(put(f"{MARK} checked.", "compliance", "due_diligence"),
                                     drop("compliance", "due_diligence"), MARK),
    "compliance.conflict_of_interest": Case(
        put(f"{MARK} discloses.", "compliance", "conflict_of_interest"),
        put(False, "compliance", "conflict_of_interest"), MARK),
    "compliance.safeguarding": Case(
        put(f"The {MARK} policy applies.", "compliance", "safeguarding", "policy"),
        put(False, "compliance", "safeguarding", "applies"), MARK),
    "duration.term": Case(keep, None, "1 April 2026"),
    "duration.reflection": Case(keep, drop("duration", "reflection_moments"), "15 April 2027"),
    "duration.success": Case(put([f"{MARK} reached."], "duration", "success_criteria"),
                             drop("duration", "success_criteria"), MARK),
    "duration.exit_triggers": Case(put([f"{MARK} happens."], "duration", "exit_triggers"),
                                   drop("duration", "exit_triggers"), MARK),
    "duration.leaving": Case(put(f"{MARK} may leave.", "duration", "leaving_partners"), None,
                             MARK),
    "duration.on_exit": Case(put(f"{MARK} stays with the Union.", "duration", "on_exit", "assets"),
                             drop("duration", "on_exit"), MARK),
    "duration.adding_partners": Case(put(f"{MARK} may join.", "duration", "adding_partners"),
                                     drop("duration", "adding_partners"), MARK),
    "duration.survival": Case(keep, both(non_binding, drop("communication"),
                                         drop("data_protection")), "survive"),
    "legal.non_binding": Case(non_binding, keep, "not legally binding"),
    "legal.governing_law": Case(put(f"the laws of {MARK}", "agreement", "governing_law"),
                                non_binding, MARK),
    "legal.disputes": Case(put(f"{MARK} mediation.", "agreement", "dispute_resolution"),
                           both(non_binding, drop("agreement", "dispute_resolution")), MARK),
    "liability.cap": Case(put({"amount": 12345, "currency": "EUR"}, "liability", "cap"),
                          drop("liability"), "€12,345.00"),
    "liability.insurance": Case(put(f"{MARK} is insured.", "liability", "insurance"),
                                drop("liability"), MARK),
    "final.notices": Case(keep, None, "a.degraaf@vanrijswijk.example.org"),
    "final.exclusivity": Case(keep, None, "is not exclusive"),
    "final.assignment": Case(keep, non_binding, "assign or transfer"),
    "final.costs": Case(keep, None, "its own costs"),
    "final.force_majeure": Case(keep, put(False, "force_majeure"), "Force majeure"),
    "final.entire_agreement": Case(keep, non_binding, "entire agreement"),
    "final.severability": Case(keep, non_binding, "invalid or unenforceable"),
    "final.annexes": Case(put([f"{MARK} schedule."], "annexes"), drop("annexes"),
                          "Annex 1 forms part"),
    "final.amendments": Case(keep, None, "amended only in writing"),
    "final.counterparts": Case(keep, None, "three counterparts"),
}


def test_every_clause_of_the_library_has_a_case() -> None:
    assert sorted(CASES) == sorted(spec.id for spec in library())


def _clauses(data: Data, change: Change, write_yaml: Callable[..., Path]) -> dict[str, Clause]:
    change(data)
    loaded = load_description(write_yaml(data))
    return {c.spec.id: c for c in derive(loaded.description, "en")}


@pytest.mark.parametrize("clause_id", sorted(CASES))
def test_present_when_its_condition_holds(clause_id: str, cocoa_data: Data,
                                          write_yaml: Callable[..., Path]) -> None:
    case = CASES[clause_id]
    clauses = _clauses(cocoa_data, case.holds, write_yaml)
    assert clause_id in clauses
    assert case.shows in markers.plain(clauses[clause_id].text)
    assert "{{" not in clauses[clause_id].text and "{%" not in clauses[clause_id].text


@pytest.mark.parametrize("clause_id", sorted(i for i, c in CASES.items() if c.fails is not None))
def test_absent_when_its_condition_fails(clause_id: str, cocoa_data: Data,
                                         write_yaml: Callable[..., Path]) -> None:
    fails = CASES[clause_id].fails
    assert fails is not None
    assert clause_id not in _clauses(cocoa_data, fails, write_yaml)


def test_decision_rule_without_a_body_is_the_partners_own(cocoa_data: Data,
                                                          write_yaml: Callable[..., Path]) -> None:
    clauses = _clauses(cocoa_data, drop("governance", "body"), write_yaml)
    assert clauses["governance.decision_rule"].text.startswith("The Partners decide by consensus")


def test_each_clause_records_its_provenance() -> None:
    for spec in library():
        assert spec.insight in (0, 1, 2, 3, 4, 5)
        assert spec.rule is None or spec.rule.startswith("H")
        assert all(isinstance(f, str) and f for f in spec.fields)
