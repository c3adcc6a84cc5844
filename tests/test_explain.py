"""`agreementgen explain`: the clauses that apply, why, and one clause's text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import COCOA, DUTCH, MOU

from agreementgen.api import load_description
from agreementgen.clauses import derive
from agreementgen.clauses.conditions import CONDITIONS
from agreementgen.cli import cli
from agreementgen.i18n import catalog


def test_lists_every_applying_clause_in_document_order(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(COCOA)])
    assert result.exit_code == 0, result.output
    expected = [c.spec.id for c in derive(load_description(COCOA).description, "en")]
    listed = [line.split()[-1] for line in result.output.splitlines()
              if line.startswith("  ") and not line.startswith("      ")]
    assert listed == expected
    assert f"{len(expected)} clauses apply" in result.output


def test_each_clause_shows_insight_rule_fields_and_reason(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["explain", str(COCOA)]).output
    block = out[out.index("  governance.escalation\n"):].split("\n")[1:5]
    assert block == [
        "      insight: 3. Work with the dynamics of partnership",
        "      rule: H11",
        "      fields: governance.escalation",
        "      applies because: governance.escalation lists at least one step",
    ]


def test_clause_id_shows_its_rendered_text(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(COCOA), "governance.escalation"])
    assert result.exit_code == 0, result.output
    assert "rule: H11" in result.output
    assert "programme leads try to resolve the issue within 30 days" in result.output
    assert "{{" not in result.output


def test_clause_text_numbers_a_numbered_list_in_order(runner: CliRunner) -> None:
    # The clause text writes every escalation step as "1."; Markdown numbers them in order,
    # and so does the text explain prints.
    for example in (COCOA, DUTCH):
        result = runner.invoke(cli, ["explain", str(example), "governance.escalation"])
        assert result.exit_code == 0, result.output
        steps = [line.split(" ")[0] for line in result.output.splitlines()
                 if re.match(r"\d+\. ", line)]
        assert steps == ["1.", "2.", "3."], result.output


def test_unknown_clause_suggests_the_nearest(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(COCOA), "governance.escalaton"])
    assert result.exit_code == 1
    assert "did you mean 'governance.escalation'" in result.output
    assert "Traceback" not in result.output


def test_clause_that_does_not_apply_says_when_it_would(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(MOU), "governance.escalation"])
    assert result.exit_code == 1
    assert "does not apply" in result.output
    assert "governance.escalation lists at least one step" in result.output


def test_json_has_stable_keys_and_texts(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(COCOA), "--format", "json"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    first = document["clauses"][0]
    assert set(first) == {"id", "number", "article", "insight", "rule", "condition", "because",
                          "fields", "text", "pack"}
    assert first["id"] == "recitals.problem" and "living income" in first["text"]
    assert first["number"] == "A"


def test_invalid_description_is_refused_with_its_place(runner: CliRunner,
                                                       tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(COCOA.read_text(encoding="utf-8").replace("binding: binding", "binding: maybe"),
                   encoding="utf-8")
    result = runner.invoke(cli, ["explain", str(bad)])
    assert result.exit_code == 1
    assert "agreement.binding" in result.output and "bad.yaml:" in result.output


def test_every_condition_is_explained_in_words() -> None:
    for lang in ("en", "nl"):
        assert set(catalog(lang, "explain")["conditions"]) == set(CONDITIONS)
