"""Tests for the partnership health review: every rule met and broken, the examples, the outputs."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agreementgen.api import Loaded, load_description, loaded_from
from agreementgen.health import (
    Finding,
    Review,
    format_json,
    format_markdown,
    format_text,
    review,
    sources,
)
from agreementgen.i18n import catalog
from agreementgen.loading import Source, load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COCOA = EXAMPLES / "cocoa-supply-chain.yaml"
WATER = EXAMPLES / "water-mou.yaml"
TEXTILE = EXAMPLES / "nl-textiel-partnerschap.yaml"
ALL_RULES = {f"H{n:02d}" for n in range(1, 27)}
# The rules of the first wave, H01-H19, are tested case by case here; those of the second wave,
# H20-H26, in test_health_second_wave.py.
FIRST_WAVE = {f"H{n:02d}" for n in range(1, 20)}
LANGS = ["en", "nl"]

Mutation = Callable[[dict[str, Any]], None]


@functools.cache
def _cocoa_data() -> dict[str, Any]:
    return load(COCOA).data


def described(*mutations: Mutation) -> Loaded:
    """The cocoa example, changed by each mutation, validated and typed like a real file."""
    data = copy.deepcopy(_cocoa_data())
    for mutate in mutations:
        mutate(data)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    source = Source("mutated.yaml", "yaml", text, data)
    return loaded_from(source)


def drop(*path: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parent, last = path
        node: Any = data
        for step in parent:
            node = node[step]
        del node[last]

    return mutate


def put(*path: str | int, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parent, last = path
        node: Any = data
        for step in parent:
            node = node[step]
        node[last] = value

    return mutate


def only_contributions(*indexes: int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["contributions"] = [data["contributions"][i] for i in indexes]

    return mutate


def no_cash(data: dict[str, Any]) -> None:
    for c in data["contributions"]:
        if c["type"] == "cash":
            c["type"] = "in_kind"


def of_rule(result: Review, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


# Each case breaks one rule of the cocoa example (which meets them all); the rule must warn at
# exactly these places, and each warning's message must name these things.
BREAKS: list[tuple[str, str, list[Mutation], dict[str, list[str]]]] = [
    ("H01", "no contribution", [only_contributions(0, 1, 2, 3, 4, 5)],
     {"partners[2]": ["Fair Bean", "no contribution"]}),
    ("H01", "no objective or benefit",
     [drop("partners", 2, "objectives"), drop("partners", 2, "expected_benefits")],
     {"partners[2]": ["Fair Bean", "no objective"]}),
    ("H02", "no mission fit", [drop("partners", 1, "mission_fit")],
     {"partners[1].mission_fit": ["Nkabom"]}),
    ("H02", "blank mission", [put("partners", 0, "mission", value="   ")],
     {"partners[0].mission": ["Van Rijswijk", "mission"]}),
    ("H03", "no own objectives", [drop("partners", 0, "objectives")],
     {"partners[0].objectives": ["Van Rijswijk"]}),
    ("H03", "blank shared objectives", [put("purpose", "shared_objectives", value=[" "])],
     {"purpose.shared_objectives": ["shared objectives"]}),
    ("H04", "outcome without indicator", [drop("monitoring", "indicators", 2)],
     {"theory_of_change.outcomes[1]": ["traceable-trade"]}),
    ("H04", "intervention aimed at the goal only",
     [put("theory_of_change", "interventions", 0, "outcomes", value=["goal"])],
     {"theory_of_change.interventions[0].outcomes": ["field-schools"]}),
    ("H04", "no assumptions", [drop("theory_of_change", "assumptions")],
     {"theory_of_change.assumptions": ["assumptions"]}),
    ("H05", "indicator lacks fields",
     [drop("monitoring", "indicators", 1, "baseline"),
      drop("monitoring", "indicators", 1, "responsible")],
     {"monitoring.indicators[1]": ["ind-yield", "baseline", "responsible"]}),
    ("H06", "no partnership indicator", [drop("monitoring", "indicators", 5)],
     {"monitoring.indicators": ["partnership itself"]}),
    ("H06", "no result indicator",
     [lambda d: d["monitoring"].update(indicators=d["monitoring"]["indicators"][5:])],
     {"monitoring.indicators": ["result"]}),
    ("H07", "first review too late", [put("monitoring", "reviews", "first_review",
                                          value="2027-04-02")],
     {"monitoring.reviews.first_review": ["2 April 2027", "1 April 2026"]}),
    ("H07", "first review before the start", [put("monitoring", "reviews", "first_review",
                                                  value="2026-03-01")],
     {"monitoring.reviews.first_review": ["1 March 2026"]}),
    ("H07", "cadence too long", [put("monitoring", "reviews", "cadence_months", value=18)],
     {"monitoring.reviews.cadence_months": ["18 months"]}),
    ("H07", "no date and no cadence",
     [drop("monitoring", "reviews", "first_review"),
      drop("monitoring", "reviews", "cadence_months")],
     {"monitoring.reviews.first_review": ["12 months", "1 April 2026"],
      "monitoring.reviews.cadence_months": ["cadence"]}),
    ("H07", "no date and a long cadence",
     [drop("monitoring", "reviews", "first_review"),
      put("monitoring", "reviews", "cadence_months", value=13)],
     {"monitoring.reviews.first_review": ["12 months"],
      "monitoring.reviews.cadence_months": ["13 months"]}),
    ("H07", "no reviews", [drop("monitoring", "reviews")],
     {"monitoring.reviews": ["joint reviews"]}),
    ("H08", "no phases", [drop("monitoring", "phases")],
     {"monitoring.phases": ["phases"]}),
    ("H08", "blank phase name", [put("monitoring", "phases", 1, "name", value="  ")],
     {"monitoring.phases[1].name": ["Phase 2"]}),
    ("H09", "no exit triggers", [drop("duration", "exit_triggers")],
     {"duration.exit_triggers": ["exit triggers"]}),
    ("H09", "no notice", [drop("duration", "notice_days")],
     {"duration.notice_days": ["notice period"]}),
    ("H09", "on exit incomplete",
     [drop("duration", "on_exit", "intellectual_property"), drop("duration", "on_exit", "data")],
     {"duration.on_exit": ["intellectual_property", "data"]}),
    ("H10", "no success criteria", [drop("duration", "success_criteria")],
     {"duration.success_criteria": ["success criteria"]}),
    ("H11", "no decision rule", [drop("governance", "decision_rule")],
     {"governance.decision_rule": ["decision rule"]}),
    ("H11", "no escalation", [drop("governance", "escalation")],
     {"governance.escalation": ["escalation"]}),
    ("H12", "one partner dominates the only currency",
     [only_contributions(0, 1, 4, 5, 6, 7),
      put("contributions", 0, "value", "amount", value=3_000_000)],
     {"contributions[0]": ["Van Rijswijk", "86.7%", "€3,096,000.00", "€3,570,000.00"]}),
    ("H12", "one partner dominates one of several currencies",
     [put("contributions", 3, "value", "amount", value=2_000_000)],
     {"contributions[3]": ["Nkabom", "78.7%", "GHS", "exchange rates"]}),
    ("H12", "one partner supplies every valued contribution",
     [only_contributions(0, 1, 2, 5)],
     {"contributions[0]": ["Van Rijswijk", "all of the valued", "€456,000.00",
                           "GHS\u00a0540,000.00"]}),
    ("H13", "no negotiables", [drop("partners", 1, "negotiables")],
     {"partners[1].negotiables": ["Nkabom"]}),
    ("H13", "no non-negotiables", [drop("partners", 2, "non_negotiables")],
     {"partners[2].non_negotiables": ["Fair Bean"]}),
    ("H14", "cash in a non-binding agreement", [put("agreement", "binding", value="non_binding")],
     {"agreement.binding": ["Van Rijswijk", "Fair Bean", "not legally binding"]}),
    ("H15", "no collaborative advantage", [drop("purpose", "collaborative_advantage")],
     {"purpose.collaborative_advantage": ["rather than contract"]}),
    ("H16", "no procedure for adding partners", [drop("duration", "adding_partners")],
     {"duration.adding_partners": ["adding partners"]}),
    ("H16", "no procedure for leaving", [drop("duration", "leaving_partners")],
     {"duration.leaving_partners": ["leave"]}),
    ("H17", "mixed partner without independence", [drop("communication", "independence")],
     {"communication.independence": ["Fair Bean"]}),
    ("H17", "activist partners without independence",
     [drop("communication", "independence"), put("partners", 1, "orientation", value="activist")],
     {"communication.independence": ["Nkabom and Fair Bean"]}),
    ("H17", "logos without approval",
     [put("communication", "logo_use", "approval_required", value=False)],
     {"communication.logo_use.approval_required": ["approval"]}),
    ("H17", "logo use does not stop on exit", [drop("duration", "on_exit", "brand")],
     {"duration.on_exit.brand": ["stops on exit"]}),
    ("H18", "no risk with mitigation and owner",
     [drop("risks", 0, "owner"), drop("risks", 1, "mitigation"), drop("risks", 2, "owner")],
     {"risks": ["mitigation", "owning partner"]}),
    ("H18", "no context-change clause", [drop("governance", "context_change")],
     {"governance.context_change": ["context changes"]}),
    ("H19", "no reflection moments", [drop("duration", "reflection_moments")],
     {"duration.reflection_moments": ["1 April 2026", "31 March 2029"]}),
    ("H19", "reflection only on the end date",
     [put("duration", "reflection_moments", value=["2029-03-31"])],
     {"duration.reflection_moments": ["31 March 2029"]}),
    ("H19", "reflection only before the start",
     [put("duration", "reflection_moments", value=["2026-01-15"])],
     {"duration.reflection_moments": ["1 April 2026"]}),
]

# Each case keeps one rule met, often at its boundary.
MEETS: list[tuple[str, str, list[Mutation]]] = [
    *[(rule, "the cocoa example", []) for rule in sorted(FIRST_WAVE)],
    ("H01", "benefits without own objectives", [drop("partners", 2, "objectives")]),
    ("H04", "an intervention aimed at an outcome and the goal",
     [put("theory_of_change", "interventions", 0, "outcomes", value=["goal", "farm-income"])]),
    ("H05", "indicators complete after removing an incomplete one",
     [drop("monitoring", "indicators", 1, "baseline"), drop("monitoring", "indicators", 1),
      lambda d: d["monitoring"]["indicators"].append(
          {"id": "ind-extra", "result": "farm-income", "indicator": "Extra",
           "baseline": "0", "target": "1", "target_date": "2028-01-01",
           "means_of_verification": "survey", "frequency": "yearly",
           "responsible": "fairbean"})]),
    ("H07", "first review exactly 12 months after the start, yearly reviews",
     [put("monitoring", "reviews", "first_review", value="2027-04-01"),
      put("monitoring", "reviews", "cadence_months", value=12)]),
    ("H07", "no first date, but reviews every six months from the start",
     [drop("monitoring", "reviews", "first_review")]),
    ("H09", "a notice period of zero days", [put("duration", "notice_days", value=0)]),
    ("H12", "exactly 70% is not more than 70%",
     [put("contributions", 3, "value", "amount", value=1_260_000)]),
    ("H12", "an omitted value is an explicitly unvalued contribution",
     [drop("contributions", 7, "value")]),
    ("H12", "unvalued in-kind contribution that says so",
     [drop("contributions", 7, "value"),
      put("contributions", 7, "description",
          value="Coaching, which the partners leave unvalued.")]),
    ("H14", "non-binding without cash", [put("agreement", "binding", value="non_binding"),
                                          no_cash]),
    ("H17", "logos not used, mixed partner with independence",
     [put("communication", "logo_use", value={"allowed": False})]),
    ("H18", "one managed risk is enough", [drop("risks", 1, "owner"), drop("risks", 2, "owner")]),
    ("H19", "reflection the day before the end",
     [put("duration", "reflection_moments", value=["2029-03-30"])]),
]

NOT_APPLICABLE: list[tuple[str, str, list[Mutation]]] = [
    ("H05", "no indicators", [put("monitoring", "indicators", value=[])]),
    ("H12", "no contributions", [put("contributions", value=[])]),
    ("H17", "no campaigning partner and no logo use",
     [put("partners", 2, "orientation", value="partnership_oriented"),
      put("communication", "logo_use", value={"allowed": False}),
      drop("communication", "independence")]),
    ("H19", "no end date", [drop("duration", "end_date")]),
]


def assert_warns(rule: str, mutations: list[Mutation], expected: dict[str, list[str]]) -> None:
    """The rule warns at exactly the expected paths, each message naming the expected words."""
    findings = of_rule(review(described(*mutations)), rule)
    assert {f.status for f in findings} == {"warning"}
    assert sorted(f.path for f in findings) == sorted(expected)
    for f in findings:
        assert f.insight in range(1, 6)
        for name in expected[f.path]:
            assert name in f.message, (f.path, name, f.message)


def assert_met(rule: str, mutations: list[Mutation]) -> None:
    findings = of_rule(review(described(*mutations)), rule)
    assert [(f.status, f.path, f.line) for f in findings] == [("met", "", None)]
    assert findings[0].message == catalog("en", "health")["rules"][rule]["title"]


def assert_not_applicable(rule: str, mutations: list[Mutation]) -> None:
    findings = of_rule(review(described(*mutations)), rule)
    assert [f.status for f in findings] == ["not_applicable"]
    assert findings[0].message == catalog("en", "health")["rules"][rule]["not_applicable"]


@pytest.mark.parametrize(("rule", "case", "mutations", "expected"), BREAKS,
                         ids=[f"{r}-{c}" for r, c, _, _ in BREAKS])
def test_rule_warns_where_it_is_broken(rule: str, case: str, mutations: list[Mutation],
                                       expected: dict[str, list[str]]) -> None:
    assert_warns(rule, mutations, expected)


@pytest.mark.parametrize(("rule", "case", "mutations"), MEETS,
                         ids=[f"{r}-{c}" for r, c, _ in MEETS])
def test_rule_is_met(rule: str, case: str, mutations: list[Mutation]) -> None:
    assert_met(rule, mutations)


@pytest.mark.parametrize(("rule", "case", "mutations"), NOT_APPLICABLE,
                         ids=[f"{r}-{c}" for r, c, _ in NOT_APPLICABLE])
def test_rule_does_not_apply_without_its_subject(rule: str, case: str,
                                                 mutations: list[Mutation]) -> None:
    assert_not_applicable(rule, mutations)


def test_every_rule_is_tested_both_ways() -> None:
    assert {r for r, *_ in BREAKS} == FIRST_WAVE
    assert {r for r, *_ in MEETS} == FIRST_WAVE


@pytest.mark.parametrize("lang", LANGS)
def test_every_rule_explains_why_and_cites_its_source(lang: str) -> None:
    rules = catalog(lang, "health")["rules"]
    assert set(rules) == ALL_RULES
    for rule_id, spec in rules.items():
        assert spec["title"] and spec["messages"], rule_id
        assert spec["why"] and not spec["why"].endswith(")"), f"{rule_id}: the source is in why"
        assert spec["sources"] and all(isinstance(s, str) and s.strip() for s in spec["sources"]), \
            f"{rule_id}: the why names no source"
    if lang == "en":
        for proposal in ("H12", "H13"):
            assert "proposal" in rules[proposal]["sources"][0]
            assert "agreementgen's own reading" in rules[proposal]["sources"][0]


def test_the_cocoa_example_meets_every_rule() -> None:
    result = review(load_description(COCOA))
    assert result.warnings == ()
    # No partner is a knowledge institution or activist, so H24 (a right to publish) does not apply.
    assert {f.rule: f.status for f in result.findings} == {
        **dict.fromkeys(sorted(ALL_RULES), "met"), "H24": "not_applicable"}
    assert [(s.insight, s.met, s.applicable) for s in result.scores] == [
        (1, 2, 2), (2, 6, 6), (3, 9, 9), (4, 4, 4), (5, 4, 4)]


WATER_WARNINGS = [
    ("H01", "partners[0]"), ("H01", "partners[1]"),
    ("H02", "partners[0].mission_fit"), ("H02", "partners[1].mission_fit"),
    ("H03", "partners[0].objectives"), ("H03", "partners[1].objectives"),
    ("H04", "theory_of_change.assumptions"),
    ("H05", "monitoring.indicators[0]"), ("H05", "monitoring.indicators[1]"),
    ("H06", "monitoring.indicators"),
    ("H07", "monitoring.reviews"),
    ("H08", "monitoring.phases"),
    ("H09", "duration.exit_triggers"), ("H09", "duration.notice_days"),
    ("H09", "duration.on_exit"),
    ("H10", "duration.success_criteria"),
    ("H11", "governance.decision_rule"), ("H11", "governance.escalation"),
    ("H12", "contributions[0]"),
    ("H13", "partners[0].negotiables"), ("H13", "partners[0].non_negotiables"),
    ("H13", "partners[1].negotiables"), ("H13", "partners[1].non_negotiables"),
    ("H14", "agreement.binding"),
    ("H15", "purpose.collaborative_advantage"),
    ("H16", "duration.adding_partners"), ("H16", "duration.leaving_partners"),
    ("H17", "communication.independence"),
    ("H18", "risks"), ("H18", "governance.context_change"),
    ("H21", "funding"), ("H23", "compliance.due_diligence"), ("H24", "publication"),
    ("H25", "partners[0].contact"), ("H25", "partners[1].contact"),
    ("H26", "compliance.anti_corruption"),
]


def test_the_water_mou_has_many_warnings() -> None:
    result = review(load_description(WATER))
    assert [(f.rule, f.path) for f in result.warnings] == WATER_WARNINGS
    assert of_rule(result, "H19")[0].status == "not_applicable"  # no end date
    assert [(s.met, s.applicable) for s in result.scores] == [(0, 2), (0, 6), (0, 8), (0, 4),
                                                              (0, 3)]
    messages = {(f.rule, f.path): f.message for f in result.warnings}
    assert "Mlima Springs Bottlers Limited supplies all of the valued contributions" \
        in messages[("H12", "contributions[0]")]
    assert "ind-households-served" in messages[("H05", "monitoring.indicators[1]")]
    assert "Maji Haki Trust" in messages[("H17", "communication.independence")]


@pytest.mark.parametrize(("lang", "missing_date", "missing_ip"), [
    ("en", "target date (target_date)", "intellectual property (intellectual_property)"),
    ("nl", "streefdatum (target_date)", "intellectuele eigendom (intellectual_property)"),
])
def test_messages_name_fields_in_words_with_their_keys(lang: str, missing_date: str,
                                                        missing_ip: str) -> None:
    result = review(described(drop("monitoring", "indicators", 0, "target_date"),
                              drop("duration", "on_exit", "intellectual_property")), lang)
    assert missing_date in of_rule(result, "H05")[0].message
    assert missing_ip in next(f for f in of_rule(result, "H09") if f.status == "warning").message


def test_the_textile_example_warns_on_what_it_leaves_open() -> None:
    result = review(load_description(TEXTILE))
    assert [(f.rule, f.path) for f in result.warnings] == [
        ("H08", "monitoring.phases"),
        ("H09", "duration.on_exit"),
        ("H13", "partners[2].negotiables"), ("H13", "partners[2].non_negotiables"),
        ("H14", "agreement.binding"),
        ("H16", "duration.adding_partners"), ("H16", "duration.leaving_partners"),
        ("H18", "governance.context_change"),
        ("H23", "compliance.due_diligence"), ("H24", "publication"),
    ]
    assert "IVK" in result.warnings[2].message
    assert "intellectual_property" in result.warnings[1].message


def _line_text(path: Path, line: int | None) -> str:
    assert line is not None
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_a_finding_points_at_the_line_of_its_field(tmp_path: Path) -> None:
    text = COCOA.read_text(encoding="utf-8").replace("first_review: 2026-10-15",
                                                     "first_review: 2027-10-15")
    file = tmp_path / "late-review.yaml"
    file.write_text(text, encoding="utf-8")
    (finding,) = review(load_description(file)).warnings
    assert finding.path == "monitoring.reviews.first_review"
    assert _line_text(file, finding.line).strip() == "first_review: 2027-10-15"


def test_a_missing_field_points_at_its_parent() -> None:
    result = review(load_description(WATER))
    by_place = {(f.rule, f.path): f for f in result.warnings}
    assert _line_text(WATER, by_place[("H02", "partners[0].mission_fit")].line) \
        == "  - id: maji-haki"
    assert _line_text(WATER, by_place[("H05", "monitoring.indicators[1]")].line) \
        == "    - id: ind-households-served"
    assert _line_text(WATER, by_place[("H06", "monitoring.indicators")].line) \
        == "  indicators:"
    assert _line_text(WATER, by_place[("H09", "duration.notice_days")].line) == "duration:"
    # governance is not in the file at all: no line is better than a wrong one
    assert by_place[("H11", "governance.decision_rule")].line is None


def test_text_output_scores_each_insight_and_lists_warnings() -> None:
    text = format_text(review(load_description(WATER)))
    assert "Insight 4 - Monitor and evaluate together: 0/4 rules met" in text
    assert "Insight 5 - Consider your success and plan for a future: 0/3 rules met" in text
    assert re.search(r"^H05 \[insight 4\] monitoring\.indicators\[1\] \(line 75\): "
                     r"Indicator ind-households-served lacks baseline", text, re.M)
    assert re.search(r"^H11 \[insight 3\] governance\.decision_rule: No decision rule", text, re.M)
    cocoa = format_text(review(load_description(COCOA)))
    assert "Insight 3 - Work with the dynamics of partnership: 9/9 rules met" in cocoa
    assert "No warnings" in cocoa


def test_json_output_has_stable_keys() -> None:
    result = review(load_description(WATER))
    document = json.loads(format_json(result, "examples/water-mou.yaml"))
    assert document["file"] == "examples/water-mou.yaml"
    assert document["warnings"] == len(WATER_WARNINGS)
    assert [s["insight"] for s in document["scores"]] == [1, 2, 3, 4, 5]
    assert set(document["scores"][0]) == {"insight", "name", "met", "applicable"}
    for finding in document["findings"]:
        assert set(finding) == {"rule", "insight", "status", "path", "line", "message",
                                "severity"}
        assert finding["severity"] == ("warning" if finding["status"] == "warning" else None)
    first = document["findings"][0]
    assert first == {"rule": "H01", "insight": 3, "status": "warning", "path": "partners[0]",
                     "line": 9, "message": result.findings[0].message, "severity": "warning"}


def test_markdown_output_has_a_score_table_and_a_warning_table() -> None:
    markdown = format_markdown(review(load_description(WATER)))
    assert "| 4. Monitor and evaluate together | 0/4 |" in markdown
    assert re.search(r"^\| H05 \| 4 \| `monitoring\.indicators\[1\]` \| 75 \| Indicator "
                     r"ind-households-served", markdown, re.M)
    rows = [line for line in markdown.splitlines() if line.startswith("| H")]
    assert len(rows) == len(WATER_WARNINGS)
    assert all(row.count(" | ") == 4 for row in rows)  # no message breaks the table
    assert "No warnings" in format_markdown(review(load_description(COCOA)))


def test_the_review_speaks_the_language_asked_for() -> None:
    result = review(load_description(TEXTILE), lang="nl")
    assert result.scores[3].name == "Monitor en evalueer samen"
    assert "IVK" in format_text(result, lang="nl")


_OPTIONAL = [
    ("purpose", "collaborative_advantage"), ("theory_of_change", "assumptions"),
    ("theory_of_change", "interventions"), ("contributions",), ("governance",),
    ("monitoring",), ("monitoring", "reviews"), ("monitoring", "phases"), ("risks",),
    ("communication",), ("communication", "logo_use"), ("duration", "on_exit"),
    ("duration", "end_date"), ("duration", "reflection_moments"), ("duration", "exit_triggers"),
    ("partners", 0, "objectives"), ("partners", 1, "mission_fit"), ("partners", 2, "negotiables"),
]


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(range(len(_OPTIONAL)))))
def test_any_subset_of_optional_parts_gives_a_consistent_review(removed: set[int]) -> None:
    def remove(data: dict[str, Any]) -> None:
        for index in sorted(removed, key=lambda i: -len(_OPTIONAL[i])):
            *parent, last = _OPTIONAL[index]
            node: Any = data
            for step in parent:
                node = node.get(step) if isinstance(node, dict) else node[step]
                if node is None:
                    break
            if isinstance(node, dict):
                node.pop(last, None)

    result = review(described(remove))
    statuses: dict[str, set[str]] = {}
    insight_of: dict[str, int] = {}
    for f in result.findings:
        statuses.setdefault(f.rule, set()).add(f.status)
        insight_of[f.rule] = f.insight
        assert f.message
        assert f.what and f.message.startswith(f.what)
        assert f.place_words and not _PATH_LIKE.search(f.place_words), f.place_words
        assert (f.status == "warning") == bool(f.path)
    assert set(statuses) == ALL_RULES
    for found in statuses.values():
        assert found in ({"warning"}, {"met"}, {"not_applicable"})
    for score in result.scores:
        rules = [r for r, insight in insight_of.items() if insight == score.insight]
        assert score.applicable == sum(statuses[r] != {"not_applicable"} for r in rules)
        assert score.met == sum(statuses[r] == {"met"} for r in rules)


# The health checklist: places in words, what without why, and each source once ---------------

def _nearly_empty() -> Loaded:
    """A valid description with only what the schema and the cross-field rules require."""
    data = {
        "agreement": {"title": "Almost nothing", "binding": "non_binding"},
        "partners": [
            {"id": "alpha", "name": "Alpha Foundation", "sector": "cso", "role": "lead",
             "mission": "Help.", "orientation": "activist"},
            {"id": "beta", "name": "Beta Trading Limited", "short_name": "Beta",
             "sector": "business", "role": "buyer", "mission": "Trade."},
        ],
        "purpose": {"problem": "A problem.", "shared_objectives": ["An objective."]},
        "theory_of_change": {"long_term_goal": "A goal.",
                             "outcomes": [{"id": "first-outcome", "statement": "A change."}]},
        "duration": {"start_date": "2026-01-01", "end_date": "2028-12-31"},
    }
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    source = Source("nearly-empty.yaml", "yaml", text, data)
    return loaded_from(source)


@functools.cache
def _every_description() -> tuple[tuple[str, Loaded], ...]:
    """The examples, a nearly empty description, and each broken rule of :data:`BREAKS` and of
    the second wave's ``BREAKS``."""
    from test_health_second_wave import BREAKS as SECOND_WAVE_BREAKS

    return (*[(path.name, load_description(path)) for path in (COCOA, WATER, TEXTILE)],
            ("nearly empty", _nearly_empty()),
            *[(f"{rule} {case}", described(*mutations))
              for rule, case, mutations, _ in (*BREAKS, *SECOND_WAVE_BREAKS)])


@functools.cache
def _every_review(lang: str) -> tuple[tuple[str, Review], ...]:
    """The review of each of :func:`_every_description`, in ``lang``."""
    return tuple((name, review(loaded, lang)) for name, loaded in _every_description())


# A field path, or a piece of one: brackets, a key with an underscore, a dotted key.
_PATH_LIKE = re.compile(r"[\[\]_]|\b[a-z]+\.[a-z]")


def _place_key(path: str) -> str:
    """The key of ``places`` in health.yaml that names a finding's path."""
    return re.sub(r"\[\d+\]", "[]", path) or "whole"


@pytest.mark.parametrize("lang", LANGS)
def test_every_place_a_rule_reports_has_words(lang: str) -> None:
    places = catalog(lang, "health")["places"]
    used = set()
    for name, result in _every_review(lang):
        for f in result.findings:
            where = (name, f.rule, f.path, f.place_words)
            assert f.place_words.strip(), where
            assert not _PATH_LIKE.search(f.place_words), where
            assert "{" not in f.place_words, where
            # the words of this very place, not of a parent that happens to have words
            assert _place_key(f.path) in places, where
            used.add(_place_key(f.path))
    assert used == set(places), f"places no rule reports: {sorted(set(places) - used)}"


@pytest.mark.parametrize(("lang", "example", "rule", "path", "words"), [
    ("en", WATER, "H05", "monitoring.indicators[1]", "Indicator 2 of the M&E plan"),
    ("nl", WATER, "H05", "monitoring.indicators[1]", "Indicator 2 van het M&E-plan"),
    ("en", WATER, "H12", "contributions[0]",
     "Contribution 1 (Mlima Springs Bottlers Limited)"),
    ("en", WATER, "H09", "duration.notice_days", "Exit: notice period"),
    ("nl", WATER, "H09", "duration.notice_days", "Beëindiging: opzegtermijn"),
    ("en", WATER, "H11", "governance.decision_rule", "Governance: decision rule"),
    ("en", TEXTILE, "H13", "partners[2].negotiables", "IVK: points open to negotiation"),
    ("nl", TEXTILE, "H13", "partners[2].negotiables", "IVK: bespreekbare punten"),
    ("en", WATER, "H01", "partners[0]", "Maji Haki Trust"),
    ("en", WATER, "H19", "", "The whole description"),
    ("nl", WATER, "H19", "", "De gehele beschrijving"),
])
def test_a_place_is_named_for_the_partners(lang: str, example: Path, rule: str, path: str,
                                           words: str) -> None:
    found = [f for f in of_rule(review(load_description(example), lang), rule) if f.path == path]
    assert found and {f.place_words for f in found} == {words}


@pytest.mark.parametrize("lang", LANGS)
def test_positions_count_from_one(lang: str) -> None:
    result = review(described(drop("monitoring", "indicators", 2),
                              put("theory_of_change", "interventions", 0, "outcomes",
                                  value=["goal"]),
                              put("monitoring", "phases", 1, "name", value=" ")), lang)
    by_path = {f.path: f.place_words for f in result.warnings}
    assert re.search(r"\b2\b", by_path["theory_of_change.outcomes[1]"])
    assert re.search(r"\b1\b", by_path["theory_of_change.interventions[0].outcomes"])
    assert re.search(r"\b2\b", by_path["monitoring.phases[1].name"])


@pytest.mark.parametrize("lang", LANGS)
def test_what_is_the_message_without_why_and_sources(lang: str) -> None:
    texts = catalog(lang, "health")
    for name, result in _every_review(lang):
        for f in result.findings:
            assert f.what and f.message.startswith(f.what), (name, f.rule, f.what)
            if f.status != "warning":
                assert f.what == f.message
                continue
            spec = texts["rules"][f.rule]
            assert f.message == texts["finding"].format(
                what=f.what, why=spec["why"],
                sources=texts["source_separator"].join(spec["sources"]))
            assert spec["why"] not in f.what
            assert not any(source in f.what for source in spec["sources"]), (name, f.rule)


@pytest.mark.parametrize("lang", LANGS)
def test_sources_are_cited_once_in_rule_order(lang: str) -> None:
    rules = catalog(lang, "health")["rules"]
    for name, result in _every_review(lang):
        cited = sources(result, lang)
        assert len(cited) == len(set(cited)), name
        warned = list(dict.fromkeys(f.rule for f in result.warnings))
        assert warned == sorted(warned)
        expected = list(dict.fromkeys(s for rule in warned for s in rules[rule]["sources"]))
        assert cited == expected, name
        for source in cited:
            assert any(source in f.message for f in result.warnings), (name, source)


def test_sources_of_a_review_without_warnings_are_none() -> None:
    assert sources(review(load_description(COCOA))) == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_source_shared_by_rules_is_cited_once(lang: str) -> None:
    result = review(_nearly_empty(), lang)
    cited = sources(result, lang)
    tennyson = "Tennyson, The Partnering Toolbook"  # cited by H01 and H06, which both warn
    assert {"H01", "H06"} <= {f.rule for f in result.warnings}
    assert cited.count(tennyson) == 1
    assert sum(tennyson in f.message for f in result.warnings) > 1
