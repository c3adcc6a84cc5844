"""The fast YAML path gives exactly what PyYAML's constructor gave: the same data, the same errors.

The reference below is the loader and the error handling that ``agreementgen.loading`` used
before it built values itself: ``yaml.load`` with a CSafeLoader that keeps dates as text and
refuses duplicate and non-text keys, with one addition: a number split at its thousands
separators in a flow mapping is joined again (``yaml_reader.join_split_numbers``) before the
values are built. Every text is loaded both ways and must give data of the same types, values,
key order and sharing (an alias is the very object of its anchor), or the same error code,
line, column and message values. That the join changes nothing but what the old loader
refused, and leaves alone what it was not made for, is checked against the old loader without
it; which numbers it joins is tested in test_numbers_and_text.

Texts come from random data dumped by ``yaml.safe_dump`` in random styles (canonical output
writes an explicit tag on every node; shared containers become anchors and aliases), from a
small YAML grammar with anchors, aliases, merge keys, duplicate and non-text keys, tags and
YAML 1.1 scalars nested in flow and block style, from hand-made entries (sets, ordered maps,
merges of merges, recursive aliases, numbers split at a comma, plain or with anchors, aliases,
tags, comments) put together, from lists of YAML 1.1 scalars, and from
the first three with a stray character put in.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from functools import partial
from typing import Any, ClassVar

import hypothesis.strategies as st
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from agreementgen import loading, yaml_reader
from tests.conftest import COCOA, DUTCH, MOU

# --- the reference: the old path, as it was ------------------------------------------------

_ReferenceBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _ReferenceDuplicateKey(Exception):
    def __init__(self, key: object, mark: yaml.Mark, first: yaml.Mark) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


class _ReferenceNonTextKey(Exception):
    def __init__(self, key: object, mark: yaml.Mark) -> None:
        super().__init__(key)
        self.key, self.mark = key, mark


class UnjoinedReferenceLoader(_ReferenceBase):  # type: ignore[misc,valid-type]
    """DescriptionLoader as it was: dates as text, no duplicate keys, only text keys."""

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
                raise _ReferenceNonTextKey(key, key_node.start_mark)
            if key in seen:
                raise _ReferenceDuplicateKey(key, key_node.start_mark, seen[key])
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class ReferenceLoader(UnjoinedReferenceLoader):
    """The old loader, with numbers split at a thousands separator joined in every text."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.text = stream

    def get_single_node(self) -> Any:
        root = super().get_single_node()
        if root is not None:
            yaml_reader.join_split_numbers(root, self.text)
        return root


def reference_parse(text: str, fail: Any,
                    loader: type[UnjoinedReferenceLoader] = ReferenceLoader) -> Any:
    """``_parse_yaml`` as it was (with the join, unless told another ``loader``)."""
    try:
        return yaml.load(text, Loader=loader)
    except _ReferenceDuplicateKey as exc:
        raise fail(
            "duplicate_key", exc.mark.line + 1, exc.mark.column + 1,
            key=exc.key, first_line=exc.first.line + 1,
        ) from None
    except _ReferenceNonTextKey as exc:
        raise fail(
            "non_text_key", exc.mark.line + 1, exc.mark.column + 1, key=exc.key,
            kind=loading._kind(exc.key),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = f" ({exc.context})" if exc.context else ""
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise fail("yaml_syntax", line, column, problem=exc.problem, context=context) from None
    except yaml.reader.ReaderError as exc:
        line, column = loading._line_column(text, exc.position)
        raise fail("unreadable_character", line, column,
                   character=f"U+{exc.character:04X}") from None
    except yaml.YAMLError as exc:
        raise fail("yaml_syntax", problem=str(exc), context="") from None
    except RecursionError:
        raise fail("too_deep", limit=loading.MAX_DEPTH) from None


# --- comparing outcomes --------------------------------------------------------------------


class Refused(Exception):
    """What ``fail`` builds: the message code, the place and the message's values."""

    def __init__(self, code: str, line: int | None, column: int | None,
                 values: dict[str, Any]) -> None:
        super().__init__(code)
        self.code, self.line, self.column, self.values = code, line, column, values


def fail(code: str, line: int | None = None, column: int | None = None, /,
         **values: Any) -> Refused:
    return Refused(code, line, column, values)


def outcome(parse: Any, text: str) -> tuple[Any, ...]:
    """``('data', value)``, ``('refused', code, line, column, values)`` or what else was raised."""
    try:
        return ("data", parse(text, fail))
    except Refused as exc:
        return ("refused", exc.code, exc.line, exc.column, repr(sorted(exc.values.items())))
    except Exception as exc:
        return ("raised", type(exc), str(exc))


def assert_same_data(expected: Any, actual: Any) -> None:
    """Same types, values and key order, and containers shared (or recursive) alike."""
    pairs: dict[int, int] = {}
    reverse: dict[int, int] = {}
    stack: list[tuple[Any, Any, str]] = [(expected, actual, "data")]
    while stack:
        old, new, where = stack.pop()
        assert type(old) is type(new), f"{where}: {type(old).__name__} != {type(new).__name__}"
        if isinstance(old, dict | list | set):
            if id(old) in pairs or id(new) in reverse:
                assert pairs.get(id(old)) == id(new) and reverse.get(id(new)) == id(old), (
                    f"{where}: shared differently")
                continue
            pairs[id(old)], reverse[id(new)] = id(new), id(old)
        if isinstance(old, dict):
            assert list(old) == list(new), f"{where}: keys {list(old)} != {list(new)}"
            stack.extend((old[key], new[key], f"{where}[{key!r}]") for key in old)
        elif isinstance(old, list | tuple):
            assert len(old) == len(new), f"{where}: {len(old)} items != {len(new)}"
            stack.extend((o, n, f"{where}[{i}]")
                         for i, (o, n) in enumerate(zip(old, new, strict=True)))
        elif isinstance(old, float):
            assert repr(old) == repr(new), f"{where}: {old!r} != {new!r}"
        else:
            assert old == new, f"{where}: {old!r} != {new!r}"


DECLINED = object()


def current_parse(text: str, fail: Any) -> Any:
    """``_parse_yaml`` as it is now, without the node tree it also returns, and without the
    hint on the likely cause that it adds to a syntax error (tested in test_numbers_and_text)."""

    def without_hint(code: str, line: int | None = None, column: int | None = None, /,
                     **values: Any) -> Any:
        values.pop("hint", None)
        return fail(code, line, column, **values)

    return loading._parse_yaml(text, without_hint)[0]


# PyYAML's constructor fails with these on an explicit tag that does not fit its node or
# its value (``!!set`` on a list, ``!!bool maybe``); the old path let them through, the new
# one refuses the file.
MISFIT_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError)


def assert_same_outcome(text: str) -> str:
    """Load ``text`` the old way and the new way; say which way the new path went."""
    expected = outcome(reference_parse, text)
    actual = outcome(current_parse, text)
    if expected[0] == "raised" and "Exceeds the limit" in expected[2]:
        # PyYAML cannot read an integer of 4300 digits; the new path keeps it as a LongNumber,
        # which validation reports at its field (tested in test_numbers_and_text).
        assert actual[0] == "data" and "digits>" in repr(actual[1]), (text, actual)
        return "long number kept"
    if expected[0] == "raised" and issubclass(expected[1], MISFIT_ERRORS):
        assert actual[:2] == ("refused", "yaml_tag_misfit"), (text, expected, actual)
        return "misfit tag refused"
    assert expected[0] == actual[0], (text, expected, actual)
    if expected[0] == "data":
        assert_same_data(expected[1], actual[1])
    else:
        assert expected == actual, text
    fast = fast_only(text)
    if fast is not DECLINED:
        assert expected[0] == "data", (text, expected)
        assert_same_data(expected[1], fast)
        return "fast"
    return "data, by PyYAML" if expected[0] == "data" else expected[1]


def fast_only(text: str) -> Any:
    """The value the fast path gives without falling back, or :data:`DECLINED`."""
    try:
        composer = yaml_reader._Composer(text)
        try:
            root = composer.get_single_node()
        finally:
            composer.dispose()
        return None if root is None else yaml_reader._build(root, composer)
    except Exception:
        return DECLINED


# --- texts from random data ----------------------------------------------------------------

WORDS = ["yes", "No", "on", "OFF", "true", "False", "y", "n", "~", "null", "NULL", "", " ",
         "0x1F", "0o17", "017", "0b101", "1_000", "1:30", "-1:30", "190:20:30.15", "1.5",
         "1e3", "6.8523015e+5", ".inf", "-.Inf", ".NaN", "2026-01-01", "2026-02-30",
         "2001-12-14t21:59:43.10-05:00", "<<", "=", "12", "-0", "+12", "0", "09", "1,000",
         "3.", ".5", "R&D", "*x", "&a", "!tag", "a: b", "- x", "#", "'", '"', "\t", "\n",
         "line\nbreak", "caf\u00e9", "\U0001F600", "\u202e", "\x85", "\u2028"]
_CHARACTERS = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r")
TEXT = st.one_of(st.sampled_from(WORDS), st.text(_CHARACTERS, max_size=12),
                 st.text(max_size=4))
KEYS = st.one_of(st.sampled_from(["a", "b", "name", "yes", "1", "<<", "=", "~", ""]), TEXT)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
    st.floats(), TEXT, st.binary(max_size=8), st.dates(),
    st.datetimes(timezones=st.sampled_from([None, datetime.UTC])),
)
ODD_KEYS = st.one_of(st.integers(-3, 3), st.booleans(), st.none(), st.floats(0, 2))


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    text_keys = st.dictionaries(KEYS, children, max_size=4)
    odd_keys = st.dictionaries(st.one_of(KEYS, ODD_KEYS), children, max_size=3)
    sets = st.frozensets(st.one_of(KEYS, st.integers(0, 3)), max_size=3).map(set)
    return st.one_of(st.lists(children, max_size=4), text_keys, text_keys, text_keys,
                     text_keys, odd_keys, sets)


DATA = st.recursive(SCALARS, containers, max_leaves=24)


def inner_containers(value: Any) -> list[Any]:
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            found.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    return found


@st.composite
def dumped(draw: st.DrawFn) -> str:
    """Random data, with a few containers shared or made recursive, dumped in a random style."""
    data = draw(st.one_of(st.dictionaries(KEYS, DATA, max_size=5), DATA))
    inside = inner_containers(data)
    for _ in range(draw(st.integers(0, 2))):
        if not inside:
            break
        target, shared = draw(st.sampled_from(inside)), draw(st.sampled_from(inside))
        if isinstance(target, dict):
            target[draw(KEYS)] = shared
        else:
            target.append(shared)
    options: dict[str, Any] = draw(st.fixed_dictionaries({
        "default_flow_style": st.sampled_from([False, True, None]),
        "default_style": st.sampled_from([None, None, '"', "'", "|", ">"]),
        "canonical": st.booleans(),
        "width": st.sampled_from([12, 80, 1000]),
        "indent": st.sampled_from([2, 4]),
        "allow_unicode": st.booleans(),
        "explicit_start": st.booleans(),
        "sort_keys": st.booleans(),
    }))
    return yaml.safe_dump(data, **options)


# --- texts from a small YAML grammar -------------------------------------------------------

PLAIN = ["a", "b", "name", "Research and Development",
         *WORDS[:WORDS.index("#")]]  # the rest cannot stand unquoted
TAGS = [None] * 60 + ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary",
                      "!!timestamp", "!!set", "!!omap", "!!pairs", "!!map", "!!seq", "!!merge",
                      "!!value", "!local", "!", "!<tag:yaml.org,2002:str>"]
KEY_WORDS = [*"abcdefgh", "name", "title", "<<", "<<", "yes", "1", "~", "=", "1.5", "null"]

Node = tuple[Any, ...]
_props = st.tuples(st.integers(0, 5).map(lambda n: n == 0), st.sampled_from(TAGS))
_scalar = st.tuples(st.just("scalar"), _props, st.one_of(st.sampled_from(PLAIN), TEXT),
                    st.sampled_from(["plain", "plain", "plain", "single", "double"]))
_key = st.one_of(
    st.tuples(st.just("scalar"), _props, st.sampled_from(KEY_WORDS), st.just("plain")),
    st.tuples(st.just("scalar"), st.just((False, None)), st.sampled_from(KEY_WORDS),
              st.just("double")),
    st.tuples(st.just("alias"), st.integers(0, 50)),
)


def _grow(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    alias = st.tuples(st.just("alias"), st.integers(0, 50))
    value = st.one_of(children, alias)
    inline_map = st.lists(st.tuples(_key, _scalar), max_size=3).map(
        lambda pairs: ("map", (False, None), pairs, True))
    merge_value = st.one_of(alias, st.lists(alias, min_size=1, max_size=3).map(
        lambda items: ("seq", (False, None), items, True)), inline_map)
    pair = st.one_of(st.tuples(_key, value), st.tuples(_key, value),
                     st.tuples(st.just(("scalar", (False, None), "<<", "plain")), merge_value))
    flow = st.booleans()
    return st.one_of(
        st.tuples(st.just("seq"), _props, st.lists(value, max_size=4), flow),
        st.tuples(st.just("map"), _props, st.lists(pair, max_size=5), flow),
    )


GRAMMAR = st.recursive(_scalar, _grow, max_leaves=16)


class Writer:
    """Writes a grammar tree as YAML text, numbering anchors in the order they appear."""

    def __init__(self) -> None:
        self.anchors = 0

    def props(self, node: Node) -> str:
        anchor, tag = node[1]
        words = []
        if anchor:
            self.anchors += 1
            words.append(f"&a{self.anchors}")
        if tag:
            words.append(tag)
        return " ".join(words)

    def flow(self, node: Node) -> str:
        if node[0] == "alias":
            return f"*a{node[1] % self.anchors + 1}" if self.anchors else "x"
        props = self.props(node)
        prefix = f"{props} " if props else ""
        if node[0] == "scalar":
            return prefix + self.scalar(node[2], node[3])
        if node[0] == "seq":
            return prefix + "[" + ", ".join(self.flow(item) for item in node[2]) + "]"
        return prefix + "{" + ", ".join(
            f"{self.flow(key)} : {self.flow(value)}" for key, value in node[2]) + "}"

    @staticmethod
    def scalar(text: str, style: str) -> str:
        if style == "single":
            return "'" + text.replace("'", "''") + "'"
        if style == "double":
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        return text

    def is_block(self, node: Node) -> bool:
        return node[0] in ("seq", "map") and not node[3] and bool(node[2])

    def block(self, node: Node, indent: int) -> list[str]:
        pad, lines = " " * indent, []
        for entry in node[2]:
            if node[0] == "seq":
                head, value = f"{pad}-", entry
            else:
                head, value = f"{pad}{self.flow(entry[0])} :", entry[1]
            if self.is_block(value):
                props = self.props(value)
                lines.append(f"{head} {props}".rstrip())
                lines += self.block(value, indent + 2)
            else:
                lines.append(f"{head} {self.flow(value)}")
        return lines

    def document(self, node: Node) -> str:
        if not self.is_block(node):
            return self.flow(node) + "\n"
        props = self.props(node)
        return "\n".join(([f"--- {props}"] if props else []) + self.block(node, 0)) + "\n"


@st.composite
def written(draw: st.DrawFn) -> str:
    root = draw(GRAMMAR)
    return Writer().document(root)


YAML11 = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False",
          "FALSE", "on", "On", "ON", "off", "Off", "OFF", "y", "n", "~", "null", "Null", "NULL",
          "", "0x1F", "-0x1f", "0o17", "017", "-0b1_01", "1_000", "1:30", "-1:30", "190:20:30.15",
          "1.5", "1e3", "6.8523015e+5", "-1_0.5_0", ".inf", "-.Inf", "+.INF", ".NaN", "0.", "-.5",
          "2026-01-01", "2001-12-14 21:59:43.10 -5", "=", "12", "-0", "+12", "0", "09", "0b2"]
FRAGMENTS = [
    "x{i}: {word}", "l{i}: [{word}, {other}]", "{word}: x{i}", "t{i}: text {i}", "i{i}: 0x1F",
    "f{i}: 1:30.5", "y{i}: yes", "z{i}: ~", "e{i}: 2026-02-30",
    "s{i}: !!set {{a, b}}", "o{i}: !!omap [x: 1, y: 2]", "p{i}: !!pairs [x: 1, x: 2]",
    "b{i}: !!binary aGVsbG8=", "w{i}: !!timestamp 2026-01-01", "q{i}: !!str 12",
    "m{i}: &m{i} {{k{i}: 1, l: [1, 2]}}", "n{i}: &m{i} {{<<: *m{j}, n{i}: 2}}",
    "u{i}: &m{i} {{<<: [*m{j}, *m{k}], u{i}: 3}}", "a{i}: *m{j}", "v{i}: {{=: 1}}",
    "r{i}: &r{i} [*r{i}, {{again: *r{i}}}]", "d{i}: {{x: 1, x: 2}}", "k{i}: {{1: x}}",
    "c{i}:\n  - &m{i} {{c{i}: 1}}\n  - *m{i}\n  - <<: *m{i}\n    d{i}: 2",
]
#: Numbers split at a thousands comma: as in a description, in a mapping that is merged or
#: aliased, and in the forms the join leaves alone.
SPLIT_FRAGMENTS = [
    "g{i}: {{amount: 14,400,000, currency: EUR}}", "h{i}: &m{i} {{h{i}: -1, 000.50, h: 2}}",
    "v{i}: {{amount: 1, 400, notice: 12,000 }}", "w{i}: [{{a: 999,999.}}, {{b: +1,000}}]",
    "j{i}: {{a: {word},000, b: 1,000: x, c: 1, ? 000}}", "s{i}: &s{i} 000",
    "j{i}: {{a: &v{i} 1,000, b: *v{i}}}", "j{i}: {{a: 1, *s{j}, b: 2,000}}",
    "j{i}: {{a: 1, !!str 000, b: 2, !!int 000}}", "j{i}: !!set {{a: 1,000}}",
    "j{i}: {{a: 1, # note\n  000, b: 2,\n  000}}", "j{i}: [{{a: 1,000}}, 1,000]",
    "n{i}: &m{i} {{<<: *m{j}, n{i}: 2}}", "u{i}: &m{i} {{<<: [*m{j}, *m{k}], u{i}: 3}}",
    "a{i}: *m{j}",
]
FRAGMENTS += SPLIT_FRAGMENTS[:-3]


@st.composite
def assembled(draw: st.DrawFn, fragments: list[str] = FRAGMENTS) -> str:
    """Top-level entries from ``fragments``; merges and aliases name earlier anchors (``*m``
    those of mappings, ``*s`` those of scalars)."""
    lines: list[str] = []
    anchors: dict[str, list[int]] = {"m": [], "s": []}
    for i, fragment in enumerate(draw(st.lists(st.sampled_from(fragments), max_size=8))):
        named = anchors["s" if "*s{j}" in fragment else "m"]
        if "{j}" in fragment and not named:
            continue
        j, k = (draw(st.sampled_from(named)) for _ in range(2)) if named else (0, 0)
        word, other = draw(st.sampled_from(YAML11)), draw(st.sampled_from(YAML11))
        lines.append(fragment.format(i=i, j=j, k=k, word=word, other=other))
        for kind, found in anchors.items():
            if f"&{kind}{{i}}" in fragment:
                found.append(i)
    return "\n".join(lines) + "\n"


@st.composite
def yaml11_scalars(draw: st.DrawFn) -> str:
    """YAML 1.1 scalars as block values, in a flow list, and as keys."""
    words = draw(st.lists(st.sampled_from(YAML11), max_size=10))
    lines = [f"v{i}: {word}" for i, word in enumerate(words)]
    if draw(st.booleans()):
        lines.append("all: [" + ", ".join(words) + "]")
    if draw(st.booleans()) and words:
        lines.append(f"{draw(st.sampled_from(words))}: key")
    return "\n".join(lines) + "\n"


STRAY = ["\x00", "\t", ":", "-", "&", "*", "!", "{", "}", "[", "]", "#", "'", '"', "\n", "  ",
         "? ", "<<: ", "\ufeff", "\x85", "%"]


@st.composite
def with_stray(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    text = draw(texts)
    where = draw(st.integers(0, len(text)))
    return text[:where] + draw(st.sampled_from(STRAY)) + text[where:]


TEXTS = st.one_of(dumped(), written(), assembled(), yaml11_scalars(), with_stray(dumped()),
                  with_stray(written()), with_stray(assembled()))


# --- the properties ------------------------------------------------------------------------


def test_fast_path_loads_exactly_what_pyyaml_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(TEXTS)
    def check(text: str) -> None:
        outcomes[assert_same_outcome(text)] += 1

    check()
    with capsys.disabled():
        print(f"\nfast YAML path against PyYAML: {dict(outcomes.most_common())}")
    # The fast path, the fallback and the errors must all be exercised, or this proves little.
    assert sum(outcomes.values()) >= 300
    # (The fallback to PyYAML is exercised case by case in the snippets below.)
    assert outcomes["fast"] >= 40
    assert sum(outcomes.values()) - outcomes["fast"] - outcomes["data, by PyYAML"] >= 60


def test_the_join_changes_only_what_was_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """Against the old loader without the join: a text it loaded loads the same, and a text
    that loads otherwise now is one it refused for a number key (a group of a split number)."""
    outcomes: Counter[str] = Counter()
    unjoined = partial(reference_parse, loader=UnjoinedReferenceLoader)

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.one_of(*[assembled(SPLIT_FRAGMENTS)] * 3, TEXTS))
    def check(text: str) -> None:
        before, now = outcome(unjoined, text), outcome(current_parse, text)
        if before[0] == "data":
            assert now[0] == "data", (text, before, now)
            assert_same_data(before[1], now[1])
            outcomes["loaded as before"] += 1
        elif before != now and before[0] == "refused":
            assert before[1] == "non_text_key" and "'number'" in before[4], (text, before, now)
            outcomes["joined"] += 1

    check()
    with capsys.disabled():
        print(f"\nthe join against the old loader: {dict(outcomes.most_common())}")
    # Both must be exercised, or this proves little.
    assert outcomes["joined"] >= 5
    assert outcomes["loaded as before"] >= 40


SNIPPETS = {
    "plain text and numbers": "a: text\nb: 12\nc: 1.5\nd: ~\ne:\n",
    "yaml 1.1 booleans": "a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: True\n",
    "yaml 1.1 integers": "a: 0x1F\nb: 0o17\nc: 017\nd: 0b101\ne: 1_000\nf: 1:30\ng: -1:30\n"
                         "h: +12\ni: -0\n",
    "floats": "a: .inf\nb: -.Inf\nc: .nan\nd: 1e3\ne: 6.8523015e+5\nf: 190:20:30.15\ng: 3.\n",
    "dates stay text": "a: 2026-01-01\nb: 2026-02-30\nc: 2001-12-14t21:59:43.10-05:00\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float '1'\nd: !!bool 'yes'\n"
                     "e: !!null x\nf: !!timestamp 2026-01-01\ng: !!binary aGVsbG8=\n"
                     "h: !<tag:yaml.org,2002:str> 1\ni: ! 12\n",
    "set omap pairs": "a: !!set {x, y}\nb: !!omap [x: 1, y: 2]\nc: !!pairs [x: 1, x: 2]\n",
    "anchors and aliases": "base: &b {x: 1, y: [1, 2]}\nsame: *b\nitems: &i [a, b]\nagain: *i\n",
    "recursive alias": "a: &a [1, *a]\nb: &m {self: *m}\n",
    "merge": "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  z: 3\n",
    "merge list": "p: &p {x: 1}\nq: &q {y: 2}\nr: {<<: [*p, *q], z: 3}\n",
    "merge overriding is a duplicate": "base: &b {x: 1}\nchild:\n  <<: *b\n  x: 2\n",
    "merge of merges": "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n",
    "merge of itself": "a: &a {<<: *a, x: 1}\n",
    "merge of a scalar": "a: &a 1\nb: {<<: *a}\n",
    "merge one-letter keys twice": "p: &p {x: 1}\nq: &q {x: 2}\nr: {<<: [*p, *q]}\n",
    "merge longer keys twice": "p: &p {xy: 1}\nq: &q {xy: 2}\nr: {<<: [*p, *q]}\n",
    "value key": "a: {=: 1}\nb: {<<: {=: 2}, c: 3}\n",
    "duplicate key": "agreement:\n  title: A\n  title: B\n",
    "duplicate through alias key": "k: &k title\nm: {title: 1, *k : 2}\n",
    "non-text keys": "1: a\n",
    "boolean key": "yes: 1\n",
    "null key": "~: 1\n",
    "mapping key": "? {a: 1}\n: b\n",
    "sequence key": "[a, b]: c\n",
    "recursive key": "&a {*a : 1}\n",
    "bad int": "a: !!int abc\n",
    "bad binary": "a: !!binary '%%%'\n",
    "bad timestamp": "a: !!timestamp nope\n",
    "unknown tag": "a: !local x\n",
    "str tag on a mapping": "a: !!str {b: 1}\n",
    "syntax error": "agreement:\n  title: [unclosed\n  binding: x\n",
    "undefined alias": "a: *nothing\n",
    "duplicate anchor": "a: &x 1\nb: &x 2\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "control character": "a: b\x07c\n",
    "empty": "",
    "only a comment": "# nothing\n",
    "a list": "- a\n- b\n",
    "a scalar": "just text\n",
    "split number": "v: {amount: 14,400,000, currency: EUR}\nw: {a: -1, 400.50}\n",
    "split number merged": "b: &b {x: 1,000}\nc: {<<: *b, y: 2}\nd: *b\n",
    "split number not joined": "s: &s 000\nv: {a: &n 1,000, b: *n}\nw: {a: 1, *s }\n"
                               "x: {a: 1, !!str 000}\ny: !!set {a: 1,000}\nz: {a: 1, 000: }\n",
    "huge integer": "a: " + "1" * 5000 + "\n",
    "deep nesting": "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "deep mappings": "a: " + "{a: " * 1200 + "1" + "}" * 1200 + "\n",
    "merge chain": "\n".join(["a0: &a0 {k0: 0}"] + [
        f"a{i}: &a{i} {{<<: *a{i - 1}, k{i}: {i}}}" for i in range(1, 60)]) + "\n",
    "laughs": "\n".join(["a0: &a0 [x, x, x]"] + [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]) + "\n",
}


@pytest.mark.parametrize("name", SNIPPETS)
def test_tricky_snippets_load_as_before(name: str) -> None:
    assert_same_outcome(SNIPPETS[name])


@pytest.mark.parametrize("name", ["plain text and numbers", "yaml 1.1 booleans",
                                  "yaml 1.1 integers", "floats", "dates stay text",
                                  "explicit tags", "anchors and aliases", "recursive alias",
                                  "merge", "merge list", "merge one-letter keys twice",
                                  "laughs", "split number", "split number merged"])
def test_the_fast_path_handles_what_descriptions_hold(name: str) -> None:
    assert assert_same_outcome(SNIPPETS[name]) == "fast"


@pytest.mark.parametrize("path", [COCOA, MOU, DUTCH], ids=lambda path: path.name)
def test_shipped_examples_take_the_fast_path(path: Any) -> None:
    assert assert_same_outcome(path.read_text(encoding="utf-8")) == "fast"


def test_an_alias_gives_the_object_of_its_anchor() -> None:
    data = yaml_reader.load_yaml("base: &b {x: [1]}\nsame: *b\nself: &s [*s]\n")
    assert data["same"] is data["base"]
    assert data["self"][0] is data["self"]


def test_the_composer_resolves_tags_as_pyyaml_does() -> None:
    composer = yaml_reader._Composer("")
    reference = ReferenceLoader("")
    for value in [*WORDS, "a", "Nkabom", "2026", "-", "+", ".", "0o", "0x", "1__0", "1:60"]:
        for implicit in [(True, False), (False, True), (False, False)]:
            assert (composer.resolve(yaml.ScalarNode, value, implicit)
                    == reference.resolve(yaml.ScalarNode, value, implicit)), (value, implicit)
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert composer.resolve(kind, None, True) == reference.resolve(kind, None, True)
    assert not yaml_reader.DescriptionLoader.yaml_path_resolvers


SCALAR_LIKE = st.one_of(st.text(), st.sampled_from(WORDS),
                        st.text("0123456789+-._:eExXobBinfINFaNyYsStTrRuUlLoO~<= ", max_size=8))


@settings(max_examples=300, deadline=None)
@given(SCALAR_LIKE, st.booleans())
def test_the_composer_resolves_any_scalar_as_pyyaml_does(value: str, plain: bool) -> None:
    implicit = (plain, not plain)
    assert (yaml_reader._Composer("").resolve(yaml.ScalarNode, value, implicit)
            == ReferenceLoader("").resolve(yaml.ScalarNode, value, implicit))
