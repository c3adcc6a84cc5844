"""The sandbox's shortcuts (verdicts kept per type and name, direct key lookup) change nothing."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from agreementgen.render.sandbox import template_environment


def render(source: str, **values: object) -> str:
    return template_environment().from_string(source).render(**values)


def test_a_key_reads_as_an_attribute() -> None:
    assert render("{{ row.partner }}", row={"partner": "Fair Bean"}) == "Fair Bean"


def test_a_mapping_method_stays_a_method_even_with_a_key_of_its_name() -> None:
    assert render("{{ row.items()|list|length }}", row={"items": "x", "b": 1}) == "2"


def test_a_missing_key_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        render("{{ row.missing }}", row={"partner": "x"})


@pytest.mark.parametrize("source", ["{{ row.clear() }}", "{{ items.append(1) }}"])
def test_changing_a_value_is_refused_every_time(source: str) -> None:
    environment = template_environment()
    template = environment.from_string(source)
    for _ in range(2):  # the second time the verdict comes from the kept ones
        with pytest.raises(SecurityError):
            template.render(row={"a": 1}, items=[1])


def test_reading_an_object_attribute_is_allowed_and_a_mutating_one_is_not() -> None:
    class Partner:
        name = "Nkabom"

    assert render("{{ p.name }} {{ p.name }}", p=Partner()) == "Nkabom Nkabom"
    with pytest.raises(SecurityError):
        render("{{ p.pop() }}", p=[1])
