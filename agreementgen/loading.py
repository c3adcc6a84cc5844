"""Read a description file (YAML, JSON or TOML) into plain data, safely and with places."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agreementgen.errors import InputError, Problem
from agreementgen.i18n import message
from agreementgen.yaml_reader import (
    BaseLoader,
    DuplicateKey,
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
        if self._tree is None:
            text = self.text
            if self.format == "json":
                # YAML reads JSON, but not its surrogate escapes (json.dumps writes emoji as
                # a pair); an escape of the same length keeps every place where it was.
                text = _JSON_SURROGATE.sub(r"\1\\uFFFD", text)
            try:
                self._tree = yaml.compose(text, Loader=BaseLoader)
            except yaml.YAMLError:
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
        raise fail("yaml_syntax", line, column, problem=exc.problem, context=context) from None
    except yaml.reader.ReaderError as exc:
        # YAML refuses control characters as it reads; say which one, and where.
        line, column = _line_column(text, exc.position)
        raise fail("unreadable_character", line, column,
                   character=f"U+{exc.character:04X}") from None
    except yaml.YAMLError as exc:
        raise fail("yaml_syntax", problem=str(exc), context="") from None
    except RecursionError:
        raise fail("too_deep", limit=MAX_DEPTH) from None


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
        return json.loads(text, object_pairs_hook=no_duplicates), None
    except DuplicateKey as exc:
        raise fail(
            "duplicate_key", exc.mark.line + 1, exc.mark.column + 1,
            key=exc.key, first_line=exc.first.line + 1,
        ) from None
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Invalid control character") and exc.pos < len(text):
            raise fail("unreadable_character", exc.lineno, exc.colno,
                       character=f"U+{ord(text[exc.pos]):04X}") from None
        raise fail("json_syntax", exc.lineno, exc.colno, problem=exc.msg) from None
    except RecursionError:
        raise fail("too_deep", limit=MAX_DEPTH) from None


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
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise fail("toml_syntax", line, column, problem=problem) from None
    except RecursionError:
        raise fail("too_deep", limit=MAX_DEPTH) from None
    return _dates_as_text(data), None


def _dates_as_text(value: Any) -> Any:
    """TOML has native dates; make them ISO text like YAML and JSON give."""
    import datetime

    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
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
