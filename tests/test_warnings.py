"""Warnings about a description that stays valid: a starter's placeholders left in, list items
split at a comma. `validate` and `generate` show them; `generate --strict` refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from conftest import MOU

from agreementgen.cli import cli
from agreementgen.loading import load


def _starter(runner: CliRunner, tmp_path: Path) -> Path:
    path = tmp_path / "starter.yaml"
    result = runner.invoke(cli, ["init", str(path), "--kind", "mou"])
    assert result.exit_code == 0, result.output
    return path


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_validate_names_each_placeholder_left_in_and_stays_valid(runner: CliRunner,
                                                                 tmp_path: Path) -> None:
    path = _starter(runner, tmp_path)
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path.name}: valid" in result.output
    line = _line_of(path, "title: <")
    assert (f"{path}:{line}:10: agreement.title: the starter's placeholder <Title of the "
            "memorandum of understanding> is still here") in result.output
    assert "partners[0].name" in result.output and "partners[0].mission" in result.output


def test_validate_json_tells_errors_from_warnings(runner: CliRunner, tmp_path: Path) -> None:
    path = _starter(runner, tmp_path)
    result = runner.invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0
    entries = json.loads(result.output)
    assert entries and {e["severity"] for e in entries} == {"warning"}
    assert {e["code"] for e in entries} == {"placeholder"}


def test_generate_warns_and_strict_refuses_a_starter_not_filled_in(runner: CliRunner,
                                                                   tmp_path: Path) -> None:
    path = _starter(runner, tmp_path)
    out = tmp_path / "mou.docx"
    made = runner.invoke(cli, ["generate", str(path), "-o", str(out)])
    assert made.exit_code == 0 and out.exists()
    assert "agreement.title: the starter's placeholder" in made.output
    quiet = runner.invoke(cli, ["generate", str(path), "-o", str(out), "--force", "--quiet"])
    assert "placeholder" not in quiet.output
    refused_out = tmp_path / "strict.docx"
    refused = runner.invoke(cli, ["generate", str(path), "-o", str(refused_out), "--strict"])
    assert refused.exit_code == 1
    assert refused.output.startswith("not written, because --strict was given")
    assert "warning(s) about the description (see agreementgen validate)" in refused.output
    assert "agreement.title: the starter's placeholder" in refused.output
    assert not refused_out.exists()


def _mou(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(load(MOU).data)
    data["purpose"].update(changes)
    return data


def test_links_and_html_tags_are_not_placeholders(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "links.yaml"
    path.write_text(yaml.safe_dump(_mou(problem="See <https://example.org> and H<sub>2</sub>O."),
                                   sort_keys=False), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and "placeholder" not in result.output


def test_a_placeholder_in_one_language_of_a_text_is_named_with_its_language(
        runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(_mou(problem={"en": "Water is short.", "nl": "<Het probleem>"}),
                                   sort_keys=False, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert "purpose.problem.nl: the starter's placeholder <Het probleem>" in result.output
    assert "purpose.problem.en" not in result.output


def test_a_list_item_split_at_a_comma_is_a_warning_of_validate_and_generate(
        runner: CliRunner, tmp_path: Path) -> None:
    text = MOU.read_text(encoding="utf-8")
    block = "  shared_objectives:\n    - Make Mlima Springs' groundwater abstraction data"
    assert block in text
    start = text.index(block)
    end = text.index("\n\n", start)
    path = tmp_path / "split.yaml"
    path.write_text(text[:start] + "  shared_objectives: [Pump 60,000 litres a day]"
                    + text[end:], encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    line = _line_of(path, "shared_objectives: [")
    assert f"{path}:{line}:" in result.output
    assert "purpose.shared_objectives[1]: YAML split 'Pump 60,000 litres a day'" in result.output
    out = tmp_path / "split.docx"
    made = runner.invoke(cli, ["generate", str(path), "-o", str(out)])
    assert made.exit_code == 0 and "YAML split" in made.output
