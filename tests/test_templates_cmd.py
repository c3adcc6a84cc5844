"""`agreementgen templates list|show|check|new` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreementgen.cli import cli
from agreementgen.resources import data_dir
from tests.broken_templates import BROKEN
from tests.conftest import COCOA

BUILTIN = data_dir("templates") / "partnership_agreement"


@pytest.fixture
def own(tmp_path: Path, runner: CliRunner) -> Path:
    """A folder of user templates holding 'acme', made by `templates new`."""
    folder = tmp_path / "mine"
    folder.mkdir()
    result = runner.invoke(cli, ["templates", "new", "acme", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_help_has_examples(runner: CliRunner) -> None:
    for args in (["templates"], ["templates", "list"], ["templates", "show"],
                 ["templates", "check"], ["templates", "new"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.stdout
    assert "templates" in runner.invoke(cli, ["--help"]).stdout


def test_check_builtin_by_name(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["templates", "check", "partnership_agreement"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{BUILTIN / 'template.docx'}: no problems found"


def test_check_broken_exits_1_with_each_problem(runner: CliRunner, tmp_path: Path) -> None:
    path = BROKEN["unknown variable"].build(tmp_path)
    result = runner.invoke(cli, ["templates", "check", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}: word/document.xml: unknown variable 'agrement'; "
                               "did you mean 'agreement'?")
    assert lines[-1] == f"4 problem(s) in {path}"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", ["not a zip", ".dotx", "syntax error"])
def test_check_unusable_files_exit_1(runner: CliRunner, tmp_path: Path, case: str) -> None:
    path = BROKEN[case].build(tmp_path)
    result = runner.invoke(cli, ["templates", "check", str(path)])
    assert result.exit_code == 1
    assert BROKEN[case].expected[0] in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_check_json(runner: CliRunner, tmp_path: Path) -> None:
    path = BROKEN["curly quotes in a tag"].build(tmp_path)
    result = runner.invoke(cli, ["templates", "check", "--format", "json", str(path),
                                 "partnership_agreement"])
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)
    assert problem["file"] == str(path)
    assert problem["path"] == "word/document.xml"
    assert problem["code"] == "check_curly_quotes"


def test_check_unknown_name_goes_on_with_the_others(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["templates", "check", "acme", "me_annex"])
    assert result.exit_code == 1
    assert result.stderr.startswith("acme: no template named 'acme'; built-in templates: ")
    assert "1 problem(s) in acme" in result.stderr
    assert result.stdout.endswith("me_annex/template.docx: no problems found\n")


def test_new_copies_a_builtin_with_its_manifest(own: Path) -> None:
    made = own / "acme"
    assert (made / "template.docx").read_bytes() == (BUILTIN / "template.docx").read_bytes()
    manifest = (made / "manifest.yaml").read_text(encoding="utf-8")
    assert manifest.startswith("name: acme\n")
    assert manifest.splitlines()[1:] == (BUILTIN / "manifest.yaml").read_text(
        encoding="utf-8").splitlines()[1:]
    assert sorted(p.name for p in own.iterdir()) == ["acme"]  # no staging folder left behind


def test_new_refuses_to_overwrite(runner: CliRunner, own: Path) -> None:
    before = (own / "acme" / "manifest.yaml").read_bytes()
    result = runner.invoke(cli, ["templates", "new", "acme", "--dir", str(own),
                                 "--from", "memorandum_of_understanding"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{own / 'acme'}: a file or folder of that name exists")
    assert (own / "acme" / "manifest.yaml").read_bytes() == before


@pytest.mark.parametrize(("args", "message"), [
    (["../escape"], "'../escape' cannot be a template name"),
    (["acme", "--from", "nope"], "no built-in template named 'nope'; built-in templates: "),
])
def test_new_refuses_bad_requests(runner: CliRunner, tmp_path: Path, args: list[str],
                                  message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["templates", "new", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_new_template_checks_clean_and_generates(runner: CliRunner, own: Path,
                                                   tmp_path: Path) -> None:
    result = runner.invoke(cli, ["templates", "check", "acme", "--template-dir", str(own)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "a.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "-t", "acme",
                                 "--template-dir", str(own), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "(acme," in result.stdout


def test_list_shows_user_templates_and_what_they_shadow(runner: CliRunner, own: Path) -> None:
    shadow = runner.invoke(cli, ["templates", "new", "partnership_agreement", "--dir", str(own),
                                 "--from", "memorandum_of_understanding"])
    assert shadow.exit_code == 0, shadow.output
    result = runner.invoke(cli, ["templates", "list"], env={"AGREEMENTGEN_TEMPLATE_PATH": str(own)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "acme  (user template)" in lines
    assert f"partnership_agreement  (user template; shadows {BUILTIN})" in lines
    assert "memorandum_of_understanding  (built-in)" in lines
    assert f"  {own / 'acme'}" in lines
    assert "  kind: mou; languages: en, nl" in lines


def test_list_json(runner: CliRunner, own: Path) -> None:
    result = runner.invoke(cli, ["templates", "list", "--format", "json",
                                 "--template-dir", str(own)])
    assert result.exit_code == 0, result.output
    entries = {e["name"]: e for e in json.loads(result.stdout)}
    assert entries["acme"]["builtin"] is False
    assert entries["acme"]["path"] == str(own / "acme" / "template.docx")
    assert entries["partnership_agreement"]["builtin"] is True
    assert entries["partnership_agreement"]["shadows"] == []
    assert "en" in entries["partnership_agreement"]["languages"]


def test_list_reports_a_broken_manifest(runner: CliRunner, own: Path) -> None:
    (own / "acme" / "manifest.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    result = runner.invoke(cli, ["templates", "list", "--template-dir", str(own)])
    assert result.exit_code == 1
    assert f"cannot read the template manifest {own / 'acme' / 'manifest.yaml'}" in result.stderr
    assert "Traceback" not in result.output


def test_show_prints_manifest_sections_and_variables(runner: CliRunner, own: Path) -> None:
    result = runner.invoke(cli, ["templates", "show", "acme", "--template-dir", str(own)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["name: acme", f"template: {own / 'acme' / 'template.docx'}",
                         "source: user template"]
    assert "kind: partnership_agreement" in lines
    assert any(line.startswith("sections it needs: agreement, partners") for line in lines)
    assert "  partners[].name" in lines
    assert "  tables.contributions[].value" in lines
    assert "t.cover.between" in result.stdout


def test_show_a_broken_template_points_at_check(runner: CliRunner, tmp_path: Path) -> None:
    path = BROKEN["syntax error"].build(tmp_path)
    result = runner.invoke(cli, ["templates", "show", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"context variables: the template has problems; run 'agreementgen templates check "
        f"{path}'")
