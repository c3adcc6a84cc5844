"""Read a description file (YAML, JSON or TOML) into plain data, safely and with places."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from agreementgen.errors import InputError, Problem
from agreementgen.i18n import message
from agreementgen.yaml_reader import (
    LONG_NUMBER,
    BaseLoader,
    DuplicateKey,
    LongNumber,
    MisfitTag,
    NonTextKey,
    load_yaml_tree,
)

MAX_INPUT_BYTES = 5 * 1024 * 1024
#: Environment variable that replaces :data:`MAX_INPUT_BYTES` as the default size limit.
MAX_INPUT_VARIABLE = "AGREEMENTGEN_MAX_INPUT_BYTES"
MAX_VALUES = 200_000
MAX_DEPTH = 40

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}

_JSON_SURROGATE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


@dataclass
class Source:
    """A loaded description: its data, and enough of its text to point at places in it.

    Attributes:
        name: The file name as the user gave it (used in every message).
        format: ``yaml``, ``json`` or ``toml``.
        text: The file's text.
        data: The parsed top-level mapping.
    """

    name: str
    format: str
    text: str
    data: dict[str, Any]
    _tree: yaml.Node | None = field(default=None, repr=False)

    def locate(
        self, path: tuple[str | int, ...], *, key: bool = False
    ) -> tuple[int | None, int | None]:
        """The 1-based (line, column) of a field, or of its nearest existing parent.

        The text is parsed a second time, with positions, only when a place is needed: loading
        stays fast for the common case of a valid file.

        Args:
            path: Field path as keys and list indexes.
            key: Point at the key itself rather than its value (for unknown keys).
        """
        if self.format == "toml":
            return _locate_toml(self.text, path)
        if not self._compose():
            return None, None
        node = self._tree
        mark = node.start_mark if node is not None else None
        for step in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == step:
                        is_last = step is path[-1]
                        mark = key_node.start_mark if (key and is_last) else value_node.start_mark
                        node = value_node
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if 0 <= step < len(node.value):
                    node = node.value[step]
                    mark = node.start_mark
                else:
                    break
            else:
                break
        if mark is None:
            return None, None
        return mark.line + 1, mark.column + 1


    def written(self, path: tuple[str | int, ...]) -> str | None:
        """The text a scalar value is written with in the file (``25000.50`` where the data
        holds ``25000.5``), or None when it cannot be told (TOML, or no such scalar)."""
        if self.format == "toml" or not self._compose():
            return None
        node = self._tree
        for step in path:
            if isinstance(node, yaml.MappingNode):
                node = next((value for key, value in node.value if key.value == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                    and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                return None
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def split_items(self) -> list[tuple[tuple[str | int, ...], str, str]]:
        """Items of YAML flow lists that were probably one item split at a comma.

        In ``objectives: [Buy 60,000 litres a day]`` the comma ends an item: YAML reads
        ``Buy 60`` and ``000 litres a day``. An unquoted item that starts with three digits
        right after an unquoted item that ends in a digit is such a split.

        Returns:
            For each, the path of the second item, the item before it and the item itself.
        """
        if self.format != "yaml" or not _SPLIT_ITEM.search(self.text) or not self._compose() \
                or self._tree is None:
            return []
        found = []
        stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(self._tree, ())]
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            if id(node) in seen:  # an alias: its items were looked at under its anchor
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                stack.extend((value, (*path, key.value)) for key, value in reversed(node.value)
                             if isinstance(key, yaml.ScalarNode))
            elif isinstance(node, yaml.SequenceNode):
                items = node.value
                if node.flow_style:
                    found += [((*path, index), before.value, item.value)
                              for index, (before, item) in enumerate(pairwise(items),
                                                                     start=1)
                              if _plain_text(before) and _plain_text(item)
                              and before.value[-1:].isdigit()
                              and _THREE_DIGITS.match(item.value)]
                stack.extend((item, (*path, index))
                             for index, item in reversed(list(enumerate(items))))
        return found

    def _compose(self) -> bool:
        """Compose the text's node tree, with places, unless it is there; whether it is."""
        if self._tree is None:
            text = self.text
            if self.format == "json":
                # YAML reads JSON, but not its surrogate escapes (json.dumps writes emoji as
                # a pair); an escape of the same length keeps every place where it was.
                text = _JSON_SURROGATE.sub(r"\1\\uFFFD", text)
            try:
                self._tree = yaml.compose(text, Loader=BaseLoader)
            except yaml.YAMLError:
                return False
        return True


_SPLIT_ITEM = re.compile(r"\d,\s*\d{3}")
_THREE_DIGITS = re.compile(r"\d{3}(?!\d)")


def _plain_text(node: yaml.Node) -> bool:
    """An unquoted scalar (plain style is None in PyYAML, "" in libyaml)."""
    return isinstance(node, yaml.ScalarNode) and not node.style and bool(node.value)


def _locate_toml(text: str, path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
    """A best-effort place in TOML: the last line that assigns the innermost named key."""
    names = [step for step in path if isinstance(step, str)]
    for name in reversed(names):
        pattern = re.compile(rf"^\s*(\[+\s*)?([\w.\-]*\.)?{re.escape(name)}\s*(=|\]|\.)", re.M)
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            return line, 1
    return None, None


def load(path: str | Path, *, max_bytes: int | None = None) -> Source:
    """Read and parse one description file.

    Args:
        path: The file; its suffix chooses the format.
        max_bytes: Refuse files larger than this (default: the environment variable
            :data:`MAX_INPUT_VARIABLE` when it is set, else :data:`MAX_INPUT_BYTES`).

    Returns:
        The loaded source.

    Raises:
        InputError: The file is missing, unreadable, too large, empty or not well-formed.
    """
    name = str(path)
    file = Path(path)

    def fail(
        code: str, line: int | None = None, column: int | None = None, /, **values: Any
    ) -> InputError:
        from agreementgen.validation.characters import visible

        text = visible(message(code, **values))
        return InputError(text, [Problem(name, text, line=line, column=column, code=code)])

    if max_bytes is None:
        max_bytes = _input_limit(fail)

    if file.is_dir():
        raise fail("file_is_directory")
    if not file.exists():
        raise fail("file_missing")
    fmt = SUFFIXES.get(file.suffix.lower())
    if fmt is None:
        raise fail("unknown_suffix", suffix=file.suffix or "(none)")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise fail("file_too_large", size=size, limit=max_bytes)
        with file.open("rb") as handle:  # at most the limit, should the file grow (a pipe)
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise fail("file_too_large", size=len(raw), limit=max_bytes)
    except OSError as exc:
        raise fail("file_unreadable", reason=exc.strerror or str(exc)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail("file_not_utf8", position=exc.start) from exc
    if not text.strip():
        raise fail("file_empty", name=name)

    data, tree = _PARSERS[fmt](text, fail)
    if not isinstance(data, dict):
        raise fail("top_level_not_mapping", 1, 1, kind=_kind(data))
    _check_size(data, fail)
    return Source(name=name, format=fmt, text=text, data=data, _tree=tree)


def _parse_yaml(text: str, fail: Any) -> tuple[Any, yaml.Node | None]:
    try:
        return load_yaml_tree(text)
    except MisfitTag as exc:
        line, column = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (None, None)
        raise fail("yaml_tag_misfit", line, column, tag=exc.tag) from None
    except DuplicateKey as exc:
        raise fail(
            "duplicate_key", exc.mark.line + 1, exc.mark.column + 1,
            key=exc.key, first_line=exc.first.line + 1,
        ) from None
    except NonTextKey as exc:
        raise fail(
            "non_text_key", exc.mark.line + 1, exc.mark.column + 1, key=exc.key, kind=_kind(exc.key)
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = f" ({exc.context})" if exc.context else ""
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise fail("yaml_syntax", line, column, problem=exc.problem, context=context,
                   hint=_yaml_syntax_hint(text, exc)) from None
    except yaml.reader.ReaderError as exc:
        # YAML refuses control characters as it reads; say which one, and where.
        line, column = _line_column(text, exc.position)
        raise fail("unreadable_character", line, column,
                   character=f"U+{exc.character:04X}") from None
    except yaml.YAMLError as exc:
        raise fail("yaml_syntax", problem=str(exc), context="", hint="") from None
    except RecursionError:
        raise fail("too_deep", limit=MAX_DEPTH) from None


def _yaml_syntax_hint(text: str, exc: yaml.MarkedYAMLError) -> str:
    """A plain word on the likely cause of a YAML syntax error, or "".

    The parser says what it expected where it stopped; the cause is usually one of a few
    slips, told apart by the line it stopped on and the lines above: a tab in the
    indentation, a quote or a bracket left open, a text holding ': ' or starting with a
    character YAML reserves, a line indented to no level above it, or a line inside a list
    that is no item of it.
    """
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return ""
    lines = text.splitlines()
    here = lines[mark.line] if mark.line < len(lines) else ""
    number = mark.line + 1
    above = _content_line_above(lines, mark.line)
    problem, context = exc.problem or "", exc.context or ""
    opened = exc.context_mark
    if "\t" in here[: len(here) - len(here.lstrip())]:
        return message("yaml_hint_tab", line=number)
    if "quoted scalar" in context and opened is not None:
        return message("yaml_hint_quote", line=opened.line + 1)
    for index in (mark.line, above):
        if index is not None and index < len(lines) and _text_after_quote(lines[index]):
            return message("yaml_hint_quote_then_text", line=index + 1)
    bracket = _character_at(lines, opened)
    if "flow" in context and bracket in ("[", "{") and opened is not None:
        return message("yaml_hint_bracket", line=opened.line + 1, bracket=bracket,
                       close="]" if bracket == "[" else "}")
    if "cannot start any token" in problem and here[mark.column:mark.column + 1] in ("@", "`"):
        return message("yaml_hint_reserved", character=here[mark.column])
    spaces = len(here) - len(here.lstrip(" "))
    levels = _levels_above(lines, mark.line)
    opens_block = above is not None and spaces > _indent(lines[above]) \
        and lines[above].split(" #")[0].rstrip().endswith((":", "-", "|", ">"))
    if levels and spaces not in levels and not opens_block and here.strip():
        return message("yaml_hint_indent", line=number, spaces=spaces,
                       levels=", ".join(str(level) for level in levels))
    if "mapping values" in problem and ": " in here:
        key, _, value = here.strip().partition(": ")
        return message("yaml_hint_colon", line=number,
                       suggestion=f"{key}: {json.dumps(value.strip(), ensure_ascii=False)}")
    if ("'-' indicator" in problem or "block end" in problem) \
            and not here.lstrip().startswith("-"):
        return message("yaml_hint_list_item", line=number)
    if "expected key" in problem and here.lstrip().startswith("- "):
        return message("yaml_hint_dash", line=number)
    return ""


def _character_at(lines: list[str], mark: yaml.Mark | None) -> str:
    if mark is None or mark.line >= len(lines):
        return ""
    return lines[mark.line][mark.column:mark.column + 1]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_line_above(lines: list[str], index: int) -> int | None:
    """The index of the nearest line above ``index`` that holds more than a comment."""
    for above in range(min(index, len(lines)) - 1, -1, -1):
        stripped = lines[above].strip()
        if stripped and not stripped.startswith("#"):
            return above
    return None


def _levels_above(lines: list[str], index: int) -> list[int]:
    """The indentations a line at ``index`` may line up with: those of the lines above that
    open the blocks it may be in (each less indented than all lines after it), deepest first.
    """
    levels: list[int] = []
    for above in range(min(index, len(lines)) - 1, -1, -1):
        stripped = lines[above].strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = _indent(lines[above])
        if not levels or indent < levels[-1]:
            levels.append(indent)
        if indent == 0:
            break
    return levels


def _text_after_quote(line: str) -> bool:
    """Whether a value on ``line`` starts with a quote and goes on after the closing one
    (``title: 'Cocoa's partnership'``, ``title: "Cocoa" partnership``)."""
    value = line.strip()
    if value.startswith("- "):
        value = value[2:].lstrip()
    key, colon, rest = value.partition(": ")
    if colon and not key.startswith(("'", '"')):
        value = rest.lstrip()
    if value[:1] not in ("'", '"'):
        return False
    quote, index = value[0], 1
    while index < len(value):
        if value[index] == "\\" and quote == '"':
            index += 2
            continue
        if value[index] == quote:
            if quote == "'" and value[index + 1:index + 2] == "'":
                index += 2
                continue
            after = value[index + 1:].strip()
            return bool(after) and not after.startswith(("#", ",", "]", "}", ":"))
        index += 1
    return False


_THOUSANDS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\w|,\d)")


def _thousands_hint(text: str, line: int | None) -> str:
    """For a JSON or TOML syntax error on a line that writes a number with thousands
    separators (``14,400,000``), what to write instead; otherwise ""."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    for found in _THOUSANDS.finditer(lines[line - 1]):
        if lines[line - 1].count('"', 0, found.start()) % 2 == 0:
            return message("number_thousands_hint", number=found.group().replace(",", ""))
    return ""


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _parse_json(text: str, fail: Any) -> tuple[Any, None]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise DuplicateKey(key, _json_key_mark(text, key, 1), _json_key_mark(text, key, 0))
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_int=_json_int,
                          parse_float=_json_float), None
    except DuplicateKey as exc:
        raise fail(
            "duplicate_key", exc.mark.line + 1, exc.mark.column + 1,
            key=exc.key, first_line=exc.first.line + 1,
        ) from None
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Invalid control character") and exc.pos < len(text):
            raise fail("unreadable_character", exc.lineno, exc.colno,
                       character=f"U+{ord(text[exc.pos]):04X}") from None
        raise fail("json_syntax", exc.lineno, exc.colno, problem=exc.msg,
                   hint=_thousands_hint(text, exc.lineno)) from None
    except RecursionError:
        raise fail("too_deep", limit=MAX_DEPTH) from None


def _json_int(text: str) -> int | LongNumber:
    """A JSON integer; a :class:`LongNumber` when longer than :data:`LONG_NUMBER` (Python
    refuses to read integers of more than 4300 digits)."""
    return LongNumber(text) if len(text) > LONG_NUMBER else int(text)


def _json_float(text: str) -> float | LongNumber:
    """A JSON or TOML number with a fraction or an exponent, or a :class:`LongNumber`."""
    return LongNumber(text) if len(text) > LONG_NUMBER else float(text)


def _json_key_mark(text: str, key: str, occurrence: int) -> yaml.Mark:
    """Where the n-th ``"key":`` is in JSON text (good enough to point at a duplicate)."""
    matches = list(re.finditer(re.escape(json.dumps(key)) + r"\s*:", text))
    offset = matches[min(occurrence, len(matches) - 1)].start() if matches else 0
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return yaml.Mark("", offset, line, column, "", 0)


def _parse_toml(text: str, fail: Any) -> tuple[Any, None]:
    import tomllib

    try:
        data = tomllib.loads(text, parse_float=_json_float)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise fail("toml_syntax", line, column, problem=problem,
                   hint=_thousands_hint(text, line)) from None
    except RecursionError:
        raise fail("too_deep", limit=MAX_DEPTH) from None
    except ValueError:
        # tomllib reads every integer with int(), which refuses more than 4300 digits.
        long = re.search(rf"\d{{{LONG_NUMBER + 1},}}", text)
        line, column = _line_column(text, long.start()) if long else (None, None)
        digits = len(long.group()) if long else 0
        raise fail("number_too_long_to_read", line, column, digits=digits) from None
    return _toml_values(data), None


def _toml_values(value: Any) -> Any:
    """TOML has native dates; make them ISO text like YAML and JSON give. Integers longer
    than :data:`LONG_NUMBER` digits become a :class:`LongNumber`, as in YAML and JSON."""
    import datetime

    if isinstance(value, dict):
        return {k: _toml_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_values(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if type(value) is int and value.bit_length() > 3 * LONG_NUMBER:
        text = str(value)
        if len(text.lstrip("-")) > LONG_NUMBER:
            return LongNumber(text)
    return value


_PARSERS = {"yaml": _parse_yaml, "json": _parse_json, "toml": _parse_toml}


def _input_limit(fail: Any) -> int:
    """The size limit of this run: :data:`MAX_INPUT_VARIABLE` if set, else the default."""
    import os

    raw = os.environ.get(MAX_INPUT_VARIABLE, "").strip()
    if not raw:
        return MAX_INPUT_BYTES
    if not raw.isdigit() or int(raw) < 1:
        raise fail("bad_limit_setting", name=MAX_INPUT_VARIABLE, value=raw)
    return int(raw)


def _check_size(data: Any, fail: Any) -> None:
    """Refuse documents that expand to too many values or nest too deep.

    YAML aliases can make a small file stand for billions of values; counting stops at the
    limit, so this check itself stays cheap.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise fail("too_many_values", limit=MAX_VALUES)
        if depth > MAX_DEPTH:
            raise fail("too_deep", limit=MAX_DEPTH)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _kind(value: object) -> str:
    return {
        bool: "boolean", int: "number", float: "number", str: "text", list: "list",
        dict: "mapping", type(None): "empty value",
    }.get(type(value), type(value).__name__)


def format_path(path: tuple[str | int, ...]) -> str:
    """``('partners', 1, 'orientation')`` -> ``partners[1].orientation``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out
