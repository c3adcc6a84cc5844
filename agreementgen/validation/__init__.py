"""Validation at the edge: the schema, then the cross-field rules, all problems at once."""

from __future__ import annotations

import re
from typing import Any

from agreementgen.errors import Flaw, Problem, ValidationError
from agreementgen.loading import Source, format_path
from agreementgen.translations import check_languages, single_texts
from agreementgen.validation.characters import check_characters, visible
from agreementgen.validation.rules import check_rules
from agreementgen.validation.schema import (
    check_money,
    check_schema,
    correct_misspellings,
    schema_rules,
    with_defaults,
)

__all__ = ["check", "check_warnings", "validate_source"]


def check(source: Source) -> tuple[dict[str, Any], list[Problem]]:
    """Every problem of a loaded description, each with its file, line and field path.

    Returns:
        The normalised document and the problems (empty when the description is valid).
    """
    rules = schema_rules()

    def schema_flaws(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[Flaw]]:
        # Texts in several languages are checked here; the schema and the rules see one text
        # per field, and the document returned keeps every language.
        single = single_texts(rules, data)
        document, flaws = check_schema(single)
        return single, document, check_languages(rules, data) + flaws

    single, document, flaws = schema_flaws(source.data)
    # A misspelt section is checked under its right name: one problem, not a second one
    # for the section "missing", nor one for every reference into it.
    data, flaws, misspelt = correct_misspellings(source.data, flaws,
                                                 lambda data: schema_flaws(data)[2])
    if misspelt.renames:
        single = single_texts(rules, data)
    flaws += misspelt.restore(check_rules(single))
    flaws += check_money(source.data, source.written)
    flaws += check_characters(source.data)
    if single is not source.data:
        document = with_defaults(rules, source.data)
    problems = []
    for flaw in flaws:
        line, column = source.locate(flaw.path, key=flaw.at_key)
        text = flaw.message
        if flaw.code in _TYPED_BY_YAML and source.format == "yaml" and line is not None:
            text += _yaml_hint(source.text, line, column, _TYPED_BY_YAML[flaw.code])
        field = visible(format_path(flaw.path))
        problems.append(Problem(source.name, visible(text), field, line, column, flaw.code))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path))
    return document, problems


def check_warnings(source: Source) -> list[Problem]:
    """What a description probably does not say as its writer meant, each a warning with its
    file, line and field path; the description stays valid.

    - list items YAML split at a comma (``[Buy 60,000 litres a day]`` gives ``Buy 60`` and
      ``000 litres a day``);
    - placeholders of a starter left in (``<Title of the agreement>``), which would otherwise
      go into the agreement word for word.
    """
    from agreementgen.i18n import message
    from agreementgen.translations import text_fields

    found: list[tuple[tuple[str | int, ...], str, str]] = []
    for path, before, item in source.split_items():
        found.append((path, "split_list_item", message(
            "split_list_item", before=before, item=item, joined=f"{before},{item}")))
    for path, _, value in text_fields(schema_rules(), source.data):
        texts = value.items() if isinstance(value, dict) else [(None, value)]
        for lang, text in texts:
            placeholder = _PLACEHOLDER.search(text) if isinstance(text, str) else None
            if placeholder is not None and not _HTML_TAG.fullmatch(placeholder[1]):
                where = path if lang is None else (*path, lang)
                found.append((where, "placeholder", message("placeholder_left",
                                                            placeholder=placeholder[0])))
    warnings = []
    for path, code, text in found:
        line, column = source.locate(path)
        warnings.append(Problem(source.name, visible(text), visible(format_path(path)), line,
                                column, code))
    warnings.sort(key=lambda p: (p.line or 0, p.column or 0, p.path))
    return warnings


#: A starter's placeholder: words in angle brackets, not a Markdown autolink.
_PLACEHOLDER = re.compile(r"<(?!https?:|mailto:|/)([^<>\n=]{2,})>")
#: An HTML tag someone may write in Markdown (``<br>``, ``<sup>``), not a placeholder.
_HTML_TAG = re.compile(r"[a-z]{1,10}[1-6]?")


def validate_source(source: Source) -> dict[str, Any]:
    """The normalised document of a valid description.

    Raises:
        ValidationError: With every problem found.
    """
    document, problems = check(source)
    if problems:
        raise ValidationError(f"{source.name}: {len(problems)} problem(s)", problems)
    return document


#: Flaws of a value YAML may have typed from a bare word, and the hint each gets: put it in
#: quotes; or, for a field with allowed values (which the message lists), only how YAML read it.
_TYPED_BY_YAML = {"bad_type": "yaml_typed_hint", "bad_type_allowed": "yaml_typed_note"}


def _yaml_hint(text: str, line: int, column: int | None, code: str = "yaml_typed_hint") -> str:
    """When YAML typed a bare word (NO, yes, 012345) as something other than text, say so."""
    from agreementgen.i18n import message

    lines = text.splitlines()
    if not 0 < line <= len(lines) or column is None:
        return ""
    raw = lines[line - 1][column - 1:].split(" #")[0].strip()
    if not raw or raw[0] in "\"'[{|>":
        return ""
    import yaml

    try:
        value = yaml.safe_load(raw)
    except (yaml.YAMLError, ValueError):  # ValueError: an integer of 4300 digits or more
        return ""
    if isinstance(value, bool):
        actual = "a boolean"
    elif isinstance(value, int | float):
        actual = "a number"
    else:
        return ""
    return message(code, raw=raw, actual=actual)
