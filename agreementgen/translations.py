"""Texts in more than one language: checking them, and choosing one language's text.

Any text field of a description may be a mapping from language code to text
(``problem: {en: ..., nl: ...}``); a plain string counts as written in the description's own
language, ``agreement.language``. The schema describes the plain form only: validation checks
the mappings here, then hands the schema a copy with one text per field. Rendering in a
language takes that language's text of each field and marks text that had to stand in for a
missing translation, so the agreement shows it and the command line lists it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from agreementgen.errors import Flaw
from agreementgen.i18n import DEFAULT_LANGUAGE, LANGUAGES, message

Path = tuple[str | int, ...]

__all__ = ["Missing", "Untranslated", "check_languages", "format_untranslated", "is_text",
           "language_of", "localize", "rule_at", "single_texts", "text_fields"]


@dataclass(frozen=True)
class Missing:
    """A field with no text in a language: where it is, and the language it is shown in.

    Attributes:
        path: The field's path in the description.
        shown_in: The language of the text the output uses in its place.
        text: That text.
    """

    path: Path
    shown_in: str
    text: str


@dataclass(frozen=True)
class Untranslated:
    """A text field with no text in an output language, and the language it is shown in.

    Attributes:
        path: The dotted field path (``purpose.problem``).
        line: 1-based line in the description, when known.
        lang: The output language that has no text.
        shown_in: The language of the text the output shows instead.
        text: The text it shows, to be translated.
    """

    path: str
    line: int | None
    lang: str
    shown_in: str
    text: str = ""


def language_of(document: dict[str, Any]) -> str:
    """The language a description's plain texts are written in."""
    agreement = document.get("agreement")
    lang = agreement.get("language") if isinstance(agreement, dict) else None
    return lang if isinstance(lang, str) and lang in LANGUAGES else DEFAULT_LANGUAGE


def rule_at(path: tuple[str | int, ...]) -> dict[str, Any] | None:
    """The schema rule of the field at ``path``, or None where the schema has no such field."""
    from agreementgen.validation.schema import schema_rules

    rules: dict[str, Any] | None = schema_rules()
    rule: dict[str, Any] | None = None
    for step in path:
        if isinstance(step, int):
            if rule is None or rule.get("type") != "list":
                return None
            rule = rule.get("schema")
        else:
            if rules is None or step not in rules:
                return None
            rule = rules[step]
        rules = rule.get("schema") if rule and rule.get("type") == "dict" else None
    return rule


def is_text(rule: dict[str, Any]) -> bool:
    """Whether a field holds free text a person writes (not an id, date, code or choice)."""
    kind = rule.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "string" in kinds and "dict" not in kinds and "allowed" not in rule \
        and "check_with" not in rule and "refers_to" not in rule.get("meta", {})


def _neutral(rule: dict[str, Any]) -> bool:
    """Whether a plain text reads the same in every language (a name, an address)."""
    return bool(rule.get("meta", {}).get("language_neutral"))


def text_fields(rules: dict[str, Any], data: Any,
                path: Path = ()) -> Iterator[tuple[Path, dict[str, Any], Any]]:
    """Every text field present in ``data``: its path, its schema rule and its value.

    Values are yielded as they are: a string, a language mapping, or whatever the user wrote
    (the schema judges that).
    """
    if not isinstance(data, dict):
        return
    for name, rule, kind, inner in _plan(rules):
        if name in data:
            yield from _field(rule, kind, inner, data[name], (*path, name))


def _field(rule: dict[str, Any], kind: str, inner: Any, value: Any,
           path: Path) -> Iterator[tuple[Path, dict[str, Any], Any]]:
    if kind == _TEXT:
        yield path, rule, value
    elif kind == _DICT:
        yield from text_fields(inner, value, path)
    elif kind == _LIST and isinstance(value, list):
        item_kind, item_inner = _kind(inner)
        for index, item in enumerate(value):
            yield from _field(inner, item_kind, item_inner, item, (*path, index))


_TEXT, _DICT, _LIST = "text", "dict", "list"
# The fields of each rules mapping that can hold text, worked out once per mapping (the
# schema's rules live as long as the process): (name, rule, kind, inner rules).
_plans: dict[int, tuple[dict[str, Any], tuple[tuple[str, dict[str, Any], str, Any], ...]]] = {}


def _plan(rules: dict[str, Any]) -> tuple[tuple[str, dict[str, Any], str, Any], ...]:
    known = _plans.get(id(rules))
    if known is not None and known[0] is rules:
        return known[1]
    plan = []
    for name, rule in rules.items():
        if isinstance(rule, dict):
            kind, inner = _kind(rule)
            if kind:
                plan.append((name, rule, kind, inner))
    _plans[id(rules)] = (rules, tuple(plan))
    return tuple(plan)


def _kind(rule: dict[str, Any]) -> tuple[str, Any]:
    """Whether a rule's field is text, a mapping or a list that may hold text ("" if not)."""
    inner = rule.get("schema")
    if is_text(rule):
        return _TEXT, None
    if rule.get("type") == "dict" and isinstance(inner, dict):
        return _DICT, inner
    if rule.get("type") == "list" and isinstance(inner, dict):
        return _LIST, inner
    return "", None


def check_languages(rules: dict[str, Any], data: Any) -> list[Flaw]:
    """A flaw for every language mapping that is empty, has an unsupported key or a non-text."""
    flaws: list[Flaw] = []
    known = ", ".join(LANGUAGES)
    for path, rule, value in text_fields(rules, data):
        if not isinstance(value, dict):
            continue
        if not value:
            flaws.append(Flaw(path, "empty_translations",
                              message("translations_empty", known=known)))
            continue
        for lang, text in value.items():
            where = (*path, str(lang))
            if lang not in LANGUAGES:
                flaws.append(Flaw(where, "unsupported_language",
                                  message("translations_unsupported", code=lang, known=known),
                                  at_key=True))
            elif not isinstance(text, str):
                flaws.append(Flaw(where, "bad_type",
                                  message("translations_not_text", code=lang)))
            elif not text.strip() and rule.get("empty") is False:
                flaws.append(Flaw(where, "empty", message("translations_blank", code=lang)))
    return flaws


def single_texts(rules: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with one text per field, for the schema to check sizes and types.

    Each language mapping becomes its longest text, so a length limit holds for every
    language; a mapping that :func:`check_languages` refuses becomes a stand-in text, so
    its flaw is reported once.
    """
    def choose(path: Path, rule: dict[str, Any], value: dict[str, Any]) -> str:
        texts = [t for lang, t in value.items() if lang in LANGUAGES and isinstance(t, str)]
        if len(texts) != len(value) or not texts:
            return "-"
        return max(texts, key=len)

    return _replaced(rules, data, choose)


def localize(rules: dict[str, Any], data: dict[str, Any], lang: str, *,
             mark: bool) -> tuple[dict[str, Any], list[Missing]]:
    """``data`` with each text field's ``lang`` text, and the fields that have none.

    A field without a ``lang`` text keeps the text it has: the description's own language
    first, else the first language given. With ``mark``, that text carries an untranslated
    mark naming its language. Names and addresses (``language_neutral`` in the schema)
    written as plain text read the same in every language and are never missing.

    Args:
        rules: The schema rules.
        data: A valid description.
        lang: The output language.
        mark: Whether to mark text shown in another language (for documents, not messages).
    """
    from agreementgen.clauses import markers

    own = language_of(data)
    missing: list[Missing] = []

    def choose(path: Path, rule: dict[str, Any], value: Any) -> Any:
        if isinstance(value, dict):
            if lang in value:
                return value[lang]
            shown_in = own if own in value else next(iter(value))
            text = value[shown_in]
        elif not isinstance(value, str) or lang == own or _neutral(rule) or not value.strip():
            return value
        else:
            shown_in, text = own, value
        missing.append(Missing(path, shown_in, text))
        return markers.untranslated(text, shown_in) if mark else text

    return _replaced(rules, data, choose, plain=lang != own), missing


def _replaced(rules: dict[str, Any], data: Any, choose: Any, plain: bool = False) -> Any:
    """``data`` with ``choose(path, rule, value)`` for each language mapping (and, with
    ``plain``, each plain text too); only what changes is copied."""
    changes: list[tuple[Path, Any]] = []
    for path, rule, value in text_fields(rules, data):
        if isinstance(value, dict) or (plain and isinstance(value, str)):
            new = choose(path, rule, value)
            if new is not value:
                changes.append((path, new))
    if not changes:
        return data
    copy = _copied_along(data, [path for path, _ in changes])
    for path, new in changes:
        target = copy
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = new
    return copy


def _copied_along(data: Any, paths: list[Path]) -> Any:
    """A copy of ``data`` in which every mapping and list on the given paths is a new one."""
    prefixes: set[Path] = {path[:i] for path in paths for i in range(len(path))}

    def copy(value: Any, here: Path) -> Any:
        if here not in prefixes:
            return value
        if isinstance(value, dict):
            return {k: copy(v, (*here, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [copy(v, (*here, i)) for i, v in enumerate(value)]
        return value

    return copy(data, ())


def format_untranslated(items: Sequence[Untranslated], lang: str) -> str:
    """The untranslated texts of one output language, for a terminal, in that language.

    Returns:
        "" when there are none.
    """
    if not items:
        return ""
    from babel import Locale

    names = Locale.parse(lang).languages
    shown = sorted({item.shown_in for item in items})
    lines = [message("untranslated_heading", lang=lang, count=len(items),
                     language=names[lang], shown=", ".join(names[s] for s in shown), code=lang)]
    for item in items:
        line = message("untranslated_line", lang=lang, line=item.line) \
            if item.line is not None else ""
        lines.append(f"  {item.path}{line}")
    return "\n".join(lines) + "\n"
