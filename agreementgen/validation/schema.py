"""The Cerberus schema of a description, and its errors turned into messages a person can act on."""

from __future__ import annotations

import calendar
import copy
import datetime
import difflib
import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from agreementgen.errors import Flaw
from agreementgen.i18n import message
from agreementgen.resources import data_dir, load_yaml
from agreementgen.validation.accept import compile_schema
from agreementgen.yaml_reader import LongNumber

if TYPE_CHECKING:
    import cerberus.errors as ce

SCHEMA_FILE = "description.yaml"

# Defaults that bound what one field may hold, so a runaway export cannot swamp a document.
MAX_TEXT = 1_000
MAX_MARKDOWN = 20_000
MAX_ITEMS = 2_000

_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A number written as text with thousands separators (14,400,000; 14.400.000,50; 14 400 000),
# or with a decimal comma (2,5).
_GROUPED = re.compile(r"([-+]?)(\d{1,3})((?:([,. '\u00a0\u202f])\d{3})(?:\4\d{3})*)"
                      r"(?:([.,])(\d+))?")
_DECIMAL_COMMA = re.compile(r"([-+]?\d+),(\d+)")
# A number with an exponent but no point, which YAML 1.1 reads as text (1e6).
_EXPONENT = re.compile(r"[-+]?\d+(?:\.\d*)?[eE][-+]?\d{1,3}")

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


class _FiniteFloatType(type):
    def __instancecheck__(cls, value: object) -> bool:
        return type(value) is float and math.isfinite(value)


class FiniteFloat(metaclass=_FiniteFloatType):
    """The floats that are numbers, for ``isinstance``: neither NaN nor infinity.

    Cerberus checks a type with ``isinstance``; YAML, JSON and TOML all read NaN and
    infinity (``.nan``, ``NaN``, ``inf``), which no amount or count can be.
    """


@functools.cache
def validator_class() -> type:
    """Cerberus with the checks the description format names in ``check_with``.

    Made on first need: a valid description never needs Cerberus (see :func:`check_schema`),
    so a run that meets only valid ones does not import it.
    """
    import cerberus

    class DescriptionValidator(cerberus.Validator):

        # Cerberus counts a boolean as an integer (YAML reads `notice_days: yes` as true), and
        # NaN and infinity as numbers.
        types_mapping: ClassVar[dict[str, cerberus.TypeDefinition]] = {
            **cerberus.Validator.types_mapping,
            "integer": cerberus.TypeDefinition("integer", (int,), (bool,)),
            "number": cerberus.TypeDefinition("number", (int, FiniteFloat), (bool,)),
        }

        def _check_with_date(self, field: str, value: Any) -> None:
            if isinstance(value, str) and not is_date(value):
                self._error(field, date_problem(value))

        def _check_with_slug(self, field: str, value: Any) -> None:
            if isinstance(value, str) and not is_slug(value):
                self._error(field, message("bad_slug", value=value))

        def _check_with_email(self, field: str, value: Any) -> None:
            if isinstance(value, str) and not is_email(value):
                self._error(field, message("bad_email", value=value))

        def _check_with_currency(self, field: str, value: Any) -> None:
            if isinstance(value, str) and not is_currency(value):
                self._error(field, message("bad_currency", value=value))

    return DescriptionValidator


def is_date(value: str) -> bool:
    """An ISO date (YYYY-MM-DD) that exists."""
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def date_problem(value: str) -> str:
    """Why ``value`` is not a date: a day its month does not have, or not YYYY-MM-DD."""
    if _DATE.match(value):
        year, month, day = (int(part) for part in value.split("-"))
        if not 1 <= month <= 12:
            return message("date_no_month", value=value, month=month)
        if year >= 1:
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                return message("date_no_day", value=value, days=days, year=year,
                               month=_month_name(month))
    return message("bad_date", value=value)


def _month_name(month: int) -> str:
    """The month's name in the language of the messages."""
    from babel.dates import get_month_names

    return str(get_month_names("wide", locale="en")[month])


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
def _validator() -> Any:
    validator = validator_class()(schema_rules())
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
    import cerberus.errors as ce

    path = tuple(error.document_path)
    code = error.code
    value = error.value
    if code == ce.BAD_TYPE.code:
        number = _number_flaw(path, error.constraint, value)
        if number is not None:
            return number
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


def _number_flaw(path: tuple[str | int, ...], expected: Any, value: Any) -> Flaw | None:
    """The flaw of a value of the wrong type that a person meant as a number, or one of a
    field with allowed values; None for any other wrong type."""
    rule = rule_at(path)
    numeric = expected in ("number", "integer")
    if isinstance(value, LongNumber):
        code = "number_too_long" if numeric else "number_too_long_for_text"
        return Flaw(path, code, message(code, digits=value.digits, range=_range(rule)))
    if numeric and type(value) is float and not math.isfinite(value):
        code = "number_nan" if math.isnan(value) else "number_infinite"
        return Flaw(path, code, message(code, range=_range(rule)))
    if numeric and isinstance(value, str):
        plain = plain_number(value)
        if plain is not None:
            return Flaw(path, "number_as_text",
                        message("number_as_text", value=value, number=plain))
    allowed = rule.get("allowed")
    if allowed and not isinstance(value, list | dict | str):
        # YAML read `binding: no` as a boolean: name the allowed values at once, rather
        # than ask for quotes and then refuse 'no'.
        return Flaw(path, "bad_type_allowed",
                    message("bad_type_allowed", actual=_kind(value),
                            allowed=", ".join(str(a) for a in allowed)))
    return None


def plain_number(text: str) -> str | None:
    """A number written with thousands separators, a decimal comma or an exponent, as a
    description writes it (``14,400,000`` -> ``14400000``, ``1.250,50`` -> ``1250.50``,
    ``1e6`` -> ``1000000``); else None."""
    text = text.strip()
    grouped = _GROUPED.fullmatch(text)
    if grouped is not None:
        sign, first, groups, separator, point, fraction = grouped.groups()
        if point is None or point != separator:
            number = sign + first + groups.replace(separator, "")
            return f"{number}.{fraction}" if point else number
    comma = _DECIMAL_COMMA.fullmatch(text)
    if comma is not None:
        return f"{comma[1]}.{comma[2]}"
    if _EXPONENT.fullmatch(text):
        return format(Decimal(text), "f")
    return None


def _range(rule: dict[str, Any]) -> str:
    """The range of a number field, as messages write it (``0 to 3650``)."""
    low, high = rule.get("min"), rule.get("max")
    if low is not None and high is not None:
        return message("number_range", min=low, max=high)
    if low is not None:
        return message("number_range_min", min=low)
    return message("number_range_any")


def rule_at(path: tuple[str | int, ...]) -> dict[str, Any]:
    """The schema rule of the field at ``path`` (list indexes select the item rule), or {}."""
    rules: dict[str, Any] | None = schema_rules()
    rule: dict[str, Any] = {}
    for step in path:
        if isinstance(step, int):
            if rule.get("type") != "list" or not isinstance(rule.get("schema"), dict):
                return {}
            rule = rule["schema"]
        else:
            if rule:
                rules = rule.get("schema") if rule.get("type") == "dict" else None
            if not isinstance(rules, dict) or step not in rules:
                return {}
            rule = rules[step]
    return rule


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


Path = tuple[str | int, ...]


@dataclass
class Misspellings:
    """Keys taken for misspellings of missing fields, each as (parent path, key, field).

    The parent paths are those of the corrected data, in the order the renames were made.
    """

    renames: list[tuple[Path, str, str]] = field(default_factory=list)

    def restore(self, flaws: list[Flaw]) -> list[Flaw]:
        """``flaws`` of the corrected data, with paths through a renamed field put back on
        the key as the file writes it (so each points at its place in the file)."""
        if not self.renames:
            return flaws
        return [Flaw(self.original(f.path), f.code, f.message, f.at_key) for f in flaws]

    def original(self, path: Path) -> Path:
        for parent, key, name in reversed(self.renames):
            size = len(parent)
            if path[:size] == parent and path[size:size + 1] == (name,):
                path = (*parent, key, *path[size + 1:])
        return path


def correct_misspellings(data: dict[str, Any], flaws: list[Flaw],
                         recheck: Callable[[dict[str, Any]], list[Flaw]] | None = None,
                         ) -> tuple[dict[str, Any], list[Flaw], Misspellings]:
    """The data with each likely misspelt key renamed, its schema flaws, and the renames.

    A key the schema does not know, next to a required field that is missing and is the
    closest match of that key (as :func:`_unknown_message` finds it), is taken for that
    field misspelt: the data is checked again with the key renamed, so the misspelling is
    one flaw ("did you mean ...?") at the key, not also a missing field, and what the
    section holds is checked too. Renames inside renamed sections are found in turn.

    Args:
        data: The data ``flaws`` were found in.
        flaws: Its schema flaws, from :func:`check_schema`.
        recheck: What finds those flaws in corrected data (default: :func:`check_schema`).

    Returns:
        The corrected data, its flaws with paths as the file writes them, and the renames
        (whose :meth:`Misspellings.restore` maps the paths of other flaws of the corrected
        data back).
    """
    misspelt = Misspellings()
    found: list[Flaw] = []
    for _ in range(MAX_MISSPELLING_ROUNDS):
        renames = _misspellings(flaws)
        if not renames:
            break
        for parent, key, name in renames:
            data = _renamed(data, parent, key, name)
            misspelt.renames.append((parent, key, name))
            found.append(Flaw((*parent, name), "unknown_field",
                              message("unknown_field_suggest", field=key, suggestion=name),
                              at_key=True))
        flaws = recheck(data) if recheck is not None else check_schema(data)[1]
    return data, misspelt.restore(found + flaws), misspelt


#: How many times a misspelt section inside a misspelt section is looked for.
MAX_MISSPELLING_ROUNDS = 5


def _misspellings(flaws: list[Flaw]) -> list[tuple[Path, str, str]]:
    missing = {f.path for f in flaws if f.code == "required"}
    renames, taken = [], set()
    for flaw in flaws:
        if flaw.code != "unknown_field" or not flaw.path or not isinstance(flaw.path[-1], str):
            continue
        parent, key = flaw.path[:-1], flaw.path[-1]
        close = difflib.get_close_matches(key, fields_at(parent), n=1, cutoff=0.6)
        if close and (*parent, close[0]) in missing and (*parent, close[0]) not in taken:
            taken.add((*parent, close[0]))
            renames.append((parent, key, close[0]))
    return renames


def _renamed(data: Any, parent: Path, key: str, name: str) -> Any:
    """A copy of ``data`` with ``key`` renamed ``name`` in the mapping at ``parent``, keeping
    the order of the keys; only the mappings and lists on the way are copied."""
    if not parent:
        return {(name if k == key else k): v for k, v in data.items()}
    step, rest = parent[0], parent[1:]
    if isinstance(data, dict):
        return {**data, step: _renamed(data[step], rest, key, name)}
    copied = list(data)
    copied[step] = _renamed(data[step], rest, key, name)  # type: ignore[index]
    return copied


def check_money(data: Any, written: Callable[[Path], str | None]) -> list[Flaw]:
    """A flaw for each amount with more decimals than its currency has.

    Babel would round them away in the agreement (``25000.505`` EUR as ``€25,000.50``);
    a ``14.400`` meant as fourteen thousand four hundred is read as 14.4, and its three
    written decimals give it away.

    Args:
        data: The loaded description.
        written: The text a number is written with in the file at a path, when known.
    """
    from babel.numbers import get_currency_precision

    flaws = []
    for path, money in _money(schema_rules(), data, ()):
        amount, currency = money.get("amount"), money.get("currency")
        if type(amount) is not float or not math.isfinite(amount) \
                or not isinstance(currency, str) or not is_currency(currency):
            continue
        place = (*path, "amount")
        text = written(place) or repr(amount)
        decimals = _decimals(text)
        if decimals is None:
            text, decimals = repr(amount), _decimals(repr(amount)) or 0
        most = get_currency_precision(currency)
        if decimals <= most:
            continue
        values: dict[str, Any] = {"currency": currency, "most": most, "value": text,
                                  "actual": decimals}
        if re.fullmatch(r"\d{1,3}(\.\d{3})", text) and most < 3:
            flaws.append(Flaw(place, "too_many_decimals",
                              message("too_many_decimals_thousands", **values,
                                      whole=text.replace(".", ""))))
        else:
            flaws.append(Flaw(place, "too_many_decimals", message("too_many_decimals", **values)))
    return flaws


def _decimals(text: str) -> int | None:
    """How many decimals a number is written with (``1.50``: 2, ``1.5e3``: 0), or None."""
    try:
        exponent = Decimal(text.replace("_", "")).as_tuple().exponent
    except InvalidOperation:
        return None
    return max(0, -exponent) if isinstance(exponent, int) else None


def _money(rules: dict[str, Any], data: Any, path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every mapping of an amount and a currency in ``data``, with its path."""
    if not isinstance(data, dict):
        return
    for name, rule in rules.items():
        value = data.get(name)
        inner = rule.get("schema")
        if value is None or not isinstance(inner, dict):
            continue
        if rule.get("type") == "dict" and isinstance(value, dict):
            if "amount" in inner and "currency" in inner:
                yield (*path, name), value
            else:
                yield from _money(inner, value, (*path, name))
        elif rule.get("type") == "list" and isinstance(value, list) \
                and isinstance(inner.get("schema"), dict):
            for index, item in enumerate(value):
                yield from _money(inner["schema"], item, (*path, name, index))


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
