"""The description schema for editors: JSON Schema (draft 2020-12) made from the Cerberus schema.

``schemas/description.yaml`` stays the one source of truth. This module translates each Cerberus
rule it uses into the JSON Schema keyword with the same meaning, so the YAML language server (and
any other JSON Schema tool) gives completion, hover help and checks while people type. It only
uses keywords that mean the same in draft 7, which most editors implement, and in 2020-12. A
Cerberus type list (``type: [boolean, string]``: true, false or text) becomes a JSON Schema type
list; its length limits hold for the text, in both. Every text field also takes a mapping from
language code to text, as ``agreementgen validate`` does.

What JSON Schema cannot say is left to ``agreementgen validate``: the cross-field rules (ids that
refer to partners and outcomes, date order, governing law for binding agreements, liability only
in a binding agreement, data roles only when personal data is shared), real calendar
dates (2026-02-30 has the right shape), the ISO 4217 currency list (only three capitals are
checked), and that a whole number written as ``2.0`` is not an integer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agreementgen.errors import OutputError, Problem
from agreementgen.i18n import message
from agreementgen.resources import data_dir
from agreementgen.translations import is_text
from agreementgen.writing import check_target, write_atomic

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FORMATS = ("cerberus", "json-schema")
JSON_SCHEMA_FILE = "description.schema.json"

_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "dict": "object",
    "list": "array",
}

# The checks named in ``check_with``, as the closest JSON Schema. ECMA-262 patterns (what editors
# run) and Python's ``re`` read these the same way; [0-9] rather than \d keeps them ASCII in both.
_CHECKS: dict[str, dict[str, str]] = {
    "date": {"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "format": "date"},
    "slug": {"pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"},
    "email": {"pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"},
    "currency": {"pattern": "^[A-Z]{3}$"},
}

# Every Cerberus rule the translation understands; any other rule in the schema is an error, so
# the JSON Schema can never silently drift from what ``validate`` checks.
_HANDLED = frozenset({
    "type", "required", "empty", "nullable", "allowed", "default", "meta", "schema",
    "minlength", "maxlength", "min", "max", "check_with",
})


class SchemaTranslationError(Exception):
    """The Cerberus schema uses a rule that has no JSON Schema translation yet."""


def json_schema() -> dict[str, Any]:
    """The description schema as a JSON Schema (draft 2020-12) document.

    Returns:
        A fresh mapping, ready for ``json.dumps``.

    Raises:
        SchemaTranslationError: The Cerberus schema uses a rule this module does not translate.
    """
    from agreementgen.validation.schema import SCHEMA_FILE, schema_rules, schema_version

    rules = schema_rules()
    document: dict[str, Any] = {
        "$schema": DIALECT,
        "$comment": message("schema_comment", source=f"schemas/{SCHEMA_FILE}",
                            version=schema_version()),
        "title": message("schema_title"),
        "description": message("schema_description"),
    }
    document.update(_mapping(rules, ()))
    return document


def json_schema_text() -> str:
    """The JSON Schema as text: indented, with a final newline, the same on every run."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def cerberus_schema_text() -> str:
    """The Cerberus schema file as written, with its comments."""
    from agreementgen.validation.schema import SCHEMA_FILE

    return (data_dir("schemas") / SCHEMA_FILE).read_text(encoding="utf-8")


def export(fmt: str) -> str:
    """The description schema in one format.

    Args:
        fmt: ``cerberus`` (the source, YAML) or ``json-schema``.

    Raises:
        ValueError: An unknown format.
    """
    if fmt == "cerberus":
        return cerberus_schema_text()
    if fmt == "json-schema":
        return json_schema_text()
    raise ValueError(f"unknown schema format {fmt!r}; use one of: {', '.join(FORMATS)}")


def write_export(path: Path, fmt: str, *, force: bool = False) -> None:
    """Write the schema in one format to ``path``, atomically.

    Raises:
        OutputError: The file exists (without ``force``), the folder is missing, or the file
            cannot be written.
    """
    if path.is_dir():
        text = message("output_is_folder")
        raise OutputError(text, [Problem(str(path), text, code="output_is_folder")])
    check_target(path, force)
    write_atomic(path, export(fmt).encode("utf-8"))


def _mapping(fields: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
    """An ``object`` schema for a Cerberus mapping of fields; unknown fields are refused."""
    properties = {name: _field(rule, (*where, name)) for name, rule in fields.items()}
    required = [name for name, rule in fields.items() if rule.get("required")]
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    result["additionalProperties"] = False
    return result


def _field(rule: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of one Cerberus field rule."""
    unknown = sorted(set(rule) - _HANDLED)
    if unknown:
        raise SchemaTranslationError(
            f"{'.'.join(where) or '(top)'}: no JSON Schema translation for Cerberus rule(s) "
            f"{', '.join(unknown)}; add it to agreementgen/jsonschema.py")
    result: dict[str, Any] = {}
    meta = rule.get("meta") or {}
    description = meta.get("description")
    if description and meta.get("markdown"):
        description = f"{description} {message('schema_markdown_note')}"
    if description:
        result["description"] = description

    json_types = _json_types(rule.get("type"), where)
    json_type = json_types[0] if len(json_types) == 1 else None
    # Cerberus puts the default in place of a null (``kind:`` left empty), so null is fine.
    takes_null = bool(rule.get("nullable") or "default" in rule)
    if json_types:
        both = [*json_types, "null"] if takes_null else json_types
        result["type"] = both[0] if len(both) == 1 else both
    if "allowed" in rule:
        result["enum"] = list(rule["allowed"]) + ([None] if json_types and takes_null else [])
    if "default" in rule:
        result["default"] = rule["default"]
    if "check_with" in rule:
        check = _CHECKS.get(rule["check_with"])
        if check is None:
            raise SchemaTranslationError(
                f"{'.'.join(where)}: no JSON Schema translation for check_with "
                f"{rule['check_with']!r}")
        result.update(check)

    _limits(rule, json_types, result)

    inner = rule.get("schema")
    if isinstance(inner, dict) and len(json_types) > 1:
        raise SchemaTranslationError(
            f"{'.'.join(where)}: no JSON Schema translation for a schema rule with type "
            f"{rule.get('type')!r}")
    if json_type == "object" and isinstance(inner, dict):
        mapping = _mapping(inner, where)
        del mapping["type"]
        result.update(mapping)
    elif json_type == "array" and isinstance(inner, dict):
        result["items"] = _field(inner, (*where, "[]"))
    if is_text(rule):
        _in_languages(rule, result)
    return _ordered(result)


def _in_languages(rule: dict[str, Any], result: dict[str, Any]) -> None:
    """A text field may also be a mapping from language code to text: ``{en: ..., nl: ...}``.

    The object keywords hold only for a mapping and the string keywords only for a text, so one
    schema with both types says both, and editors complete the language keys.
    """
    from agreementgen.i18n import LANGUAGES

    types = result.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    result["type"] = [*[t for t in types if t != "null"], "object",
                      *(["null"] if "null" in types else [])]
    text: dict[str, Any] = {"type": "string"}
    if "minLength" in result:
        text["minLength"] = result["minLength"]
    if "maxLength" in result:
        text["maxLength"] = result["maxLength"]
    from babel import Locale

    names = Locale.parse("en").languages
    result["properties"] = {
        lang: {"description": message("schema_language_text", language=names[lang], code=lang),
               **text}
        for lang in LANGUAGES}
    result["additionalProperties"] = False
    result["minProperties"] = 1


def _json_types(kind: Any, where: tuple[str, ...]) -> list[str]:
    """The JSON Schema types of a Cerberus ``type``: none, one name, or a list of names.

    A list such as ``[boolean, string]`` means any one of them, as a JSON Schema type list does.
    """
    kinds = [] if kind is None else kind if isinstance(kind, list) else [kind]
    json_types = [_TYPES.get(name) if isinstance(name, str) else None for name in kinds]
    if (kind is not None and not json_types) or None in json_types:
        raise SchemaTranslationError(f"{'.'.join(where)}: no JSON Schema type for {kind!r}")
    return [name for name in json_types if name is not None]


_SIZE_KEYWORDS = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}


def _limits(rule: dict[str, Any], json_types: list[str], result: dict[str, Any]) -> None:
    """Lengths, sizes and bounds; ``empty: false`` is a minimum length of one.

    Cerberus applies ``minlength``/``maxlength`` to whatever has a length and skips the rest; a
    JSON Schema size keyword likewise holds only for its own type. So with a type list, each
    sized type gets its keyword (``[boolean, string]``: ``maxLength`` for the text, nothing for
    true or false).
    """
    sized = [_SIZE_KEYWORDS[name] for name in json_types if name in _SIZE_KEYWORDS]
    minimum = rule.get("minlength")
    if rule.get("empty") is False:
        minimum = max(minimum or 0, 1)
    # An enum or a date pattern bounds the length already; the default limit would only be noise.
    bounded = "enum" in result or rule.get("check_with") in ("date", "currency")
    for low, high in sized:
        if minimum is not None:
            result[low] = minimum
        if "maxlength" in rule and not bounded:
            result[high] = rule["maxlength"]
    if "min" in rule:
        result["minimum"] = rule["min"]
    if "max" in rule:
        result["maximum"] = rule["max"]


_ORDER = ("description", "type", "enum", "default", "format", "pattern", "minLength",
          "maxLength", "minimum", "maximum", "minItems", "maxItems", "minProperties",
          "maxProperties", "items", "properties", "required", "additionalProperties")


def _ordered(schema: dict[str, Any]) -> dict[str, Any]:
    """Keywords in one fixed order, so the exported file reads well and diffs stay small."""
    rank = {key: index for index, key in enumerate(_ORDER)}
    return dict(sorted(schema.items(), key=lambda item: rank.get(item[0], len(rank))))
