"""Dutch agreements and reviews: Dutch words, Dutch dates and money, and no English in between."""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from agreementgen.cli import cli
from agreementgen.i18n import catalog
from tests.conftest import COCOA, DUTCH, soffice

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NBSP = "\u00a0"

# Words of the built-in template and clauses that only an English document may contain.
ENGLISH_ONLY = ["Partnership Agreement", "Contributions", "Signatures", "Whereas", "Page",
                "Contents", "Version", "Theory of change", "General provisions", "The Partners",
                "This Agreement", "legally binding", "registered with",
                "represented by", "Name", "Signature", "Its mission:", "Open to negotiation",
                "Changing circumstances", "Means of verification", "Responsible", "Annexes",
                "Partnership health checklist", "Score per insight", "Rules met"]
# And the same for Dutch.
DUTCH_ONLY = ["Partnerschapsovereenkomst", "Bijdragen", "Ondertekening", "In aanmerking nemende",
              "Pagina", "Inhoud", "Versie", "Veranderingstheorie", "Algemene bepalingen",
              "De Partners", "Deze Overeenkomst", "juridisch", "ingeschreven bij",
              "vertegenwoordigd door", "Naam", "Handtekening", "Missie:", "Onderhandelbaar:",
              "Gewijzigde omstandigheden", "Verificatiebron", "Nulmeting", "Bijlagen",
              "Checklist gezond partnerschap", "Score per inzicht", "Criteria voldaan"]


def docx_text(path: Path) -> str:
    """Everything a reader sees: body, headers, footers and the document's title and subject.

    One line per paragraph; no-break spaces are kept.
    """
    lines = []
    with zipfile.ZipFile(path) as archive:
        parts = sorted(n for n in archive.namelist()
                       if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n))
        for name in parts:
            root = etree.fromstring(archive.read(name))
            for paragraph in root.iter(f"{W}p"):
                lines.append("".join(t.text or "" for t in paragraph.iter(f"{W}t")))
        core = etree.fromstring(archive.read("docProps/core.xml"))
        lines += [element.text or "" for element in core.iter()
                  if element.tag.endswith(("}title", "}subject"))]
    return "\n".join(lines)


def flat(text: str) -> str:
    """Text with every run of whitespace (no-break spaces too) as one space."""
    return " ".join(text.split())


def contains(text: str, phrase: str) -> bool:
    """Whether a phrase occurs as whole words (``Name`` is not in ``Naam`` or ``Names``)."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


@pytest.fixture(scope="module")
def make(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Path]]:
    """Generate an agreement through the command line, once per set of arguments."""
    folder = tmp_path_factory.mktemp("dutch")
    made: dict[tuple[Any, ...], Path] = {}

    def generate(source: Path, *options: str) -> Path:
        key = (source, *options)
        if key not in made:
            out = folder / f"{source.stem}-{len(made)}.docx"
            result = CliRunner().invoke(cli, ["generate", str(source), "-o", str(out), "--quiet",
                                              *options])
            assert result.exit_code == 0, result.output
            made[key] = out
        return made[key]

    yield generate


# The Dutch example ---------------------------------------------------------------------------

def test_the_dutch_example_is_written_in_dutch(make: Callable[..., Path]) -> None:
    text = docx_text(make(DUTCH))
    headings = catalog("nl", "labels")["articles"]
    for article in ("parties", "purpose", "theory_of_change", "identity", "contributions",
                    "governance", "monitoring", "risks", "communication", "duration", "legal",
                    "final", "signatures"):
        assert headings[article] in text.splitlines(), article
    assert "Partnerschapsovereenkomst" in text.splitlines()
    words = flat(text)
    assert "Deze Overeenkomst wordt aangegaan tussen:" in words
    assert "In aanmerking nemende het volgende:" in words
    assert "Partijen leggen hun gezamenlijke voornemens als volgt vast." in words
    assert "(hierna: \u201cVan Houten\u201d);" in words
    assert "Deze Overeenkomst wordt in drievoud ondertekend, waarvan iedere Partner één " \
        "exemplaar ontvangt." in words
    assert "Partnerschap Eerlijk Loon Gazipur \u00b7 Versie 0.2 concept" in words  # header
    assert "Pagina" in text and "van" in text  # footer: Pagina 1 van 9


def test_the_dutch_example_has_dutch_dates_and_money(make: Callable[..., Path]) -> None:
    text = docx_text(make(DUTCH))
    words = flat(text)
    assert "Datum: 9 maart 2026" in words  # the cover
    assert "Deze Overeenkomst treedt in werking op 1 juni 2026 en eindigt op 31 maart 2029." \
        in words
    assert "op 1 juni 2027 en 1 juni 2028" in words
    assert "voor het eerst op 1 december 2026" in words
    assert f"Van Houten: €{NBSP}240.000,00" in text  # no-break space, Dutch separators
    assert f"BDT{NBSP}9.600.000,00" in text
    assert "2026-03-09" not in text and "March" not in text


def test_the_dutch_example_has_dutch_tables_and_labels(make: Callable[..., Path]) -> None:
    lines = docx_text(make(DUTCH)).splitlines()
    for label in ("Soort", "Waarde", "Planning", "Nulmeting", "Streefwaarde", "Verificatiebron",
                  "Beheersmaatregel", "Geld", "Personeel", "middel", "hoog", "Naam", "Functie",
                  "Handtekening", "Voor Van Houten Mode B.V."):
        assert label in lines, label


# An English description in Dutch -------------------------------------------------------------

def test_lang_nl_turns_an_english_description_into_a_dutch_agreement(
        make: Callable[..., Path]) -> None:
    text = docx_text(make(COCOA, "--lang", "nl"))
    words = flat(text)
    assert "Partnerschapsovereenkomst" in text.splitlines()
    assert "Ondertekening" in text.splitlines()
    assert "Partijen komen als volgt overeen:" in words
    assert "Deze Overeenkomst is juridisch bindend en wordt beheerst door" in words
    assert "Datum: 16 februari 2026" in words
    assert "Deze Overeenkomst treedt in werking op 1 april 2026" in words
    assert f"€{NBSP}456.000,00" in text and f"GHS{NBSP}540.000,00" in text
    # The texts the example gives in Dutch come in Dutch; those it does not, as written.
    assert "Cocoa households in the Eastern Region of Ghana" not in words
    assert "Huishoudens van cacaoboeren" in words
    assert "Zero tolerance for forced labour" in words


def test_the_command_line_reports_the_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["generate", str(COCOA), "--lang", "nl", "--quiet",
                                      "-o", str(tmp_path / "c.docx")])
    assert result.exit_code == 0, result.output
    assert ", nl, " in result.output


# Nothing leaks from one language into the other ----------------------------------------------

@pytest.mark.parametrize("source", [COCOA, DUTCH], ids=lambda p: p.stem)
def test_no_english_in_a_dutch_agreement_and_no_dutch_in_an_english_one(
        make: Callable[..., Path], source: Path) -> None:
    english = flat(docx_text(make(source, "--lang", "en", "--health-annex")))
    dutch = flat(docx_text(make(source, "--lang", "nl", "--health-annex")))
    # Each word is there in its own language, so its absence in the other means something.
    for phrase in ENGLISH_ONLY:
        assert contains(english, phrase), f"{phrase!r} is not even in the English agreement"
        assert not contains(dutch, phrase), f"{phrase!r} leaks into the Dutch agreement"
    for phrase in DUTCH_ONLY:
        assert contains(dutch, phrase), f"{phrase!r} is not even in the Dutch agreement"
        assert not contains(english, phrase), f"{phrase!r} leaks into the English agreement"


def _label_texts(lang: str, other: str) -> set[str]:
    """Every label of a language that the other language writes differently."""
    def leaves(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
        for key, value in data.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{path}{key}.")
            else:
                yield f"{path}{key}", str(value)

    ours, theirs = dict(leaves(catalog(lang, "labels"))), dict(leaves(catalog(other, "labels")))
    return {text.strip() for key, text in ours.items()
            if text.strip() != theirs[key].strip() and "{" not in text and len(text) > 3}


def test_no_english_label_at_all_in_the_dutch_example(make: Callable[..., Path]) -> None:
    # The Dutch example is Dutch throughout, so any English label in it came from agreementgen.
    dutch = flat(docx_text(make(DUTCH, "--health-annex")))
    leaked = sorted(text for text in _label_texts("en", "nl") if contains(dutch, flat(text)))
    assert leaked == []


def test_no_dutch_label_at_all_in_an_english_agreement(make: Callable[..., Path]) -> None:
    english = flat(docx_text(make(COCOA, "--health-annex")))
    leaked = sorted(text for text in _label_texts("nl", "en") if contains(english, flat(text)))
    assert leaked == []


# The review ----------------------------------------------------------------------------------

def test_review_lang_nl_is_dutch() -> None:
    result = CliRunner().invoke(cli, ["review", str(DUTCH), "--lang", "nl"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"Gezondheidscheck van het partnerschap: aan \d+ van \d+ toepasselijke "
                        r"criteria voldaan, \d+ waarschuwing\(en\)", lines[0])
    assert "Inzicht 1 - Ken uw veranderingstheorie: aan 2/2 criteria voldaan" in lines
    assert "Waarschuwingen:" in lines
    assert any(line.startswith("H08 [inzicht 4] monitoring.phases (regel ") and
               "De fasen van het partnerschap zijn niet benoemd" in line for line in lines)
    for english in ("Warnings", "rules met", "Insight", "insight", "(line", "The phases"):
        assert english not in result.output, english


def test_review_lang_nl_writes_dutch_markdown_and_dutch_values() -> None:
    result = CliRunner().invoke(cli, ["review", str(COCOA), "--lang", "nl", "--format",
                                      "markdown"])
    assert result.exit_code == 0, result.output
    assert "## Gezondheidscheck van het partnerschap" in result.output
    assert "| Inzicht | Criteria voldaan |" in result.output
    assert "| 4. Monitor en evalueer samen |" in result.output
    assert "Insight" not in result.output and "Warnings" not in result.output


def test_review_values_are_written_the_dutch_way(write_yaml: Callable[..., Path],
                                                 cocoa_data: dict[str, Any]) -> None:
    cocoa_data["monitoring"]["reviews"]["first_review"] = "2027-09-01"  # too late: H07
    path = write_yaml(cocoa_data)
    dutch = CliRunner().invoke(cli, ["review", str(path), "--lang", "nl"]).output
    english = CliRunner().invoke(cli, ["review", str(path), "--lang", "en"]).output
    assert "De eerste gezamenlijke evaluatie op 1 september 2027 valt niet binnen de eerste " \
           "12 maanden na de start op 1 april 2026" in dutch
    assert "1 September 2027" in english and "1 april 2026" not in english


# A real client ---------------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_libreoffice_shows_the_dutch_agreement_in_dutch(make: Callable[..., Path],
                                                        tmp_path: Path) -> None:
    source = make(DUTCH, "--health-annex")
    subprocess.run([soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / f"{source.stem}.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    words = flat(text)
    assert "Pagina 1 van" in words  # the footer's fields, computed by LibreOffice
    assert "Partnerschapsovereenkomst" in words and "Partijen 1. Doel" in words
    for phrase in ENGLISH_ONLY:
        assert not contains(words, phrase), phrase
