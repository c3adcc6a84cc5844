"""Validation: schema errors and every cross-field rule, each positive and negative."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agreementgen.api import load_description, validate
from agreementgen.errors import ValidationError
from tests.conftest import COCOA, DUTCH, EXAMPLES, MOU


@pytest.mark.parametrize("example", [COCOA, MOU, DUTCH], ids=lambda p: p.name)
def test_shipped_examples_are_valid(example: Path) -> None:
    assert validate(example) == []
    assert len(load_description(example).description.partners) >= 2


def problems(write_yaml: Callable[..., Path], data: Any) -> list[str]:
    path = write_yaml(data)
    return [f"{p.path}: {p.message}" for p in validate(path)]


def test_valid_baseline_has_no_problems(write_yaml: Callable[..., Path], cocoa_data: dict) -> None:
    assert problems(write_yaml, cocoa_data) == []


# -- schema -----------------------------------------------------------------------------------

def test_wrong_enum_lists_the_allowed_values(write_yaml: Callable[..., Path],
                                             cocoa_data: dict) -> None:
    cocoa_data["partners"][0]["sector"] = "ngo"
    assert problems(write_yaml, cocoa_data) == [
        "partners[0].sector: 'ngo' is not allowed; "
        "use one of: cso, business, public, knowledge, funder"]


def test_missing_required_field(write_yaml: Callable[..., Path], cocoa_data: dict) -> None:
    del cocoa_data["agreement"]["binding"]
    assert problems(write_yaml, cocoa_data) == [
        "agreement.binding: required field is missing; add it"]


def test_unknown_key_suggests_the_close_one(write_yaml: Callable[..., Path],
                                            cocoa_data: dict) -> None:
    cocoa_data["purpose"]["shared_objectivs"] = cocoa_data["purpose"].pop("shared_objectives")
    # One problem: the misspelling, not also the field it misspells as missing.
    assert problems(write_yaml, cocoa_data) == [
        "purpose.shared_objectivs: unknown field 'shared_objectivs'; "
        "did you mean 'shared_objectives'?"]


def test_unknown_key_without_a_close_match_lists_the_allowed(write_yaml: Callable[..., Path],
                                                            cocoa_data: dict) -> None:
    cocoa_data["governance"]["zzz"] = 1
    (found,) = problems(write_yaml, cocoa_data)
    assert found.startswith(
        "governance.zzz: unknown field 'zzz'; allowed here: body, decision_rule,")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["agreement"].update(date="2026-02-30"),
         "agreement.date: '2026-02-30' is not a date"),
        (lambda d: d["agreement"].update(date="27-11-2026"),
         "agreement.date: '27-11-2026' is not a date"),
        (lambda d: d["partners"][0].update(id="Van Rijswijk"),
         "partners[0].id: 'Van Rijswijk' is not a valid id"),
        (lambda d: d["partners"][0]["contact"].update(email="nobody"),
         "partners[0].contact.email: 'nobody' is not an e-mail"),
        (lambda d: d["contributions"][0]["value"].update(currency="EURO"),
         "contributions[0].value.currency: 'EURO' is not an ISO 4217"),
        (lambda d: d["contributions"][0]["value"].update(amount=-5),
         "contributions[0].value.amount: must be at least 0"),
        (lambda d: d["monitoring"]["reviews"].update(cadence_months=40),
         "monitoring.reviews.cadence_months: must be at most 36"),
        (lambda d: d["partners"][0].update(country=False),
         "partners[0].country: must be text, not the boolean false"),
        (lambda d: d["purpose"].update(shared_objectives=[]),
         "purpose.shared_objectives: needs at least 1 item(s), has 0"),
        (lambda d: d.update(partners=d["partners"][:1]),
         "partners: needs at least 2 item(s), has 1"),
        (lambda d: d["agreement"].update(title=None), "agreement.title: must have a value"),
    ],
)
def test_schema_errors_name_the_field(write_yaml: Callable[..., Path], cocoa_data: dict,
                                      change: Callable[[dict], None], expected: str) -> None:
    change(cocoa_data)
    found = problems(write_yaml, cocoa_data)
    assert any(p.startswith(expected) for p in found), found


def test_yaml_mistyped_word_gets_a_quoting_hint(write_yaml: Callable[..., Path]) -> None:
    text = COCOA.read_text(encoding="utf-8").replace("country: NL", "country: NO", 1)
    path = write_yaml(text)
    (problem,) = validate(path)
    assert problem.path == "partners[0].country"
    assert problem.message == ("must be text, not the boolean false "
                               "(YAML reads NO as a boolean; put it in quotes)")


def test_all_problems_at_once_with_lines(write_yaml: Callable[..., Path], cocoa_data: dict) -> None:
    cocoa_data["agreement"]["binding"] = "maybe"
    cocoa_data["partners"][1]["sector"] = "ngo"
    cocoa_data["risks"][0]["owner"] = "nobody"
    path = write_yaml(cocoa_data)
    found = validate(path)
    assert [p.path for p in found] == ["agreement.binding", "partners[1].sector", "risks[0].owner"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(p.line is not None for p in found)
    assert "maybe" in lines[found[0].line - 1]
    assert "ngo" in lines[found[1].line - 1]
    assert "nobody" in lines[found[2].line - 1]


# -- cross-field rules ----------------------------------------------------------------------

RULES: list[tuple[str, Callable[[dict], None], str]] = [
    ("duplicate partner id", lambda d: d["partners"][2].update(id=d["partners"][0]["id"]),
     "partners[2].id: id 'vanrijswijk' is used twice for partners (also at partners[0].id)"),
    ("duplicate outcome id",
     lambda d: d["theory_of_change"]["outcomes"][1].update(id="union-capacity"),
     "theory_of_change.outcomes[1].id: id 'union-capacity' is used twice for outcomes"),
    ("duplicate indicator id",
     lambda d: d["monitoring"]["indicators"][1].update(id=d["monitoring"]["indicators"][0]["id"]),
     "monitoring.indicators[1].id: id "),
    ("duplicate intervention id",
     lambda d: d["theory_of_change"]["interventions"][1].update(
         id=d["theory_of_change"]["interventions"][0]["id"]),
     "theory_of_change.interventions[1].id: id "),
    ("dangling lead", lambda d: d["theory_of_change"]["interventions"][0].update(lead="ghost"),
     "theory_of_change.interventions[0].lead: 'ghost' is not a partner id; "
     "partners are: vanrijswijk, nkabom-union, fairbean"),
    ("dangling contribution partner", lambda d: d["contributions"][0].update(partner="ghost"),
     "contributions[0].partner: 'ghost' is not a partner id"),
    ("dangling responsible", lambda d: d["monitoring"]["indicators"][0].update(responsible="ghost"),
     "monitoring.indicators[0].responsible: 'ghost' is not a partner id"),
    ("dangling risk owner", lambda d: d["risks"][0].update(owner="ghost"),
     "risks[0].owner: 'ghost' is not a partner id"),
    ("dangling governance member", lambda d: d["governance"]["body"]["members"].append("ghost"),
     "governance.body.members[3]: 'ghost' is not a partner id"),
    ("dangling indicator result", lambda d: d["monitoring"]["indicators"][0].update(result="ghost"),
     "monitoring.indicators[0].result: 'ghost' is not an outcome id; "
     "outcomes are: union-capacity, traceable-trade, farm-income, goal, partnership"),
    ("dangling intervention outcome",
     lambda d: d["theory_of_change"]["interventions"][0]["outcomes"].append("ghost"),
     "theory_of_change.interventions[0].outcomes[1]: 'ghost' is not an outcome id"),
    ("dangling precondition",
     lambda d: d["theory_of_change"]["outcomes"][0].update(preconditions=["ghost"]),
     "theory_of_change.outcomes[0].preconditions[0]: 'ghost' is not an outcome id"),
    ("end before start", lambda d: d["duration"].update(end_date="2020-01-01"),
     "duration.end_date: end_date 2020-01-01 is before start_date 2026-04-01"),
    ("review before start", lambda d: d["duration"].update(review_date="2020-01-01"),
     "duration.review_date: review_date 2020-01-01 is before start_date"),
    ("phase ends before it starts", lambda d: d["monitoring"]["phases"][0].update(end="2020-01-01"),
     "monitoring.phases[0].end: end 2020-01-01 is before start"),
    ("intervention ends before it starts",
     lambda d: d["theory_of_change"]["interventions"][0].update(end="2020-01-01"),
     "theory_of_change.interventions[0].end: end 2020-01-01 is before start"),
    ("binding without law", lambda d: d["agreement"].pop("governing_law"),
     "agreement.governing_law: a binding agreement needs agreement.governing_law"),
    ("no end or review date",
     lambda d: (d["duration"].pop("end_date"), d["duration"].pop("review_date")),
     "duration: set duration.end_date or duration.review_date"),
    ("cso without orientation", lambda d: d["partners"][1].pop("orientation"),
     "partners[1].orientation: a cso partner needs an orientation"),
]


@pytest.mark.parametrize(("name", "change", "expected"), RULES, ids=[r[0] for r in RULES])
def test_cross_field_rule_breaks(write_yaml: Callable[..., Path], cocoa_data: dict, name: str,
                                 change: Callable[[dict], Any], expected: str) -> None:
    change(cocoa_data)
    found = problems(write_yaml, cocoa_data)
    assert any(p.startswith(expected) for p in found), found
    if not name.startswith("duplicate"):
        # A renamed duplicate also leaves references to the old id dangling; others stand alone.
        assert len(found) == 1, found


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("non-binding needs no law",
         lambda d: (d["agreement"].update(binding="non_binding"),
                    d["agreement"].pop("governing_law"))),
        ("review date alone is enough", lambda d: d["duration"].pop("end_date")),
        ("end date alone is enough", lambda d: d["duration"].pop("review_date")),
        ("indicator may measure the goal",
         lambda d: d["monitoring"]["indicators"][0].update(result="goal")),
        ("indicator may measure the partnership",
         lambda d: d["monitoring"]["indicators"][0].update(result="partnership")),
        ("intervention may serve the goal",
         lambda d: d["theory_of_change"]["interventions"][0].update(outcomes=["goal"])),
        ("same-day start and end",
         lambda d: d["duration"].update(end_date=d["duration"]["start_date"])),
        ("business needs no orientation", lambda d: d["partners"][0].pop("orientation", None)),
    ],
)
def test_cross_field_rule_holds(write_yaml: Callable[..., Path], cocoa_data: dict, name: str,
                                change: Callable[[dict], Any]) -> None:
    change(cocoa_data)
    assert problems(write_yaml, cocoa_data) == []


def test_load_description_raises_with_every_problem(write_yaml: Callable[..., Path],
                                                   cocoa_data: dict) -> None:
    cocoa_data["agreement"]["binding"] = "maybe"
    cocoa_data["risks"][0]["owner"] = "nobody"
    with pytest.raises(ValidationError) as caught:
        load_description(write_yaml(cocoa_data))
    assert len(caught.value.problems) == 2
    assert caught.value.exit_code == 1


def test_model_is_typed_and_frozen() -> None:
    import dataclasses
    import datetime

    from agreementgen.model import Binding, ContributionType, Sector

    d = load_description(COCOA).description
    assert d.agreement.binding is Binding.BINDING
    assert d.partners[0].sector is Sector.BUSINESS
    assert isinstance(d.duration.start_date, datetime.date)
    assert d.contributions[0].type is ContributionType.CASH
    assert isinstance(d.partners[0].objectives, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.agreement.title = "changed"  # type: ignore[misc]


_MUTATIONS = {
    "as written": lambda d: None,
    "kind missing": lambda d: d["agreement"].pop("kind"),
    "kind null": lambda d: d["agreement"].update(kind=None),
    "agreement not a mapping": lambda d: d.update(agreement=["x"]),
    "partner not a mapping": lambda d: d["partners"].append("x"),
    "partners a mapping": lambda d: d.update(partners={}),
    "agreement a list of mappings": lambda d: d.update(agreement=[{"kind": None}]),
    "monitoring a string": lambda d: d.update(monitoring="x"),
    "unknown field": lambda d: d["agreement"].update(kinds="mou"),
    "wrong type deep": lambda d: d["monitoring"]["indicators"][0].update(target_date=5),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
@pytest.mark.parametrize("mutation", _MUTATIONS)
def test_schema_check_matches_cerberus_with_its_own_normalisation(example: Path,
                                                                  mutation: str) -> None:
    import copy

    from agreementgen.loading import load
    from agreementgen.validation.schema import check_schema, schema_rules, validator_class

    data = copy.deepcopy(load(example).data)
    if mutation == "wrong type deep" and "monitoring" not in data:
        pytest.skip("the example has no indicators")
    _MUTATIONS[mutation](data)
    before = copy.deepcopy(data)
    document, flaws = check_schema(data)
    reference = validator_class()(schema_rules())
    ok = reference.validate(copy.deepcopy(data))
    assert data == before
    assert ok == (not flaws)
    if ok:
        assert document == reference.document
    assert sorted(f.path for f in flaws) == sorted(
        tuple(e.document_path) for e in _leaves(reference._errors))


def _leaves(errors: Any) -> Iterator[Any]:
    for error in errors:
        if error.is_group_error:
            yield from _leaves(error.child_errors)
        else:
            yield error


# -- the second wave, through the command line ---------------------------------------------------

def _ghost_publisher(d: dict) -> None:
    d["publication"] = [{"partner": "ghost", "rights": "its findings", "review_days": 10}]


def _liability_on_non_binding(d: dict) -> None:
    d["agreement"]["binding"] = "non_binding"
    d["liability"] = {"cap": {"amount": 100000, "currency": "EUR"},
                      "insurance": "Public liability."}


# name: (change, field path, start of the message, text on the line the error names)
SECOND_WAVE: dict[str, tuple[Callable[[dict], Any], str, str, str]] = {
    "focal point no partner": (
        lambda d: d["compliance"]["safeguarding"].update(focal_point="ghost"),
        "compliance.safeguarding.focal_point",
        "'ghost' is not a partner id; partners are: vanrijswijk, nkabom-union, fairbean",
        "focal_point: ghost"),
    "data role partner no partner": (
        lambda d: d["data_protection"]["roles"][1].update(partner="ghost"),
        "data_protection.roles[1].partner", "'ghost' is not a partner id", "partner: ghost"),
    "publication partner no partner": (
        _ghost_publisher, "publication[0].partner", "'ghost' is not a partner id",
        "partner: ghost"),
    "liability on a non-binding agreement": (
        _liability_on_non_binding, "liability",
        "a non-binding agreement (agreement.binding: non_binding) has no liability terms; "
        "remove this section, or make the agreement binding", "liability:"),
    "roles while personal_data is false": (
        lambda d: d["data_protection"].update(personal_data=False), "data_protection.roles",
        "roles are given while data_protection.personal_data is false; set personal_data: true",
        "roles:"),
    "anti_corruption a number": (
        lambda d: d["compliance"].update(anti_corruption=3), "compliance.anti_corruption",
        "must be true or false or text, not the number 3", "anti_corruption: 3"),
    "audit_rights a list": (
        lambda d: d["funding"].update(audit_rights=["yearly"]), "funding.audit_rights",
        "must be true or false or text, not a list", "- yearly"),
}


@pytest.mark.parametrize("name", list(SECOND_WAVE))
def test_second_wave_errors_on_the_command_line(write_yaml: Callable[..., Path],
                                                cocoa_data: dict, name: str) -> None:
    """`agreementgen validate FILE`: exit 1, file:line:col: field: message, no traceback."""
    import re

    from click.testing import CliRunner

    from agreementgen.cli import cli

    change, field, expected, on_line = SECOND_WAVE[name]
    change(cocoa_data)
    path = write_yaml(cocoa_data)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    first, summary = result.stderr.splitlines()
    assert summary == "1 problem(s) in 1 file(s)"
    match = re.fullmatch(rf"{re.escape(str(path))}:(\d+):(\d+): {re.escape(field)}: (.*)", first)
    assert match, first
    assert match[3].startswith(expected), match[3]
    line = path.read_text(encoding="utf-8").splitlines()[int(match[1]) - 1]
    assert on_line in line, (line, first)


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("focal point is a partner", lambda d: d["compliance"]["safeguarding"].update(
            focal_point="nkabom-union")),
        ("liability in a binding agreement",
         lambda d: d.update(liability={"cap": {"amount": 0, "currency": "GHS"}})),
        ("no personal data and no roles",
         lambda d: d.update(data_protection={"personal_data": False})),
        ("anti_corruption in the partners' own words",
         lambda d: d["compliance"].update(anti_corruption="Each partner keeps its *own* code.")),
        ("no anti-corruption clause", lambda d: d["compliance"].update(anti_corruption=False)),
        ("publication by a partner", lambda d: d.update(publication=[{"partner": "fairbean"}])),
    ],
)
def test_second_wave_rules_hold(write_yaml: Callable[..., Path], cocoa_data: dict, name: str,
                                change: Callable[[dict], Any]) -> None:
    change(cocoa_data)
    assert problems(write_yaml, cocoa_data) == []


def test_second_wave_errors_come_all_at_once(write_yaml: Callable[..., Path],
                                             cocoa_data: dict) -> None:
    for name in SECOND_WAVE:
        SECOND_WAVE[name][0](cocoa_data)
    found = validate(write_yaml(cocoa_data))
    assert sorted(p.path for p in found) == sorted(field for _, field, _, _ in
                                                   SECOND_WAVE.values())
    assert all(p.line is not None and p.column is not None for p in found)
