"""Validation at the edge: the schema, then the cross-field rules, all problems at once."""

from __future__ import annotations

from typing import Any

from agreementgen.errors import Problem, ValidationError
from agreementgen.loading import Source, format_path
from agreementgen.validation.characters import check_characters, visible
from agreementgen.validation.rules import check_rules
from agreementgen.validation.schema import check_schema

__all__ = ["check", "validate_source"]


def check(source: Source) -> tuple[dict[str, Any], list[Problem]]:
    """Every problem of a loaded description, each with its file, line and field path.

    Returns:
        The normalised document and the problems (empty when the description is valid).
    """
    document, flaws = check_schema(source.data)
    flaws += check_rules(source.data)
    flaws += check_characters(source.data)
    problems = []
    for flaw in flaws:
        line, column = source.locate(flaw.path, key=flaw.at_key)
        text = flaw.message
        if flaw.code == "bad_type" and source.format == "yaml" and line is not None:
            text += _yaml_hint(source.text, line, column)
        field = visible(format_path(flaw.path))
        problems.append(Problem(source.name, visible(text), field, line, column, flaw.code))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path))
    return document, problems


def validate_source(source: Source) -> dict[str, Any]:
    """The normalised document of a valid description.

    Raises:
        ValidationError: With every problem found.
    """
    document, problems = check(source)
    if problems:
        raise ValidationError(f"{source.name}: {len(problems)} problem(s)", problems)
    return document


def _yaml_hint(text: str, line: int, column: int | None) -> str:
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
    except yaml.YAMLError:
        return ""
    if isinstance(value, bool):
        actual = "a boolean"
    elif isinstance(value, int | float):
        actual = "a number"
    else:
        return ""
    return message("yaml_typed_hint", raw=raw, actual=actual)
