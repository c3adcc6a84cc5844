"""Damaged and odd template files (issue 17): one verdict, in one message, from ``generate -t``,
``batch -t`` and ``templates check``, naming the file, the part and what to do; no traceback
and no output. Members named outside the document are left out; a misspelt variable is
reported where it is, with a suggestion, when generating as when checking.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from agreementgen.cli import cli
from agreementgen.errors import RenderError, TemplateError
from agreementgen.generate import generate
from agreementgen.render.docx import CompiledTemplate, open_template, unsafe_member_name
from agreementgen.template_check import check, check_template, undefined_problem
from tests.broken_templates import (
    BROKEN,
    DOCUMENT,
    UNSAFE_MEMBERS,
    edited,
    misspelt_field,
    unsafe_member_names,
)
from tests.conftest import COCOA, MOU

#: The broken templates every command must refuse with the same message.
REFUSED = ["damaged deflate data", "not UTF-8", "undefined entity", "text too long",
           "external entity", "DTD in a part that is not templated"]


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception


def generate_lines(runner: CliRunner, template: Path, output: Path) -> list[str]:
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(output), "--quiet",
                                 "-t", str(template)])
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert not output.exists()
    assert not [p for p in output.parent.iterdir() if p.name.endswith(".tmp")]
    return result.stderr.strip().splitlines()


def batch_lines(runner: CliRunner, template: Path, out_dir: Path) -> list[str]:
    result = runner.invoke(cli, ["batch", str(MOU), str(COCOA), "-o", str(out_dir),
                                 "-t", str(template), "--jobs", "1"])
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert not out_dir.exists() or not list(out_dir.glob("*.docx"))
    return result.stderr.strip().splitlines()


def check_lines(runner: CliRunner, template: Path) -> list[str]:
    result = runner.invoke(cli, ["templates", "check", str(template)])
    no_traceback(result)
    assert result.exit_code == 1, result.output
    *problems, summary = result.stderr.strip().splitlines()
    assert summary == f"1 problem(s) in {template}"
    return problems


# --- one verdict in one message -------------------------------------------------------------


@pytest.mark.parametrize("case", REFUSED)
def test_generate_and_check_refuse_a_damaged_template_in_the_same_words(
        runner: CliRunner, tmp_path: Path, case: str) -> None:
    broken = BROKEN[case]
    template = broken.build(tmp_path)
    (line,) = generate_lines(runner, template, tmp_path / "out.docx")
    assert check_lines(runner, template) == [line]
    place = f"{template}: {broken.part}: " if broken.part else f"{template}: "
    assert line.startswith(place), line
    for text in broken.expected:
        assert text in line


@pytest.mark.parametrize("case", ["damaged deflate data", "not UTF-8", "external entity"])
def test_batch_refuses_a_damaged_template_in_the_same_words(runner: CliRunner, tmp_path: Path,
                                                            case: str) -> None:
    template = BROKEN[case].build(tmp_path)
    (expected,) = generate_lines(runner, template, tmp_path / "out.docx")
    (line,) = batch_lines(runner, template, tmp_path / "batch")
    # batch names a template given by path by its file name, without the folder
    assert line.split(": ", 1)[1] == expected.split(": ", 1)[1]
    assert line.startswith(template.stem)


def test_a_damaged_member_is_a_template_error_naming_it(tmp_path: Path) -> None:
    template = BROKEN["damaged deflate data"].build(tmp_path)
    with pytest.raises(TemplateError, match=f"part {DOCUMENT} is damaged") as caught:
        CompiledTemplate(template)
    assert [p.file for p in caught.value.problems] == [str(template)]


def test_a_template_that_check_passes_generates(tmp_path: Path) -> None:
    """The checks added for damaged parts refuse nothing Word writes."""
    template = edited(tmp_path / "fine.docx", DOCUMENT, "{{ agreement.title }}",
                      "{{ agreement.title }} &amp; &lt;caf\u00e9&gt; &#160;&#x41;")
    assert check(str(template)).ok
    assert generate(MOU, tmp_path / "out.docx", template=str(template)).output.is_file()


def test_a_rendered_text_too_long_for_xml_says_so(tmp_path: Path) -> None:
    template = edited(tmp_path / "loop.docx", DOCUMENT, "{{ agreement.title }}",
                      "{% for i in range(1001) %}{% for j in range(1000) %}0123456789"
                      "{% endfor %}{% endfor %}")
    with pytest.raises(RenderError) as caught:
        generate(MOU, tmp_path / "out.docx", template=str(template))
    assert caught.value.message == (
        f"rendering {DOCUMENT} gave a text longer than 10000000 bytes, the most one XML text "
        "may hold; the template probably repeats text in a loop inside one paragraph")


def test_broken_xml_after_rendering_no_longer_blames_split_runs(tmp_path: Path) -> None:
    template = edited(tmp_path / "broken.docx", DOCUMENT, "{{ agreement.title }}",
                      "{{ '</w:t>'|safe }}")
    with pytest.raises(RenderError) as caught:
        generate(MOU, tmp_path / "out.docx", template=str(template))
    assert "split across runs" not in caught.value.message
    assert "'agreementgen templates check' on the template finds it" in caught.value.message


# --- members named outside the document ------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [*UNSAFE_MEMBERS.items(),
                                              ("word/document.xml", None),
                                              ("word/media/image1.png", None),
                                              ("[Content_Types].xml", None),
                                              ("customXml/item..1.xml", None)])
def test_unsafe_member_names(name: str, reason: str | None) -> None:
    assert unsafe_member_name(name) == reason


def test_members_named_outside_the_document_are_not_copied(tmp_path: Path) -> None:
    template = unsafe_member_names(tmp_path)
    out = generate(MOU, tmp_path / "out.docx", template=str(template)).output
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert not set(UNSAFE_MEMBERS) & set(names)
    assert [n for n in names if unsafe_member_name(n)] == []
    assert DOCUMENT in names
    assert open_template(template, "t").dropped == tuple(UNSAFE_MEMBERS.items())


def test_templates_check_warns_about_each_member_left_out(tmp_path: Path) -> None:
    template = unsafe_member_names(tmp_path)
    report = check(str(template))
    assert report.ok, [p.format() for p in report.problems]
    assert [(w.path, w.code) for w in report.warnings] == [
        (name, "check_dropped_member") for name in UNSAFE_MEMBERS]
    assert {w.file for w in report.warnings} == {str(template)}
    first = report.warnings[0].message
    assert first.startswith("this member is left out of every document made with this "
                            "template: its name climbs out of the document with '..'")
    assert first.endswith("remove it from the template")
    reasons = {w.path: w.message.split(": ", 1)[1].split(";")[0] for w in report.warnings}
    assert reasons["/abs/x"] == "its name is an absolute path"
    assert reasons["C:/Windows/evil.txt"] == "its name starts with a drive letter"
    assert reasons["word\\media\\evil.png"] == ("its name has a backslash, the separator of "
                                                "Windows paths")


def test_a_clean_template_has_no_warnings() -> None:
    assert check("partnership_agreement").warnings == []


# --- a misspelt variable while generating ----------------------------------------------------


def test_generate_reports_a_misspelt_variable_as_templates_check_does(runner: CliRunner,
                                                                      tmp_path: Path) -> None:
    template = misspelt_field(tmp_path)
    (line,) = generate_lines(runner, template, tmp_path / "out.docx")
    assert line.startswith(
        f"{template}: {DOCUMENT}: unknown variable 'partners[0].nmae'; did you mean "
        "'partners[0].name'?; paragraph: '{{ partners[0].nmae }}'; known here: ")
    assert "dict object" not in line
    assert check_lines(runner, template) == [line]


def test_batch_reports_a_misspelt_variable_for_each_description(runner: CliRunner,
                                                                tmp_path: Path) -> None:
    template = misspelt_field(tmp_path)
    (expected,) = generate_lines(runner, template, tmp_path / "out.docx")
    assert "did you mean 'partners[0].name'?; paragraph: '{{ partners[0].nmae }}'" in expected
    lines = batch_lines(runner, template, tmp_path / "batch")
    assert lines == [f"{MOU}: not made", f"  {expected}", f"{COCOA}: not made", f"  {expected}"]


CONTEXT = {"agreement": {"title": "T", "binding_label": "binding"},
           "partners": [{"name": "A", "signing_place": "Accra"}]}
LOOP = "<w:p><w:r><w:t>{% for p in partners %}{{ p.signing_plaec }}{% endfor %}</w:t></w:r></w:p>"


@pytest.mark.parametrize(("source", "error", "expected"), [
    ("<w:p><w:r><w:t>x</w:t></w:r></w:p><w:p><w:r><w:t>{{ agrement.title }}</w:t></w:r></w:p>",
     "'agrement' is undefined",
     "unknown variable 'agrement'; did you mean 'agreement'?; paragraph: "
     "'{{ agrement.title }}'; known here: agreement, partners"),
    (LOOP, "'dict object' has no attribute 'signing_plaec'",
     "unknown variable 'p.signing_plaec'; did you mean 'p.signing_place'?; paragraph: "
     "'{% for p in partners %}{{ p.signing_plaec }}{% endfor %}'; known here: name, "
     "signing_place"),
    ("<w:p><w:r><w:t>{{ partners.name }}</w:t></w:r></w:p>",
     "'list object' has no attribute 'name'",
     "'partners.name' reads a field of a list; loop over it ({%p for item in partners %}) and "
     "use item.name; paragraph: '{{ partners.name }}'"),
    ("<w:p><w:r><w:t>{{ partners[3].name }}</w:t></w:r></w:p>",
     "'list object' has no element 3",
     "the template uses something the description does not provide ('list object' has no "
     "element 3); paragraph: '{{ partners[3].name }}'; 'agreementgen templates check' on the "
     "template finds every unknown name"),
])
def test_undefined_problem_locates_the_name_and_suggests(source: str, error: str,
                                                         expected: str) -> None:
    problem = undefined_problem("t.docx", DOCUMENT, source, CONTEXT, error)
    assert problem.format() == f"t.docx: {DOCUMENT}: {expected}"


def test_check_template_and_generate_agree_on_a_misspelt_variable(tmp_path: Path) -> None:
    template = misspelt_field(tmp_path)
    (checked,) = check_template(template).problems
    with pytest.raises(TemplateError) as caught:
        generate(MOU, tmp_path / "out.docx", template=str(template))
    (generated,) = caught.value.problems
    assert (generated.file, generated.path, generated.code) == (str(template), DOCUMENT,
                                                                 checked.code)
    assert generated.message.split("; known here")[0] == checked.message.split("; known")[0]



def test_templates_check_command_shows_the_warnings_and_passes(runner: CliRunner,
                                                               tmp_path: Path) -> None:
    template = unsafe_member_names(tmp_path)
    result = runner.invoke(cli, ["templates", "check", str(template)])
    assert result.exit_code == 0, result.output
    assert result.output.count("this member is left out of every document") == len(
        UNSAFE_MEMBERS)
    as_json = runner.invoke(cli, ["templates", "check", str(template), "--format", "json"])
    entries = json.loads(as_json.output)
    assert as_json.exit_code == 0
    assert {e["severity"] for e in entries} == {"warning"}
    assert [e["path"] for e in entries] == list(UNSAFE_MEMBERS)
