"""The drafting standard: numbered clauses, references by identity, voice, type and no artefacts."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from lxml import etree

from agreementgen.api import load_description
from agreementgen.clauses import derive, library, markers
from agreementgen.cli import cli
from agreementgen.loading import load
from tests.conftest import COCOA, DUTCH, MOU

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
EXAMPLES = (COCOA, MOU, DUTCH)
TEMPLATES = ("partnership_agreement", "memorandum_of_understanding", "me_annex", "health_annex")


def generate(tmp_path: Path, source: Path, *args: str, suffix: str = ".docx") -> Path:
    out = tmp_path / f"{source.stem}-{len(list(tmp_path.iterdir()))}{suffix}"
    result = CliRunner().invoke(cli, ["generate", str(source), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def body(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def references(root: etree._Element) -> tuple[list[str], set[str]]:
    """The bookmarks the REF fields point at, and the bookmarks there are."""
    instructions = "".join(t.text or "" for t in root.iter(f"{W}instrText"))
    targets = re.findall(r"\bREF (\S+)", instructions)
    names = {b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")}
    return targets, names


def all_text(path: Path) -> str:
    """Every paragraph of a Word file as Word shows it, tables included."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
                for inner in cell.tables:
                    lines += [p.text for r in inner.rows for c in r.cells for p in c.paragraphs]
    return "\n".join(lines)


# --- numbering --------------------------------------------------------------------------------


def test_clauses_are_level_two_of_the_articles_own_list(tmp_path: Path) -> None:
    out = generate(tmp_path, COCOA)
    document = docx.Document(str(out))
    heading_num = document.styles["Heading 1"].element.pPr.numPr.numId.val
    clauses = [p for p in document.paragraphs if p.style.name == "Clause"]
    expected = [c for c in derive(load_description(COCOA).description, "en")
                if c.spec.article != "recitals"]
    assert len(clauses) == len(expected)
    for paragraph in clauses:
        num_pr = paragraph._p.pPr.numPr
        assert num_pr is not None, paragraph.text
        assert num_pr.numId.val == heading_num
        assert num_pr.ilvl.val == 1
    # Sub-headings (indicators, signature blocks) take no clause numbers.
    heading2 = document.styles["Heading 2"].element.pPr
    assert heading2 is None or heading2.numPr is None
    assert any(p.style.name == "Heading 2" and p.text.startswith("For ")
               for p in document.paragraphs)


def test_enumerations_restart_in_every_clause(tmp_path: Path) -> None:
    root = body(generate(tmp_path, COCOA))
    items = root.xpath("//w:p[w:pPr/w:pStyle/@w:val='ClauseList']", namespaces=NS)
    assert items
    lists = {p.find(f"{W}pPr/{W}numPr/{W}numId").get(f"{W}val") for p in items}
    clauses_with_lists = [c for c in derive(load_description(COCOA).description, "en")
                          if re.search(r"^\s*(-|1\.) ", markers.plain(c.text), re.M)]
    assert len(lists) >= len(clauses_with_lists)
    with zipfile.ZipFile(generate(tmp_path, COCOA)) as archive:
        numbering = etree.fromstring(archive.read("word/numbering.xml"))
    for num_id in lists:
        abstract = numbering.xpath(f"w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val",
                                   namespaces=NS)
        levels = numbering.xpath(f"w:abstractNum[@w:abstractNumId='{abstract[0]}']"
                                 "/w:lvl[@w:ilvl='0']/w:lvlText/@w:val", namespaces=NS)
        assert levels == ["(%1)"]


def test_explain_shows_each_clause_number(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(COCOA), "--format", "json"])
    assert result.exit_code == 0, result.output
    clauses = json.loads(result.output)["clauses"]
    numbers = {c["id"]: c["number"] for c in clauses}
    assert numbers["purpose.vision"] == "1.1"
    assert numbers["recitals.problem"] == "A"
    text = runner.invoke(cli, ["explain", str(COCOA)]).output
    assert "1.1  purpose.vision" in text


# --- references -------------------------------------------------------------------------------


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_ref_has_its_bookmark(tmp_path: Path, source: Path, template: str) -> None:
    for lang in ("en", "nl", "en,nl"):
        if template.endswith("_annex") and "," in lang:
            continue
        out = generate(tmp_path, source, "-t", template, "--lang", lang, "--health-annex")
        targets, names = references(body(out))
        assert set(targets) <= names, (template, lang, set(targets) - names)
        if template in ("partnership_agreement", "memorandum_of_understanding"):
            assert targets, "an agreement refers to at least one clause"


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_references_point_at_clauses_the_document_has(source: Path, lang: str) -> None:
    clauses = derive(load_description(source).description, lang)
    names = {markers.bookmark_name(c.spec.id): c.number for c in clauses}
    for clause in clauses:
        for name, number in markers.REFERENCE.findall(clause.text):
            assert names.get(name) == number, (clause.spec.id, name)


def test_survival_and_carve_outs_name_only_clauses_present() -> None:
    water = {c.spec.id: markers.plain(c.text) for c in
             derive(load_description(MOU).description, "en")}
    assert "duration.survival" not in water  # nothing in the memorandum binds
    assert water["legal.non_binding"].startswith(
        "This Memorandum records the Partners' intentions. It is not legally binding.")
    assert "final.annexes" not in water
    cocoa = derive(load_description(COCOA).description, "en")
    numbers = {c.spec.id: c.number for c in cocoa}
    survival = next(markers.plain(c.text) for c in cocoa if c.spec.id == "duration.survival")
    for clause in ("communication.confidentiality", "duration.on_exit", "legal.governing_law",
                   "legal.disputes"):
        assert numbers[clause] in survival
    assert "liability" not in survival


def test_a_reference_to_an_absent_clause_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import agreementgen.clauses as clauses
    from agreementgen.i18n import catalog

    texts = dict(catalog("en", "clauses"))
    texts["final.amendments"] = "See clause {{ ref('legal.governing_law') }}."
    monkeypatch.setattr(clauses, "catalog", lambda lang, domain: texts
                        if domain == "clauses" else catalog(lang, domain))
    clauses._compiled.cache_clear()
    try:
        with pytest.raises(clauses.DanglingReference, match=r"legal\.governing_law"):
            derive(load_description(MOU).description, "en")
    finally:
        clauses._compiled.cache_clear()


# --- voice and type ---------------------------------------------------------------------------


def test_voice_follows_binding(tmp_path: Path) -> None:
    binding = all_text(generate(tmp_path, COCOA))
    assert " shall " in binding
    assert "intends to" not in binding and "intend to" not in binding
    non_binding = all_text(generate(tmp_path, MOU))
    assert " shall " not in non_binding
    assert "intend to" in non_binding or "intends to" in non_binding
    assert "Not legally binding" in non_binding.split("Parties")[0]  # on the cover
    assert "This Memorandum is not legally binding" in non_binding  # in the preamble


def test_memorandum_names_itself(tmp_path: Path) -> None:
    text = all_text(generate(tmp_path, MOU, "-t", "partnership_agreement"))
    assert "this Memorandum" in text and "This Memorandum is made between" in text
    assert not re.search(r"\b[Tt]his [Aa]greement\b", text)
    assert "Memorandum of Understanding" in text.split("\n")[0]
    for word in ("liability", "indemn", "warrant"):
        assert word not in text.lower()


# --- artefacts --------------------------------------------------------------------------------

ENUM_CODES = ("partnership_oriented", "non_binding", "joint_approval", "each_partner",
              "lead_partner", "in_kind", "letter_of_intent", "partnership_agreement")


def artefacts(text: str, data: dict[str, Any]) -> list[str]:
    found = []
    for pattern, what in ((r"(?<!\.)\.\.(?!\.)", "doubled full stop"),
                          (r" ,", "space before comma"),
                          (r"\bNone\b(?! of)", "None"), (r"\w+\[\d+\]", "field path"),
                          (r"\b[a-z]+_[a-z_]+\b", "key or enum code"),
                          (r"\b(country|land) [A-Z]{2}\b", "ISO code as country"),
                          (r"\bin [A-Z]{2}\b", "ISO code as country"),
                          (r"\b\d+ counterparts\b", "count in figures")):
        found += [f"{what}: {m.group()!r}" for m in re.finditer(pattern, text)]
    ids = [p["id"] for p in data["partners"]]
    ids += [o["id"] for o in data["theory_of_change"]["outcomes"]]
    ids += [i["id"] for i in data.get("monitoring", {}).get("indicators", [])]
    ids += [i["id"] for i in data["theory_of_change"].get("interventions", [])]
    for id_ in ids:
        if "-" in id_ and re.search(rf"(?<![\w-]){re.escape(id_)}(?![\w-])", text):
            found.append(f"id: {id_}")
    found += [f"enum code: {code}" for code in ENUM_CODES if code in text]
    return found


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_no_machine_artefacts(tmp_path: Path, source: Path, lang: str) -> None:
    data = load(source).data
    for template in ("partnership_agreement", "memorandum_of_understanding"):
        text = all_text(generate(tmp_path, source, "-t", template, "--lang", lang))
        assert artefacts(text, data) == [], template
    markdown = generate(tmp_path, source, "--lang", lang, suffix=".md").read_text()
    assert artefacts(markdown.replace("\\", ""), data) == []


def test_artefact_scan_finds_artefacts() -> None:
    data = load(COCOA).data
    for bad in ("B.V.. signed", "country NL", "in NL.", "partners[2].negotiables", "None",
                "signed in 3 counterparts", "(requires: union-capacity)", "partnership_oriented",
                "Van Rijswijk , Nkabom"):
        assert artefacts(bad, data), bad
    assert artefacts("signed in three counterparts by Van Rijswijk Chocolade B.V.", data) == []


# --- open points ------------------------------------------------------------------------------


def test_open_points_are_marked_and_listed(tmp_path: Path, runner: CliRunner) -> None:
    root = body(generate(tmp_path, MOU))
    marked = ["".join(t.text or "" for t in r.iter(f"{W}t")) for r in root.iter(f"{W}r")
              if r.find(f"{W}rPr/{W}rStyle[@w:val='OpenPoint']", NS) is not None]
    with zipfile.ZipFile(generate(tmp_path, MOU)) as archive:
        styles = etree.fromstring(archive.read("word/styles.xml"))
    assert styles.xpath("//w:style[@w:styleId='OpenPoint']/w:rPr/w:highlight", namespaces=NS)
    assert "[to be agreed: how decisions are taken]" in marked
    assert "[to be agreed: notice period]" in marked
    result = runner.invoke(cli, ["review", str(MOU), "--format", "json"])
    points = json.loads(result.output)["open_points"]
    assert {"clause": "governance.decision_rule",
            "text": "[to be agreed: how decisions are taken]"} in points
    assert {p["clause"] for p in points} == {"governance.decision_rule", "duration.leaving",
                                             "final.notices"}
    assert "[to be agreed: contact person for notices to Maji Haki Trust]" in marked
    text = runner.invoke(cli, ["review", str(MOU)]).output
    assert "[to be agreed: notice period]" in text
    dutch = runner.invoke(cli, ["review", str(MOU), "--lang", "nl", "--format", "json"]).output
    assert "[nader overeen te komen: opzegtermijn]" in [p["text"] for p in
                                                        json.loads(dutch)["open_points"]]


def test_strict_refuses_open_points(tmp_path: Path, runner: CliRunner,
                                    write_yaml: Any) -> None:
    data = load(COCOA).data
    # A binding agreement without a forum for disputes: no health rule asks for one, but the
    # disputes clause needs it, so it is an open point.
    del data["agreement"]["dispute_resolution"]
    path = write_yaml(data)
    review = json.loads(runner.invoke(cli, ["review", str(path), "--format", "json"]).output)
    assert review["warnings"] == 0
    assert review["open_points"] == [{"clause": "legal.disputes", "text":
                                      "[to be agreed: forum for disputes (court or arbitration)]"}]
    out = tmp_path / "strict.docx"
    result = runner.invoke(cli, ["generate", str(path), "-o", str(out), "--strict"])
    assert result.exit_code == 1
    assert not out.exists()
    assert "clause 14.2 (legal.disputes): [to be agreed: forum" in result.output
    assert runner.invoke(cli, ["review", str(path), "--strict"]).exit_code == 1
    assert runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "--strict"]).exit_code == 0


def test_every_library_clause_has_texts_in_both_voices_where_it_varies() -> None:
    from agreementgen.i18n import catalog

    for lang in ("en", "nl"):
        texts = catalog(lang, "clauses")
        for spec in library():
            text = texts[spec.id]
            if isinstance(text, dict):
                assert set(text) == {"binding", "non_binding"}, spec.id


# --- the health checklist ---------------------------------------------------------------------


def test_health_checklist_says_it_is_no_part_of_the_agreement(tmp_path: Path) -> None:
    text = all_text(generate(tmp_path, COCOA, "--health-annex"))
    checklist = text.split("Partnership health checklist")[-1]
    assert checklist.lstrip().startswith(
        "This checklist is a working document for the Partners. It does not form part of "
        "this Agreement")
    assert "Annex 1 forms part of this Agreement." in text
    assert not re.search(r"\w+\[\d+\]", checklist)
    standalone = all_text(generate(tmp_path, MOU, "-t", "health_annex"))
    assert "It does not form part of this Memorandum" in standalone
    assert not re.search(r"\w+\[\d+\]|\([a-z]+_[a-z_]+\)", standalone)
    paragraphs = [p.text for p in docx.Document(str(generate(tmp_path, MOU, "-t",
                                                              "health_annex"))).paragraphs]
    sources = paragraphs[paragraphs.index("Sources") + 1:]
    assert sources and len(sources) == len(set(sources))
