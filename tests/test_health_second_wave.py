"""Tests for the health rules of the second wave, H20-H26: what a lawyer and a compliance officer
look for (docs/health-rules.md, "Rules of the second wave").

The cocoa example meets every one of them except H24, which does not apply to it (no partner is a
knowledge institution or activist); each case below changes it to break, keep or switch off one
rule. The checks that hold for every rule (places in words, what without why, sources cited once)
run over these cases too, through :func:`test_health._every_description`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_health import (
    _PATH_LIKE,
    COCOA,
    LANGS,
    TEXTILE,
    WATER,
    Mutation,
    assert_met,
    assert_not_applicable,
    assert_warns,
    described,
    drop,
    no_cash,
    of_rule,
    put,
)

from agreementgen.api import Loaded, load_description, loaded_from
from agreementgen.health import format_json, format_markdown, format_text, review, sources
from agreementgen.i18n import catalog
from agreementgen.loading import Source

SECOND_WAVE = {f"H{n:02d}" for n in range(20, 27)}


def append(*path: str | int, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for step in path:
            node = node[step]
        node.append(value)

    return mutate


# A data contribution about people, added to the cocoa example as contributions[8].
MEMBER_DATA = {"partner": "nkabom-union", "type": "data",
               "description": "The member registers of the 38 societies: names, phone numbers "
                              "and farm sizes."}
BUYER_DATA = {"partner": "vanrijswijk", "type": "data",
              "description": "Purchase records per delivering member."}
BRIBERY_TRIGGER = "A partner offers or accepts a bribe in connection with this partnership."
OMKOPING_TRIGGER = "Een partner maakt zich schuldig aan omkoping."


def roles(**by_partner: str) -> Mutation:
    return put("data_protection", "roles",
               value=[{"partner": p.replace("_", "-"), "role": r} for p, r in by_partner.items()])


def fair_bean_activist(data: dict[str, Any]) -> None:
    data["partners"][2]["orientation"] = "activist"


# Each case breaks one rule; the rule must warn at exactly these places, and each warning's
# message must name these things.
BREAKS: list[tuple[str, str, list[Mutation], dict[str, list[str]]]] = [
    ("H20", "personal data without roles", [drop("data_protection", "roles")],
     {"data_protection.roles": ["controller, joint controller or processor"]}),
    ("H20", "personal data without laws", [drop("data_protection", "laws")],
     {"data_protection.laws": ["laws"]}),
    ("H20", "blank laws and no roles",
     [drop("data_protection", "roles"), put("data_protection", "laws", value=[" "])],
     {"data_protection.roles": ["no partner's role"], "data_protection.laws": ["laws"]}),
    ("H20", "a data contribution and no data protection section",
     [drop("data_protection"), append("contributions", value=MEMBER_DATA)],
     {"contributions[8]": ["Nkabom", "personal data"]}),
    ("H20", "a data partner without a role",
     [roles(nkabom_union="controller", fairbean="processor"),
      append("contributions", value=BUYER_DATA)],
     {"data_protection.roles": ["Van Rijswijk", "contribute data"]}),
    ("H20", "a lone joint controller",
     [roles(nkabom_union="joint_controller", vanrijswijk="controller", fairbean="processor")],
     {"data_protection.roles": ["Only one partner", "joint controller"]}),
    ("H20", "processors only",
     [roles(nkabom_union="processor", vanrijswijk="processor")],
     {"data_protection.roles": ["processor", "on whose behalf"]}),
    ("H21", "no funding terms, each cash contribution with its schedule", [drop("funding")],
     {"funding": ["Van Rijswijk and Fair Bean", "reporting", "audit rights (audit_rights)",
                  "unspent funds (unspent_funds)"]}),
    ("H21", "no funding terms, a cash contribution without schedule",
     [drop("funding"), drop("contributions", 6, "schedule")],
     {"funding": ["payment schedule (payment_schedule)", "reporting"]}),
    ("H21", "a general payment schedule left blank, a cash contribution without schedule",
     [put("funding", "payment_schedule", value="  "), drop("contributions", 0, "schedule")],
     {"funding": ["payment schedule"]}),
    ("H21", "blank reporting and blank audit wording",
     [put("funding", "reporting", value=" "), put("funding", "audit_rights", value=" ")],
     {"funding": ["reporting", "audit rights"]}),
    ("H21", "no unspent funds in a non-binding agreement",
     [put("agreement", "binding", value="non_binding"), drop("funding", "unspent_funds")],
     {"funding": ["unspent funds"]}),
    ("H22", "no safeguarding policy", [drop("compliance", "safeguarding", "policy")],
     {"compliance.safeguarding.policy": ["children or vulnerable adults", "policy"]}),
    ("H22", "no focal point", [drop("compliance", "safeguarding", "focal_point")],
     {"compliance.safeguarding.focal_point": ["focal point"]}),
    ("H23", "no due diligence", [drop("compliance", "due_diligence")],
     {"compliance.due_diligence": ["Business (Van Rijswijk) and civil society (Nkabom and "
                                   "Fair Bean)", "exclusion criteria"]}),
    ("H23", "blank due diligence and no other compliance",
     [put("compliance", value={"due_diligence": " "})],
     {"compliance.due_diligence": ["due diligence"]}),
    ("H24", "an activist partner without a right to publish", [fair_bean_activist],
     {"publication": ["Fair Bean"]}),
    ("H24", "a knowledge partner's right to publish without a review period",
     [put("partners", 1, "sector", value="knowledge"),
      put("publication", value=[{"partner": "nkabom-union", "rights": "Its research."}])],
     {"publication[0].review_days": ["Nkabom", "days"]}),
    ("H24", "one partner without, another without days",
     [fair_bean_activist, put("partners", 1, "sector", value="knowledge"),
      put("publication", value=[{"partner": "vanrijswijk", "review_days": 10},
                                {"partner": "nkabom-union"}, {"partner": "nkabom-union"}])],
     {"publication": ["Fair Bean"], "publication[1].review_days": ["Nkabom"]}),
    ("H25", "a partner without contact", [drop("partners", 1, "contact")],
     {"partners[1].contact": ["Nkabom", "contact person"]}),
    ("H25", "a contact without e-mail at a partner without address",
     [drop("partners", 2, "contact", "email"), drop("partners", 2, "address")],
     {"partners[2].contact": ["Fair Bean", "Yaw Ofori-Atta", "e-mail", "nowhere"]}),
    ("H26", "cash without anti-corruption", [drop("compliance", "anti_corruption")],
     {"compliance.anti_corruption": ["Van Rijswijk and Fair Bean", "anti-corruption"]}),
    ("H26", "anti-corruption declined", [put("compliance", "anti_corruption", value=False)],
     {"compliance.anti_corruption": ["Van Rijswijk and Fair Bean"]}),
    ("H26", "cash and a bribery exit trigger without commitment",
     [drop("compliance"), append("duration", "exit_triggers", value=BRIBERY_TRIGGER)],
     {"compliance.anti_corruption": ["Van Rijswijk"],
      "duration.exit_triggers[4]": ["Exit trigger 5", "corruption or bribery"]}),
    ("H26", "no cash, a Dutch exit trigger on bribery, a blank commitment",
     [no_cash, put("compliance", "anti_corruption", value="  "),
      append("duration", "exit_triggers", value=OMKOPING_TRIGGER)],
     {"duration.exit_triggers[4]": ["Exit trigger 5"]}),
]

# Each case keeps one rule met, often at its boundary.
MEETS: list[tuple[str, str, list[Mutation]]] = [
    *[(rule, "the cocoa example", []) for rule in sorted(SECOND_WAVE - {"H24"})],
    ("H20", "two joint controllers and a processor",
     [roles(nkabom_union="joint_controller", vanrijswijk="joint_controller",
            fairbean="processor")]),
    ("H20", "a data contribution from a partner with a role",
     [append("contributions", value=MEMBER_DATA)]),
    ("H21", "no general payment schedule, each cash contribution with its own",
     [drop("funding", "payment_schedule")]),
    ("H21", "no audit, agreed", [put("funding", "audit_rights", value=False)]),
    ("H21", "audit rights as a plain yes, in a non-binding agreement",
     [put("agreement", "binding", value="non_binding"),
      put("funding", "audit_rights", value=True)]),
    ("H24", "an activist partner with a review period",
     [fair_bean_activist, put("publication", value=[{"partner": "fairbean", "review_days": 10}])]),
    ("H24", "a review period of zero days, on one of two entries",
     [put("partners", 1, "sector", value="knowledge"),
      put("publication", value=[{"partner": "nkabom-union", "rights": "Its own research."},
                                {"partner": "nkabom-union", "review_days": 0}])]),
    ("H25", "a contact without e-mail at a partner with an address",
     [drop("partners", 0, "contact", "email")]),
    ("H26", "anti-corruption in the partners' own words",
     [put("compliance", "anti_corruption", value="Each partner keeps its own code.")]),
    ("H26", "a bribery exit trigger backed by the commitment",
     [append("duration", "exit_triggers", value=BRIBERY_TRIGGER)]),
]

NOT_APPLICABLE: list[tuple[str, str, list[Mutation]]] = [
    ("H20", "no personal data, said so", [put("data_protection", value={"personal_data": False})]),
    ("H20", "no personal data, said so, despite a data contribution",
     [put("data_protection", value={"personal_data": False}),
      append("contributions", value=MEMBER_DATA)]),
    ("H20", "no data protection section and no data contribution", [drop("data_protection")]),
    ("H21", "no cash, though funding terms are set", [no_cash]),
    ("H21", "no contributions at all", [put("contributions", value=[]), drop("funding")]),
    ("H22", "safeguarding does not apply",
     [put("compliance", "safeguarding", value={"applies": False})]),
    ("H22", "no compliance section", [drop("compliance")]),
    ("H23", "no business partner", [put("partners", 0, "sector", value="public")]),
    ("H23", "no civil society partner",
     [put("partners", 1, "sector", value="public"), put("partners", 2, "sector", value="funder")]),
    ("H24", "the cocoa example: no knowledge or activist partner", []),
    ("H24", "a mixed partner is not an activist one", [put("publication", value=[])]),
    ("H26", "no cash and no exit trigger on corruption", [no_cash, drop("compliance")]),
    ("H26", "an exit trigger on fraud is not about corruption",
     [no_cash, drop("compliance", "anti_corruption"),
      append("duration", "exit_triggers", value="A partner commits fraud.")]),
]


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


def test_every_rule_of_the_second_wave_is_tested_every_way() -> None:
    assert {r for r, *_ in BREAKS} == SECOND_WAVE
    assert {r for r, *_ in MEETS} == SECOND_WAVE
    # Every partner can be sent a notice, so H25 always applies.
    assert {r for r, *_ in NOT_APPLICABLE} == SECOND_WAVE - {"H25"}


def test_the_rules_serve_the_insights_of_the_table() -> None:
    result = review(load_description(COCOA))
    assert {f.rule: f.insight for f in result.findings if f.rule in SECOND_WAVE} == {
        "H20": 3, "H21": 3, "H22": 2, "H23": 2, "H24": 2, "H25": 3, "H26": 2}


@pytest.mark.parametrize("lang", LANGS)
def test_each_rule_has_its_texts(lang: str) -> None:
    rules = catalog(lang, "health")["rules"]
    assert set(rules) >= SECOND_WAVE
    for rule_id in sorted(SECOND_WAVE):
        spec = rules[rule_id]
        assert spec["title"] and spec["why"] and spec["sources"] and spec["messages"], rule_id
        if rule_id != "H25":
            assert spec["not_applicable"], rule_id


@pytest.mark.parametrize(("lang", "rule", "words"), [
    ("en", "H20", ["GDPR", "26", "28"]), ("en", "H20", ["AVG"]),
    ("nl", "H20", ["AVG", "26", "28"]),
    ("en", "H21", ["EU model grant agreement"]), ("en", "H21", ["USAID"]),
    ("en", "H22", ["Keeping Children Safe"]), ("en", "H22", ["Bond"]),
    ("en", "H23", ["WWF"]), ("en", "H23", ["UN"]),
    ("en", "H24", ["Lambert"]), ("nl", "H24", ["Lambert"]),
    ("en", "H25", ["notices clause"]),
    ("en", "H26", ["Bribery Act 2010", "7"]), ("en", "H26", ["OECD"]), ("nl", "H26", ["OESO"]),
])
def test_each_rule_cites_the_sources_of_the_table(lang: str, rule: str,
                                                  words: list[str]) -> None:
    cited = catalog(lang, "health")["rules"][rule]["sources"]
    assert any(all(word in source for word in words) for source in cited), cited


@pytest.mark.parametrize("lang", LANGS)
def test_a_non_binding_agreement_gets_the_funding_terms_in_why(lang: str) -> None:
    why = catalog(lang, "health")["rules"]["H21"]["why"]
    assert "H14" in why
    assert ("non-binding" if lang == "en" else "niet-bindende") in why


# A thin memorandum ------------------------------------------------------------------------------

def _thin_mou() -> Loaded:
    """A non-binding MoU that moves cash, shares data about people, and names one contact."""
    data = {
        "agreement": {"title": "Clean Water Data Memorandum", "kind": "mou",
                      "binding": "non_binding"},
        "partners": [
            {"id": "ngo", "name": "Water Watch Foundation", "short_name": "Water Watch",
             "sector": "cso", "orientation": "partnership_oriented", "role": "surveyor",
             "mission": "Safe water for all.",
             "contact": {"name": "Amina Njoroge", "email": "amina@waterwatch.example.org"}},
            {"id": "county", "name": "County Water Services Board", "short_name": "County Water",
             "sector": "public", "role": "funder", "mission": "Water services for the county."},
        ],
        "purpose": {"problem": "Nobody knows who has water.",
                    "shared_objectives": ["Map water access."]},
        "theory_of_change": {"long_term_goal": "Every household has water.",
                             "outcomes": [{"id": "mapped", "statement": "Access is mapped."}]},
        "contributions": [
            {"partner": "county", "type": "cash", "description": "Survey funding.",
             "value": {"amount": 20000, "currency": "EUR"}},
            {"partner": "ngo", "type": "data",
             "description": "A household survey: names, phone numbers and daily water use of "
                            "2,000 households."},
        ],
        "duration": {"start_date": "2026-01-01", "review_date": "2026-12-01"},
    }
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    source = Source("thin-mou.yaml", "yaml", text, data)
    return loaded_from(source)


THIN_MOU_WARNINGS = [
    ("H20", "contributions[1]"),
    ("H21", "funding"),
    ("H25", "partners[1].contact"),
    ("H26", "compliance.anti_corruption"),
]


@pytest.mark.parametrize("lang", LANGS)
def test_a_thin_mou_with_cash_and_data_about_people_draws_the_compliance_rules(
        lang: str) -> None:
    result = review(_thin_mou(), lang)
    second = [(f.rule, f.path) for f in result.warnings if f.rule in SECOND_WAVE]
    assert second == THIN_MOU_WARNINGS
    statuses = {f.rule: f.status for f in result.findings if f.rule in SECOND_WAVE}
    assert statuses == {"H20": "warning", "H21": "warning", "H22": "not_applicable",
                        "H23": "not_applicable", "H24": "not_applicable", "H25": "warning",
                        "H26": "warning"}
    by_rule = {f.rule: f for f in result.warnings if f.rule in SECOND_WAVE}
    assert "Water Watch" in by_rule["H20"].message
    assert "(personal_data)" in by_rule["H20"].message
    assert "County Water" in by_rule["H21"].message and "County Water" in by_rule["H26"].message
    assert "County Water" in by_rule["H25"].message
    assert "H14" in by_rule["H21"].message  # the funding terms go to a separate agreement
    payment = "payment schedule" if lang == "en" else "betalingsschema"
    assert payment in by_rule["H21"].message  # the cash contribution has no schedule
    # H14 asks for the separate funding agreement in the same review.
    assert ("H14", "agreement.binding") in [(f.rule, f.path) for f in result.warnings]


def test_the_thin_mou_reads_well_in_every_format() -> None:
    result = review(_thin_mou())
    text = format_text(result)
    assert ("H25 [insight 3] partners[1].contact (line 16): County Water names no contact person "
            "for notices; ") in text
    assert ("H21 [insight 3] funding: The funding terms for the cash contributions of County "
            "Water leave out payment schedule (payment_schedule), reporting, audit rights "
            "(audit_rights), and unspent funds (unspent_funds); ") in text
    markdown = format_markdown(result)
    assert "| H20 | 3 | `contributions[1]` | 38 | Water Watch contributes data" in markdown
    document = format_json(result, "thin-mou.yaml")
    assert '"path": "compliance.anti_corruption"' in document
    cited = sources(result)
    assert "UK Bribery Act 2010, section 7: adequate procedures" in cited
    assert cited.count("USAID MoU guidance") == 1  # H14 and H21 cite it; it is listed once


# The examples -----------------------------------------------------------------------------------

def test_the_examples_draw_the_second_wave_where_they_fall_short() -> None:
    def second(path: Any) -> list[tuple[str, str]]:
        return [(f.rule, f.path) for f in review(load_description(path)).warnings
                if f.rule in SECOND_WAVE]

    assert second(COCOA) == []
    assert second(WATER) == [
        ("H21", "funding"), ("H23", "compliance.due_diligence"), ("H24", "publication"),
        ("H25", "partners[0].contact"), ("H25", "partners[1].contact"),
        ("H26", "compliance.anti_corruption")]
    assert second(TEXTILE) == [("H23", "compliance.due_diligence"), ("H24", "publication")]


def test_the_water_mou_counts_its_payment_schedule_from_its_one_cash_contribution() -> None:
    (finding,) = of_rule(review(load_description(WATER)), "H21")
    assert "payment schedule" not in finding.what
    assert finding.what.endswith("leave out reporting, audit rights (audit_rights), and unspent "
                                 "funds (unspent_funds)")


# Places in words --------------------------------------------------------------------------------

NEW_PLACES = {
    "data_protection.roles", "data_protection.laws", "funding", "compliance.safeguarding.policy",
    "compliance.safeguarding.focal_point", "compliance.due_diligence",
    "compliance.anti_corruption", "publication", "publication[].review_days",
    "partners[].contact", "duration.exit_triggers[]",
}


@pytest.mark.parametrize("lang", LANGS)
def test_every_new_place_has_words_in_every_language(lang: str) -> None:
    places = catalog(lang, "health")["places"]
    assert set(places) >= NEW_PLACES
    reported = set()
    for _, _, mutations, _ in BREAKS:
        for f in review(described(*mutations), lang).warnings:
            if f.rule in SECOND_WAVE:
                reported.add(_key(f.path))
    assert reported == NEW_PLACES | {"contributions[]"}


def _key(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path) or "whole"


@pytest.mark.parametrize(("lang", "mutations", "rule", "path", "words"), [
    ("en", [drop("partners", 1, "contact")], "H25", "partners[1].contact",
     "Nkabom: contact for notices"),
    ("nl", [drop("partners", 1, "contact")], "H25", "partners[1].contact",
     "Nkabom: contactpersoon voor kennisgevingen"),
    ("en", [put("partners", 1, "sector", value="knowledge"),
            put("publication", value=[{"partner": "nkabom-union"}])],
     "H24", "publication[0].review_days", "Nkabom: days for comment before publication"),
    ("nl", [put("partners", 1, "sector", value="knowledge"),
            put("publication", value=[{"partner": "nkabom-union"}])],
     "H24", "publication[0].review_days", "Nkabom: reactietermijn vóór publicatie"),
    ("en", [fair_bean_activist], "H24", "publication", "Rights to publish"),
    ("en", [drop("compliance"), append("duration", "exit_triggers", value=BRIBERY_TRIGGER)],
     "H26", "duration.exit_triggers[4]", "Exit: ground for exit 5"),
    ("nl", [drop("compliance"), append("duration", "exit_triggers", value=BRIBERY_TRIGGER)],
     "H26", "duration.exit_triggers[4]", "Beëindiging: beëindigingsgrond 5"),
    ("en", [drop("compliance", "anti_corruption")], "H26", "compliance.anti_corruption",
     "Integrity: anti-corruption commitment"),
    ("nl", [drop("funding")], "H21", "funding", "Financieringsvoorwaarden"),
    ("en", [drop("data_protection"), append("contributions", value=MEMBER_DATA)],
     "H20", "contributions[8]", "Contribution 9 (Nkabom)"),
    ("nl", [drop("data_protection", "roles")], "H20", "data_protection.roles",
     "Gegevensbescherming: de rol van iedere partner"),
    ("en", [drop("compliance", "safeguarding", "focal_point")], "H22",
     "compliance.safeguarding.focal_point", "Safeguarding: focal point for reports"),
])
def test_a_new_place_is_named_for_the_partners(lang: str, mutations: list[Mutation], rule: str,
                                               path: str, words: str) -> None:
    found = [f for f in of_rule(review(described(*mutations), lang), rule) if f.path == path]
    assert found and {f.place_words for f in found} == {words}


# Lines ------------------------------------------------------------------------------------------

def test_a_finding_points_at_the_line_of_its_field() -> None:
    loaded = described(append("duration", "exit_triggers", value=BRIBERY_TRIGGER),
                       put("compliance", "anti_corruption", value=False),
                       drop("partners", 1, "contact"))
    lines = loaded.source.text.splitlines()
    by_path = {f.path: f for f in review(loaded).warnings}
    trigger = by_path["duration.exit_triggers[4]"]
    assert trigger.line is not None and BRIBERY_TRIGGER in lines[trigger.line - 1]
    commitment = by_path["compliance.anti_corruption"]
    assert commitment.line is not None
    assert lines[commitment.line - 1].strip() == "anti_corruption: false"
    contact = by_path["partners[1].contact"]  # absent: the line of its partner
    assert contact.line is not None and lines[contact.line - 1].strip() == "- id: nkabom-union"


# Dutch ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mutations", "rule", "words"), [
    ([drop("funding"), drop("contributions", 6, "schedule")], "H21",
     "De financieringsvoorwaarden voor de financiële bijdragen van Van Rijswijk en Fair Bean "
     "regelen niet: betalingsschema (payment_schedule), rapportage (reporting), recht op "
     "controle (audit_rights) en niet-bestede middelen (unspent_funds)"),
    ([roles(nkabom_union="processor")], "H20",
     "Een partner is aangeduid als verwerker, maar geen enkele partner is aangeduid als "
     "verwerkingsverantwoordelijke"),
    ([drop("compliance", "due_diligence")], "H23",
     "Bedrijfsleven (Van Rijswijk) en maatschappelijk middenveld (Nkabom en Fair Bean) werken "
     "hier samen"),
    ([drop("partners", 2, "contact", "email"), drop("partners", 2, "address")], "H25",
     "De contactpersoon van Fair Bean, Yaw Ofori-Atta, heeft geen e-mailadres"),
    ([drop("compliance"), append("duration", "exit_triggers", value=OMKOPING_TRIGGER)], "H26",
     "Beëindigingsgrond 5 spreekt over corruptie of omkoping"),
])
def test_the_findings_read_in_dutch(mutations: list[Mutation], rule: str, words: str) -> None:
    messages = [f.message for f in of_rule(review(described(*mutations), "nl"), rule)]
    assert any(message.startswith(words) for message in messages), messages


# Any mix of what the second wave looks at -------------------------------------------------------

_OPTIONAL = [
    ("compliance",), ("compliance", "anti_corruption"), ("compliance", "safeguarding"),
    ("compliance", "safeguarding", "policy"), ("compliance", "safeguarding", "focal_point"),
    ("compliance", "due_diligence"), ("data_protection",), ("data_protection", "roles"),
    ("data_protection", "laws"), ("funding",), ("funding", "payment_schedule"),
    ("funding", "reporting"), ("funding", "audit_rights"), ("funding", "unspent_funds"),
    ("partners", 0, "contact"), ("partners", 2, "contact", "email"), ("partners", 2, "address"),
    ("contributions", 0, "schedule"),
]
_ADDITIONS: list[Mutation] = [
    fair_bean_activist, append("contributions", value=MEMBER_DATA),
    append("duration", "exit_triggers", value=BRIBERY_TRIGGER), no_cash,
    put("agreement", "binding", value="non_binding"),
]


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(range(len(_OPTIONAL)))),
       st.sets(st.sampled_from(range(len(_ADDITIONS)))), st.sampled_from(LANGS))
def test_any_mix_gives_a_consistent_review(removed: set[int], added: set[int],
                                           lang: str) -> None:
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

    result = review(described(remove, *[_ADDITIONS[i] for i in sorted(added)]), lang)
    statuses: dict[str, set[str]] = {}
    for f in result.findings:
        statuses.setdefault(f.rule, set()).add(f.status)
        assert f.what and f.message.startswith(f.what)
        assert f.place_words and not _PATH_LIKE.search(f.place_words), f.place_words
        assert "{" not in f.what and "{" not in f.place_words
        assert (f.status == "warning") == bool(f.path)
    for rule in SECOND_WAVE:
        assert statuses[rule] in ({"warning"}, {"met"}, {"not_applicable"}), rule
    cash = no_cash not in [_ADDITIONS[i] for i in added]
    trigger = 2 in added
    assert (statuses["H21"] == {"not_applicable"}) == (not cash)
    assert (statuses["H26"] == {"not_applicable"}) == (not cash and not trigger)
    assert statuses["H25"] != {"not_applicable"}
