"""Read a description file (YAML, JSON or TOML) into plain data, safely and with places."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from agreementgen.errors import InputError, Problem
from agreementgen.i18n import message

MAX_INPUT_BYTES = 5 * 1024 * 1024
#: Environment variable that replaces :data:`MAX_INPUT_BYTES` as the default size limit.
MAX_INPUT_VARIABLE = "AGREEMENTGEN_MAX_INPUT_BYTES"
MAX_VALUES = 200_000
MAX_DEPTH = 40

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_JSON_SURROGATE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class _DuplicateKey(Exception):
    def __init__(self, key: object, mark: yaml.Mark, first: yaml.Mark) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


class _NonTextKey(Exception):
    def __init__(self, key: object, mark: yaml.Mark) -> None:
        super().__init__(key)
        self.key, self.mark = key, mark


class DescriptionLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe YAML loader that refuses duplicate keys and leaves dates as text.

    Dates stay strings so the schema checks them and names the field; otherwise PyYAML turns
    ``2026-02-30`` into a crash and ``2026-01-01`` into an object JSON and TOML would not give.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise _NonTextKey(key, key_node.start_mark)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark, seen[key])
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


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
                self._tree = yaml.compose(text, Loader=_BaseLoader)
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
        return _load_yaml_tree(text)
    except _MisfitTag as exc:
        line, column = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (None, None)
        raise fail("yaml_tag_misfit", line, column, tag=exc.tag) from None
    except _DuplicateKey as exc:
        raise fail(
            "duplicate_key", exc.mark.line + 1, exc.mark.column + 1,
            key=exc.key, first_line=exc.first.line + 1,
        ) from None
    except _NonTextKey as exc:
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


def load_yaml(text: str) -> Any:
    """The data of a YAML text: exactly what ``yaml.load(text, Loader=DescriptionLoader)`` gives.

    PyYAML's C parser composes the node tree and :func:`_build` turns it into values in one
    pass. Whatever that pass does not finish (an error in the text, a refused or duplicate key,
    a tag it leaves to PyYAML, a recursion limit) is loaded again from the text by ``yaml.load``
    with :class:`DescriptionLoader`, so every error, and its place, is PyYAML's own.

    Raises:
        yaml.YAMLError, _DuplicateKey, _NonTextKey: Whatever ``yaml.load`` with
            DescriptionLoader raises for this text.
    """
    return _load_yaml_tree(text)[0]


def _load_yaml_tree(text: str) -> tuple[Any, yaml.Node | None]:
    """:func:`load_yaml`'s data, and the node tree it was built from when the fast pass built
    it (a :class:`Source` keeps the tree to find places in the text without parsing again).

    Raises:
        _MisfitTag: Also for an explicit tag on a node of the wrong kind (``!!set`` on a list),
            on which PyYAML's constructor fails with a TypeError or ValueError.
    """
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
        return (None if root is None else _build(root, loader)), root
    except Exception:
        try:
            return yaml.load(text, Loader=DescriptionLoader), None
        except (TypeError, ValueError, AttributeError):
            raise _misfit_tag(text) from None


#: The kind of node each standard tag is for; an explicit tag on another kind breaks PyYAML.
_TAG_KINDS: dict[str, type[yaml.Node]] = {
    **{f"tag:yaml.org,2002:{name}": ScalarNode
       for name in ("str", "int", "float", "bool", "null", "binary", "timestamp")},
    "tag:yaml.org,2002:map": MappingNode, "tag:yaml.org,2002:set": MappingNode,
    "tag:yaml.org,2002:seq": SequenceNode, "tag:yaml.org,2002:omap": SequenceNode,
    "tag:yaml.org,2002:pairs": SequenceNode,
}


class _MisfitTag(Exception):
    def __init__(self, tag: str, mark: yaml.Mark | None) -> None:
        super().__init__(tag)
        self.tag, self.mark = tag, mark


def _misfit_tag(text: str) -> _MisfitTag:
    """The first node whose explicit tag does not fit its kind, as an error to report."""
    root = yaml.compose(text, Loader=_BaseLoader)
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        kind = _TAG_KINDS.get(node.tag)
        if kind is not None and type(node) is not kind:
            return _MisfitTag(node.tag.replace("tag:yaml.org,2002:", "!!"), node.start_mark)
        if isinstance(node, MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
    return _MisfitTag("?", None)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_BOOL_VALUES: dict[str, bool] = yaml.SafeLoader.bool_values
#: SafeConstructor's functions for scalar tags that read nothing but the scalar's text.
_SCALAR_CONSTRUCTORS = {
    tag: DescriptionLoader.yaml_constructors[tag]
    for tag in (f"tag:yaml.org,2002:{name}" for name in ("int", "float", "binary", "timestamp"))
}
_Resolvers = tuple[tuple[str, re.Pattern[str]], ...]
#: DescriptionLoader's implicit resolvers for any first character, in the order PyYAML tries.
_ANY_FIRST: _Resolvers = tuple(DescriptionLoader.yaml_implicit_resolvers.get(None, []))
#: The implicit resolvers PyYAML tries for a plain scalar, by its first character.
_BY_FIRST: dict[str, _Resolvers] = {
    first: tuple(resolvers) + _ANY_FIRST
    for first, resolvers in DescriptionLoader.yaml_implicit_resolvers.items()
    if first is not None
}


class _Declined(Exception):
    """A node that :func:`_build` leaves to PyYAML's constructor."""


class _Composer(DescriptionLoader):
    """Composes the node tree that :class:`DescriptionLoader` composes, with cheaper tag look-ups.

    ``BaseResolver.resolve`` gathers the candidate resolvers anew for every scalar;
    :data:`_BY_FIRST` holds them gathered once. DescriptionLoader has no path resolvers, so the
    implicit resolvers and the default tags decide every tag.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        """The tag of a node written without one, as ``BaseResolver.resolve`` finds it."""
        if kind is ScalarNode:
            if implicit[0]:
                for tag, pattern in _BY_FIRST.get(value[:1], _ANY_FIRST):
                    if pattern.match(value):
                        return tag
            return _STR
        return _MAP if kind is MappingNode else _SEQ


def _build(root: yaml.Node, loader: _Composer) -> Any:
    """The values of a composed node tree, as DescriptionLoader's constructor would give them.

    Handles mappings with text keys, sequences, text, null, booleans, the scalar tags of
    :data:`_SCALAR_CONSTRUCTORS`, aliases (each gives the very object its anchor gave, even
    inside that object) and merge keys whose merged mappings hold no merge key of their own.
    Anything else raises :class:`_Declined`: a key that is not text or comes twice, another
    tag, a merge of merges. Errors of the scalar constructors and of recursion pass through.
    """
    built: dict[yaml.Node, Any] = {}
    flattened: set[yaml.Node] = set()

    def value_of(node: yaml.Node) -> Any:
        kind = type(node)
        tag = node.tag
        if kind is ScalarNode:
            if tag == _STR:
                return node.value
            if tag == _NULL:
                return None
            if tag == _BOOL:
                value = _BOOL_VALUES.get(node.value.lower())
                if value is None:
                    raise _Declined
                return value
            construct = _SCALAR_CONSTRUCTORS.get(tag)
            if construct is None:
                raise _Declined
            if node not in built:
                built[node] = construct(loader, node)
            return built[node]
        if node in built:
            return built[node]
        if kind is MappingNode and tag == _MAP:
            mapping: dict[str, Any] = {}
            built[node] = mapping
            return fill(node, mapping)
        if kind is SequenceNode and tag == _SEQ:
            sequence: list[Any] = []
            built[node] = sequence
            sequence.extend([value_of(item) for item in node.value])
            return sequence
        raise _Declined

    def fill(node: yaml.Node, mapping: dict[str, Any]) -> dict[str, Any]:
        for key_node, value_node in node.value:
            if key_node.tag != _STR or type(key_node) is not ScalarNode:
                if key_node.tag == _MERGE and node not in flattened:
                    merge(node)
                    mapping.clear()
                    return fill(node, mapping)
                raise _Declined
            key = key_node.value
            if key in mapping:
                raise _Declined
            mapping[key] = value_of(value_node)
        return mapping

    def merge(node: yaml.Node) -> None:
        """Flatten ``node`` as PyYAML does, if no mapping it merges has merges of its own.

        PyYAML may meet such a mapping before it is flattened and then recurse through the
        whole chain of merges; this pass would not, and could succeed where PyYAML hits its
        recursion limit.
        """
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = value_node.value if type(value_node) is SequenceNode else [value_node]
                for source in merged:
                    if (type(source) is not MappingNode or source in flattened
                            or any(key.tag == _MERGE for key, _ in source.value)):
                        raise _Declined
        loader.flatten_mapping(node)
        flattened.add(node)

    return value_of(root)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _parse_json(text: str, fail: Any) -> tuple[Any, None]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _DuplicateKey(key, _json_key_mark(text, key, 1), _json_key_mark(text, key, 0))
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates), None
    except _DuplicateKey as exc:
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
