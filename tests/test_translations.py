"""Texts in more than one language: the format, the output per language, and what is missing."""

from __future__ import annotations

import copy
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import MOU
from lxml import etree

from agreementgen.api import load_description
from agreementgen.clauses import markers
from agreementgen.cli import cli
from agreementgen.formatting import words
from agreementgen.loading import load

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

PROBLEM_EN = "Groundwater around Nanyuki is falling."
PROBLEM_NL = "Het grondwater rond Nanyuki daalt."
ROLE_NL = "waakhond"


def _mou() -> dict[str, Any]:
    return copy.deepcopy(load(MOU).data)


def _partly_translated() -> dict[str, Any]:
    """The water MoU with a few texts in English and Dutch; the rest is English only."""
    data = _mou()
    data["agreement"]["title"] = {"en": "Groundwater MoU", "nl": "Memorandum over grondwater"}
    data["purpose"]["problem"] = {"en": PROBLEM_EN, "nl": PROBLEM_NL}
    data["partners"][0]["role"] = {"en": "watchdog", "nl": ROLE_NL}
    data["purpose"]["shared_objectives"][0] = {"en": "Publish the data.",
                                               "nl": "De gegevens openbaar maken."}
    return data


def _write(tmp_path: Path, data: Any, name: str = "description.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _runs(path: Path) -> list[etree._Element]:
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return list(root.iter(f"{W}r"))


def _text(run: etree._Element) -> str:
    return "".join(t.text or "" for t in run.iter(f"{W}t"))


def _property(run: etree._Element, name: str) -> str | None:
    element = run.find(f"{W}rPr/{W}{name}")
    return None if element is None else element.get(f"{W}val")


def _generate(runner: CliRunner, source: Path, out: Path, *args: str) -> Any:
    return runner.invoke(cli, ["generate", str(source), "-o", str(out), *args])


# The format --------------------------------------------------------------------------------

def test_plain_and_mapped_texts_validate_and_each_language_takes_its_own(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    loaded = load_description(source)
    assert loaded.description.purpose.problem == PROBLEM_EN
    assert loaded.description_in("nl").purpose.problem == PROBLEM_NL
    # A plain text is written in agreement.language: the Dutch model shows it as it is.
    assert loaded.description_in("nl").purpose.vision == loaded.description.purpose.vision
    english = _generate(runner, source, tmp_path / "en.docx", "--quiet")
    dutch = _generate(runner, source, tmp_path / "nl.docx", "--lang", "nl", "--quiet")
    assert english.exit_code == 0 and dutch.exit_code == 0, english.output + dutch.output
    en_text = "".join(_text(r) for r in _runs(tmp_path / "en.docx"))
    nl_text = "".join(_text(r) for r in _runs(tmp_path / "nl.docx"))
    assert PROBLEM_EN in en_text and PROBLEM_NL not in en_text
    assert PROBLEM_NL in nl_text and PROBLEM_EN not in nl_text
    assert ROLE_NL in nl_text


@pytest.mark.parametrize(("value", "field", "words_"), [
    ({}, "purpose.problem", "at least one language"),
    ({"de": "Grundwasser"}, "purpose.problem.de", "'de' is not a supported language"),
    ({"en": 12}, "purpose.problem.en", "must be text"),
    ({"en": "Text", "nl": " "}, "purpose.problem.nl", "the nl text is empty"),
])
def test_a_bad_language_mapping_is_an_error_at_its_field_and_line(
        runner: CliRunner, tmp_path: Path, value: Any, field: str, words_: str) -> None:
    data = _mou()
    data["purpose"]["problem"] = value
    source = _write(tmp_path, data)
    result = runner.invoke(cli, ["validate", str(source)])
    assert result.exit_code == 1
    line = next(i for i, text in enumerate(source.read_text().splitlines(), 1)
                if text.strip().startswith("problem:"))
    found = [row for row in result.output.splitlines() if f" {field}: " in row]
    assert len(found) == 1, result.output
    assert words_ in found[0]
    # The line of the mapping's key, or of the language in it.
    assert re.search(rf"description\.yaml:({line}|{line + 1}|{line + 2}):\d+: ", found[0]), \
        found[0]
    # One problem for the one mistake: the schema does not report the field again.
    assert "purpose.problem:" not in result.output.replace(f"{field}:", "")


def test_ids_and_choices_are_never_language_mappings(runner: CliRunner, tmp_path: Path) -> None:
    data = _mou()
    data["partners"][0]["id"] = {"en": "maji"}
    data["agreement"]["kind"] = {"en": "mou"}
    result = runner.invoke(cli, ["validate", str(_write(tmp_path, data))])
    assert result.exit_code == 1
    assert "partners[0].id" in result.output and "agreement.kind" in result.output


def test_an_old_file_renders_as_before_without_marks_or_highlights(
        runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "mou.docx"
    result = _generate(runner, MOU, out)
    assert result.exit_code == 0, result.output
    assert "no version in" not in result.output
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
        styles = archive.read("word/styles.xml").decode("utf-8")
    assert not markers.MARK_CHARACTERS.search(xml)
    assert "w:highlight" not in xml and "<w:lang " not in xml
    assert re.search(r'<w:rPrDefault>.*<w:lang w:val="en-GB"', styles, re.S)


def test_marks_in_a_users_text_are_refused(runner: CliRunner, tmp_path: Path) -> None:
    data = _mou()
    data["purpose"]["problem"] = "Forged \ue005en\ue006 mark"
    result = runner.invoke(cli, ["validate", str(_write(tmp_path, data))])
    assert result.exit_code == 1
    assert "U+E005" in result.output and "purpose.problem" in result.output


# What is missing ---------------------------------------------------------------------------

def test_generate_lists_the_untranslated_fields_with_their_lines_in_the_output_language(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    result = _generate(runner, source, tmp_path / "nl.docx", "--lang", "nl")
    assert result.exit_code == 0, result.output
    missing = load_description(source).untranslated("nl")
    paths = [m.path for m in missing]
    assert "purpose.problem" not in paths and "partners[0].role" not in paths
    assert "purpose.shared_objectives[0]" not in paths
    assert "partners[1].role" in paths and "partners[0].mission" in paths
    # Names, addresses and ids read the same in every language.
    assert not any(p.endswith((".name", ".id", ".address", ".country")) for p in paths)
    assert f"{len(missing)} tekst(en) hebben geen versie in het Nederlands" in result.output
    role = next(m for m in missing if m.path == "partners[1].role")
    assert f"  partners[1].role (regel {role.line})" in result.output.splitlines()
    assert role.shown_in == "en" and role.line is not None


def test_an_english_output_of_an_english_file_has_nothing_untranslated(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    assert load_description(source).untranslated("en") == ()


def test_a_text_only_in_dutch_is_untranslated_in_english(tmp_path: Path) -> None:
    data = _mou()
    data["purpose"]["problem"] = {"nl": PROBLEM_NL}
    loaded = load_description(_write(tmp_path, data))
    assert loaded.description.purpose.problem == PROBLEM_NL
    [missing] = [m for m in loaded.untranslated("en") if m.path == "purpose.problem"]
    assert missing.shown_in == "nl" and missing.text == PROBLEM_NL


def test_strict_refuses_untranslated_text_and_writes_nothing(
        runner: CliRunner, tmp_path: Path) -> None:
    data = _partly_translated()
    source = _write(tmp_path, data)
    out = tmp_path / "nl.docx"
    result = _generate(runner, source, out, "--lang", "nl", "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.output and "partners[1].role" in result.output
    assert "has no Dutch text" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_review_lists_what_a_language_lacks_in_text_and_json(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    text = runner.invoke(cli, ["review", str(source), "--lang", "nl"])
    assert text.exit_code == 0 and "partners[1].role (regel " in text.output
    as_json = runner.invoke(cli, ["review", str(source), "--lang", "nl", "--format", "json"])
    entries = json.loads(as_json.output)["untranslated"]
    role = next(e for e in entries if e["path"] == "partners[1].role")
    assert role["lang"] == "nl" and role["shown_in"] == "en" and role["line"]
    strict = runner.invoke(cli, ["review", str(source), "--lang", "nl", "--strict"])
    assert strict.exit_code == 1


def test_translations_shows_each_missing_text_for_the_translator(
        runner: CliRunner, tmp_path: Path) -> None:
    data = _partly_translated()
    source = _write(tmp_path, data)
    result = runner.invoke(cli, ["translations", str(source), "--lang", "nl"])
    assert result.exit_code == 0, result.output
    assert "partners[1].role (regel " in result.output
    assert f"    {data['partners'][1]['role']}" in result.output.splitlines()
    assert PROBLEM_EN not in result.output
    as_json = json.loads(runner.invoke(
        cli, ["translations", str(source), "--lang", "nl", "--format", "json"]).output)
    assert {e["path"] for e in as_json["untranslated"]} == {
        m.path for m in load_description(source).untranslated("nl")}
    done = runner.invoke(cli, ["translations", str(source), "--lang", "en", "--strict"])
    assert done.exit_code == 0 and "Every text has a version" in done.output


# In the document ---------------------------------------------------------------------------

def test_untranslated_runs_carry_their_language_and_a_highlight(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    out = tmp_path / "nl.docx"
    assert _generate(runner, source, out, "--lang", "nl", "--quiet").exit_code == 0
    runs = _runs(out)
    role = _partly_translated()["partners"][1]["role"]
    marked = [r for r in runs if _property(r, "lang") == "en-GB"]
    assert marked and all(_property(r, "highlight") == "lightGray" for r in marked)
    assert role in "".join(_text(r) for r in marked)
    translated = [r for r in runs if PROBLEM_NL in _text(r)]
    assert translated and all(_property(r, "lang") is None for r in translated)
    assert all(_property(r, "highlight") is None for r in translated)
    # The document's own language is Dutch, so Word proofs the Dutch text as Dutch.
    with zipfile.ZipFile(out) as archive:
        styles = archive.read("word/styles.xml").decode("utf-8")
        xml = archive.read("word/document.xml").decode("utf-8")
    assert re.search(r'<w:rPrDefault>.*<w:lang w:val="nl-NL"', styles, re.S)
    assert not markers.MARK_CHARACTERS.search(xml)


def test_the_review_copies_show_the_words_without_marks(runner: CliRunner,
                                                        tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    for suffix in ("md", "html"):
        out = tmp_path / f"nl.{suffix}"
        assert _generate(runner, source, out, "--lang", "nl", "--quiet").exit_code == 0
        text = out.read_text(encoding="utf-8")
        assert PROBLEM_NL in text
        assert not markers.MARK_CHARACTERS.search(text)


def _two_column_rows(path: Path) -> list[tuple[str, str]]:
    import docx

    rows = []
    for table in docx.Document(str(path)).tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            if len(cells) == 2:
                rows.append((cells[0], cells[1]))
    return rows


def test_a_bilingual_agreement_takes_each_columns_own_text_and_puts_the_parties_in_columns(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated())
    out = tmp_path / "bi.docx"
    result = _generate(runner, source, out, "--lang", "en,nl", "--quiet")
    assert result.exit_code == 0, result.output
    rows = _two_column_rows(out)
    data = _partly_translated()
    names = [p["name"] for p in data["partners"]]
    party_rows = [(a, b) for a, b in rows if any(a.startswith(n) for n in names)]
    assert len(party_rows) == len(names)
    for (left, right), name in zip(party_rows, names, strict=True):
        assert left.startswith(name) and name in right
        assert "represented by" in left and "vertegenwoordigd door" in right
    assert any(r[0].startswith("This Memorandum") and r[1].startswith("Dit Memorandum")
               for r in rows)
    # The second column is Dutch where Dutch text exists: tagged nl-NL, not highlighted.
    runs = _runs(out)
    dutch = [r for r in runs if ROLE_NL in _text(r)]
    assert dutch and all(_property(r, "lang") == "nl-NL" for r in dutch)
    untranslated = [r for r in runs if _property(r, "highlight") == "lightGray"]
    assert untranslated and all(_property(r, "lang") == "en-GB" for r in untranslated)
    with zipfile.ZipFile(out) as archive:
        cover = archive.read("word/document.xml").decode("utf-8")
    assert "Groundwater MoU" in cover and "Memorandum over grondwater" in cover


# Starters and wording ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["partnership_agreement", "mou", "letter_of_intent"])
def test_init_writes_a_starter_with_both_languages(runner: CliRunner, tmp_path: Path,
                                                   kind: str) -> None:
    path = tmp_path / "starter.yaml"
    result = runner.invoke(cli, ["init", str(path), "--kind", kind, "--lang", "en,nl"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data["agreement"]["title"]) == {"en", "nl"}
    assert set(data["partners"][0]["role"]) == {"en", "nl"}
    assert data["partners"][0]["name"].startswith("<")  # a name reads the same in both
    assert data["agreement"]["language"] == "en"
    validated = runner.invoke(cli, ["validate", str(path)])
    assert validated.exit_code == 0, validated.output
    missing = runner.invoke(cli, ["translations", str(path), "--lang", "nl"])
    assert "Every text has a version" in missing.output or "Elke tekst" in missing.output


@pytest.mark.parametrize(("number", "dutch"), [
    (5, "vijf"), (12, "twaalf"), (13, "dertien (13)"), (21, "eenentwintig (21)"),
    (22, "tweeëntwintig (22)"), (30, "dertig (30)"), (90, "negentig (90)"),
    (101, "honderdeen (101)"), (365, "driehonderdvijfenzestig (365)"), (1000, "1.000"),
])
def test_dutch_counts_are_written_as_dutch_contracts_write_them(number: int,
                                                                  dutch: str) -> None:
    assert words(number, "nl") == dutch


def test_english_counts_above_twelve_stay_in_figures() -> None:
    assert words(12, "en") == "twelve" and words(90, "en") == "90"


def test_a_long_notice_period_is_written_out_in_the_dutch_agreement(tmp_path: Path) -> None:
    from agreementgen.clauses import derive

    data = _mou()
    data["duration"]["notice_days"] = 90
    loaded = load_description(_write(tmp_path, data))
    text = " ".join(markers.plain(c.text) for c in derive(loaded.description_in("nl"), "nl"))
    assert "negentig (90) dagen" in text


def test_batch_lists_each_agreements_untranslated_texts_and_records_them(
        runner: CliRunner, tmp_path: Path) -> None:
    source = _write(tmp_path, _partly_translated(), "partly.yaml")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(source), "-o", str(out), "--lang", "nl",
                                 "--jobs", "1"])
    assert result.exit_code == 0, result.output
    missing = load_description(source).untranslated("nl")
    assert f"{source}: {len(missing)} tekst(en) hebben geen versie in het Nederlands" in \
        result.output
    assert "  partners[1].role (regel " in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    recorded = manifest["documents"][0]["untranslated"]
    assert [e["path"] for e in recorded] == [m.path for m in missing]
    assert {e["lang"] for e in recorded} == {"nl"}
