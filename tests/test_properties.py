"""Property-based hostile inputs (issue 7): descriptions no one thought of.

1. Descriptions drawn from the schema itself, with arbitrary Unicode in every text, either
   validate and render to a .docx whose every XML part parses and whose text holds every
   partner's name, or are refused with exit 1 and a message.
2. Mutations of the shipped examples (a key deleted, a value of the wrong type, a random
   string) give exit 0 or 1, never a traceback, and never leave a partial file.

The hypothesis profile is chosen by ``AGREEMENTGEN_HYPOTHESIS_PROFILE``: ``hostile-ci`` (the
default, 300 examples per property, as CI runs it) or ``hostile-quick`` (30, while editing).
Each property prints how many examples it ran and how many of them rendered.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import hypothesis.strategies as st
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import given as given_examples
from lxml import etree

from agreementgen.cli import cli
from agreementgen.loading import load
from agreementgen.validation.schema import schema_rules
from tests.conftest import COCOA, DUTCH, MOU

settings.register_profile(
    "hostile-ci", max_examples=300, deadline=None, derandomize=False, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "hostile-quick", max_examples=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("AGREEMENTGEN_HYPOTHESIS_PROFILE", "hostile-ci"))


# --- strategies ----------------------------------------------------------------------------

# Characters XML cannot hold, and characters that mean something to YAML, XML, Jinja or Markdown.
HOSTILE = ["\x00", "\x07", "\x1b", "\ud800", "\udfff", "\ufffe", "\uffff"]
SYNTAX = ["&", "<", ">", '"', "'", "{{", "}}", "{%", "{_{", "*", "_", "\\", "#", "\t", "\n",
          "\r\n", "<w:p>", "]]>", "&amp;", ": ", "- ", "NO", "012345", "\u202e", "\U0001F600"]

_clean_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff",
                  include_characters="\t\n\r"),
    max_size=24,
)
_syntax_text = st.lists(st.one_of(st.sampled_from(SYNTAX), _clean_text), max_size=5).map("".join)
_hostile_text = st.tuples(_clean_text, st.sampled_from(HOSTILE), _clean_text).map("".join)


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any],
           one_in: int) -> st.SearchStrategy[Any]:
    """``usual``, and about one time in ``one_in`` ``rare``."""
    return st.sampled_from(range(one_in)).flatmap(lambda n: rare if n == one_in // 2 else usual)


# Mostly text a person could write, often with syntax in it; now and then a character XML
# cannot hold, so both outcomes of the property are exercised.
TEXT = mostly(st.one_of(_clean_text, _syntax_text), _hostile_text, 150)

SLUGS = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
DATES = st.dates().map(lambda d: d.isoformat())
EMAILS = st.from_regex(r"[a-z0-9.]{1,8}@[a-z]{1,8}\.[a-z]{2,3}", fullmatch=True)


def _text(rule: dict[str, Any]) -> st.SearchStrategy[str]:
    check = rule.get("check_with")
    if check == "date":
        return mostly(DATES, TEXT, 60)
    if check == "slug":
        return SLUGS
    if check == "email":
        return mostly(EMAILS, TEXT, 20)
    if check == "currency":
        return st.sampled_from(["EUR", "USD", "KES", "GHS", "XXX", "eur"])
    return TEXT if rule.get("empty", True) else TEXT.filter(bool)


def from_rule(rule: dict[str, Any], path: tuple[str, ...],
              special: Callable[[tuple[str, ...]], st.SearchStrategy[Any] | None]
              ) -> st.SearchStrategy[Any]:
    """Values that follow one Cerberus rule of the description schema."""
    chosen = special(path)
    if chosen is not None:
        return chosen
    if "allowed" in rule:
        return st.sampled_from(rule["allowed"])
    kind = rule.get("type")
    if isinstance(kind, list):
        return st.one_of([from_rule({**rule, "type": k}, path, special) for k in kind])
    if kind == "string":
        return _text(rule)
    if kind == "integer":
        return st.integers(rule.get("min", -10), rule.get("max", 10_000))
    if kind == "number":
        return st.one_of(st.integers(0, 10**9),
                         st.floats(0, 1e9, allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "list":
        return st.lists(from_rule(rule["schema"], path, special),
                        min_size=rule.get("minlength", 0), max_size=rule.get("minlength", 0) + 2)
    if kind == "dict":
        return mapping(rule["schema"], path, special)
    raise AssertionError(f"no strategy for {path}: {rule}")


def mapping(rules: dict[str, Any], path: tuple[str, ...],
            special: Callable[[tuple[str, ...]], st.SearchStrategy[Any] | None]
            ) -> st.SearchStrategy[dict[str, Any]]:
    required = {k: from_rule(r, (*path, k), special) for k, r in rules.items() if r.get("required")}
    optional = {k: from_rule(r, (*path, k), special) for k, r in rules.items()
                if not r.get("required")}
    return st.fixed_dictionaries(required, optional=optional)


PARTNER_REFS = {("contributions", "partner"), ("theory_of_change", "interventions", "lead"),
                ("monitoring", "indicators", "responsible"), ("risks", "owner"),
                ("governance", "body", "members"), ("data_protection", "roles", "partner"),
                ("publication", "partner"), ("compliance", "safeguarding", "focal_point")}


@st.composite
def descriptions(draw: st.DrawFn) -> dict[str, Any]:
    """A description that follows the schema, with references that mostly resolve."""
    rules = schema_rules()
    ids = draw(st.lists(SLUGS, min_size=2, max_size=4, unique=True))
    outcomes = draw(st.lists(SLUGS, min_size=1, max_size=3, unique=True))
    partner = st.sampled_from(ids)
    outcome = st.sampled_from([*outcomes, "goal"])

    def special(path: tuple[str, ...]) -> st.SearchStrategy[Any] | None:
        if path in PARTNER_REFS:
            return st.lists(partner, max_size=3) if path[-1] == "members" else partner
        if path in {("theory_of_change", "outcomes", "preconditions"),
                    ("theory_of_change", "interventions", "outcomes")}:
            return st.lists(outcome, max_size=2)
        if path == ("monitoring", "indicators", "result"):
            return st.sampled_from([*outcomes, "goal", "partnership"])
        if path == ("partners",):
            entry = rules["partners"]["schema"]["schema"]
            return st.tuples(*[_with_id(mapping(entry, path, special), i) for i in ids]).map(list)
        if path == ("theory_of_change", "outcomes"):
            entry = rules["theory_of_change"]["schema"]["outcomes"]["schema"]["schema"]
            return st.tuples(*[_with_id(mapping(entry, path, special), i)
                               for i in outcomes]).map(list)
        return None

    data = draw(mapping(rules, (), special))
    if draw(mostly(st.just(True), st.just(False), 10)):
        _follow_rules(data, draw)
    return data


def _with_id(items: st.SearchStrategy[dict[str, Any]],
             id_: str) -> st.SearchStrategy[dict[str, Any]]:
    return items.map(lambda item: {**item, "id": id_})


def _follow_rules(data: dict[str, Any], draw: st.DrawFn) -> None:
    """Mostly follow the cross-field rules, so that many descriptions get to be rendered."""
    for partner in data["partners"]:
        if partner.get("sector") == "cso":
            partner.setdefault("orientation", draw(st.sampled_from(["activist", "mixed"])))
    if data["agreement"]["binding"] == "binding":
        data["agreement"].setdefault("governing_law", draw(TEXT.filter(bool)))
    else:
        data.pop("liability", None)
    data_protection = data.get("data_protection")
    if data_protection and data_protection.get("roles"):
        data_protection["personal_data"] = True
    duration = data["duration"]
    start = duration["start_date"]
    for key in ("end_date", "review_date"):
        if key in duration and duration[key] < start:
            duration[key], duration["start_date"] = start, duration[key]
            start = duration["start_date"]
    if "end_date" not in duration and "review_date" not in duration:
        duration["review_date"] = "9999-12-31"


# --- running the command line on one description -------------------------------------------


def dump(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=1)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False)


def generate(runner: CliRunner, folder: Path, data: dict[str, Any], fmt: str) -> tuple[int, Path]:
    """Run ``generate`` on ``data``; check there is no traceback and no partial file."""
    source = folder / f"description.{fmt}"
    source.write_text(dump(data, fmt), encoding="utf-8")
    output = folder / "agreement.docx"
    result = runner.invoke(cli, ["generate", str(source), "-o", str(output), "--quiet"])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    if result.exit_code == 1:
        assert result.stderr.strip(), "refused without a message"
        assert not output.exists()
    else:
        assert output.is_file()
        every_part_parses(output)
    return result.exit_code, output


def every_part_parses(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name))


def every_reference_has_its_bookmark(path: Path) -> None:
    """Each REF field (a cross-reference to a clause) points at a bookmark the file has."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    instructions = "".join(t.text or "" for t in root.iter(f"{w}instrText"))
    targets = set(re.findall(r"\bREF (\S+)", instructions))
    names = {b.get(f"{w}name") for b in root.iter(f"{w}bookmarkStart")}
    assert targets <= names, targets - names


def document_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def as_word_shows(text: str) -> str:
    """A plain value as Word text holds it: XML turns a carriage return into a newline."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def folder() -> Iterator[Callable[[], Any]]:
    """Fresh folders for each example (function-scoped fixtures are shared across examples)."""
    made: list[tempfile.TemporaryDirectory[str]] = []

    def fresh() -> Path:
        made.append(tempfile.TemporaryDirectory())
        return Path(made[-1].name)

    yield fresh
    for directory in made:
        directory.cleanup()


def report(capsys: pytest.CaptureFixture[str], name: str, outcomes: Counter[str]) -> None:
    with capsys.disabled():
        print(f"\n{name}: {sum(outcomes.values())} examples ({dict(outcomes)})")


# --- the properties ------------------------------------------------------------------------


def test_schema_following_descriptions_render_or_are_refused(
        folder: Callable[[], Path], capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    outcomes: Counter[str] = Counter()

    @PROFILE
    @given_examples(descriptions(), st.sampled_from(["yaml", "json"]))
    def check(data: dict[str, Any], fmt: str) -> None:
        code, output = generate(runner, folder(), data, fmt)
        outcomes["rendered" if code == 0 else "refused"] += 1
        if code == 0:
            text = document_text(output)
            for partner in data["partners"]:
                assert as_word_shows(partner["name"]) in text, partner["name"]
            every_reference_has_its_bookmark(output)

    check()
    report(capsys, "schema-following descriptions", outcomes)
    assert sum(outcomes.values()) >= PROFILE.max_examples
    # Both outcomes must really be exercised, or the property proves little.
    assert outcomes["rendered"] >= PROFILE.max_examples // 10
    assert outcomes["refused"] >= PROFILE.max_examples // 10


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document: the keys of mappings and the indexes of lists."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in items:
        found.append((*prefix, key))
        found += paths(child, (*prefix, key))
    return found


EXAMPLES = {path: load(path).data for path in (COCOA, MOU, DUTCH)}
WRONG = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                  st.lists(st.integers(), max_size=2), st.dictionaries(SLUGS, TEXT, max_size=2),
                  TEXT)


@st.composite
def mutations(draw: st.DrawFn) -> dict[str, Any]:
    """A shipped example with one to three places deleted, mistyped or given a random string."""
    data = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(data)))
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        kind = draw(st.sampled_from(["delete", "wrong type", "string"]))
        if kind == "delete":
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(WRONG if kind == "wrong type" else TEXT)
        if not paths(data):
            break
    return data


def test_mutated_examples_never_crash_or_leave_partial_files(
        folder: Callable[[], Path], capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    outcomes: Counter[str] = Counter()

    @PROFILE
    @given_examples(mutations(), st.sampled_from(["yaml", "json"]))
    def check(data: dict[str, Any], fmt: str) -> None:
        code, _ = generate(runner, folder(), data, fmt)
        outcomes["rendered" if code == 0 else "refused"] += 1

    check()
    report(capsys, "mutated examples", outcomes)
    assert sum(outcomes.values()) >= PROFILE.max_examples
    assert outcomes["refused"] >= PROFILE.max_examples // 10
