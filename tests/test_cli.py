"""The command line: exit codes, messages on stderr, and no output file after a failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from agreementgen.cli import cli
from tests.conftest import COCOA, DUTCH, MOU


def test_validate_valid_files(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", str(COCOA), str(MOU), str(DUTCH)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{COCOA}: valid", f"{MOU}: valid", f"{DUTCH}: valid"]


def test_validate_reports_every_problem_with_place(runner: CliRunner,
                                                    write_yaml: Callable[..., Path],
                                                    cocoa_data: dict) -> None:
    cocoa_data["agreement"]["binding"] = "maybe"
    cocoa_data["partners"][0]["sectr"] = cocoa_data["partners"][0].pop("sector")
    path = write_yaml(cocoa_data)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:")
    assert (": agreement.binding: 'maybe' is not allowed; use one of: binding, non_binding"
            in lines[0])
    assert any("partners[0].sectr: unknown field 'sectr'; did you mean 'sector'?" in line
               for line in lines)
    # The misspelling is the one problem: the required field is not reported missing too.
    assert not any("partners[0].sector: required field is missing" in line for line in lines)
    assert lines[-1] == "2 problem(s) in 1 file(s)"
    assert "Traceback" not in result.output


def test_validate_json(runner: CliRunner, write_yaml: Callable[..., Path],
                       cocoa_data: dict) -> None:
    cocoa_data["risks"][0]["owner"] = "nobody"
    path = write_yaml(cocoa_data)
    result = runner.invoke(cli, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)
    assert problem["file"] == str(path)
    assert problem["path"] == "risks[0].owner"
    assert problem["code"] == "dangling_reference"
    assert isinstance(problem["line"], int)
    assert set(problem) == {"file", "line", "column", "path", "code", "message", "severity"}
    assert problem["severity"] == "error"


def test_validate_goes_on_after_an_unreadable_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["validate", str(tmp_path / "missing.yaml"), str(tmp_path),
                                 str(COCOA)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'missing.yaml'}: file not found" in result.stderr
    assert f"{tmp_path}: this is a folder" in result.stderr
    assert f"{COCOA}: valid" in result.stdout


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["validate"]).exit_code == 2
    assert runner.invoke(cli, ["generate"]).exit_code == 2
    assert runner.invoke(cli, ["generate", str(COCOA), "--lang", "fr"]).exit_code == 2
    assert runner.invoke(cli, ["no-such-command"]).exit_code == 2


def test_version_and_help(runner: CliRunner) -> None:
    from agreementgen import __version__

    assert (runner.invoke(cli, ["--version"]).stdout.strip()
            == f"agreementgen, version {__version__}")
    for command in ("validate", "generate", "init"):
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.stdout


def test_generate_writes_docx(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "agreement.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert f"wrote {out}" in result.stdout


def test_generate_refuses_to_overwrite_without_force(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "agreement.docx"
    out.write_bytes(b"keep me")
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{out}: the file exists; use --force to overwrite it"
    assert out.read_bytes() == b"keep me"
    assert runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "--force"]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_generate_invalid_input_writes_nothing(runner: CliRunner, tmp_path: Path,
                                               write_yaml: Callable[..., Path],
                                               cocoa_data: dict) -> None:
    cocoa_data["duration"]["end_date"] = "2020-01-01"
    path = write_yaml(cocoa_data)
    out = tmp_path / "out.docx"
    result = runner.invoke(cli, ["generate", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert "duration.end_date: end_date 2020-01-01 is before start_date 2026-04-01" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.glob("*.docx")) == [] and list(tmp_path.glob(".*tmp")) == []


def test_generate_unknown_template(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"),
                                 "-t", "fancy"])
    assert result.exit_code == 1
    assert "no template named 'fancy'; built-in templates: health_annex, me_annex," in result.stderr
    assert "partnership_agreement" in result.stderr
    assert not (tmp_path / "x.docx").exists()


def test_generate_into_missing_folder_makes_it(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "nope" / "x.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"


def test_init_writes_a_valid_starter(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "partnership.yaml"
    result = runner.invoke(cli, ["init", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").startswith("# A partnership description")
    assert runner.invoke(cli, ["validate", str(path)]).exit_code == 0
    again = runner.invoke(cli, ["init", str(path)])
    assert again.exit_code == 1
    assert "the file exists; use --force" in again.stderr
    assert runner.invoke(cli, ["generate", str(path), "-o",
                               str(tmp_path / "s.docx")]).exit_code == 0


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "agreementgen", "validate", str(COCOA)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.strip() == f"{COCOA}: valid"


def test_review_text_json_and_strict(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["review", str(MOU)])
    assert text.exit_code == 0
    assert text.stdout.startswith("Partnership health review:")
    assert "H17 [insight 2]" in text.stdout
    data = json.loads(runner.invoke(cli, ["review", "--format", "json", str(MOU)]).stdout)
    assert {"rule", "insight", "status", "path", "line", "message"} <= set(data["findings"][0])
    assert runner.invoke(cli, ["review", "--strict", str(MOU)]).exit_code == 1
    assert runner.invoke(cli, ["review", "--strict", str(COCOA)]).exit_code == 0
    markdown = runner.invoke(cli, ["review", "--format", "markdown", str(MOU)])
    assert markdown.exit_code == 0 and "|" in markdown.stdout


def test_generate_prints_health_warnings_and_strict_refuses(runner: CliRunner,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "mou.docx"
    loud = runner.invoke(cli, ["generate", str(MOU), "-o", str(out)])
    assert loud.exit_code == 0
    assert "H14 [insight 3]" in loud.stderr
    quiet = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "--force", "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    out.unlink()
    strict = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "--strict"])
    assert strict.exit_code == 1
    assert f"{MOU}:" in strict.stderr and "H14:" in strict.stderr
    assert not out.exists()


def test_output_gets_the_usual_file_mode(runner: CliRunner, tmp_path: Path) -> None:
    import os
    import stat

    out = tmp_path / "mode.docx"
    assert runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "--quiet"]).exit_code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
