"""A quick yes for descriptions that meet the schema, compiled from the same Cerberus rules.

Cerberus checks a description rule by rule through child validators: thorough, and the
slowest step of a batch. Most descriptions in a batch are valid, and saying so takes far
less work. :func:`compile_schema` turns the schema's rules into nested checks that answer
True only when every rule holds. Every other answer means "ask Cerberus": for an invalid
description, or a rule or case these checks do not know, Cerberus gives the verdict and the
messages. The schema file stays the one definition, and Cerberus the one judge of errors.

tests/test_accept.py holds the two to the same verdict on generated and mutated documents.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Rules the checks understand; a schema with any other rule is left to Cerberus entirely.
_KNOWN_RULES = frozenset({"type", "required", "empty", "maxlength", "minlength", "min", "max",
                          "allowed", "check_with", "schema", "meta", "default"})
# Cerberus's types, as the loaders produce them (a bool is not an integer, and NaN and infinity
# are no numbers, see schema.py).
_TYPES: dict[str, Check] = {
    "string": lambda value: type(value) is str,
    "integer": lambda value: type(value) is int,
    "number": lambda value: type(value) is int or (type(value) is float
                                                  and math.isfinite(value)),
    "boolean": lambda value: type(value) is bool,
    "dict": lambda value: type(value) is dict,
    "list": lambda value: type(value) is list,
}
_SIZED = (str, dict, list)


def compile_schema(rules: Mapping[str, Any],
                   predicates: Mapping[str, Check]) -> Check | None:
    """A check of a whole document against ``rules``, or None when they use unknown rules.

    Args:
        rules: Cerberus rules for the fields of a mapping.
        predicates: The ``check_with`` checks by name, each True for a good value.
    """
    fields: dict[str, Check] = {}
    required = []
    for name, rule in rules.items():
        check = _compile_rule(rule, predicates)
        if check is None:
            return None
        fields[name] = check
        if rule.get("required"):
            required.append(name)

    def accepts(document: Any) -> bool:
        if type(document) is not dict:
            return False
        for name in required:
            if name not in document:
                return False
        for key, value in document.items():
            check = fields.get(key)
            if check is None or not check(value):
                return False  # an unknown field, or a value Cerberus should look at
        return True

    return accepts


def _compile_rule(rule: Mapping[str, Any], predicates: Mapping[str, Check]) -> Check | None:
    if not isinstance(rule, Mapping) or set(rule) - _KNOWN_RULES:
        return None
    kinds = rule.get("type")
    names = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(names, list) or not names or any(n not in _TYPES for n in names):
        return None
    if ("min" in rule or "max" in rule) and set(names) - {"integer", "number"}:
        return None
    type_checks = [_TYPES[n] for n in names]
    checks: list[Check] = []
    # Cerberus measures only what has a length: in `type: [boolean, string]` the text.
    if "maxlength" in rule:
        most = rule["maxlength"]
        checks.append(lambda value: type(value) not in _SIZED or len(value) <= most)
    if "minlength" in rule:
        least = rule["minlength"]
        checks.append(lambda value: type(value) not in _SIZED or len(value) >= least)
    if "min" in rule:
        low = rule["min"]
        checks.append(lambda value: value >= low)
    if "max" in rule:
        high = rule["max"]
        checks.append(lambda value: value <= high)
    if "allowed" in rule:
        allowed = list(rule["allowed"])
        checks.append(lambda value: (all(item in allowed for item in value)
                                     if type(value) is list else value in allowed))
    if "check_with" in rule:
        predicate = predicates.get(rule["check_with"])
        if predicate is None:
            return None
        checks.append(predicate)
    inner = rule.get("schema")
    if inner is not None:
        if names == ["dict"]:
            nested = compile_schema(inner, predicates)
        elif names == ["list"]:
            nested = _compile_items(inner, predicates)
        else:
            return None
        if nested is None:
            return None
        checks.append(nested)
    has_empty_rule = "empty" in rule

    def check(value: Any) -> bool:
        if not any(is_type(value) for is_type in type_checks):
            return False  # also None: no field of the schema may be null
        if has_empty_rule and type(value) in (str, dict, list) and not value:
            return False  # the `empty` rule decides, and drops other rules: Cerberus's call
        return all(c(value) for c in checks)

    return check


def _compile_items(rule: Mapping[str, Any], predicates: Mapping[str, Check]) -> Check | None:
    item = _compile_rule(rule, predicates)
    if item is None:
        return None
    return lambda items: all(item(value) for value in items)
