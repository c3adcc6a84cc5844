"""`agreementgen init` (starters and --interactive), and the command line's comforts around it:
an example in every command's --help, NO_COLOR, shell completion and the pre-commit hook.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from agreementgen.api import validate
from agreementgen.cli import COMMANDS, cli
from agreementgen.jsonschema import json_schema_text
from agreementgen.loading import load
from agreementgen.starter import (
    KINDS,
    OPTIONAL_SECTIONS,
    SCHEMA_FILE_NAME,
    commented_sections,
    starter_text,
    uncommented,
    unique_id,
)
from tests.conftest import ROOT

MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}"


# --- Starters ---

@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("kind", KINDS)
def test_starter_validates_as_written_and_generates(runner: CliRunner, tmp_path: Path, kind: str,
                                                    lang: str) -> None:
    path = tmp_path / "partnership.yaml"
    result = runner.invoke(cli, ["init", str(path), "--kind", kind, "--lang", lang])
    assert result.exit_code == 0, result.output
    assert f"validate {path}" in result.stdout  # the next step, in the chosen language
    text = path.read_text(encoding="utf-8")
    assert MODELINE in text.splitlines()
    assert validate(path) == []
    data = load(path).data
    assert (data["agreement"]["kind"], data["agreement"]["language"]) == (kind, lang)
    assert "(md)" not in repr(data)  # the Markdown marks are comments, not text in the draft
    schema = tmp_path / SCHEMA_FILE_NAME
    assert schema.read_text(encoding="utf-8") == json_schema_text()
    assert str(schema) in result.stdout

    out = tmp_path / "agreement.docx"
    generated = runner.invoke(cli, ["generate", str(path), "-o", str(out), "--quiet"])
    assert generated.exit_code == 0, generated.output
    from docx import Document

    body = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert data["agreement"]["title"] in body


def test_dutch_starters_are_in_dutch(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mou.yaml"
    assert runner.invoke(cli, ["init", str(path), "--kind", "mou", "--lang", "nl"]).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "Vul de onderdelen tussen <...> in" in text
    assert load(path).data["partners"][0]["name"] == (
        "<Statutaire naam van de maatschappelijke organisatie>")


# The sections a starter shows commented out: only those that fit the kind.
FITTING = {
    "partnership_agreement": ["compliance", "data_protection", "funding", "publication",
                              "liability", "force_majeure"],
    "mou": ["compliance", "data_protection", "funding", "publication"],
    "letter_of_intent": ["compliance", "data_protection"],
}
REQUIRED_AND_INSIGHTS = {"agreement", "partners", "purpose", "theory_of_change", "contributions",
                         "governance", "monitoring", "risks", "communication", "duration"}


def header_comment(text: str, section: str) -> str:
    """What follows ``section:`` on its line (spaces and the explanation)."""
    (line,) = [line for line in text.splitlines() if line.startswith(f"{section}:")]
    return line[len(section) + 1:]


def _problems(text: str, tmp_path: Path) -> list[tuple[str, str, int | None]]:
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    return [(p.path, p.code or "", p.line) for p in validate(path)]


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("kind", KINDS)
def test_starters_show_the_sections_that_fit_their_kind_commented_out(kind: str,
                                                                     lang: str) -> None:
    text = starter_text(kind, lang)
    assert list(commented_sections(text)) == FITTING[kind]
    # Commented out: the starter's data are what they were before these sections came.
    assert set(yaml.safe_load(text)) <= REQUIRED_AND_INSIGHTS
    for name in FITTING[kind]:
        (header,) = [line for line in text.splitlines() if line.startswith(f"# {name}:")]
        assert re.search(r"\S {2,}# \S", header), f"{header!r}: a one-line explanation"


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("kind", KINDS)
def test_uncommented_sections_validate(tmp_path: Path, kind: str, lang: str) -> None:
    """Remove the '# ' from the sections, as the starter says, and the file still validates:
    ids refer to the starter's partners, values are allowed ones."""
    text = uncommented(starter_text(kind, lang))
    data = yaml.safe_load(text)
    assert [name for name in data if name in OPTIONAL_SECTIONS] == FITTING[kind]
    if "liability" in data:
        # The partnership agreement starter is non-binding: liability needs binding (and law).
        line = text.splitlines().index("liability:" + header_comment(text, "liability")) + 1
        assert _problems(text, tmp_path) == [("liability", "liability_not_binding", line)]
        text = (text.replace("  binding: non_binding ", "  binding: binding     ", 1)
                .replace("  # governing_law:", "  governing_law:", 1))
    assert _problems(text, tmp_path) == []


def test_dutch_starter_sections_are_explained_in_dutch() -> None:
    for kind in KINDS:
        sections = commented_sections(starter_text(kind, "nl"))
        lines = "\n".join(line for block in sections.values() for line in block)
        assert "persoonsgegevens" in lines and "onze-ngo" in lines, kind
        assert "personal data" not in lines and "our-ngo" not in lines, kind
        assert "# Optioneel: wat een jurist" in starter_text(kind, "nl")


def test_an_up_to_date_schema_file_is_left_alone(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["init", str(tmp_path / "a.yaml")]).exit_code == 0
    second = runner.invoke(cli, ["init", str(tmp_path / "b.yaml"), "--kind", "mou"])
    assert second.exit_code == 0, second.output
    assert SCHEMA_FILE_NAME not in second.output
    assert (tmp_path / SCHEMA_FILE_NAME).read_text(encoding="utf-8") == json_schema_text()


def test_an_outdated_schema_file_is_kept_with_a_note_unless_forced(runner: CliRunner,
                                                                    tmp_path: Path) -> None:
    schema = tmp_path / SCHEMA_FILE_NAME
    schema.write_text('{"old": true}\n', encoding="utf-8")
    result = runner.invoke(cli, ["init", str(tmp_path / "a.yaml")])
    assert result.exit_code == 0, result.output
    assert (f"kept {schema}, which is not this version's schema; refresh it with: agreementgen "
            f"schema --format json-schema -o {schema} --force") in result.stderr
    assert schema.read_text(encoding="utf-8") == '{"old": true}\n'
    forced = runner.invoke(cli, ["init", str(tmp_path / "b.yaml"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert schema.read_text(encoding="utf-8") == json_schema_text()


def test_schema_url_names_another_schema_and_writes_none(runner: CliRunner,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    url = "https://example.org/schemas/agreementgen.schema.json"
    result = runner.invoke(cli, ["init", str(path), "--schema-url", url])
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8").splitlines()
    assert f"# yaml-language-server: $schema={url}" in lines
    assert MODELINE not in lines
    assert not (tmp_path / SCHEMA_FILE_NAME).exists()


def test_init_refuses_other_suffixes_and_existing_files(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "a.json")])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{tmp_path / 'a.json'}: init writes YAML; name a .yaml or .yml file, not '.json'")
    assert list(tmp_path.iterdir()) == []
    path = tmp_path / "a.yaml"
    path.write_text("keep: me\n", encoding="utf-8")
    again = runner.invoke(cli, ["init", str(path)])
    assert again.exit_code == 1
    assert again.stderr.strip() == f"{path}: the file exists; use --force to overwrite it"
    assert path.read_text(encoding="utf-8") == "keep: me\n"
    assert list(tmp_path.iterdir()) == [path]
    assert runner.invoke(cli, ["init", str(path), "--kind", "treaty"]).exit_code == 2


def test_unique_id() -> None:
    assert unique_id("Fair Cocoa Ghana", []) == "fair-cocoa-ghana"
    assert unique_id("Ümit & Zonen B.V.", []) == "umit-zonen-b-v"
    assert unique_id("3M", []) == "partner-3m"
    assert unique_id("???", []) == "partner"
    assert unique_id("Choco", ["choco", "choco-2"]) == "choco-3"


# --- init --interactive ---

def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


GOOD_ANSWERS = answers(
    "   ",                      # a blank title is asked again
    "Living Income Cocoa Partnership",
    "Fair Cocoa Ghana",
    "ngo",                      # not a sector: asked again
    "cso",
    "watchdog-ish",             # not an orientation: asked again
    "activist",
    "watchdog and trainer",
    "Fair pay for *cocoa farmers*",
    "Choco: Chocolatiers B.V.",
    "business",
    "buyer",
    "Sell good chocolate",
    "y",                        # a third partner
    "Choco: Chocolatiers B.V.",  # same name: its id must still be unique
    "funder",
    "co-funder",
    "Fund fair trade",
    "n",
    "Farmers earn less than a living income",
    "Close the living income gap",
    "Cocoa farmers in Ashanti earn a living income",
    "Farm-gate prices rise by 20%",
    "2027-02-30",               # no such date: asked again
    "1 January 2027",           # not YYYY-MM-DD: asked again
    "2027-01-01",
    "2026-12-31",               # before the start: asked again
    "2029-12-31",
    "n",                        # no personal data shared
    "",                         # no cash (the default)
    "no",                       # does not reach children or vulnerable adults
)


def test_interactive_asks_checks_each_answer_and_writes_a_valid_file(runner: CliRunner,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "cocoa.yaml"
    result = runner.invoke(cli, ["init", str(path), "--interactive"], input=GOOD_ANSWERS)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Error: must not be empty" in out
    assert "Error: 'ngo' is not one of 'cso', 'business'" in out
    assert "Error: 'watchdog-ish' is not one of 'partnership_oriented'" in out
    assert "Error: '2027-02-30' is not a date; write it as YYYY-MM-DD" in out
    assert "Error: '1 January 2027' is not a date" in out
    assert "Error: the end date must come after the start date 2027-01-01" in out
    assert out.count("orientation towards business") == 2  # asked for the cso only (twice)

    assert validate(path) == []
    text = path.read_text(encoding="utf-8")
    assert MODELINE in text.splitlines()
    data = load(path).data
    assert data["agreement"] == {"title": "Living Income Cocoa Partnership",
                                 "kind": "partnership_agreement", "binding": "non_binding",
                                 "language": "en"}
    assert [p["id"] for p in data["partners"]] == [
        "fair-cocoa-ghana", "choco-chocolatiers-b-v", "choco-chocolatiers-b-v-2"]
    assert data["partners"][0]["orientation"] == "activist"
    assert "orientation" not in data["partners"][1]
    assert data["partners"][1]["name"] == "Choco: Chocolatiers B.V."
    assert data["purpose"]["shared_objectives"] == ["Close the living income gap"]
    assert data["theory_of_change"]["outcomes"] == [
        {"id": "outcome-1", "statement": "Farm-gate prices rise by 20%"}]
    assert data["duration"] == {"start_date": "2027-01-01", "end_date": "2029-12-31"}
    assert list(data) == ["agreement", "partners", "purpose", "theory_of_change", "duration"]
    assert not any(section in text for section in OPTIONAL_SECTIONS)  # not even in a comment
    assert (tmp_path / SCHEMA_FILE_NAME).is_file()

    generated = runner.invoke(cli, ["generate", str(path), "-o", str(tmp_path / "a.docx"),
                                    "--quiet"])
    assert generated.exit_code == 0, generated.output


def test_interactive_with_kind_and_language(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mou.yaml"
    minimal = answers("Waterpartnerschap", "Water Recht", "cso", "mixed", "waakhond",
                      "Schoon water", "Bron B.V.", "business", "afnemer", "Water bottelen", "n",
                      "Droge putten", "Open data", "Water voor iedereen", "Data zijn openbaar",
                      "2027-03-01", "2028-03-01", "n", "n", "n")
    result = runner.invoke(cli, ["init", str(path), "-i", "--kind", "mou", "--lang", "nl"],
                           input=minimal)
    assert result.exit_code == 0, result.output
    assert validate(path) == []
    agreement = load(path).data["agreement"]
    assert (agreement["kind"], agreement["language"]) == ("mou", "nl")
    assert "--kind mou" in path.read_text(encoding="utf-8")


def _all_yes(lang_answers: tuple[str, ...] = ()) -> str:
    """The essentials of GOOD_ANSWERS without the detours, then yes to the three questions."""
    return answers("Cocoa", "Fair Cocoa Ghana", "cso", "activist", "watchdog", "Fair pay",
                   "Choco B.V.", "business", "buyer", "Good chocolate", "n", "Low income",
                   "Close the gap", "Living income", "Prices rise", "2027-01-01", "2029-12-31",
                   *(lang_answers or ("y", "y", "y")))


def _uncomment_yaml(text: str) -> str:
    """The interactive file with its commented YAML lines (not its notes) taken in."""
    return re.sub(r"^( *)# (?= *([a-z_]+:|- ))", r"\1", text, flags=re.M)


def test_interactive_asks_three_questions_and_writes_what_each_yes_needs(
        runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cocoa.yaml"
    result = runner.invoke(cli, ["init", str(path), "-i"], input=_all_yes())
    assert result.exit_code == 0, result.output
    for question in ("Does a partner share personal data with another partner",
                     "Does a partner contribute cash? [y/N]",
                     "Does the partnership reach children or vulnerable adults? [y/N]"):
        assert question in result.output
    assert validate(path) == []
    data = load(path).data
    assert data["data_protection"] == {"personal_data": True}
    assert data["compliance"] == {"safeguarding": {"applies": True}}
    assert "funding" not in data  # terms not given are commented out, not invented
    assert list(data)[-2:] == ["compliance", "data_protection"]  # in the order of the schema

    text = path.read_text(encoding="utf-8")
    notes = " ".join(re.sub(r"^\s*# ?", "", line) for line in text.splitlines())
    assert "add the kinds of data (categories), each partner's role (roles)" in notes
    assert "name the safeguarding policy that applies (policy)" in notes
    assert "committed in a separate funding agreement" in notes
    for commented in ("  # categories:", "  # roles:", "  # laws:", "    # policy:",
                      "    # focal_point: fair-cocoa-ghana", "# funding:", "#   unspent_funds:"):
        assert commented in text, commented
    # The examples name the partners of this file, not the starter's placeholders.
    assert "{partner: fair-cocoa-ghana, role: controller}" in text
    assert "our-ngo" not in text and "the-company" not in text and "(md)" not in text

    # What the comments show is valid once taken in, partner ids included.
    filled = _uncomment_yaml(text)
    assert yaml.safe_load(filled)["funding"]["unspent_funds"] == "return"
    assert _problems(filled, tmp_path) == []

    generated = runner.invoke(cli, ["generate", str(path), "-o", str(tmp_path / "a.docx"),
                                    "--quiet"])
    assert generated.exit_code == 0, generated.output


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("kind", KINDS)
def test_interactive_yes_answers_validate_for_every_kind(runner: CliRunner, tmp_path: Path,
                                                          kind: str, lang: str) -> None:
    path = tmp_path / "a.yaml"
    result = runner.invoke(cli, ["init", str(path), "-i", "--kind", kind, "--lang", lang],
                           input=_all_yes())
    assert result.exit_code == 0, result.output
    assert validate(path) == []
    text = path.read_text(encoding="utf-8")
    assert "liability" not in text
    # A letter of intent leaves the funding terms to the agreement after it: a note, no keys.
    assert ("# funding:" in text) is (kind != "letter_of_intent")
    note = "init_note_funding_later" if kind == "letter_of_intent" else "init_note_funding"
    from agreementgen.i18n import message

    assert message(note, lang).split(":")[0] in text
    assert _problems(_uncomment_yaml(text), tmp_path) == []


@pytest.mark.parametrize("answer", [("y", "n", "n"), ("n", "y", "n"), ("n", "n", "y")])
def test_each_question_adds_only_its_own_section(runner: CliRunner, tmp_path: Path,
                                                 answer: tuple[str, str, str]) -> None:
    path = tmp_path / "a.yaml"
    result = runner.invoke(cli, ["init", str(path), "-i", "--kind", "mou"],
                           input=_all_yes(answer))
    assert result.exit_code == 0, result.output
    assert validate(path) == []
    data = load(path).data
    text = path.read_text(encoding="utf-8")
    personal, cash, vulnerable = (a == "y" for a in answer)
    assert ("data_protection" in data) is personal
    assert ("# funding:" in text) is cash
    assert "funding" not in data
    assert ("compliance" in data) is vulnerable


def test_interactive_refuses_an_existing_file_before_asking(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("keep: me\n", encoding="utf-8")
    result = runner.invoke(cli, ["init", str(path), "-i"], input=GOOD_ANSWERS)
    assert result.exit_code == 1
    assert "Title of the agreement" not in result.output
    assert path.read_text(encoding="utf-8") == "keep: me\n"


def test_interactive_stopped_midway_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    result = runner.invoke(cli, ["init", str(path), "-i"], input=answers("A title", "Partner"))
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert list(tmp_path.iterdir()) == []


# --- The command line around it ---

@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_help_shows_an_example(runner: CliRunner, name: str) -> None:
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    example = result.stdout.split("Example:", 1)
    assert len(example) == 2, f"'agreementgen {name} --help' shows no example"
    assert re.search(rf"^\s+agreementgen {re.escape(name)}\b", example[1], re.M)


def test_version(runner: CliRunner) -> None:
    from agreementgen import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"agreementgen, version {__version__}\n"


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("", True), ("1", False)])
def test_no_color(tmp_path: Path, no_color: str | None, coloured: bool) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("agreement: {}\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(bad)], color=True, env={"NO_COLOR": no_color})
    assert result.exit_code == 1
    assert ("\x1b[" in result.stderr) is coloured
    assert "agreement.title: required field is missing" in result.stderr


def test_shell_completion(runner: CliRunner) -> None:
    source = runner.invoke(cli, [], prog_name="agreementgen",
                           env={"_AGREEMENTGEN_COMPLETE": "bash_source"})
    assert source.exit_code == 0
    assert "_agreementgen_completion" in source.stdout

    def complete(words: str) -> list[str]:
        env = {"_AGREEMENTGEN_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        result = runner.invoke(cli, [], prog_name="agreementgen", env=env)
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert complete("agreementgen sch") == ["schema"]
    assert complete("agreementgen init a.yaml --kind ") == list(KINDS)
    assert complete("agreementgen schema --format j") == ["json-schema"]


def test_shell_completion_from_the_installed_entry_point() -> None:
    env = {**os.environ, "_AGREEMENTGEN_COMPLETE": "zsh_source"}
    result = subprocess.run([sys.executable, "-m", "agreementgen"], env=env, capture_output=True,
                            text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "#compdef agreementgen" in result.stdout


def test_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "agreementgen-validate"
    assert hook["language"] == "python"
    program, command = hook["entry"].split()
    assert program == "agreementgen" and command in COMMANDS
    assert set(hook["types_or"]) == {"yaml", "json", "toml"}
    exclude = re.compile(hook["exclude"])
    skipped = (".pre-commit-config.yaml", ".github/workflows/ci.yml", "a/.hidden/b.yaml",
               "agreementgen.schema.json", "schemas/description.schema.json")
    checked = ("partnerships/cocoa.yaml", "water-mou.toml", "examples/nl-textiel.json")
    assert [p for p in skipped if not exclude.search(p)] == []
    assert [p for p in checked if exclude.search(p)] == []
