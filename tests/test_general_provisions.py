"""The clauses a lawyer and a compliance officer expect: general provisions, funding terms,
personal data, integrity and safeguarding, the right to publish, liability; and what a
non-binding document leaves out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agreementgen.api import load_description
from agreementgen.clauses import Clause, derive, markers
from agreementgen.cli import cli
from agreementgen.loading import load
from tests.conftest import MOU
from tests.test_drafting import all_text, body, generate, references

Data = dict[str, Any]

#: Every clause the second-wave fields bring into a binding agreement.
NEW_CLAUSES = ("identity.publication", "funding.payment", "funding.reporting", "funding.audit",
               "funding.unspent", "data.scope", "data.roles", "data.purpose", "data.security",
               "data.breach", "data.transfers", "data.deletion", "compliance.anti_corruption",
               "compliance.sanctions", "compliance.due_diligence",
               "compliance.conflict_of_interest", "compliance.safeguarding", "liability.cap",
               "liability.insurance", "final.notices", "final.exclusivity", "final.assignment",
               "final.costs", "final.force_majeure")


def every_field(data: Data) -> Data:
    """The cocoa example with every field of the second wave."""
    data["publication"] = [{"partner": "fairbean", "rights": "its evaluation of the partnership",
                            "review_days": 10}]
    data["liability"] = {"cap": {"amount": 250000, "currency": "EUR"},
                         "insurance": "Each Partner keeps general liability insurance."}
    data["force_majeure"] = True
    data["compliance"]["exclusivity"] = "exclusive"
    return data


def clauses_of(data: Data, write_yaml: Callable[..., Path], lang: str = "en") -> dict[str, Clause]:
    loaded = load_description(write_yaml(data))
    return {c.spec.id: c for c in derive(loaded.description, lang)}


def text(clause: Clause) -> str:
    return markers.plain(clause.text)


def thin_mou(data: Data) -> Data:
    """The water memorandum with personal data shared and a data contribution about people."""
    data["data_protection"] = {"personal_data": True}
    data["contributions"].append({"partner": data["partners"][0]["id"], "type": "data",
                                  "description": "Names and phone numbers of kiosk users."})
    return data


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_description_with_every_field_has_every_clause(
        lang: str, cocoa_data: Data, write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    clauses = clauses_of(every_field(cocoa_data), write_yaml, lang)
    assert set(NEW_CLAUSES) <= set(clauses)
    for clause_id in NEW_CLAUSES:
        assert "{{" not in clauses[clause_id].text and "{%" not in clauses[clause_id].text
    out = generate(tmp_path, write_yaml(cocoa_data), "--lang", lang)
    targets, names = references(body(out))
    assert targets and set(targets) <= names


def test_articles_come_in_the_order_of_the_drafting_standard(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    clauses = clauses_of(every_field(cocoa_data), write_yaml)
    order = list(dict.fromkeys(c.spec.article for c in clauses.values()
                               if c.spec.article != "recitals"))
    assert order[order.index("contributions") + 1] == "funding"
    assert order[-4:] == ["duration", "liability", "final", "legal"]
    assert order.index("communication") < order.index("data_protection") \
        < order.index("compliance") < order.index("duration")


def test_a_thin_non_binding_mou_carries_no_liability_text(
        write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    data = thin_mou(load(MOU).data)
    clauses = clauses_of(data, write_yaml)
    assert not [i for i in clauses if i.startswith("liability.")]
    assert "final.assignment" not in clauses and "final.force_majeure" not in clauses
    words = all_text(generate(tmp_path, write_yaml(data))).lower()
    for word in ("liabil", "indemn", "warrant"):
        assert word not in words


def test_a_non_binding_document_lists_its_binding_carve_outs_by_reference(
        write_yaml: Callable[..., Path]) -> None:
    clauses = clauses_of(thin_mou(load(MOU).data), write_yaml)
    first, last = clauses["data.scope"].number, clauses["data.deletion"].number
    nature = text(clauses["legal.non_binding"])
    assert f"except for clauses {first} to {last}, by which the Partners are bound" in nature
    survival = text(clauses["duration.survival"])
    assert survival.startswith(f"Clauses {first} to {last} survive")
    # the carve-outs speak as obligations, the rest of the memorandum as intentions
    assert " shall " in text(clauses["data.purpose"])
    assert " shall " not in text(clauses["contributions.overview"])


def test_liability_on_a_non_binding_agreement_is_refused(
        runner: CliRunner, write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    data = load(MOU).data
    data["liability"] = {"insurance": "Each Partner is insured."}
    out = tmp_path / "mou.docx"
    result = runner.invoke(cli, ["generate", str(write_yaml(data)), "-o", str(out)])
    assert result.exit_code == 1
    assert re.search(r"description\.yaml:\d+:\d+: liability: ", result.output)
    assert "Traceback" not in result.output
    assert not out.exists()


def test_force_majeure_in_a_memorandum_when_asked_speaks_of_intentions(
        write_yaml: Callable[..., Path]) -> None:
    data = load(MOU).data
    data["force_majeure"] = True
    clause = text(clauses_of(data, write_yaml)["final.force_majeure"])
    assert "it informs the other Partners" in clause and "shall" not in clause


def test_exclusivity_replaces_the_default_non_exclusivity(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    assert "is not exclusive" in text(clauses_of(cocoa_data, write_yaml)["final.exclusivity"])
    cocoa_data["compliance"]["exclusivity"] = "exclusive"
    clause = text(clauses_of(cocoa_data, write_yaml)["final.exclusivity"])
    assert "no Partner shall enter into another partnership" in clause


def test_notices_go_to_each_contact_and_mark_a_missing_one_open(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    del cocoa_data["partners"][2]["contact"]
    clause = clauses_of(cocoa_data, write_yaml)["final.notices"]
    assert "Anouk de Graaf, a.degraaf@vanrijswijk.example.org, Lagedijk 118" in text(clause)
    assert clause.open_points == ["[to be agreed: contact person for notices to Fair Bean]"]


def test_binding_cash_without_funding_terms_leaves_them_open(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    del cocoa_data["funding"]
    cocoa_data["contributions"][0].pop("schedule")
    clauses = clauses_of(cocoa_data, write_yaml)
    assert clauses["funding.payment"].open_points == ["[to be agreed: payment schedule]"]
    assert clauses["funding.reporting"].open_points
    assert clauses["funding.audit"].open_points
    assert clauses["funding.unspent"].open_points


def test_payments_follow_the_contribution_table_when_every_cash_line_has_a_schedule(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    del cocoa_data["funding"]
    clauses = clauses_of(cocoa_data, write_yaml)
    number = clauses["contributions.overview"].number
    assert text(clauses["funding.payment"]).strip() == (
        f"**Payment.** Each cash contribution is paid at the times set out for it in the table "
        f"in clause {number}.")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_non_binding_funding_clause_names_the_terms_the_funding_agreement_must_settle(
        lang: str, write_yaml: Callable[..., Path]) -> None:
    data = load(MOU).data
    data["funding"] = {"reporting": "Quarterly reports.", "unspent_funds": "return"}
    clause = text(clauses_of(data, write_yaml, lang)["contributions.funding_contract"])
    assert "Quarterly reports." in clause
    if lang == "en":
        assert "That agreement also settles the payment schedule and audit rights." in clause
    else:
        assert "Die overeenkomst regelt ook het betalingsschema en het recht op controle." \
            in clause


def test_publication_is_carved_out_of_statements_and_confidentiality(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    cocoa_data["publication"] = [{"partner": "fairbean", "review_days": 1}]
    clauses = clauses_of(cocoa_data, write_yaml)
    publication = clauses["identity.publication"]
    statements = clauses["communication.public_statements"].number
    confidentiality = clauses["communication.confidentiality"].number
    words = text(publication)
    assert "**Fair Bean** may publish its findings on the partnership" in words
    assert "at least one day to comment; Fair Bean considers" in words
    assert f"needs no approval under clause {statements}" in words
    assert f"is not a breach of clause {confidentiality} as long as it discloses no " \
        "confidential information" in words
    both = f"clauses {clauses['identity.independence'].number} and {publication.number}"
    assert f"subject to {both}" in text(clauses["communication.public_statements"])
    assert f"subject to {both}" in text(clauses["communication.confidentiality"])


def test_data_roles_read_as_sentences_with_their_duties(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    cocoa_data["data_protection"]["roles"] = [
        {"partner": "nkabom-union", "role": "joint_controller"},
        {"partner": "vanrijswijk", "role": "joint_controller"},
        {"partner": "fairbean", "role": "processor"}]
    words = text(clauses_of(cocoa_data, write_yaml)["data.roles"])
    assert words.startswith("For that personal data, Nkabom and Van Rijswijk act as joint "
                            "controllers and Fair Bean acts as processor.")
    assert "written arrangement" in words and "data processing agreement" in words
    cocoa_data["data_protection"].pop("roles")
    assert clauses_of(cocoa_data, write_yaml)["data.roles"].open_points


def test_a_safeguarding_breach_and_missing_focal_point(
        cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    del cocoa_data["compliance"]["safeguarding"]["focal_point"]
    clause = clauses_of(cocoa_data, write_yaml)["compliance.safeguarding"]
    assert clause.open_points == ["[to be agreed: focal point for safeguarding reports]"]
    assert "end its participation in the partnership with immediate effect" in text(clause)


def test_parties_and_signature_places(cocoa_data: Data, write_yaml: Callable[..., Path],
                                      tmp_path: Path) -> None:
    cocoa_data["agreement"].pop("place")
    words = all_text(generate(tmp_path, write_yaml(cocoa_data)))
    assert "registered with the Netherlands Chamber of Commerce (KvK) under number 34219876" \
        in words
    places = re.findall(r"^Place\n(.*)$", words, re.M)
    assert places == ["", "Kibi", "Utrecht"]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "may publish its findings on the partnership and on its subject, without first "
           "giving the other Partners a draft."),
    ("nl", "zijn bevindingen over het partnerschap en over het onderwerp daarvan, zonder de "
           "andere Partners eerst een concept voor te leggen."),
])
def test_a_publication_without_review_days_says_so(
        lang: str, words: str, cocoa_data: Data, write_yaml: Callable[..., Path]) -> None:
    cocoa_data["publication"] = [{"partner": "fairbean", "review_days": 0}]
    assert words in text(clauses_of(cocoa_data, write_yaml, lang)["identity.publication"])
