"""The JSON Schema for editors: made from the Cerberus schema, up to date, and agreeing with it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema as jsonschema_lib
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agreementgen import jsonschema
from agreementgen.cli import cli
from agreementgen.loading import load
from agreementgen.starter import KINDS, starter_text
from agreementgen.validation.schema import check_schema, schema_document, schema_rules
from tests.conftest import COCOA, EXAMPLES, ROOT

EXPORTED = ROOT / "schemas" / "description.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema_lib.Draft202012Validator:
    schema = jsonschema.json_schema()
    jsonschema_lib.Draft202012Validator.check_schema(schema)
    return jsonschema_lib.Draft202012Validator(schema)


def json_errors(validator: jsonschema_lib.Draft202012Validator, data: Any) -> list[tuple[Any, ...]]:
    """The places (as paths) where the JSON Schema rejects the data."""
    return [tuple(error.absolute_path) for error in validator.iter_errors(data)]


def cerberus_errors(data: Any) -> list[tuple[Any, ...]]:
    """The places where the Cerberus schema (without the cross-field rules) rejects the data,
    its texts in several languages checked first, as ``validate`` does."""
    from agreementgen.translations import check_languages, single_texts

    flaws = check_languages(schema_rules(), data) if isinstance(data, dict) else []
    single = single_texts(schema_rules(), data) if isinstance(data, dict) else data
    _, schema_flaws = check_schema(single)
    return [flaw.path for flaw in [*flaws, *schema_flaws]]


def test_the_exported_file_is_up_to_date() -> None:
    assert EXPORTED.read_text(encoding="utf-8") == jsonschema.json_schema_text(), (
        "schemas/description.schema.json is out of date; run: "
        "agreementgen schema --format json-schema -o schemas/description.schema.json --force")


def test_it_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(EXPORTED.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema_lib.Draft202012Validator.check_schema(schema)


def test_it_carries_every_field_description_enum_and_required_field() -> None:
    schema = jsonschema.json_schema()
    seen = 0

    def walk(rules: dict[str, Any], node: dict[str, Any], where: str) -> None:
        nonlocal seen
        required = {name for name, rule in rules.items() if rule.get("required")}
        assert set(node.get("required", [])) == required, where
        assert node["additionalProperties"] is False, where
        for name, rule in rules.items():
            here = f"{where}.{name}"
            prop = node["properties"][name]
            assert prop["description"].startswith(rule["meta"]["description"]), here
            if rule.get("meta", {}).get("markdown"):
                assert prop["description"].endswith("Accepts Markdown."), here
            if "allowed" in rule:
                nulls = [None] if "default" in rule else []  # a null takes the default
                assert prop["enum"] == rule["allowed"] + nulls, here
            seen += 1
            inner = rule.get("schema")
            if rule["type"] == "dict":
                walk(inner, prop, here)
            elif rule["type"] == "list" and inner.get("type") == "dict":
                walk(inner["schema"], prop["items"], f"{here}[]")

    walk(schema_document()["schema"], schema, "")
    assert seen > 100


def test_limits_and_checks_are_translated() -> None:
    props = jsonschema.json_schema()["properties"]
    partners = props["partners"]
    assert partners["minItems"] == 2
    partner = partners["items"]["properties"]
    assert partner["id"]["pattern"] == "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    assert partner["name"]["minLength"] == 1
    assert partner["mission"]["maxLength"] == schema_rules()["partners"]["schema"]["schema"][
        "mission"]["maxlength"]
    cadence = props["monitoring"]["properties"]["reviews"]["properties"]["cadence_months"]
    assert (cadence["type"], cadence["minimum"], cadence["maximum"]) == ("integer", 1, 36)
    start = props["duration"]["properties"]["start_date"]
    assert start["format"] == "date" and "pattern" in start
    assert props["agreement"]["properties"]["kind"]["default"] == "partnership_agreement"


def test_an_untranslatable_rule_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = copy.deepcopy(schema_rules())
    rules["agreement"]["schema"]["title"]["regex"] = "^[A-Z]"
    monkeypatch.setattr("agreementgen.validation.schema.schema_rules", lambda: rules)
    with pytest.raises(jsonschema.SchemaTranslationError, match=r"agreement\.title: .*regex"):
        jsonschema.json_schema()


def test_the_currency_pattern_accepts_every_currency_cerberus_accepts() -> None:
    import re

    from babel.numbers import list_currencies

    pattern = jsonschema.json_schema()["properties"]["contributions"]["items"]["properties"][
        "value"]["properties"]["currency"]["pattern"]
    assert all(re.match(pattern, code) for code in list_currencies())


# --- Agreement: both schemas accept every shipped example and starter ---

@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_both_accept_the_shipped_examples(validator: Any, path: Path) -> None:
    data = load(path).data
    assert json_errors(validator, data) == []
    assert cerberus_errors(data) == []


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("kind", KINDS)
def test_both_accept_the_starters(validator: Any, kind: str, lang: str) -> None:
    data = yaml.safe_load(starter_text(kind, lang))
    data = json.loads(json.dumps(data, default=str))  # dates as text, as agreementgen loads them
    assert json_errors(validator, data) == []
    assert cerberus_errors(data) == []


# --- Agreement: both schemas reject each of these, at the same place ---

def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return change


INVALID: dict[str, tuple[Callable[[dict[str, Any]], None], tuple[Any, ...]]] = {
    "missing required section": (_drop(("purpose",)), ("purpose",)),
    "missing required field": (_drop(("agreement", "title")), ("agreement", "title")),
    "missing field in a list item": (_drop(("partners", 1, "role")), ("partners", 1, "role")),
    "value not allowed": (_set(("agreement", "binding"), "maybe"), ("agreement", "binding")),
    "unknown top-level section": (_set(("partnrs",), []), ("partnrs",)),
    "unknown field in a partner": (_set(("partners", 0, "sectr"), "cso"), ("partners", 0, "sectr")),
    "text where a mapping goes": (_set(("theory_of_change",), "change"), ("theory_of_change",)),
    "null section": (_set(("duration",), None), ("duration",)),
    "number where text goes": (_set(("agreement", "version"), 0.1), ("agreement", "version")),
    "empty title": (_set(("agreement", "title"), ""), ("agreement", "title")),
    "title too long": (_set(("agreement", "title"), "x" * 1001), ("agreement", "title")),
    "one partner": (lambda d: d.update(partners=d["partners"][:1]), ("partners",)),
    "no shared objective": (_set(("purpose", "shared_objectives"), []),
                            ("purpose", "shared_objectives")),
    "empty list item": (_set(("purpose", "shared_objectives", 0), ""),
                        ("purpose", "shared_objectives", 0)),
    "partner id with capitals and spaces": (_set(("partners", 0, "id"), "Acme Foods"),
                                            ("partners", 0, "id")),
    "outcome id starting with a digit": (_set(("theory_of_change", "outcomes", 0, "id"), "1st"),
                                         ("theory_of_change", "outcomes", 0, "id")),
    "date in words": (_set(("duration", "start_date"), "1 April 2026"),
                      ("duration", "start_date")),
    "month 13": (_set(("duration", "end_date"), "2027-13-01"), ("duration", "end_date")),
    "day 32": (_set(("agreement", "date"), "2026-01-32"), ("agreement", "date")),
    "e-mail without @": (_set(("partners", 0, "contact", "email"), "kofi.example.org"),
                         ("partners", 0, "contact", "email")),
    "currency in lowercase": (_set(("contributions", 0, "value", "currency"), "eur"),
                              ("contributions", 0, "value", "currency")),
    "negative amount": (_set(("contributions", 0, "value", "amount"), -5),
                        ("contributions", 0, "value", "amount")),
    "amount as text": (_set(("contributions", 0, "value", "amount"), "5000"),
                       ("contributions", 0, "value", "amount")),
    "review cadence 0": (_set(("monitoring", "reviews", "cadence_months"), 0),
                         ("monitoring", "reviews", "cadence_months")),
    "review cadence 40": (_set(("monitoring", "reviews", "cadence_months"), 40),
                          ("monitoring", "reviews", "cadence_months")),
    "fractional notice days": (_set(("duration", "notice_days"), 1.5),
                               ("duration", "notice_days")),
    "boolean as text": (_set(("communication", "confidentiality"), "yes"),
                        ("communication", "confidentiality")),
    "list item of the wrong type": (_set(("partners", 0, "objectives"), [[1]]),
                                    ("partners", 0, "objectives", 0)),
    # A mapping in a text field is the text in several languages: "a" is no language.
    "text in an unknown language": (_set(("partners", 0, "objectives"), [{"a": "Text"}]),
                                    ("partners", 0, "objectives", 0, "a")),
}


INVALID["boolean as integer"] = (_set(("duration", "notice_days"), True),
                                 ("duration", "notice_days"))

# The second wave: fields that take true, false or text (a Cerberus type list), and the new
# sections' own rules.
INVALID.update({
    "number where true, false or text goes": (_set(("compliance",), {"anti_corruption": 3}),
                                              ("compliance", "anti_corruption")),
    "list where true, false or text goes": (_set(("funding", "audit_rights"), ["yearly"]),
                                            ("funding", "audit_rights")),
    "null where true, false or text goes": (_set(("compliance", "conflict_of_interest"), None),
                                            ("compliance", "conflict_of_interest")),
    "own wording too long": (_set(("compliance", "anti_corruption"), "x" * 20_001),
                             ("compliance", "anti_corruption")),
    "data roles without personal_data": (
        _set(("data_protection",), {"roles": [{"partner": "fairbean", "role": "processor"}]}),
        ("data_protection", "personal_data")),
    "data role not allowed": (_set(("data_protection", "roles", 0, "role"), "owner"),
                              ("data_protection", "roles", 0, "role")),
    "safeguarding without applies": (_drop(("compliance", "safeguarding", "applies")),
                                     ("compliance", "safeguarding", "applies")),
    "unspent funds not allowed": (_set(("funding", "unspent_funds"), "spend"),
                                  ("funding", "unspent_funds")),
    "negative review days": (_set(("publication",), [{"partner": "fairbean", "review_days": -1}]),
                             ("publication", 0, "review_days")),
    "liability cap without currency": (_set(("liability",), {"cap": {"amount": 1000}}),
                                       ("liability", "cap", "currency")),
    "force majeure as text": (_set(("force_majeure",), "yes"), ("force_majeure",)),
})


@pytest.mark.parametrize("case", list(INVALID))
def test_both_reject_the_same_documents_at_the_same_place(validator: Any, case: str) -> None:
    change, place = INVALID[case]
    data = copy.deepcopy(load(COCOA).data)
    change(data)
    cerberus_places = cerberus_errors(data)
    json_places = json_errors(validator, data)
    assert place in cerberus_places, cerberus_places
    assert json_places, "the JSON Schema accepted it"
    # JSON Schema reports a missing or unknown field at its parent mapping.
    assert any(place[:len(p)] == p and len(place) - len(p) <= 1 for p in json_places), json_places


def test_a_type_list_becomes_a_json_type_list() -> None:
    """``type: [boolean, string]``: true, false or text; the text keeps its Markdown note and
    its length limit, which JSON Schema (like Cerberus) applies to the text only."""
    from agreementgen.validation.schema import MAX_MARKDOWN

    props = jsonschema.json_schema()["properties"]
    places = [props["compliance"]["properties"]["anti_corruption"],
              props["compliance"]["properties"]["conflict_of_interest"],
              props["funding"]["properties"]["audit_rights"]]
    for prop in places:
        # "object": the text may be given per language, as every text field may.
        assert prop["type"] == ["boolean", "string", "object"], prop
        assert prop["maxLength"] == MAX_MARKDOWN, prop
        assert prop["description"].endswith("Accepts Markdown."), prop
        assert not {"minLength", "enum", "items"} & set(prop), prop
        assert set(prop["properties"]) == {"en", "nl"}, prop


def test_a_type_list_takes_null_and_a_minimum_length_where_cerberus_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rules = copy.deepcopy(schema_rules())
    rules["compliance"]["schema"]["anti_corruption"].update(nullable=True, empty=False)
    monkeypatch.setattr("agreementgen.validation.schema.schema_rules", lambda: rules)
    prop = jsonschema.json_schema()["properties"]["compliance"]["properties"]["anti_corruption"]
    assert prop["type"] == ["boolean", "string", "object", "null"]
    assert prop["minLength"] == 1
    assert prop["properties"]["nl"]["minLength"] == 1


@pytest.mark.parametrize(("kind", "extra", "error"), [
    (["boolean", "datetime"], {}, r"compliance\.anti_corruption: no JSON Schema type for "
                                  r"\['boolean', 'datetime'\]"),
    ([], {}, r"compliance\.anti_corruption: no JSON Schema type for \[\]"),
    (["dict", "list"], {"schema": {"a": {"type": "string"}}},
     r"compliance\.anti_corruption: no JSON Schema translation for a schema rule"),
])
def test_an_untranslatable_type_list_is_refused(monkeypatch: pytest.MonkeyPatch, kind: Any,
                                                extra: dict[str, Any], error: str) -> None:
    rules = copy.deepcopy(schema_rules())
    rules["compliance"]["schema"]["anti_corruption"].update(type=kind, **extra)
    monkeypatch.setattr("agreementgen.validation.schema.schema_rules", lambda: rules)
    with pytest.raises(jsonschema.SchemaTranslationError, match=error):
        jsonschema.json_schema()


NEW_SECTIONS = ("compliance", "data_protection", "funding", "publication", "liability",
                "force_majeure")


def test_the_examples_use_the_second_wave_fields() -> None:
    """So that accepting the examples (above) tests the new fields, not only the old ones."""
    used = {section for path in EXAMPLES.glob("*.yaml")
            for section in load(path).data if section in NEW_SECTIONS}
    assert {"compliance", "data_protection", "funding", "publication"} <= used
    texts = [load(path).data.get("funding", {}).get("audit_rights")
             for path in EXAMPLES.glob("*.yaml")]
    assert True in texts and any(isinstance(text, str | dict) for text in texts)


@pytest.mark.parametrize("value", [True, False, "The partners' **own** wording."])
def test_both_accept_true_false_or_text_and_every_new_section(validator: Any, value: Any) -> None:
    data = copy.deepcopy(load(COCOA).data)
    data["compliance"].update(anti_corruption=value, conflict_of_interest=value,
                              exclusivity="exclusive")
    data["funding"]["audit_rights"] = value
    data["publication"] = [{"partner": "fairbean", "rights": "its findings", "review_days": 0}]
    data["liability"] = {"cap": {"amount": 250_000.5, "currency": "EUR"},
                         "insurance": "Each partner keeps public liability insurance."}
    data["force_majeure"] = False
    assert set(NEW_SECTIONS) <= set(data)
    assert json_errors(validator, data) == []
    assert cerberus_errors(data) == []


def test_the_new_cross_field_rules_are_left_to_validate(validator: Any) -> None:
    """Ids, liability only when binding, roles only with personal data: JSON Schema accepts
    them as the Cerberus schema does; the cross-field rules of ``validate`` refuse them."""
    from agreementgen.validation.rules import check_rules

    data = copy.deepcopy(load(COCOA).data)
    data["compliance"]["safeguarding"]["focal_point"] = "nobody"
    data["data_protection"]["personal_data"] = False
    data["data_protection"]["roles"][0]["partner"] = "nobody"
    data["publication"] = [{"partner": "nobody"}]
    data["agreement"]["binding"] = "non_binding"
    data["liability"] = {"insurance": "Each partner keeps its own."}
    assert json_errors(validator, data) == []
    assert cerberus_errors(data) == []
    assert {flaw.path for flaw in check_rules(data)} >= {
        ("compliance", "safeguarding", "focal_point"), ("data_protection", "roles", 0, "partner"),
        ("publication", 0, "partner"), ("liability",), ("data_protection", "roles")}


def test_known_limits_are_left_to_validate(validator: Any) -> None:
    """What JSON Schema cannot decide, it accepts; agreementgen validate still refuses it."""
    data = copy.deepcopy(load(COCOA).data)
    data["duration"]["end_date"] = "2027-02-30"
    data["contributions"][0]["value"]["currency"] = "XYZ"
    assert json_errors(validator, data) == []
    assert sorted(cerberus_errors(data)) == [
        ("contributions", 0, "value", "currency"), ("duration", "end_date")]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _leaves(item, (*path, index))]
    return [path]


COCOA_DATA = load(COCOA).data
# One real path per field of the format (list indexes aside), so each field is as likely.
COCOA_FIELDS = sorted({tuple("[]" if isinstance(step, int) else step for step in path): path
                       for path in reversed(_leaves(COCOA_DATA))}.values(), key=str)
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.floats(-2, 2, allow_nan=False),
    st.text(max_size=12), st.just(""), st.just("2027-01-01"), st.just("acme-foods"),
    st.lists(st.text(max_size=4), max_size=2), st.dictionaries(st.text(max_size=4), st.none(),
                                                               max_size=1))
ODD_NUMBERS = st.one_of(st.integers(-2, 40), st.floats(-2, 40, allow_nan=False), st.booleans(),
                        st.sampled_from(["1", None, [1]]))


_RULES = {"enum", "pattern", "minimum", "maximum", "minItems"}


def _property(schema: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    for step in path:
        schema = schema["items"] if isinstance(step, int) else schema["properties"][step]
    return schema


SCHEMA = jsonschema.json_schema()
_RULED = [path for path in COCOA_FIELDS if _RULES & set(_property(SCHEMA, path))
          or _property(SCHEMA, path).get("type") != "string"]
_WORDS = st.sampled_from(sorted({word for path in COCOA_FIELDS
                                 for word in _property(SCHEMA, path).get("enum", [])
                                 if isinstance(word, str)}))


@settings(max_examples=150, deadline=None)
@given(path=st.one_of(st.sampled_from(_RULED), st.sampled_from(COCOA_FIELDS)),
       value=st.one_of(ODD_VALUES, ODD_NUMBERS, _WORDS, _WORDS.map(str.upper)))
def test_both_decide_alike_on_any_odd_value(validator: Any, path: tuple[Any, ...],
                                            value: Any) -> None:
    """Put an odd value in any field of a valid description: both schemas accept or refuse it.

    Fields with rules of their own (enums, patterns, bounds, non-text types) are drawn more
    often. Only the known limits are set aside: a boolean where an integer goes (Cerberus takes
    it), a whole float like 2.0 where an integer goes (JSON Schema takes it), and text of the
    right shape for a date or currency that is not a real one.
    """
    import re

    prop = _property(validator.schema, path)
    if prop.get("type") == "integer":
        whole_float = isinstance(value, float) and value.is_integer()
        assume(not isinstance(value, bool) and not whole_float)
    assume(not (isinstance(value, str) and prop.get("format") == "date"
                and re.match(prop["pattern"], value)))
    assume(not (isinstance(value, str) and prop.get("pattern") == "^[A-Z]{3}$"))
    document = copy.deepcopy(COCOA_DATA)
    _set(path, value)(document)
    json_ok, cerberus_ok = json_errors(validator, document) == [], cerberus_errors(document) == []
    assert json_ok == cerberus_ok, (path, value, json_ok, cerberus_ok)


# --- The command ---

def test_schema_command_prints_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema", "--format", "json-schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == jsonschema.json_schema()


def test_schema_command_prints_the_cerberus_source_by_default(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# The partnership description schema")
    assert yaml.safe_load(result.stdout)["schema"] == schema_document()["schema"]


def test_schema_command_writes_a_file_and_refuses_to_overwrite(runner: CliRunner,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "agreementgen.schema.json"
    result = runner.invoke(cli, ["schema", "--format", "json-schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == jsonschema.json_schema_text()
    out.write_text("{}", encoding="utf-8")
    again = runner.invoke(cli, ["schema", "--format", "json-schema", "-o", str(out)])
    assert again.exit_code == 1
    assert again.stderr.strip() == f"{out}: the file exists; use --force to overwrite it"
    assert out.read_text(encoding="utf-8") == "{}"
    forced = runner.invoke(cli, ["schema", "--format", "json-schema", "-o", str(out), "--force"])
    assert forced.exit_code == 0
    assert out.read_text(encoding="utf-8") == jsonschema.json_schema_text()


def test_schema_command_errors(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "s.json"
    result = runner.invoke(cli, ["schema", "-o", str(missing)])
    assert result.exit_code == 1
    assert f"the folder {missing.parent} does not exist" in result.stderr
    assert not missing.parent.exists()
    folder = runner.invoke(cli, ["schema", "-o", str(tmp_path), "--force"])
    assert folder.exit_code == 1
    assert f"{tmp_path}: this is a folder; name the file to write" in folder.stderr
    assert "Traceback" not in folder.output
    assert runner.invoke(cli, ["schema", "--format", "xsd"]).exit_code == 2


def _validator() -> Any:
    return jsonschema_lib.Draft202012Validator(jsonschema.json_schema())


def test_a_text_may_be_plain_or_given_per_language() -> None:
    """Editors accept both forms of a text field, and complete the language keys."""
    data = copy.deepcopy(load(COCOA).data)
    data["purpose"]["problem"] = {"en": "Deforestation is rising.",
                                  "nl": "De ontbossing neemt toe."}
    data["purpose"]["shared_objectives"] = [{"nl": "Een doel."}, "A plain objective."]
    data["partners"][0]["role"] = {"en": "buyer"}
    assert list(_validator().iter_errors(data)) == []
    problem = jsonschema.json_schema()["properties"]["purpose"]["properties"]["problem"]
    assert problem["type"] == ["string", "object"]
    assert set(problem["properties"]) == {"en", "nl"}
    assert problem["properties"]["nl"]["description"] == "The text in Dutch (nl)."


@pytest.mark.parametrize("value", [{}, {"de": "Text"}, {"en": 3}, {"en": ""}])
def test_a_bad_language_mapping_is_refused_by_the_json_schema(value: Any) -> None:
    data = copy.deepcopy(load(COCOA).data)
    data["purpose"]["problem"] = value
    assert list(_validator().iter_errors(data))


def test_ids_and_references_are_never_language_mappings() -> None:
    props = jsonschema.json_schema()["properties"]
    partner = props["partners"]["items"]["properties"]
    assert partner["id"]["type"] == "string"
    contribution = props["contributions"]["items"]["properties"]
    assert contribution["partner"]["type"] == "string"
    assert props["agreement"]["properties"]["kind"]["type"] != "object"
