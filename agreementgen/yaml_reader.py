"""YAML read safely and fast: duplicate and non-text keys refused, dates left as text.

:func:`load_yaml` gives exactly what ``yaml.load`` with :class:`DescriptionLoader` gives, but
builds the values itself in one pass over the node tree PyYAML's C parser composes; anything
unusual is loaded again by PyYAML's own constructor, so every error is PyYAML's.

Two readings of numbers differ from PyYAML's, so that validation can name the field and say
what to write: a number written with more than :data:`LONG_NUMBER` characters is a
:class:`LongNumber` (PyYAML would fail on 4300 digits, or give a value no message can print),
and a number that a flow mapping split at its thousands separators (``{amount: 14,400,000}``,
which YAML reads as ``amount: 14`` and the keys ``400`` and ``000``) is joined again into the
text ``14,400,000``, as if it had been quoted. The join is for a number written as it is in
that example, and only then: see :func:`join_split_numbers`. Both the fast pass and PyYAML's
constructor build from the joined node tree, so they load the same.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

#: PyYAML's safe loader, its C version where PyYAML was built with libyaml.
BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

#: Numbers written with more characters than this are read as a :class:`LongNumber`. No field
#: takes a number of more than 16 digits, and Python refuses to read or print integers of more
#: than 4300 (or, set lower, 640) digits.
LONG_NUMBER = 100


class LongNumber:
    """A number written with more than :data:`LONG_NUMBER` characters, kept as its text.

    It is neither an ``int`` nor a ``float``, so the schema refuses it in any field and says
    how long it is, instead of a crash on reading it or on printing it.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def digits(self) -> int:
        """How many digits the number has."""
        return sum(character.isdigit() for character in self.text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LongNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"<a number of {self.digits} digits>"

    __str__ = __repr__


class DuplicateKey(Exception):
    """A key that comes twice in one mapping, with where it does and where it came first."""

    def __init__(self, key: object, mark: yaml.Mark, first: yaml.Mark) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


class NonTextKey(Exception):
    """A key YAML reads as something other than text (``1:``, ``yes:``), with its place."""

    def __init__(self, key: object, mark: yaml.Mark) -> None:
        super().__init__(key)
        self.key, self.mark = key, mark


class DescriptionLoader(BaseLoader):  # type: ignore[misc,valid-type]
    """A safe YAML loader that refuses duplicate keys and leaves dates as text.

    Dates stay strings so the schema checks them and names the field; otherwise PyYAML turns
    ``2026-02-30`` into a crash and ``2026-01-01`` into an object JSON and TOML would not give.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # The join looks at the text itself; only a text with a digit, a comma and three
        # digits can hold a split number. (A stream that is not text is read as YAML reads it.)
        self._split_text = stream if isinstance(stream, str) \
            and _SPLIT_NUMBER.search(stream) else None

    def get_single_node(self) -> Any:
        """The document's node tree, with numbers split at a thousands separator joined."""
        root = super().get_single_node()
        if root is not None and self._split_text is not None:
            join_split_numbers(root, self._split_text)
        return root

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise NonTextKey(key, key_node.start_mark)
            if key in seen:
                raise DuplicateKey(key, key_node.start_mark, seen[key])
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _long_aware(construct: Any) -> Any:
    """A scalar constructor that reads a number longer than :data:`LONG_NUMBER` as a
    :class:`LongNumber`, and any other as ``construct`` does."""

    def construct_number(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
        if isinstance(node.value, str) and len(node.value) > LONG_NUMBER:
            return LongNumber(node.value)
        return construct(loader, node)

    return construct_number


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    DescriptionLoader.add_constructor(_tag, _long_aware(DescriptionLoader.yaml_constructors[_tag]))

#: What a number split at its thousands separators looks like in a flow mapping: the last
#: group, a key without a value, is followed by the next entry or the mapping's end.
_SPLIT_NUMBER = re.compile(r"\d,\s*\d{3}(?:\.\d*)?\s*[,}]")
_LEADING_GROUP = re.compile(r"[-+]?\d{1,3}")
_NEXT_GROUP = re.compile(r"\d{3}(?:\.\d*)?")
#: Between two groups of a split number: the comma, and spaces on the same line.
_BETWEEN_GROUPS = re.compile(r",[ \t]*")
#: After the last group: the comma before the next entry, or the end of the mapping.
_AFTER_GROUP = re.compile(r"\s*[,}]")
#: libyaml leaves a byte order mark at the start of a text out of its marks' indexes.
_UNCOUNTED_BOM = BaseLoader is not yaml.SafeLoader


def join_split_numbers(root: yaml.Node, text: str) -> None:
    """Join the numbers a flow mapping split at its thousands separators, in place.

    In ``{amount: 14,400,000, currency: EUR}`` the commas end entries: YAML reads
    ``amount: 14`` and two keys without a value, ``400`` and ``000``. Such keys, following a
    value of one to three digits, become part of that value again, as the text
    ``14,400,000``: the schema then says to write ``14400000``, and every other problem of
    the file is still found (a key that is not text would stop the reading).

    Only a number written as in that example is joined, as if it had been quoted: in a
    mapping of flow style with no tag of its own, after a key other than ``<<``, each group
    plain (no anchor, tag or alias: the text of the node is its value), the groups on one
    line with a comma and spaces between them, and the last group followed by the next
    entry or the mapping's end. Anything else (``{a: &n 1,000}``, ``{a: 1, *k}``,
    ``{a: 1, !!str 000}``, ``{a: 1, 000: x}``, ``{a: 1, ? 000}``, ``!!set {a: 1,000}``, a
    comment or a line break between the groups) is loaded as YAML reads it. What a joined
    mapping is then used for (an alias of it, a merge of it with ``<<``) sees the joined
    text, as it would see a quoted one.

    Args:
        root: The document's node tree, as composed from ``text``.
        text: The text the tree was composed from.
    """
    if _UNCOUNTED_BOM and text.startswith("\ufeff"):
        text = text[1:]
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            if node.flow_style and node.tag == _MAP:
                node.value[:] = _joined(node.value, text)
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _joined(pairs: list[tuple[yaml.Node, yaml.Node]],
            text: str) -> list[tuple[yaml.Node, yaml.Node]]:
    out = []
    index = 0
    while index < len(pairs):
        key, value = pairs[index]
        index += 1
        if key.tag == _MERGE or not _written(value, _LEADING_GROUP, text):
            out.append((key, value))
            continue
        parts, end = [value.value], value.end_mark
        while index < len(pairs):
            group, after = pairs[index]
            if not (_written(group, _NEXT_GROUP, text) and _empty(after)
                    and _BETWEEN_GROUPS.fullmatch(text, end.index, group.start_mark.index)
                    and _AFTER_GROUP.match(text, group.end_mark.index)):
                break
            parts.append(group.value)
            end = group.end_mark
            index += 1
        if len(parts) > 1:
            value = ScalarNode(_STR, ",".join(parts), value.start_mark, end)
        out.append((key, value))
    return out


def _written(node: yaml.Node, pattern: re.Pattern[str], text: str) -> bool:
    """A plain scalar that ``pattern`` matches, written in the text as nothing but its value
    (an anchor or a tag would be part of its text; an alias's node is written elsewhere)."""
    return (type(node) is ScalarNode and not node.style  # plain: None, or "" from libyaml
            and pattern.fullmatch(node.value) is not None
            and text[node.start_mark.index:node.end_mark.index] == node.value)


def _empty(node: yaml.Node) -> bool:
    """A value YAML filled in for a key written without one (``{a: 1, b}``)."""
    return type(node) is ScalarNode and node.tag == _NULL and node.value == "" \
        and node.start_mark.index == node.end_mark.index


def load_yaml(text: str) -> Any:
    """The data of a YAML text: exactly what ``yaml.load(text, Loader=DescriptionLoader)`` gives.

    PyYAML's C parser composes the node tree and :func:`_build` turns it into values in one
    pass. Whatever that pass does not finish (an error in the text, a refused or duplicate key,
    a tag it leaves to PyYAML, a recursion limit) is loaded again from the text by ``yaml.load``
    with :class:`DescriptionLoader`, so every error, and its place, is PyYAML's own.

    Raises:
        yaml.YAMLError, DuplicateKey, NonTextKey: Whatever ``yaml.load`` with
            DescriptionLoader raises for this text.
        MisfitTag: An explicit tag on a value it does not fit (``!!set`` on a list,
            ``!!int abc``), on which PyYAML's constructor fails with a TypeError, KeyError...
    """
    return load_yaml_tree(text)[0]


def load_yaml_tree(text: str) -> tuple[Any, yaml.Node | None]:
    """:func:`load_yaml`'s data, and the node tree it was built from when the fast pass built
    it (a :class:`Source` keeps the tree to find places in the text without parsing again).

    Raises:
        The errors of :func:`load_yaml`.
    """
    with _no_collection():
        return _load_yaml_tree(text)


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The garbage collector paused: loading makes many objects and frees none, so collections
    meanwhile find nothing, and they come more often the larger the text (1,000 indicators
    load in about two thirds of the time without them). Restored however loading ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_yaml_tree(text: str) -> tuple[Any, yaml.Node | None]:
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
        except _CONSTRUCTOR_FAILURES as exc:
            misfit = _misfit_tag(text)
            if misfit is None:
                raise yaml.YAMLError(f"{type(exc).__name__}: {exc}") from None
            raise misfit from None


# What PyYAML's constructor raises, beside its own errors, on a tag its value does not fit:
# `!!set` on a list (TypeError), `!!int abc` (ValueError), `!!bool maybe` (KeyError) ...
_CONSTRUCTOR_FAILURES = (TypeError, ValueError, AttributeError, KeyError, IndexError)


#: The kind of node each standard tag is for; an explicit tag on another kind breaks PyYAML.
_TAG_KINDS: dict[str, type[yaml.Node]] = {
    **{f"tag:yaml.org,2002:{name}": ScalarNode
       for name in ("str", "int", "float", "bool", "null", "binary", "timestamp")},
    "tag:yaml.org,2002:map": MappingNode, "tag:yaml.org,2002:set": MappingNode,
    "tag:yaml.org,2002:seq": SequenceNode, "tag:yaml.org,2002:omap": SequenceNode,
    "tag:yaml.org,2002:pairs": SequenceNode,
}


class MisfitTag(Exception):
    """An explicit tag on a value of the wrong kind (``!!set`` on a list), with its place."""

    def __init__(self, tag: str, mark: yaml.Mark | None) -> None:
        super().__init__(tag)
        self.tag, self.mark = tag, mark


def _misfit_tag(text: str) -> MisfitTag | None:
    """The first node, in document order, whose explicit tag does not fit its kind or its
    value, as an error to report; None when every tag fits."""
    root = yaml.compose(text, Loader=BaseLoader)
    loader = DescriptionLoader("")
    try:
        stack = [root] if root is not None else []
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            kind = _TAG_KINDS.get(node.tag)
            if kind is not None and (type(node) is not kind
                                     or (kind is ScalarNode and not _builds(loader, node))):
                return MisfitTag(node.tag.replace("tag:yaml.org,2002:", "!!"), node.start_mark)
            if isinstance(node, MappingNode):
                stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
            elif isinstance(node, SequenceNode):
                stack.extend(reversed(node.value))
    finally:
        loader.dispose()
    return None


def _builds(loader: DescriptionLoader, node: yaml.Node) -> bool:
    """Whether PyYAML's constructor for a scalar's tag reads its text without failing."""
    try:
        loader.yaml_constructors[node.tag](loader, node)
    except (*_CONSTRUCTOR_FAILURES, yaml.YAMLError):
        return False
    return True


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
