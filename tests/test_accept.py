"""The schema's compiled check gives Cerberus's verdict, so valid descriptions can skip Cerberus."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from agreementgen.loading import load
from agreementgen.translations import single_texts
from agreementgen.validation.accept import compile_schema
from agreementgen.validation.schema import _accepts, _validator, schema_rules, with_defaults
from tests.conftest import EXAMPLES
from tests.test_properties import descriptions, mutations


def verdicts(data: dict[str, Any]) -> tuple[bool, bool]:
    """(compiled check, Cerberus) on the same document, defaults filled in as check_schema does
    and one text per field, as validation gives the schema."""
    document = with_defaults(schema_rules(), single_texts(schema_rules(), data)
                             if isinstance(data, dict) else data)
    return _accepts()(document), _validator().validate(document, normalize=False)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_examples_get_the_quick_yes(example: Path) -> None:
    assert verdicts(load(example).data) == (True, True)


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


_DELETE = object()
_BREAKS = [
    (("agreement", "title"), None),  # null is not allowed
    (("agreement", "title"), ""),  # empty: false
    (("agreement", "title"), 12),
    (("agreement", "title"), "x" * 1001),  # maxlength
    (("agreement", "kind"), "contract"),  # allowed
    (("agreement", "date"), "2026-02-30"),  # check_with: date
    (("agreement", "unknown"), "x"),
    (("agreement",), _DELETE),  # required
    (("partners", 0, "id"), "Not A Slug"),  # check_with: slug
    (("partners", 0, "sector"), ["business"]),
    (("partners",), []),  # minlength
    (("partners", 0), "a partner"),  # an item of the wrong type
    (("contributions", 0, "value", "amount"), True),  # a boolean is not a number
    (("contributions", 0, "value", "currency"), "XXY"),  # check_with: currency
    (("monitoring", "reviews", "cadence_months"), 37),  # max
    (("monitoring", "reviews", "cadence_months"), 6.0),  # a float is not an integer
]


@pytest.mark.parametrize(("path", "value"), _BREAKS, ids=lambda v: str(v)[:30])
def test_any_broken_rule_goes_to_cerberus(cocoa_data: dict[str, Any], path: tuple[Any, ...],
                                          value: Any) -> None:
    assert verdicts(_set(cocoa_data, path, value)) == (False, False)


def test_a_rule_the_checks_do_not_know_leaves_the_schema_to_cerberus() -> None:
    assert compile_schema({"name": {"type": "string", "regex": "^a"}}, {}) is None
    assert compile_schema({"name": {"type": "string", "check_with": "iban"}}, {}) is None
    assert compile_schema({"name": {"type": "string"}}, {}) is not None


_PROPERTY = settings(max_examples=300, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_the_compiled_check_gives_cerberuss_verdict_on_generated_documents() -> None:
    seen = set()

    @_PROPERTY
    @given(st.one_of(descriptions(), mutations()))
    def check(data: dict[str, Any]) -> None:
        quick, cerberus = verdicts(data)
        assert quick == cerberus
        seen.add(quick)

    check()
    assert seen == {True, False}  # both verdicts were exercised
