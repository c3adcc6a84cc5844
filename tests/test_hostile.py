"""Hostile inputs (issue 7): templates that try to run code or exhaust the machine, values that
try to become markup, characters XML cannot hold, oversized or malicious files, and writes that
are interrupted. Each table row is one attack; each must end in one clear error, exit 1, no
traceback and no output file (or, for data, in the literal text of the document).
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from click.testing import CliRunner, Result
from lxml import etree

from agreementgen.cli import cli
from agreementgen.errors import OutputError, RenderError, TemplateError
from agreementgen.generate import generate
from agreementgen.render import guard
from agreementgen.render.sandbox import template_environment
from agreementgen.render.wordml import markdown_to_runs, markdown_to_wordml, plain_to_runs
from agreementgen.validation.characters import check_characters, first_invalid, visible
from tests.conftest import COCOA, MOU, ROOT

BUILTIN = ROOT / "templates" / "partnership_agreement" / "template.docx"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:id="1"><w:p><w:r><w:t>{{payload}}</w:t>'
    "</w:r></w:p></w:footnote></w:footnotes>"
)


# --- helpers -------------------------------------------------------------------------------


def edited_template(target: Path, *, replace: dict[str, tuple[str, str]] | None = None,
                    add: dict[str, str | bytes] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """A copy of the built-in template with parts edited, added or left out."""
    replace = replace or {}
    with zipfile.ZipFile(BUILTIN) as source, zipfile.ZipFile(target, "w",
                                                             zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = source.read(info)
            if info.filename in replace:
                old, new = replace[info.filename]
                text = data.decode("utf-8")
                assert old in text, (info.filename, old)
                data = text.replace(old, new, 1).encode("utf-8")
            out.writestr(info, data)
        for name, content in (add or {}).items():
            out.writestr(name, content)
    return target


def with_payload(target: Path, part: str, payload: str) -> Path:
    """The built-in template with ``payload`` in one templated part."""
    if part == "word/footnotes.xml":
        return edited_template(target, add={part: FOOTNOTES.replace("{payload}", payload)})
    old = {"word/document.xml": "{{ agreement.title }}",
           "word/header1.xml": "{{ agreement.title }}",
           "word/footer1.xml": "{{ t.page.page }}",
           "docProps/core.xml": "{{ agreement.title }}"}[part]
    return edited_template(target, replace={part: (old, payload)})


def generate_cli(runner: CliRunner, description: Path, output: Path, *extra: str) -> Result:
    result = runner.invoke(cli, ["generate", str(description), "-o", str(output), "--quiet",
                                 *extra])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def refused(result: Result, output: Path) -> list[str]:
    """The error lines of a refused run, after checking it left nothing behind."""
    assert result.exit_code == 1, result.output
    assert not output.exists()
    assert not [p for p in output.parent.iterdir() if p.name.endswith(".tmp")]
    return result.stderr.strip().splitlines()


def document_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def every_part_parses(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name))


def write(path: Path, data: Any) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    return path


@pytest.fixture
def mou_data() -> dict[str, Any]:
    from agreementgen.loading import load

    return load(MOU).data


# --- template code execution ---------------------------------------------------------------

PAYLOADS = {
    "cycler-globals": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "str-mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "template-reference": "{{ self._TemplateReference__context.cycler.__init__.__globals__"
                          ".os.popen('touch MARKER').read() }}",
    "attr-filter": "{{ (lipsum|attr('__globals__'))['os'].popen('touch MARKER').read() }}",
    "map-attribute": "{{ [lipsum]|map(attribute='__globals__')|list }}",
    "unused-branch": "{% if false %}{{ lipsum.__globals__ }}{% endif %}",
    # Built at run time, so only the sandbox itself can refuse it.
    "built-name": "{{ (lipsum|attr('_' ~ '_globals__'))['os'].popen('touch MARKER').read() }}",
}
PARTS = ["word/document.xml", "word/header1.xml", "word/footer1.xml", "word/footnotes.xml",
         "docProps/core.xml"]
CASES = [(name, "word/document.xml") for name in PAYLOADS]
CASES += [(name, part) for name in ("cycler-globals", "built-name") for part in PARTS[1:]]


@pytest.mark.parametrize(("payload", "part"), CASES, ids=[f"{n}@{p}" for n, p in CASES])
def test_template_code_is_refused_and_nothing_runs(runner: CliRunner, tmp_path: Path,
                                                  payload: str, part: str) -> None:
    marker = tmp_path / "ran"
    template = with_payload(tmp_path / "hostile.docx", part,
                            PAYLOADS[payload].replace("MARKER", str(marker)))
    output = tmp_path / "out.docx"
    result = generate_cli(runner, MOU, output, "-t", str(template))
    (line,) = refused(result, output)
    assert line.startswith(f"{template}: unsafe template: {part}: "), line
    assert "templates may only use the description's values" in line
    assert not marker.exists()


def test_the_sandbox_refuses_at_compile_time_naming_the_line() -> None:
    env = template_environment()
    with pytest.raises(guard.UnsafeTemplate) as caught:
        env.from_string("safe\n\n{{ x.__class__ }}")
    assert caught.value.lineno == 3
    assert "'__class__'" in str(caught.value)


def test_compiling_computes_nothing() -> None:
    # Constant folding would build these strings while compiling, outside every limit.
    env = template_environment()
    started = time.perf_counter()
    for source in ("{{ 'x' * 10**10 }}", "{{ 'x'|center(10**10) }}",
                   "{{ 'x'|center(9999999999) }}"):
        env.from_string(source)
    assert time.perf_counter() - started < 1


def test_literal_template_escapes_still_show_delimiters(tmp_path: Path) -> None:
    template = with_payload(tmp_path / "t.docx", "word/document.xml", "{_{ literal }_}")
    out = generate(MOU, tmp_path / "out.docx", template=str(template)).output
    assert "{{ literal }}" in document_text(out)


# --- time and memory limits -----------------------------------------------------------------

RUNAWAY = {
    "nested-loop": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                    "{% endfor %}", "took longer than 3 seconds"),
    "huge-string": ("{{ 'x' * 10**10 }}", "needed more than 256 MB of memory"),
    "huge-padding": ("{{ 'x'|center(10**10) }}", "needed more than 256 MB of memory"),
    "huge-output": ("{% set s = range(100000)|join(',') %}"
                    "{% for i in range(100000) %}{{ s }}{% endfor %}",
                    "needed more than 256 MB of memory"),
}


@pytest.mark.parametrize("case", RUNAWAY)
def test_runaway_templates_are_stopped_within_seconds(runner: CliRunner, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      case: str) -> None:
    monkeypatch.setenv(guard.SECONDS_VARIABLE, "3")
    monkeypatch.setenv(guard.MEMORY_VARIABLE, "256")
    payload, expected = RUNAWAY[case]
    template = with_payload(tmp_path / "runaway.docx", "word/document.xml", payload)
    output = tmp_path / "out.docx"
    started = time.perf_counter()
    result = generate_cli(runner, MOU, output, "-t", str(template))
    assert time.perf_counter() - started < 10
    (line,) = refused(result, output)
    assert line.startswith(f"{template}: rendering ")
    assert expected in line


@pytest.mark.parametrize(("case", "expected"), [("nested-loop", "took longer than 3 seconds"),
                                              ("huge-padding", "MemoryError")])
def test_templates_check_stops_runaway_templates_too(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     case: str, expected: str) -> None:
    monkeypatch.setenv(guard.SECONDS_VARIABLE, "3")
    monkeypatch.setenv(guard.MEMORY_VARIABLE, "256")
    payload, _ = RUNAWAY[case]
    template = with_payload(tmp_path / "runaway.docx", "word/document.xml", payload)
    started = time.perf_counter()
    result = runner.invoke(cli, ["templates", "check", str(template)])
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output


def test_run_limited_returns_the_result_and_rebuilds_errors_with_their_problems() -> None:
    assert guard.run_limited(lambda a, b: a * b, 6, b=7) == 42

    def refuse() -> None:
        from agreementgen.errors import Problem

        raise TemplateError("no", [Problem("t.docx", "no", code="x")])

    with pytest.raises(TemplateError) as caught:
        guard.run_limited(refuse)
    assert [p.format() for p in caught.value.problems] == ["t.docx: no"]
    with pytest.raises(ZeroDivisionError):
        guard.run_limited(lambda: 1 / 0)
    assert guard.run_limited(guard.under_guard) is True
    assert guard.under_guard() is False


def test_run_limited_stops_work_that_runs_too_long_or_grows_too_big() -> None:
    started = time.perf_counter()
    with pytest.raises(guard.LimitExceeded) as caught:
        guard.run_limited(time.sleep, 30, seconds=0.5, label="slow.docx")
    assert time.perf_counter() - started < 5
    assert caught.value.problems[0].file == "slow.docx"
    with pytest.raises(guard.LimitExceeded, match="more than 64 MB"):
        guard.run_limited(bytearray, 2**31, memory_bytes=64 * 2**20)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_a_bad_limit_setting_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(guard.SECONDS_VARIABLE, value)
    with pytest.raises(RenderError, match=f"{guard.SECONDS_VARIABLE} must be a number"):
        guard.run_limited(int)


def test_builtin_templates_render_in_process(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a built-in template went through the guard")

    monkeypatch.setattr(guard, "run_limited", forbidden)
    assert generate(MOU, tmp_path / "out.docx").output.is_file()


def test_a_failing_template_expression_is_a_template_error(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    template = with_payload(tmp_path / "div.docx", "word/document.xml", "{{ 1/0 }}")
    output = tmp_path / "out.docx"
    (line,) = refused(generate_cli(runner, MOU, output, "-t", str(template)), output)
    assert line == f"{template}: template error in word/document.xml: division by zero"


# --- data is data ---------------------------------------------------------------------------

LITERALS = [
    "Fair & Square <Ltd> \"quoted\" 'single'",
    "{{ 7*7 }} and {% if true %}yes{% endif %}",
    "<w:p><w:r><w:t>injected</w:t></w:r></w:p>",
    "{_{ escaped }_} {_% tag %_}",
    "]]> <!-- comment --> &amp; &#x41; &lt;",
]


@pytest.mark.parametrize("value", LITERALS)
def test_values_appear_literally(tmp_path: Path, mou_data: dict[str, Any], value: str) -> None:
    mou_data["agreement"]["title"] = f"Title {value}"
    mou_data["partners"][0]["name"] = f"Partner {value}"
    mou_data["partners"][1]["address"] = f"Address {value}"
    out = generate(write(tmp_path / "d.yaml", mou_data), tmp_path / "out.docx").output
    every_part_parses(out)
    text = document_text(out)
    for expected in (f"Title {value}", f"Partner {value}", f"Address {value}"):
        assert expected in text
    assert "49" not in text.replace("2049", "")
    assert "injected" not in text or "<w:p>" in text
    document = docx.Document(str(out))
    assert document.core_properties.title == f"Title {value}"
    assert document.sections[0].header.paragraphs[0].text.startswith(f"Title {value}")


@pytest.mark.parametrize("value", LITERALS[:3])
def test_values_in_markdown_fields_appear_literally(tmp_path: Path, mou_data: dict[str, Any],
                                                    value: str) -> None:
    mou_data["partners"][0]["mission"] = f"Mission {value}"
    out = generate(write(tmp_path / "d.yaml", mou_data), tmp_path / "out.docx").output
    every_part_parses(out)
    assert f"Mission {value}" in document_text(out)


def test_tabs_and_newlines_become_word_tabs_and_breaks(tmp_path: Path,
                                                       mou_data: dict[str, Any]) -> None:
    mou_data["agreement"]["title"] = "First\tsecond\nthird"
    mou_data["partners"][1]["address"] = "Street 1\nNairobi\tKenya\r\nEast\rAfrica"
    mou_data["partners"][0]["mission"] = "Water\tfor all  \nnext line"
    out = generate(write(tmp_path / "d.yaml", mou_data), tmp_path / "out.docx").output
    text = document_text(out)
    assert "First\tsecond\nthird" in text
    # In the party's sentence an address runs on: each line break (CRLF, CR, LF) one space.
    assert "having its address at Street 1 Nairobi\tKenya East Africa," in text
    # The clause indents the mission as a list item; Word keeps that indent after the break.
    assert re.search(r"Water\tfor all\n *next line", text)
    with zipfile.ZipFile(out) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "\t" not in body  # every tab became <w:tab/>, every newline in a text a <w:br/>
    assert not re.search(r"<w:t[^>]*>[^<]*[\r\n]", body)


@pytest.mark.parametrize(("render", "text", "tabs", "breaks"), [
    (plain_to_runs, "a\tb\nc\r\nd", 1, 2),
    (markdown_to_runs, "a\tb  \nc", 1, 1),
    (markdown_to_wordml, "a\tb  \nc", 1, 1),
])
def test_wordml_writes_tabs_and_breaks(render: Callable[[str], str], text: str, tabs: int,
                                       breaks: int) -> None:
    xml = render(text)
    assert xml.count("<w:tab/>") == tabs
    assert xml.count("<w:br/>") == breaks
    assert "\t" not in xml and "\n" not in xml


# --- characters XML cannot hold ------------------------------------------------------------

BAD_CHARACTERS = ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\ud800", "\udfff",
                  "\ufffe", "\uffff"]
GOOD_CHARACTERS = ["\t", "\n", "\r", "\x7f", "\x85", "\u00a0", "\u200b", "\ud7ff", "\ue010",
                   "\uf8ff", "\ufffd", "\U0001F600", "\U0010FFFF"]
#: Private use characters agreementgen marks a document with while making it.
RESERVED_CHARACTERS = ["\ue000", "\ue003", "\ue005", "\ue007", "\ue00f"]


@pytest.mark.parametrize("character", BAD_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_characters_xml_cannot_hold_are_found(character: str) -> None:
    (flaw,) = check_characters({"agreement": {"title": f"abc{character}"}})
    assert flaw.path == ("agreement", "title")
    assert flaw.message == (f"character U+{ord(character):04X} at position 4 cannot appear "
                            "in a Word document; remove it")
    assert first_invalid(f"x{character}") == (2, f"U+{ord(character):04X}")
    assert "\\u" in visible(character)


def test_the_refused_characters_are_those_xml_1_0_leaves_out() -> None:
    """Every code point, against XML 1.0's Char production (#x9 | #xA | #xD | [#x20-#xD7FF]
    | [#xE000-#xFFFD] | [#x10000-#x10FFFF])."""
    from agreementgen.validation.characters import INVALID_XML_CHARACTER

    every = "".join(map(chr, range(0x110000)))
    allowed = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    refused = INVALID_XML_CHARACTER.findall(every)
    assert refused == [c for c in allowed.sub("", every)]
    assert len(refused) == 29 + 2048 + 2


@pytest.mark.parametrize("character", GOOD_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_characters_xml_can_hold_pass(character: str) -> None:
    assert check_characters({"k": [f"a{character}b", {"x": character}]}) == []
    assert visible(character) == character


@pytest.mark.parametrize("character", RESERVED_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_characters_reserved_for_marks_are_refused_in_texts(character: str) -> None:
    (flaw,) = check_characters({"agreement": {"title": f"abc{character}"}})
    assert flaw.path == ("agreement", "title")
    assert flaw.message == (f"character U+{ord(character):04X} at position 4 is reserved for "
                            "agreementgen's own marks in the document; remove it")


# Each row: file name, its text, the field path, the bad character, its position.
ESCAPED = [
    ("json-control.json", '{"agreement": {\n  "title": "Bell \\u0007 here"}}',
     "agreement.title", "U+0007", 6, 2),
    ("json-surrogate.json", '{"agreement": {\n  "title": "half \\ud800 a pair"}}',
     "agreement.title", "U+D800", 6, 2),
    ("json-key.json", '{"agreement": {\n  "ti\\u0000tle": "x"}}',
     "agreement.ti\\u0000tle", "U+0000", 3, 2),
    ("yaml-escape.yaml", 'agreement:\n  title: "Bell \\a here"\n',
     "agreement.title", "U+0007", 6, 2),
    ("yaml-fffe.yaml", 'agreement:\n  version: "\\uFFFE"\n', "agreement.version", "U+FFFE",
     1, 2),
    ("toml-escape.toml", '[agreement]\ntitle = "Escape \\u001b here"\n', "agreement.title",
     "U+001B", 8, 2),
    ("list-item.yaml", 'agreement:\n  title: ok\npurpose:\n  shared_objectives:\n'
     '    - fine\n    - "bad \\uFFFF"\n', "purpose.shared_objectives[1]", "U+FFFF", 5, 6),
]


@pytest.mark.parametrize(("name", "text", "path", "character", "position", "line"), ESCAPED,
                         ids=[row[0] for row in ESCAPED])
def test_bad_characters_are_refused_with_field_line_and_position(
        runner: CliRunner, tmp_path: Path, name: str, text: str, path: str, character: str,
        position: int, line: int) -> None:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(file)])
    assert result.exit_code == 1
    found = [x for x in result.stderr.splitlines() if f"character {character}" in x]
    assert len(found) == 1, result.stderr
    assert found[0].startswith(f"{file}:{line}:")
    assert f": {path}: " in found[0]
    assert f"character {character} at position {position}" in found[0]
    assert "cannot appear in a Word document; remove it" in found[0]
    problems = json.loads(runner.invoke(cli, ["validate", "--format", "json", str(file)]).stdout)
    assert any(p["code"] == "bad_character" and p["path"] == path for p in problems)


RAW = [
    ("raw.yaml", b"agreement:\n  title: Bell \x07 here\n", 2, 15, "U+0007"),
    ("raw.json", b'{"agreement":\n {"title": "Bell \x07 here"}}', 2, 18, "U+0007"),
    ("raw-fffe.yaml", "agreement:\n  title: x\ufffe\n".encode(), 2, 11, "U+FFFE"),
]


@pytest.mark.parametrize(("name", "data", "line", "column", "character"), RAW,
                         ids=[row[0] for row in RAW])
def test_raw_control_characters_are_refused_where_they_are(
        runner: CliRunner, tmp_path: Path, name: str, data: bytes, line: int, column: int,
        character: str) -> None:
    file = tmp_path / name
    file.write_bytes(data)
    result = runner.invoke(cli, ["validate", str(file)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{file}:{line}:{column}: character {character} cannot appear in a description or a "
        "Word document; remove it")


def test_a_bad_character_stops_generate_before_rendering(runner: CliRunner, tmp_path: Path,
                                                         mou_data: dict[str, Any]) -> None:
    mou_data["partners"][0]["name"] = "Maji\x1bHaki"
    output = tmp_path / "out.docx"
    result = generate_cli(runner, write(tmp_path / "d.json", mou_data), output)
    (line, *_) = refused(result, output)
    assert "partners[0].name: character U+001B at position 5" in line


# --- input limits ---------------------------------------------------------------------------


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def deep(fmt: str) -> str:
    if fmt == "json":
        return '{"a": ' + "[" * 60 + "]" * 60 + "}"
    if fmt == "toml":
        return "a = " + "[" * 5000 + "]" * 5000 + "\n"
    return "a: " + "[" * 5000 + "]" * 5000 + "\n"


def merge_bomb() -> str:
    """Merge keys that would double the mapping at each of 40 levels, were merges copied."""
    lines = ["a0: &a0 {k0: 1}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: 1}}" for i in range(1, 40)]
    return "\n".join(lines) + "\n"


def mapping_laughs() -> str:
    lines = ["a0: &a0 {x: lol, y: lol}"]
    lines += [f"a{i}: &a{i} {{x: *a{i - 1}, y: *a{i - 1}, z: *a{i - 1}}}" for i in range(1, 30)]
    return "\n".join(lines) + "\n"


def long_text(data: dict[str, Any]) -> dict[str, Any]:
    data["agreement"]["title"] = "t" * 1001
    return data


def long_markdown(data: dict[str, Any]) -> dict[str, Any]:
    data["purpose"]["problem"] = "p" * 20_001
    return data


def long_list(data: dict[str, Any]) -> dict[str, Any]:
    data["purpose"]["shared_objectives"] = [f"objective {i}" for i in range(2001)]
    return data


LIMITS: list[tuple[str, str, Any, str]] = [
    ("laughs.yaml", "text", billion_laughs(), "expands to more than 200000 values"),
    ("mapping-laughs.yaml", "text", mapping_laughs(), "expands to more than 200000 values"),
    ("merge.yaml", "text", merge_bomb(), "a0: unknown field 'a0'"),
    ("deep.json", "text", deep("json"), "nests deeper than 40 levels"),
    ("deep.toml", "text", deep("toml"), "nests deeper than 40 levels"),
    ("deep.yaml", "text", deep("yaml"), "exceeded maximum nesting depth"),
    ("long-text.yaml", "data", long_text, "agreement.title: has 1001 items or characters, "
                                          "more than the limit of 1000"),
    ("long-markdown.yaml", "data", long_markdown, "purpose.problem: has 20001 items or "
                                                  "characters, more than the limit of 20000"),
    ("long-list.yaml", "data", long_list, "purpose.shared_objectives: has 2001 items"),
    ("no.yaml", "yaml", ("binding: non_binding", "binding: NO"),
     "agreement.binding: must be one of: binding, non_binding; not the boolean false (YAML "
     "reads NO as a boolean)"),
    ("octal.yaml", "yaml", ("role: community monitor and watchdog", "role: 012345"),
     "partners[0].role: must be text, not the number 5349 (YAML reads 012345 as a number; "
     "put it in quotes)"),
    ("date.yaml", "yaml", ("  language: en", "  language: en\n  date: 2026-02-30"),
     "agreement.date: '2026-02-30' is not a date"),
]


@pytest.mark.parametrize(("name", "kind", "content", "expected"), LIMITS,
                         ids=[row[0] for row in LIMITS])
def test_input_limits(runner: CliRunner, tmp_path: Path, mou_data: dict[str, Any], name: str,
                      kind: str, content: Any, expected: str) -> None:
    file = tmp_path / name
    if kind == "text":
        file.write_text(content, encoding="utf-8")
    elif kind == "data":
        write(file, content(mou_data))
    else:
        old, new = content
        text = MOU.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
    started = time.perf_counter()
    result = runner.invoke(cli, ["validate", str(file)])
    assert time.perf_counter() - started < 1
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert expected in result.stderr
    assert result.stderr.startswith(str(file))


def test_input_size_limit_defaults_to_5_mb(runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (5 * 1024 * 1024 + 1))
    result = runner.invoke(cli, ["validate", str(big)])
    assert result.exit_code == 1
    assert (f"{big}: the file is 5242881 bytes, more than the limit of 5242880 bytes; split it "
            "or raise the limit with AGREEMENTGEN_MAX_INPUT_BYTES") in result.stderr


def test_input_size_limit_is_configurable(runner: CliRunner, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    size = MOU.stat().st_size
    monkeypatch.setenv("AGREEMENTGEN_MAX_INPUT_BYTES", str(size - 1))
    result = runner.invoke(cli, ["validate", str(MOU)])
    assert result.exit_code == 1
    assert f"more than the limit of {size - 1} bytes" in result.stderr
    monkeypatch.setenv("AGREEMENTGEN_MAX_INPUT_BYTES", str(size))
    assert runner.invoke(cli, ["validate", str(MOU)]).exit_code == 0
    monkeypatch.setenv("AGREEMENTGEN_MAX_INPUT_BYTES", "5MB")
    result = runner.invoke(cli, ["validate", str(MOU)])
    assert result.exit_code == 1
    assert "AGREEMENTGEN_MAX_INPUT_BYTES must be a number greater than 0, not '5MB'" \
        in result.stderr


def test_billion_laughs_is_refused_within_a_second(tmp_path: Path) -> None:
    from agreementgen.errors import InputError
    from agreementgen.loading import load

    file = tmp_path / "laughs.yaml"
    file.write_text(billion_laughs(), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError, match="more than 200000 values"):
        load(file)
    assert time.perf_counter() - started < 1


# --- template files -------------------------------------------------------------------------


def not_a_zip(path: Path) -> Path:
    path.write_text("this is not a Word document", encoding="utf-8")
    return path


def truncated(path: Path) -> Path:
    data = BUILTIN.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def without_document(path: Path) -> Path:
    return edited_template(path, drop=("word/document.xml",))


def dotx(path: Path) -> Path:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    template = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
    return edited_template(path, replace={"[Content_Types].xml": (main, template)})


def ratio_bomb(path: Path) -> Path:
    return edited_template(path, add={"word/media/bomb.bin": b"\0" * (20 * 1024 * 1024)})


def size_bomb(path: Path) -> Path:
    """A zip whose directory claims a part of 300 MB (the check reads only the directory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/huge.bin", b"x" * 16)
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")  # the last entry's central directory record
    struct.pack_into("<I", data, central + 24, 300 * 1024 * 1024)
    path.write_bytes(bytes(data))
    return path


TEMPLATE_FILES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("plain.docx", not_a_zip, "not a .docx (zip) file"),
    ("truncated.docx", truncated, "not a .docx (zip) file"),
    ("no-body.docx", without_document, "not a Word document: it has no word/document.xml"),
    ("template.dotx", dotx, "this is a Word template (.dotx)"),
    ("ratio-bomb.docx", ratio_bomb, "(a zip bomb?)"),
    ("size-bomb.docx", size_bomb, "(a zip bomb?)"),
]


@pytest.mark.parametrize(("name", "make", "expected"), TEMPLATE_FILES,
                         ids=[row[0] for row in TEMPLATE_FILES])
def test_bad_template_files_get_one_clear_error(runner: CliRunner, tmp_path: Path, name: str,
                                                make: Callable[[Path], Path],
                                                expected: str) -> None:
    template = make(tmp_path / name)
    output = tmp_path / "out.docx"
    (line,) = refused(generate_cli(runner, MOU, output, "-t", str(template)), output)
    assert line.startswith(f"{template}: cannot open the template: "), line
    assert expected in line


# --- writes ---------------------------------------------------------------------------------


def test_broken_xml_is_caught_before_anything_is_written(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    template = with_payload(tmp_path / "broken.docx", "word/document.xml", "{{ '</w:t>'|safe }}")
    output = tmp_path / "out.docx"
    (line,) = refused(generate_cli(runner, MOU, output, "-t", str(template)), output)
    assert line.startswith(f"{template}: rendering word/document.xml gave broken XML")


def test_an_existing_output_is_kept_without_force(runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "out.docx"
    output.write_bytes(b"keep me")
    result = generate_cli(runner, MOU, output)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{output}: the file exists; use --force")
    assert output.read_bytes() == b"keep me"
    assert generate_cli(runner, MOU, output, "--force").exit_code == 0
    every_part_parses(output)


class _Interrupted:
    """A file handle that writes part of the data, then sees Ctrl-C."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __enter__(self) -> _Interrupted:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise KeyboardInterrupt


@pytest.fixture
def interrupted_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    import agreementgen.writing as writing

    real = os.fdopen
    monkeypatch.setattr(writing.os, "fdopen", lambda *a, **k: _Interrupted(real(*a, **k)))


@pytest.mark.parametrize("existing", [None, b"the previous agreement"])
def test_an_interrupted_write_leaves_no_partial_file(tmp_path: Path, interrupted_writes: None,
                                                     existing: bytes | None) -> None:
    output = tmp_path / "out.docx"
    if existing is not None:
        output.write_bytes(existing)
    with pytest.raises(KeyboardInterrupt):
        generate(COCOA, output, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out.docx"] if existing else [])
    if existing is not None:
        assert output.read_bytes() == existing


def test_ctrl_c_on_the_command_line_leaves_no_partial_file(runner: CliRunner, tmp_path: Path,
                                                           interrupted_writes: None) -> None:
    output = tmp_path / "out.docx"
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(output), "--quiet"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_is_an_output_error_and_leaves_nothing(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    import agreementgen.writing as writing

    def full_disk(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing.os, "replace", full_disk)  # with --force
    monkeypatch.setattr(writing.os, "link", full_disk)  # without
    with pytest.raises(OutputError, match="No space left on device"):
        generate(MOU, tmp_path / "out.docx")
    assert list(tmp_path.iterdir()) == []


def test_a_partner_name_that_looks_like_field_keys_does_not_stall_the_checklist(
        runner: CliRunner, tmp_path: Path, write_yaml: Callable[..., Path]) -> None:
    """The checklist strips "(field_key)" from review messages; a name with an opening bracket
    and a long run of lowercase letters once sent that pattern into exponential backtracking."""
    from agreementgen.loading import load

    data = load(MOU).data
    data["partners"][0]["name"] = "Maji (" + "a_b" * 20 + " Trust"
    data["partners"][0]["short_name"] = "Maji (" + "a_b" * 20
    output = tmp_path / "out.docx"
    result = runner.invoke(cli, ["generate", str(write_yaml(data)), "-o", str(output),
                                 "--health-annex"])
    assert result.exit_code == 0, result.output
    assert "Maji (" + "a_b" * 20 in docx.Document(str(output)).element.xml
