"""`generate --lang en,nl`: one agreement with both language versions, aligned clause by clause."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import COCOA, MOU

from agreementgen.api import load_description
from agreementgen.clauses import derive
from agreementgen.cli import cli
from agreementgen.context import ARTICLES


def _generate(runner: CliRunner, tmp_path: Path, *args: str, source: Path = COCOA) -> Path:
    out = tmp_path / "bilingual.docx"
    result = runner.invoke(cli, ["generate", str(source), "-o", str(out), "--quiet", *args])
    assert result.exit_code == 0, result.output
    return out


def _two_column_tables(path: Path) -> list[list[tuple[str, str]]]:
    tables = []
    for table in docx.Document(str(path)).tables:
        rows = [tuple(c.text for c in row.cells) for row in table.rows]
        if rows and all(len(r) == 2 for r in rows) and table._tbl.tblPr.find(
                docx.oxml.ns.qn("w:tblStyle")) is None:
            tables.append([(a, b) for a, b in rows])
    return tables


@pytest.mark.parametrize("source", [COCOA, MOU])
def test_every_clause_has_both_versions_side_by_side(runner: CliRunner, tmp_path: Path,
                                                     source: Path) -> None:
    out = _generate(runner, tmp_path, "--lang", "en,nl", source=source)
    d = load_description(source).description
    english, dutch = derive(d, "en"), derive(d, "nl")
    tables = _two_column_tables(out)
    per_article = [sum(1 for c in english if c.spec.article == a) for a in ARTICLES]
    expected = [n + (a == "final") for a, n in zip(ARTICLES, per_article, strict=True) if n]
    # The preamble: its opening words, each party, the closing words, the recitals with
    # their opening words, and the operative formula.
    recitals = sum(1 for c in english if c.spec.article == "recitals")
    preamble = 1 + len(d.partners) + 1 + (recitals + 1 if recitals else 0) + 1
    # An annex given in both languages is shown side by side too, one row each.
    loaded = load_description(source)
    annexes = sum(1 for a, b in zip(loaded.description_in("en").annexes,
                                    loaded.description_in("nl").annexes, strict=True) if a != b)
    assert [len(t) for t in tables] == [preamble, *expected, *[1] * annexes]
    assert [c.spec.id for c in english] == [c.spec.id for c in dutch]
    for table in tables:
        for left, right in table:
            assert left.strip() and right.strip() and left != right


def test_headings_and_labels_carry_both_languages(runner: CliRunner, tmp_path: Path) -> None:
    out = _generate(runner, tmp_path, "--lang", "en,nl")
    headings = [p.text for p in docx.Document(str(out)).paragraphs
                if p.style is not None and p.style.name in ("Heading 1", "Unnumbered Heading")]
    assert "Contributions / Bijdragen" in headings
    assert "Signatures / Ondertekening" in headings


def _languages_row(out: Path) -> tuple[str, str]:
    """The row of the general provisions that says which version prevails: their last."""
    rows = [row for table in _two_column_tables(out) for row in table
            if "Languages." in row[0] + row[1] or "Talen." in row[0] + row[1]]
    assert len(rows) == 1, rows
    return rows[0]


def test_final_provisions_say_which_version_prevails(runner: CliRunner, tmp_path: Path) -> None:
    first = _languages_row(_generate(runner, tmp_path, "--lang", "en,nl"))
    assert "the English version prevails" in first[0]
    assert "De Engelse versie prevaleert" in first[1]
    chosen = _languages_row(_generate(runner, tmp_path, "--lang", "en,nl", "--prevailing", "nl",
                                      "--force"))
    assert "the Dutch version prevails" in chosen[0]
    assert "De Nederlandse versie prevaleert" in chosen[1]


def test_dutch_first_puts_dutch_in_the_left_column(runner: CliRunner, tmp_path: Path) -> None:
    row = _languages_row(_generate(runner, tmp_path, "--lang", "nl,en"))
    assert "Nederlands" in row[0] and "Dutch version prevails" in row[1]


@pytest.mark.parametrize("args", [["--lang", "en,en"], ["--lang", "de"], ["--lang", "en,nl,en"],
                                  ["--lang", "en", "--prevailing", "nl"],
                                  ["--prevailing", "fr", "--lang", "en,nl"]])
def test_bad_language_choices_are_usage_errors(runner: CliRunner, tmp_path: Path,
                                               args: list[str]) -> None:
    out = tmp_path / "x.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_batch_makes_bilingual_agreements_with_the_chosen_prevailing_version(
        runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(COCOA), str(MOU), "-o", str(out), "--jobs", "1",
                                 "--lang", "en,nl", "--prevailing", "nl"])
    assert result.exit_code == 0, result.output
    for made in (out / "cocoa-supply-chain.docx", out / "water-mou.docx"):
        assert "the Dutch version prevails" in _languages_row(made)[0]
    refused = runner.invoke(cli, ["batch", str(COCOA), "-o", str(tmp_path / "x"),
                                  "--lang", "en", "--prevailing", "nl"])
    assert refused.exit_code == 2 and not (tmp_path / "x").exists()
