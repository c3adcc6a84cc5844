"""Parity of the language files: every language says the same things, with the same slots.

English is the reference. Every other language must have the same domain files, the same keys,
the same ``{placeholders}`` in each message, and in each clause the same Jinja variables,
attributes, filters (with their arguments), tests and control structures. A text identical in
both languages must be a single word or no words at all (a placeholder, a name, "Partner"), so
an English text copied into another language without translation fails too.
"""

from __future__ import annotations

import copy
import datetime
import re
import string
from collections import Counter
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, nodes

from agreementgen.formatting import format_date, format_money, format_number
from agreementgen.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MissingTextsError,
    UnknownLanguageError,
    catalog,
    message,
)
from agreementgen.model import Money
from agreementgen.resources import load_yaml, locale_dir

OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
CLAUSE_DOMAIN = "clauses"
NBSP = "\u00a0"


def domains(lang: str) -> set[str]:
    """The catalog files of a language; starter descriptions are documents, not catalogs."""
    return {p.stem for p in locale_dir(lang).glob("*.yaml") if not p.stem.startswith("starter")}


def catalogs(lang: str) -> dict[str, dict[Any, Any]]:
    """Every catalog of a language, read straight from its files."""
    return {domain: load_yaml(locale_dir(lang) / f"{domain}.yaml") for domain in domains(lang)}


# The checker ---------------------------------------------------------------------------------

def leaves(data: Mapping[Any, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every text of a nested catalog as (dotted key, value)."""
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from leaves(value, path)
        else:
            yield path, value


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message expects (``{key!r}`` and ``{a.b}`` count as ``key``, ``a``)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


_JINJA = Environment()


def _dotted(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _dotted(node.node)
        return f"{inner}.{node.attr}" if inner else None
    return None


def jinja_shape(text: str) -> dict[str, Counter[str]]:
    """What a clause text uses: variables, attribute paths, filters, tests, control structures.

    Filters are counted with their constant arguments (``label('sector')``), so a translation
    that shows another group of labels differs too.
    """
    tree = _JINJA.parse(text)
    names = list(tree.find_all(nodes.Name))
    # meta.find_undeclared_variables would compile the text, which needs our own filters.
    local = {n.name for n in names if n.ctx == "store"} | {"loop"}
    shape: dict[str, Counter[str]] = {
        "variables": Counter({n.name for n in names if n.ctx == "load"} - local),
        "attributes": Counter(),
        "filters": Counter(),
        "tests": Counter(),
        "structure": Counter(type(n).__name__ for n in tree.find_all((nodes.For, nodes.If))),
    }
    chains = list(tree.find_all(nodes.Getattr))
    inner = {id(g.node) for g in chains}
    for getattr_node in chains:
        path = _dotted(getattr_node)
        if path and id(getattr_node) not in inner:  # d.purpose.vision, not also d.purpose
            shape["attributes"][path] += 1
    for filter_node in tree.find_all(nodes.Filter):
        args = ", ".join(repr(a.value) for a in filter_node.args if isinstance(a, nodes.Const))
        shape["filters"][f"{filter_node.name}({args})"] += 1
    for test_node in tree.find_all(nodes.Test):
        shape["tests"][test_node.name] += 1
    return shape


def _words(text: str) -> list[str]:
    """The words of a text, leaving out placeholders, Jinja and Markdown."""
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{[^{}]*\}", " ", text)
    text = re.sub(r"\S*[._]\S*", " ", text)  # field names such as agreement.binding
    return re.findall(r"[^\W\d_]{2,}", text)


def differences(reference: Mapping[str, Mapping[Any, Any]],
                other: Mapping[str, Mapping[Any, Any]]) -> list[str]:
    """Where a language's catalogs differ from the reference's in anything but the words.

    Args:
        reference: Domain name -> catalog, for the reference language (English).
        other: The same for the language under test.

    Returns:
        One line per difference, naming the domain and the dotted key; empty when they match.
    """
    found: list[str] = []
    for domain in sorted(set(reference) - set(other)):
        found.append(f"{domain}: the whole file is missing")
    for domain in sorted(set(other) - set(reference)):
        found.append(f"{domain}: the file has no counterpart in the reference language")
    for domain in sorted(set(reference) & set(other)):
        ours, theirs = dict(leaves(reference[domain])), dict(leaves(other[domain]))
        found += [f"{domain}.{k}: missing" for k in sorted(set(ours) - set(theirs))]
        found += [f"{domain}.{k}: not in the reference" for k in sorted(set(theirs) - set(ours))]
        for key in sorted(set(ours) & set(theirs)):
            a, b = ours[key], theirs[key]
            if not isinstance(a, str) or not isinstance(b, str):
                if type(a) is not type(b):
                    found.append(f"{domain}.{key}: {type(b).__name__}, "
                                 f"not {type(a).__name__} as in the reference")
                continue
            if domain == CLAUSE_DOMAIN:
                shape_a, shape_b = jinja_shape(a), jinja_shape(b)
                for aspect in shape_a:
                    if shape_a[aspect] != shape_b[aspect]:
                        found.append(f"{domain}.{key}: {aspect} {dict(shape_b[aspect])}, "
                                     f"not {dict(shape_a[aspect])}")
            elif placeholders(a) != placeholders(b):
                found.append(f"{domain}.{key}: placeholders {sorted(placeholders(b))}, "
                             f"not {sorted(placeholders(a))}")
            if a.strip() == b.strip() and len(_words(a)) > 1:
                found.append(f"{domain}.{key}: not translated (same text as the reference)")
    return found


# The languages as shipped ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_language_has_the_same_files_as_english(lang: str) -> None:
    assert domains(lang) == domains(DEFAULT_LANGUAGE)


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("domain", sorted(domains(DEFAULT_LANGUAGE)))
def test_every_domain_matches_english_key_for_key(lang: str, domain: str) -> None:
    reference = {domain: load_yaml(locale_dir(DEFAULT_LANGUAGE) / f"{domain}.yaml")}
    path = locale_dir(lang) / f"{domain}.yaml"
    assert path.is_file(), f"{path} is missing"
    assert differences(reference, {domain: load_yaml(path)}) == []


def test_every_clause_of_the_library_has_a_text_in_every_language() -> None:
    from agreementgen.clauses import library

    ids = {spec.id for spec in library()}
    for lang in LANGUAGES:
        # Besides the clauses: the parts of the document around them (parties, recitals' and
        # operative formula), rendered the same way.
        texts = {key for key in catalog(lang, CLAUSE_DOMAIN) if not key.startswith("document.")}
        assert texts == ids, lang


# The checker catches what it should ------------------------------------------------------------

@pytest.fixture
def both() -> tuple[dict[str, Any], dict[str, Any]]:
    """Fresh copies of the English and Dutch catalogs, to doctor."""
    return copy.deepcopy(catalogs("en")), copy.deepcopy(catalogs("nl"))


def new_differences(en: dict[str, Any], nl: dict[str, Any]) -> list[str]:
    """The differences a test's doctoring made, apart from any the shipped files have."""
    shipped = set(differences(catalogs("en"), catalogs("nl")))
    return [line for line in differences(en, nl) if line not in shipped]


def test_the_shipped_catalogs_pass_the_checker(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    assert differences(*both) == []


def test_a_message_added_in_one_language_only_fails(
        both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    en, nl = both
    en["messages"]["brand_new"] = "a new message about {thing}"
    assert new_differences(en, nl) == ["messages.brand_new: missing"]
    nl["labels"]["articles"]["extra"] = "Extra artikel"
    del en["messages"]["brand_new"]
    assert new_differences(en, nl) == ["labels.articles.extra: not in the reference"]


def test_a_clause_added_in_one_language_only_fails(
        both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    en, nl = both
    en["clauses"]["final.escrow"] = "Funds go to {{ d.partners|length }} accounts."
    assert new_differences(en, nl) == ["clauses.final.escrow: missing"]


def test_a_missing_domain_file_fails(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    en, nl = both
    del nl["health"]
    assert new_differences(en, nl) == ["health: the whole file is missing"]


def test_a_changed_placeholder_fails(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    en, nl = both
    nl["messages"]["file_unreadable"] = "het bestand kan niet worden gelezen: {reden}"
    nl["health"]["rules"]["H01"]["messages"]["no_contribution"] = "de partner levert niets"
    assert new_differences(en, nl) == [
        "health.rules.H01.messages.no_contribution: placeholders [], not ['partner']",
        "messages.file_unreadable: placeholders ['reden'], not ['reason']",
    ]


@pytest.mark.parametrize(("doctored", "aspect"), [
    ("De Partners delen deze visie: {{ d.purpose.vision }}", "filters"),
    ("De Partners delen deze visie: {{ d.purpose.problem|md }}", "attributes"),
    ("De Partners delen deze visie: {{ visie|md }}", "variables"),
    ("De Partners delen{% if d.purpose.vision %} deze visie: {{ d.purpose.vision|md }}{% endif %}",
     "structure"),
])
def test_a_clause_with_other_jinja_fails(both: tuple[dict[str, Any], dict[str, Any]],
                                         doctored: str, aspect: str) -> None:
    en, nl = both
    nl["clauses"]["purpose.vision"] = doctored
    found = new_differences(en, nl)
    assert found and all(line.startswith("clauses.purpose.vision: ") for line in found)
    assert any(f": {aspect} " in line for line in found), found


def test_a_label_group_changed_in_a_clause_fails(
        both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    en, nl = both
    nl["clauses"]["governance.decision_rule"] = nl["clauses"]["governance.decision_rule"].replace(
        "label('decision_rule_text')", "label('decision_rule')")
    assert new_differences(en, nl) == [
        "clauses.governance.decision_rule: filters {\"label('decision_rule')\": 1}, "
        "not {\"label('decision_rule_text')\": 1}"]


def test_an_untranslated_text_fails(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    en, nl = both
    nl["labels"]["cover"]["contents_placeholder"] = en["labels"]["cover"]["contents_placeholder"]
    nl["labels"]["table"]["impact"] = "Impact"  # one word, the same in both: fine
    assert new_differences(en, nl) == ["labels.cover.contents_placeholder: not translated "
                                   "(same text as the reference)"]


# Looking texts up ----------------------------------------------------------------------------

def test_message_fills_in_placeholders_in_each_language() -> None:
    assert message("output_folder_missing", folder="out") == "the folder out does not exist"
    assert message("output_folder_missing", lang="nl", folder="uit") == "de map uit bestaat niet"
    assert message("required", lang="nl") == "verplicht veld ontbreekt; vul het aan"


def test_message_raises_for_an_unknown_code() -> None:
    with pytest.raises(KeyError, match="no_such_message"):
        message("no_such_message", lang="nl")


@pytest.mark.parametrize("call", [
    lambda: catalog("fr", "labels"),
    lambda: message("required", lang="fr"),
    lambda: format_date(datetime.date(2026, 11, 27), "fr"),
])
def test_an_unknown_language_is_a_clear_error(call: Any) -> None:
    with pytest.raises(UnknownLanguageError, match=r"'fr' is not a supported language; "
                                                   r"use one of: en, nl"):
        call()


def test_a_missing_file_of_a_known_language_is_an_error_not_english(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import agreementgen.i18n as i18n

    (tmp_path / "nl").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "labels.yaml").write_text("kind: {mou: Memorandum}\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "locale_dir", lambda lang: tmp_path / lang)
    i18n.catalog.cache_clear()
    try:
        assert i18n.catalog("en", "labels") == {"kind": {"mou": "Memorandum"}}
        with pytest.raises(MissingTextsError, match=r"no 'labels' texts in language 'nl'"):
            i18n.catalog("nl", "labels")
    finally:
        i18n.catalog.cache_clear()


# Dates and money -------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "27 November 2026"),
    ("nl", "27 november 2026"),
])
def test_dates_have_the_month_written_out(lang: str, expected: str) -> None:
    assert format_date(datetime.date(2026, 11, 27), lang) == expected


@pytest.mark.parametrize(("lang", "amount", "currency", "expected"), [
    ("en", "320000", "EUR", "€320,000.00"),
    ("nl", "320000", "EUR", f"€{NBSP}320.000,00"),
    ("en", "1500", "GHS", f"GHS{NBSP}1,500.00"),
    ("nl", "1500", "GHS", f"GHS{NBSP}1.500,00"),
    ("en", "25000.5", "USD", f"USD{NBSP}25,000.50"),
    ("nl", "25000.5", "USD", f"USD{NBSP}25.000,50"),
    # The CFA franc has no minor unit, so no decimals.
    ("en", "320000", "XOF", f"XOF{NBSP}320,000"),
    ("nl", "320000", "XOF", f"XOF{NBSP}320.000"),
])
def test_money_is_written_for_the_language(lang: str, amount: str, currency: str,
                                           expected: str) -> None:
    assert format_money(Money(Decimal(amount), currency), lang) == expected


def test_numbers_use_the_languages_separators() -> None:
    assert format_number(Decimal("1234567.5"), "en") == "1,234,567.5"
    assert format_number(Decimal("1234567.5"), "nl") == "1.234.567,5"
