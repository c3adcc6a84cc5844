"""The Cerberus schema of a description, and its errors turned into messages a person can act on."""

from __future__ import annotations

import copy
import datetime
import difflib
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import cerberus
import cerberus.errors as ce

from agreementgen.errors import Flaw
from agreementgen.i18n import message
from agreementgen.resources import data_dir, load_yaml
from agreementgen.validation.accept import compile_schema

SCHEMA_FILE = "description.yaml"

# Defaults that bound what one field may hold, so a runaway export cannot swamp a document.
MAX_TEXT = 1_000
MAX_MARKDOWN = 20_000
MAX_ITEMS = 2_000

_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_TYPE_NAMES = {
    "string": "text",
    "dict": "a mapping of fields (key: value)",
    "list": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


@functools.cache
def schema_document() -> dict[str, Any]:
    """The schema file as written (with its version and meta descriptions)."""
    data = load_yaml(data_dir("schemas") / SCHEMA_FILE)
    return data


@functools.cache
def schema_rules() -> dict[str, Any]:
    """The Cerberus rules, with default size limits added where the file sets none."""
    rules = copy.deepcopy(schema_document()["schema"])
    for rule in rules.values():
        _add_limits(rule)
    return rules


def schema_version() -> int:
    """The version number of the description format."""
    return int(schema_document().get("version", 1))


def _add_limits(rule: dict[str, Any]) -> None:
    kind = rule.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        markdown = rule.get("meta", {}).get("markdown", False)
        rule.setdefault("maxlength", MAX_MARKDOWN if markdown else MAX_TEXT)
    elif kind == "list":
        rule.setdefault("maxlength", MAX_ITEMS)
    inner = rule.get("schema")
    if isinstance(inner, dict):
        if kind == "list":
            _add_limits(inner)
        else:
            for sub in inner.values():
                _add_limits(sub)


class DescriptionValidator(cerberus.Validator):
    """Cerberus with the checks the description format names in ``check_with``."""

    # Cerberus counts a boolean as an integer; YAML reads `notice_days: yes` as true.
    types_mapping: ClassVar[dict[str, cerberus.TypeDefinition]] = {
        **cerberus.Validator.types_mapping,
        "integer": cerberus.TypeDefinition("integer", (int,), (bool,)),
    }

    def _check_with_date(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not is_date(value):
            self._error(field, message("bad_date", value=value))

    def _check_with_slug(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not is_slug(value):
            self._error(field, message("bad_slug", value=value))

    def _check_with_email(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not is_email(value):
            self._error(field, message("bad_email", value=value))

    def _check_with_currency(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not is_currency(value):
            self._error(field, message("bad_currency", value=value))


def is_date(value: str) -> bool:
    """An ISO date (YYYY-MM-DD) that exists."""
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_slug(value: str) -> bool:
    """Lowercase words of letters and digits joined by hyphens, starting with a letter."""
    return bool(_SLUG.match(value))


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def is_currency(value: str) -> bool:
    """An ISO 4217 currency code."""
    return value in _currencies()


@functools.cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


@functools.cache
def _validator() -> DescriptionValidator:
    validator = DescriptionValidator(schema_rules())
    # Cerberus checked the schema just now. Left as its DefinitionSchema wrapper, every
    # validate() would copy and re-check it field by field; the checked rules as a plain
    # mapping (what child validators get anyway) validate the same, several times faster.
    validator._schema = dict(validator.schema.schema)
    return validator


@functools.cache
def _accepts() -> Callable[[Any], bool]:
    """The compiled check that says yes to a valid document (see :mod:`.accept`)."""
    predicates: dict[str, Callable[[Any], bool]] = {
        "date": lambda v: type(v) is not str or is_date(v),
        "slug": lambda v: type(v) is not str or is_slug(v),
        "email": lambda v: type(v) is not str or is_email(v),
        "currency": lambda v: type(v) is not str or is_currency(v),
    }
    return compile_schema(schema_rules(), predicates) or (lambda document: False)


def check_schema(data: dict[str, Any]) -> tuple[dict[str, Any], list[Flaw]]:
    """Validate a description against the schema.

    A valid description gets a quick yes from the schema's compiled check; any other goes
    through Cerberus, which finds every flaw.

    Args:
        data: The loaded description.

    Returns:
        The normalised document (defaults filled in) and the flaws found, in document order.
    """
    # The schema's only normalisation is `default`: filled in here, Cerberus can skip its
    # normalisation pass, a third of its time.
    document = with_defaults(schema_rules(), data)
    if _accepts()(document):
        return document, []
    validator = _validator()
    if validator.validate(document, normalize=False):
        return document, []
    flaws = [_flaw(error) for error in _leaf_errors(validator._errors)]
    return data, flaws


_MISSING = object()


def with_defaults(rules: dict[str, Any], data: Any) -> Any:
    """``data`` with the schema's defaults filled in, as Cerberus's normalisation fills them.

    A field takes its ``default`` when it is missing, or null where null is not allowed.
    Only what changes is copied; ``data`` itself is left as it is.
    """
    if not isinstance(data, dict):
        return data
    changed: dict[str, Any] = {}
    for name, rule in rules.items():
        value = data.get(name, _MISSING)
        if "default" in rule and (value is _MISSING
                                  or (value is None and not rule.get("nullable", False))):
            changed[name] = rule["default"]
        elif not isinstance(rule.get("schema"), dict):
            continue
        elif rule.get("type") == "dict" and isinstance(value, dict):
            new = with_defaults(rule["schema"], value)
            if new is not value:
                changed[name] = new
        elif rule.get("type") == "list" and isinstance(value, list):
            item = rule["schema"]
            if item.get("type") == "dict" and isinstance(item.get("schema"), dict):
                items = [with_defaults(item["schema"], v) for v in value]
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changed[name] = items
    return {**data, **changed} if changed else data


def _leaf_errors(errors: Any) -> Iterator[ce.ValidationError]:
    for error in errors:
        if error.is_group_error:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _flaw(error: ce.ValidationError) -> Flaw:
    path = tuple(error.document_path)
    code = error.code
    value = error.value
    if code == ce.REQUIRED_FIELD.code:
        return Flaw(path, "required", message("required"))
    if code == ce.UNKNOWN_FIELD.code:
        return Flaw(path, "unknown_field", _unknown_message(path), at_key=True)
    if code == ce.UNALLOWED_VALUE.code:
        allowed = ", ".join(str(a) for a in error.constraint)
        return Flaw(path, "not_allowed", message("not_allowed", value=value, allowed=allowed))
    if code == ce.BAD_TYPE.code:
        expected = _TYPE_NAMES.get(str(error.constraint), str(error.constraint))
        if isinstance(error.constraint, list | tuple):
            expected = " or ".join(_TYPE_NAMES.get(str(c), str(c)) for c in error.constraint)
        # Only text can be mistyped by YAML in a way quoting fixes (`country: NO`).
        code = "bad_type" if error.constraint == "string" else "bad_type_not_text"
        return Flaw(path, code, message("bad_type", expected=expected, actual=_kind(value)))
    if code == ce.EMPTY_NOT_ALLOWED.code:
        return Flaw(path, "empty", message("empty"))
    if code == ce.NOT_NULLABLE.code:
        return Flaw(path, "null_value", message("null_value"))
    if code == ce.MIN_LENGTH.code:
        return Flaw(path, "min_length",
                    message("min_length", min=error.constraint, actual=len(value)))
    if code == ce.MAX_LENGTH.code:
        return Flaw(path, "max_length",
                    message("max_length", max=error.constraint, actual=len(value)))
    if code == ce.MIN_VALUE.code:
        return Flaw(path, "min_value", message("min_value", min=error.constraint))
    if code == ce.MAX_VALUE.code:
        return Flaw(path, "max_value", message("max_value", max=error.constraint))
    if code == ce.CUSTOM.code:
        return Flaw(path, "invalid", str(error.info[0]) if error.info else "invalid value")
    return Flaw(path, error.rule or "invalid", f"invalid value ({error.rule})")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return type(value).__name__


def _unknown_message(path: tuple[str | int, ...]) -> str:
    field = str(path[-1])
    allowed = fields_at(path[:-1])
    close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
    if close:
        return message("unknown_field_suggest", field=field, suggestion=close[0])
    if allowed:
        return message("unknown_field_allowed", field=field, allowed=", ".join(allowed))
    return message("unknown_field", field=field)


def fields_at(path: tuple[str | int, ...]) -> list[str]:
    """The field names the schema allows in the mapping at ``path``."""
    rules: dict[str, Any] | None = schema_rules()
    rule: dict[str, Any] | None = None
    for step in path:
        if isinstance(step, int):
            if rule is None or rule.get("type") != "list":
                return []
            rule = rule.get("schema")
            rules = rule.get("schema") if rule and rule.get("type") == "dict" else None
        else:
            if rules is None or step not in rules:
                return []
            rule = rules[step]
            rules = rule.get("schema") if rule.get("type") == "dict" else None
    return list(rules) if rules else []
