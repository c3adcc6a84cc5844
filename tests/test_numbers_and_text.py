"""Numbers and text as people write them: ranges, thousands separators, misspellings, dates,
allowed values and YAML slips, each refused or warned about at its field and line."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agreementgen.api import validate
from agreementgen.cli import cli
from agreementgen.errors import InputError, Problem
from agreementgen.loading import load
from tests.conftest import COCOA

TEXT = COCOA.read_text(encoding="utf-8")


def line_of(snippet: str) -> int:
    """The line of the example on which ``snippet`` starts (it must occur once)."""
    assert TEXT.count(snippet) == 1, snippet
    return TEXT[:TEXT.index(snippet)].count("\n") + 1


AMOUNT = "    value: {amount: 360000, currency: EUR}\n"  # contributions[0], in flow style
AMOUNT_LINE = line_of(AMOUNT)
FIELD = "contributions[0].value.amount"


def cocoa_with(old: str, new: str) -> str:
    """The cocoa example with one piece of its text replaced."""
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def problems_of(path: Path) -> list[Problem]:
    """The problems of a file, whether it cannot be read or does not validate."""
    try:
        return validate(path)
    except InputError as exc:
        return list(exc.problems)


def write(tmp_path: Path, text: str, name: str = "cocoa.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cocoa_json(tmp_path: Path, amount: str) -> Path:
    """The cocoa example as JSON, with the first contribution's amount written as ``amount``."""
    data = load(COCOA).data
    data["contributions"][0]["value"]["amount"] = "AMOUNT"
    return write(tmp_path, json.dumps(data, indent=1).replace('"AMOUNT"', amount), "cocoa.json")


def cocoa_toml(tmp_path: Path, amount: str) -> Path:
    import tomli_w

    data = load(COCOA).data
    data["contributions"][0]["value"]["amount"] = 123456789
    text = tomli_w.dumps(data)
    assert text.count("amount = 123456789") == 1
    return write(tmp_path, text.replace("amount = 123456789", f"amount = {amount}"), "cocoa.toml")


# --- 1. Finite numbers in a documented range -------------------------------------------------

@pytest.mark.parametrize(("amount", "code"), [
    (".nan", "number_nan"), (".NaN", "number_nan"), (".inf", "number_infinite"),
    ("-.inf", "number_infinite"), ("9" * 400, "number_too_long"),
    ("1000000000000001", "max_value"), ("-1", "min_value"),
])
def test_an_amount_out_of_range_is_refused_at_its_field_and_line(tmp_path: Path, amount: str,
                                                                  code: str) -> None:
    path = write(tmp_path, cocoa_with(AMOUNT, AMOUNT.replace("360000", amount)))
    (problem,) = problems_of(path)
    assert (problem.path, problem.line, problem.code) == (FIELD, AMOUNT_LINE, code)


def test_nan_and_infinity_say_what_to_write(write_yaml: Callable[..., Path],
                                            cocoa_data: dict[str, Any]) -> None:
    cocoa_data["duration"]["notice_days"] = math.nan
    cocoa_data["contributions"][0]["value"]["amount"] = math.inf
    found = {p.path: p.message for p in validate(write_yaml(cocoa_data))}
    assert found == {
        FIELD: "must be a number from 0 to 1000000000000000, not infinity",
        "duration.notice_days": "must be a number from 0 to 3650, not NaN ('not a number')",
    }


@pytest.mark.parametrize(("amount", "code"), [
    ("NaN", "number_nan"), ("Infinity", "number_infinite"), ("-Infinity", "number_infinite"),
    ("1e400", "number_infinite"), ("9" * 5000, "number_too_long"),
    ("9" * 5000 + ".5", "number_too_long"),
])
def test_json_numbers_out_of_range_are_refused_at_their_field(tmp_path: Path, amount: str,
                                                               code: str) -> None:
    path = cocoa_json(tmp_path, amount)
    (problem,) = problems_of(path)
    assert (problem.path, problem.code) == (FIELD, code)
    assert problem.line is not None


@pytest.mark.parametrize(("amount", "code"), [
    ("nan", "number_nan"), ("inf", "number_infinite"), ("-inf", "number_infinite"),
    ("9" * 200, "number_too_long"), ("9" * 200 + ".5", "number_too_long"),
])
def test_toml_numbers_out_of_range_are_refused_at_their_field(tmp_path: Path, amount: str,
                                                               code: str) -> None:
    (problem,) = problems_of(cocoa_toml(tmp_path, amount))
    assert (problem.path, problem.code) == (FIELD, code)


def test_a_toml_integer_too_long_for_python_is_refused_with_its_line(tmp_path: Path) -> None:
    path = cocoa_toml(tmp_path, "9" * 5000)
    (problem,) = problems_of(path)
    assert problem.code == "number_too_long_to_read"
    assert problem.message.startswith("this number has 5000 digits, too many to read")
    assert problem.line is not None
    assert "amount = 999" in path.read_text(encoding="utf-8").splitlines()[problem.line - 1]


def test_a_long_number_reads_as_such_in_every_format(tmp_path: Path) -> None:
    from agreementgen.yaml_reader import LongNumber

    yaml_path = write(tmp_path, "a: " + "9" * 5000 + "\nb: 12\n")
    json_path = write(tmp_path, '{"a": ' + "9" * 5000 + ', "b": 12}', "a.json")
    for path in (yaml_path, json_path):
        data = load(path).data
        assert data == {"a": LongNumber("9" * 5000), "b": 12}
        assert repr(data["a"]) == "<a number of 5000 digits>"


@pytest.mark.parametrize("command", ["review", "generate"])
@pytest.mark.parametrize("amount", [".nan", ".inf", "9" * 400])
def test_review_and_generate_refuse_instead_of_crashing(runner: CliRunner, tmp_path: Path,
                                                         command: str, amount: str) -> None:
    path = write(tmp_path, cocoa_with(AMOUNT, AMOUNT.replace("360000", amount)))
    args = [command, str(path)] + (["-o", str(tmp_path / "out.docx")] if command == "generate"
                                   else [])
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{path}:{AMOUNT_LINE}:" in result.stderr
    assert FIELD in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.docx").exists()


def _number_rules(rules: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, rule in rules.items():
        where = f"{path}.{name}" if path else name
        if rule.get("type") in ("number", "integer"):
            yield where, rule
        inner = rule.get("schema")
        if rule.get("type") == "dict" and isinstance(inner, dict):
            yield from _number_rules(inner, where)
        elif rule.get("type") == "list" and isinstance(inner, dict):
            if inner.get("type") in ("number", "integer"):
                yield f"{where}[]", inner
            if isinstance(inner.get("schema"), dict):
                yield from _number_rules(inner["schema"], f"{where}[]")


def test_every_number_field_has_a_documented_range() -> None:
    from agreementgen.validation.schema import schema_document

    found = dict(_number_rules(schema_document()["schema"]))
    assert set(found) == {"contributions[].value.amount", "monitoring.reviews.cadence_months",
                          "publication[].review_days", "liability.cap.amount",
                          "duration.notice_days"}
    for where, rule in found.items():
        assert isinstance(rule.get("min"), int) and isinstance(rule.get("max"), int), where
        assert str(rule["max"]) in rule["meta"]["description"], where


@pytest.mark.parametrize(("place", "value"), [
    (("duration", "notice_days"), 3651), (("duration", "notice_days"), math.nan),
    (("monitoring", "reviews", "cadence_months"), math.inf),
    (("liability", "cap", "amount"), math.nan), (("liability", "cap", "amount"), 10**16),
    (("publication", 0, "review_days"), 366),
])
def test_every_number_field_refuses_values_out_of_its_range(
        write_yaml: Callable[..., Path], cocoa_data: dict[str, Any], place: tuple[Any, ...],
        value: Any) -> None:
    cocoa_data.setdefault("publication", [{"partner": cocoa_data["partners"][0]["id"]}])
    cocoa_data.setdefault("liability", {"cap": {"amount": 1, "currency": "EUR"}})
    target = cocoa_data
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    found = [(p.path, p.code) for p in validate(write_yaml(cocoa_data))]
    dotted = ".".join(str(step) for step in place).replace(".0.", "[0].")
    assert len(found) == 1 and found[0][0] == dotted, found


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("25000.505", "EUR", "EUR is written with at most 2 decimal(s), and 25000.505 has 3: "
                         "round it"),
    ("1500.5", "XOF", "XOF is written with at most 0 decimal(s), and 1500.5 has 1: round it"),
    ("14.400", "EUR", "EUR is written with at most 2 decimal(s), and 14.400 has 3: if the point "
                      "separates thousands, write 14400; else round it"),
])
def test_an_amount_with_more_decimals_than_its_currency_is_refused(
        tmp_path: Path, amount: str, currency: str, expected: str) -> None:
    value = f"    value: {{amount: {amount}, currency: {currency}}}\n"
    (problem,) = problems_of(write(tmp_path, cocoa_with(AMOUNT, value)))
    assert (problem.path, problem.line, problem.message) == (FIELD, AMOUNT_LINE, expected)


@pytest.mark.parametrize("amount", ["25000.5", "25000.50", "1.5e+3", "0.0"])
def test_an_amount_with_the_currencys_decimals_is_valid(tmp_path: Path, amount: str) -> None:
    assert problems_of(write(tmp_path, cocoa_with(AMOUNT, AMOUNT.replace("360000", amount)))) \
        == []


def test_json_and_toml_amounts_with_too_many_decimals_are_refused(tmp_path: Path) -> None:
    for path in (cocoa_json(tmp_path, "25000.505"), cocoa_toml(tmp_path, "25000.505")):
        assert [(p.path, p.code) for p in problems_of(path)] == [(FIELD, "too_many_decimals")]


def test_the_quick_check_never_says_yes_to_nan_or_infinity() -> None:
    from agreementgen.translations import single_texts
    from agreementgen.validation.accept import compile_schema
    from agreementgen.validation.schema import _accepts, schema_rules, with_defaults

    loose = compile_schema({"n": {"type": "number"}, "i": {"type": "integer"}}, {})
    assert loose is not None
    assert loose({"n": 1.5, "i": 2})
    for odd in (math.nan, math.inf, -math.inf):
        assert not loose({"n": odd})
        assert not loose({"i": odd})
    data = with_defaults(schema_rules(), single_texts(schema_rules(), load(COCOA).data))
    assert _accepts()(data)
    data["contributions"][0]["value"] = {"amount": math.nan, "currency": "EUR"}
    assert not _accepts()(data)


# --- 2. A number too long, not a misfit tag ------------------------------------------------

def test_a_5000_digit_yaml_integer_is_a_number_too_long_not_a_tag(tmp_path: Path) -> None:
    path = write(tmp_path, cocoa_with(AMOUNT, AMOUNT.replace("360000", "9" * 5000)))
    (problem,) = problems_of(path)
    assert (problem.path, problem.line) == (FIELD, AMOUNT_LINE)
    assert problem.message == "this number has 5000 digits; write a number from 0 to " \
                              "1000000000000000"
    assert "tag" not in problem.message


def test_a_long_number_in_a_text_field_says_to_quote_it(tmp_path: Path) -> None:
    place = "  place: Zaandam\n"
    path = write(tmp_path, cocoa_with(place, "  place: " + "1" * 5000 + "\n"))
    (problem,) = problems_of(path)
    assert (problem.path, problem.line, problem.code) == ("agreement.place", line_of(place),
                                                          "number_too_long_for_text")
    assert problem.message == ("must be text, not a number of 5000 digits; if it is meant as "
                               "text, put it in quotes")


# --- 3. Thousands separators -----------------------------------------------------------------

def test_thousands_separators_in_a_flow_mapping_say_what_to_write_and_hide_nothing(
        tmp_path: Path) -> None:
    text = cocoa_with(AMOUNT, AMOUNT.replace("360000", "14,400,000"))
    text = text.replace("  binding: binding\n", "  binding: maybe\n", 1)
    found = [(p.path, p.line, p.message) for p in problems_of(write(tmp_path, text))]
    assert found == [
        ("agreement.binding", line_of("  binding: binding\n"),
         "'maybe' is not allowed; use one of: binding, non_binding"),
        (FIELD, AMOUNT_LINE, "must be a number, not the text '14,400,000'; write 14400000"),
    ]


@pytest.mark.parametrize(("written", "expected"), [
    ("14,400,000", "14400000"), ("14,400,000.50", "14400000.50"), ("1,400", "1400"),
    ("'14.400.000,50'", "14400000.50"), ("'14 400 000'", "14400000"), ("'2,5'", "2.5"),
    ("1e6", "1000000"),
])
def test_a_number_written_as_text_says_what_to_write(tmp_path: Path, written: str,
                                                     expected: str) -> None:
    block = f"    value:\n      amount: {written}\n      currency: EUR\n"
    (problem,) = problems_of(write(tmp_path, cocoa_with(AMOUNT, block)))
    assert (problem.path, problem.line, problem.code) == (FIELD, AMOUNT_LINE + 1,
                                                          "number_as_text")
    assert problem.message.endswith(f"; write {expected}")


def test_only_numbers_split_at_a_comma_are_joined(tmp_path: Path) -> None:
    from agreementgen.yaml_reader import load_yaml

    assert load_yaml("v: {amount: 14,400,000, currency: EUR}\n") == {
        "v": {"amount": "14,400,000", "currency": "EUR"}}
    assert load_yaml("x: {amount: 1,400.50}\ny: [14,400]\nz: {a: '1', b}\n") == {
        "x": {"amount": "1,400.50"}, "y": [14, 400], "z": {"a": "1", "b": None}}
    # A number key with a value of its own is no thousands group: still not text.
    path = write(tmp_path, "a: {x: 1, 400: y}\n", "keys.yaml")
    (problem,) = problems_of(path)
    assert problem.code == "non_text_key"


def loaded_both_ways(text: str) -> Any:
    """What the fast path and PyYAML's constructor load from ``text``, which must be the same
    (an exception: its type and text)."""
    import yaml

    from agreementgen.yaml_reader import DescriptionLoader, load_yaml

    def both() -> Iterator[Any]:
        for read in (load_yaml, lambda text: yaml.load(text, Loader=DescriptionLoader)):
            try:
                yield read(text)
            except Exception as exc:
                yield type(exc).__name__, str(exc)

    fast, pyyaml = both()
    assert fast == pyyaml, text
    return fast


@pytest.mark.parametrize(("text", "loaded"), [
    ("v: {amount: 14,400,000, currency: EUR}\n", {"v": {"amount": "14,400,000",
                                                      "currency": "EUR"}}),
    # A byte order mark (libyaml leaves it out of its places), spaces after the commas.
    ("\ufeffv: {amount: 14, 400,000 , currency: EUR}\n", {"v": {"amount": "14,400,000",
                                                               "currency": "EUR"}}),
    # Characters beyond ASCII and CRLF line ends before the number.
    ("v: {\u00e9: 1,000}\r\nw: {\U0001F600: -2,000.5}\n", {"v": {"\u00e9": "1,000"},
                                                        "w": {"\U0001F600": "-2,000.5"}}),
])
def test_a_split_number_is_joined_on_both_paths(text: str, loaded: Any) -> None:
    assert loaded_both_ways(text) == loaded


def test_a_joined_mapping_is_the_same_wherever_it_is_used() -> None:
    # An alias of the mapping, or a merge of it, sees the joined text, as it would a quoted one.
    assert loaded_both_ways("b: &b {x: 1,000}\nc: {<<: *b, y: 2}\nd: *b\n") == {
        "b": {"x": "1,000"}, "c": {"x": "1,000", "y": 2}, "d": {"x": "1,000"}}
    assert loaded_both_ways("c:\n  <<: {x: 1,000}\n  y: 2\n") == {"c": {"x": "1,000", "y": 2}}


@pytest.mark.parametrize(("text", "loaded"), [
    # An anchor on the number: its alias would give 1 where the mapping gave '1,000'.
    ("v: {a: &n 1,000, b: *n}\n", ("NonTextKey", "0")),
    # An alias as the group, a tagged group, a group with a value, an explicit key.
    ("s: &s 000\nv: {a: 1, *s }\nw: {b: 2,000}\n", ("NonTextKey", "0")),
    ("v: {a: 1, !!str 000}\nw: {b: 2,000}\n", {"v": {"a": 1, "000": None},
                                              "w": {"b": "2,000"}}),
    ("v: {a: 1, 000: }\nw: {b: 2,000}\n", ("NonTextKey", "0")),
    ("v: {a: 1, ? 000}\nw: {b: 2,000}\n", ("NonTextKey", "0")),
    ("v: {a: 1, 000: x}\n", ("NonTextKey", "0")),
    # A set, a comment or a line break between the groups, a space before the comma.
    ("v: !!set {a: 1,000}\n", ("NonTextKey", "0")),
    ("v: {a: 1, # note\n  000}\n", ("NonTextKey", "0")),
    ("v: {a: 1,\n  000}\n", ("NonTextKey", "0")),
    ("v: {a: 1 ,000}\n", ("NonTextKey", "0")),
    # A merge key's value is no number.
    ("v: {<<: 1,000}\n", ("ConstructorError", "while constructing a mapping\n  in "
                                               '"<unicode string>", line 1, column 4\n'
                                               "expected a mapping or list of mappings for "
                                               'merging, but found scalar\n  in "<unicode '
                                               'string>", line 1, column 9')),
])
def test_what_the_join_is_not_for_is_read_as_yaml_reads_it(text: str, loaded: Any) -> None:
    assert loaded_both_ways(text) == loaded


@pytest.mark.parametrize(("name", "text", "line"), [
    ("a.json", '{\n "amount": 14,400,000,\n "currency": "EUR"\n}', 2),
    ("a.toml", "currency = 'EUR'\namount = 14,400,000\n", 2),
])
def test_json_and_toml_syntax_errors_at_thousands_separators_say_what_to_write(
        tmp_path: Path, name: str, text: str, line: int) -> None:
    (problem,) = problems_of(write(tmp_path, text, name))
    assert problem.line == line
    assert problem.message.endswith("; write numbers without thousands separators: 14400000")


# --- 4. A flow list item split at its comma ---------------------------------------------------

OBJECTIVES = "  shared_objectives:\n"


def check_warnings(path: Path) -> list[Problem]:
    from agreementgen.validation import check_warnings

    return check_warnings(load(path))


def split_list_file(tmp_path: Path, items: str) -> Path:
    start = TEXT.index(OBJECTIVES) + len(OBJECTIVES)
    end = TEXT.index("\n  collaborative_advantage:", start)
    return write(tmp_path, TEXT[:start - 1] + f" {items}" + TEXT[end:])


def test_an_item_split_at_a_thousands_comma_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = split_list_file(tmp_path, "[Buy 60,000 litres a day, Pay 1,500 farmers]")
    assert validate(path) == []  # the file stays valid
    line = line_of(OBJECTIVES)
    warnings = check_warnings(path)
    assert [(w.path, w.line, w.code) for w in warnings] == [
        ("purpose.shared_objectives[1]", line, "split_list_item"),
        ("purpose.shared_objectives[3]", line, "split_list_item")]
    assert warnings[0].message == (
        "YAML split 'Buy 60,000 litres a day' at its comma into two items, 'Buy 60' and "
        "'000 litres a day', because the list is written in brackets; if it is one item, put it "
        "in quotes, or write the list as a block, one '- ' line per item")


@pytest.mark.parametrize("items", [
    "['Buy 60,000 litres a day', Pay farmers]", "[Buy 60, 2000 litres]",
    "\n    - Buy 60,000 litres a day\n    - Pay farmers",
])
def test_items_written_as_meant_get_no_warning(tmp_path: Path, items: str) -> None:
    path = split_list_file(tmp_path, items)
    assert check_warnings(path) == []


def test_dates_in_a_flow_list_get_no_warning() -> None:
    assert "reflection_moments: [2027-04-15, 2028-04-15]" in TEXT
    assert check_warnings(COCOA) == []


# --- 5. A misspelt section -------------------------------------------------------------------

def test_a_misspelt_section_is_one_problem_at_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, cocoa_with("\ntheory_of_change:\n", "\ntheory_of_chnage:\n"))
    (problem,) = problems_of(path)
    assert (problem.path, problem.line, problem.message) == (
        "theory_of_chnage", line_of("\ntheory_of_change:\n") + 1,
        "unknown field 'theory_of_chnage'; did you mean 'theory_of_change'?")


def test_a_misspelt_field_deeper_down_is_one_problem(tmp_path: Path) -> None:
    name = "    name: Nkabom Cocoa Farmers' Cooperative Union Ltd.\n"
    path = write(tmp_path, cocoa_with(name, name.replace("name:", "nmae:")))
    (problem,) = problems_of(path)
    assert (problem.path, problem.message) == (
        "partners[1].nmae", "unknown field 'nmae'; did you mean 'name'?")


def test_what_a_misspelt_section_holds_is_still_checked_at_its_line(tmp_path: Path) -> None:
    text = cocoa_with("\ntheory_of_change:\n", "\ntheory_of_chnage:\n")
    text = text.replace("\n  long_term_goal:", "\n  long_term_gaol:", 1)
    outcome = "    - id: farm-income\n"
    text = text.replace(outcome, "    - id: Farm Income\n", 1)
    path = write(tmp_path, text)
    found = [(p.path, p.code) for p in problems_of(path)]
    assert ("theory_of_chnage", "unknown_field") in found
    assert ("theory_of_chnage.long_term_gaol", "unknown_field") in found
    bad_id = [p for p in problems_of(path) if p.path == "theory_of_chnage.outcomes[2].id"]
    assert bad_id and bad_id[0].line is not None
    assert "Farm Income" in text.splitlines()[bad_id[0].line - 1]
    assert all(code != "required" for _, code in found)


def test_an_unknown_key_near_a_field_that_is_present_is_reported_as_before(
        write_yaml: Callable[..., Path], cocoa_data: dict[str, Any]) -> None:
    cocoa_data["purpose"]["problm"] = "x"
    assert [p.message for p in validate(write_yaml(cocoa_data))] == [
        "unknown field 'problm'; did you mean 'problem'?"]


# --- 6. Dates that do not exist, and allowed values YAML typed --------------------------------

@pytest.mark.parametrize(("date", "expected"), [
    ("2027-02-30", "'2027-02-30' is not a date: February 2027 has only 28 days"),
    ("2028-02-30", "'2028-02-30' is not a date: February 2028 has only 29 days"),
    ("2027-04-31", "'2027-04-31' is not a date: April 2027 has only 30 days"),
    ("2027-04-00", "'2027-04-00' is not a date: April 2027 has only 30 days"),
    ("2027-13-01", "'2027-13-01' is not a date: there is no month 13; write it as YYYY-MM-DD, "
                   "e.g. 2026-11-27"),
    ("27-11-2026", "'27-11-2026' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-27"),
])
def test_a_date_that_does_not_exist_says_why(tmp_path: Path, date: str, expected: str) -> None:
    path = write(tmp_path, cocoa_with("  date: 2026-02-16\n", f"  date: {date}\n"))
    (problem,) = problems_of(path)
    assert (problem.path, problem.line, problem.message) == (
        "agreement.date", line_of("  date: 2026-02-16\n"), expected)


@pytest.mark.parametrize(("line", "written", "field", "expected"), [
    ("  binding: binding\n", "  binding: no\n", "agreement.binding",
     "must be one of: binding, non_binding; not the boolean false (YAML reads no as a boolean)"),
    ("  binding: binding\n", "  binding: 1\n", "agreement.binding",
     "must be one of: binding, non_binding; not the number 1 (YAML reads 1 as a number)"),
    ("    sector: cso\n", "    sector: yes\n", "partners[1].sector",
     "must be one of: cso, business, public, knowledge, funder; not the boolean true "
     "(YAML reads yes as a boolean)"),
])
def test_an_allowed_value_typed_by_yaml_lists_the_allowed_values_at_once(
        tmp_path: Path, line: str, written: str, field: str, expected: str) -> None:
    text = TEXT.replace(line, written, 1)
    (problem,) = problems_of(write(tmp_path, text))
    assert (problem.path, problem.message) == (field, expected)
    assert "quotes" not in problem.message


# --- 7. YAML syntax errors, with a plain hint -------------------------------------------------

SYNTAX = {
    "tab": ("agreement:\n\ttitle: x\n", 2,
            "line 2 is indented with a tab: YAML indents with spaces only, so replace the tab "
            "with spaces"),
    "tab inside": ("agreement:\n  title: x\n\t kind: y\n", 3, "line 3 is indented with a tab"),
    "unclosed list": ("agreement:\n  title: x\npurpose:\n  shared_objectives: [a, b\n"
                      "  problem: y\n", 5,
                      "the [ opened on line 4 is never closed: add ] at its end, or put an item "
                      "that holds a comma, a colon or a bracket in quotes"),
    "unclosed mapping": ("a: {x: 1, y: 2\nb: 3\n", 2, "the { opened on line 1 is never closed: "
                                                      "add } at its end"),
    "unclosed quote": ("agreement:\n  title: \"Cocoa\n  kind: mou\n", 4,
                       "the quote opened on line 2 is never closed: add the closing quote at "
                       "the end of the text"),
    "apostrophe": ("agreement:\n  title: 'Cocoa's partnership'\n  kind: mou\n", 2,
                   "the text on line 2 starts with a quote, so YAML ends it at the next such "
                   "quote: put the whole text in double quotes, or write an apostrophe inside "
                   "single quotes twice ('Cocoa''s')"),
    "colon in text": ("agreement:\n  title: Cocoa: a partnership\n", 2,
                      "the text on line 2 holds ': ', which YAML reads as a new key: put the text "
                      "in quotes, e.g. title: \"Cocoa: a partnership\""),
    "too far in": ("agreement:\n  title: x\n    kind: mou\n", 3,
                   "line 3 is indented by 4 space(s), which lines up with none of the lines "
                   "above it (indented by 2, 0): line it up exactly with the entries it belongs "
                   "with, using spaces"),
    "not far enough": ("agreement:\n  title: x\n kind: mou\n", 3,
                       "line 3 is indented by 1 space(s), which lines up with none of the lines "
                       "above it (indented by 2, 0)"),
    "list item out of line": ("partners:\n  - id: a\n    name: A\n   - id: b\n", 4,
                              "line 4 is indented by 3 space(s)"),
    "key in a list": ("a:\n  - x\n  b: y\n", 3,
                      "line 3 is inside a list but does not start with '- ': make it an item, "
                      "or, if it is the next key of the mapping that holds the list, indent it "
                      "like that mapping's keys"),
    "item among keys": ("agreement:\n  title: x\n  - kind: y\n", 3,
                        "line 3 starts a list item ('- ') among the keys of a mapping"),
    "reserved character": ("agreement:\n  title: @cocoa\n", 2,
                           "YAML reserves @ at the start of a text: put the text in quotes"),
}


@pytest.mark.parametrize("case", SYNTAX)
def test_a_yaml_syntax_error_gets_a_plain_hint_after_the_parsers_message(tmp_path: Path,
                                                                        case: str) -> None:
    text, line, hint = SYNTAX[case]
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.code == "yaml_syntax"
    assert problem.line == line
    parser, _, added = problem.message.partition("; ")
    assert parser.startswith("YAML syntax error: ")
    assert added.startswith(hint)


def test_a_yaml_syntax_error_without_a_known_cause_keeps_the_parsers_message(
        tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, "a: [x, #y]\n"))
    assert problem.message == ("YAML syntax error: did not find expected node content "
                               "(while parsing a flow node)")


def test_every_message_of_this_file_has_a_dutch_version() -> None:
    from agreementgen.i18n import catalog

    english, dutch = catalog("en", "messages"), catalog("nl", "messages")
    keys = ["number_nan", "number_infinite", "number_too_long", "number_too_long_for_text",
            "number_as_text", "number_range", "too_many_decimals", "too_many_decimals_thousands",
            "number_too_long_to_read", "number_thousands_hint", "split_list_item",
            "bad_type_allowed", "yaml_typed_note", "date_no_day", "date_no_month",
            *(key for key in english if key.startswith("yaml_hint_"))]
    for key in keys:
        assert key in english and key in dutch, key
        assert dutch[key] != english[key], key
