"""The negotiation round: clause marks, the manifest, `edits` and `generate --keep-edits`."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from lxml import etree

from agreementgen.cli import cli
from agreementgen.negotiation.edits import find_edits
from agreementgen.negotiation.manifest import read_manifest
from tests.conftest import COCOA, soffice

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
GOAL = "The partnership contributes to the following long-term goal"
LAWYER = ("The Partners jointly pursue the long-term goal that Nkabom households earn a living "
          "income.")


def generate(tmp_path: Path, source: Path, name: str,
             *args: str) -> tuple[Path, CliRunner]:
    out = tmp_path / name
    runner = CliRunner()
    result = runner.invoke(cli, ["generate", str(source), "-o", str(out), "--quiet", *args])
    assert result.exit_code == 0, result.output
    return out, runner


def changed_description(tmp_path: Path, old: str, new: str, name: str = "new.yaml") -> Path:
    text = COCOA.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def edit_paragraph(source: Path, target: Path, starts: str, text: str) -> None:
    """Edit one paragraph with python-docx, as a script (or a lawyer) would."""
    document = docx.Document(str(source))
    found = [p for p in document.paragraphs if p.text.startswith(starts)]
    assert len(found) == 1
    runs = found[0].runs
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""
    document.save(str(target))


def edits_json(path: Path) -> dict:
    result = CliRunner().invoke(cli, ["edits", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["clauses"] if c["status"] != "unchanged"}


def document_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def regenerate_with_timber(tmp_path: Path, edited: Path) -> tuple[Path, str]:
    """Change the long-term goal in the description (the clause toc.goal says it) and
    regenerate with --keep-edits; the merged file and what the command printed."""
    new = changed_description(tmp_path, "from cocoa and other crops",
                              "from cocoa, timber and other crops")
    merged = tmp_path / "merged.docx"
    result = CliRunner().invoke(cli, ["generate", str(new), "-o", str(merged), "--quiet",
                                      "--keep-edits", str(edited)])
    assert result.exit_code == 0, result.output
    return merged, result.output


def comment_text(path: Path) -> tuple[etree._Element, str]:
    """The comments part of a file, and the words of its comments."""
    with zipfile.ZipFile(path) as archive:
        comments = etree.fromstring(archive.read("word/comments.xml"))
    return comments, " ".join(t.text or "" for t in comments.iter(f"{W}t"))


def test_every_clause_is_marked_and_in_the_manifest(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    with zipfile.ZipFile(out) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    manifest = read_manifest(members)
    assert manifest is not None
    root = etree.fromstring(members["word/document.xml"])
    tags = [t.get(f"{W}val") for t in root.iter(f"{W}tag")]
    ids = [e.id for e in manifest.clauses]
    assert tags == [f"agreementgen:clause={i}" for i in ids]
    assert len(ids) == 62 and len(set(ids)) == 62
    assert "toc.goal" in ids and "recitals.problem" in ids
    names = {b.get(f"{W}name") for b in root.iter(f"{W}bookmarkStart")}
    assert {"_ag_toc_goal", "_age_toc_goal", "_ag_recitals_problem"} <= names
    assert manifest.tool_version and len(manifest.description_sha256) == 64
    goal = next(e for e in manifest.clauses if e.id == "toc.goal")
    assert goal.text.startswith(GOAL)
    # The controls are hidden and not locked, so lawyers edit the text as they like.
    assert not list(root.iter(f"{W}lock"))
    assert b"mc:Ignorable=\"w14 wp14 w15\"" in members["word/document.xml"]


def test_edits_of_an_untouched_draft_are_all_unchanged(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    report = edits_json(out)
    assert len(report["clauses"]) == 62
    assert {c["status"] for c in report["clauses"]} == {"unchanged"}
    assert report["added"] == [] and report["tracked_changes"] is False
    assert set(report["clauses"][0]) >= {"id", "status", "lang"}


def test_edits_reports_exactly_the_clause_a_script_edited(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    edited = tmp_path / "edited.docx"
    edit_paragraph(out, edited, GOAL, LAWYER)
    report = edits_json(edited)
    assert statuses(report) == {"toc.goal": "edited"}
    goal = next(c for c in report["clauses"] if c["id"] == "toc.goal")
    assert goal["text"] == LAWYER
    assert goal["generated"].startswith(GOAL)
    assert {"op": "replace", "old": "partnership contributes to",
            "new": "Partners jointly pursue"} in goal["changes"]
    text = CliRunner().invoke(cli, ["edits", str(edited)]).output
    assert "1 edited" in text and "edited: toc.goal" in text
    assert "[-partnership contributes to-] {+Partners jointly pursue+}" in text


def libreoffice_save(path: Path, folder: Path) -> Path:
    """Open and save a .docx in LibreOffice, as a lawyer using it would."""
    folder.mkdir()
    profile = (folder / "profile").as_uri()
    subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "docx", "--outdir", str(folder), str(path)],
                   check=True, capture_output=True, timeout=180)
    return folder / path.name


def test_edits_after_a_libreoffice_save(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    edited = tmp_path / "edited.docx"
    edit_paragraph(out, edited, GOAL, LAWYER)
    saved = libreoffice_save(edited, tmp_path / "lo")
    with zipfile.ZipFile(saved) as archive:
        # LibreOffice drops the controls' tags: the clauses are found by their bookmarks.
        assert b"agreementgen:clause=" not in archive.read("word/document.xml")
    report = edits_json(saved)
    assert statuses(report) == {"toc.goal": "edited"}
    assert {c["found_by"] for c in report["clauses"]} == {"bookmark"}
    # And the merge takes the lawyer's sentence from the LibreOffice file too.
    new = changed_description(tmp_path, "By 2035", "By 2036")
    merged, _ = generate(tmp_path, new, "merged.docx", "--keep-edits", str(saved))
    text = document_text(merged)
    assert LAWYER in text and "By 2036" in text and GOAL not in text


def test_keep_edits_keeps_the_lawyers_sentence_and_takes_the_description_change(
        tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    edited = tmp_path / "edited.docx"
    edit_paragraph(out, edited, GOAL, LAWYER)
    new = changed_description(tmp_path, "By 2035", "By 2036")
    merged = tmp_path / "merged.docx"
    result = CliRunner().invoke(cli, ["generate", str(new), "-o", str(merged), "--quiet",
                                      "--keep-edits", str(edited)])
    assert result.exit_code == 0, result.output
    assert "kept the edited text of 1 clause(s): toc.goal" in result.output
    text = document_text(merged)
    assert LAWYER in text and GOAL not in text
    assert "By 2036, Nkabom members" in text and "By 2035" not in text
    with zipfile.ZipFile(merged) as archive:
        assert "word/comments.xml" not in archive.namelist()
    # The new file's manifest is the new rendering: the kept edit shows as an edit of it,
    # and nothing else.
    assert statuses(edits_json(merged)) == {"toc.goal": "edited"}
    # Word numbers the kept clause as before: it keeps the new lead paragraph's numbering.
    lead = next(p for p in docx.Document(str(merged)).paragraphs if p.text == LAWYER)
    assert lead.style.name == "Clause"
    assert lead._p.pPr.numPr is not None


def test_a_clause_changed_on_both_sides_is_a_conflict_with_a_comment(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    edited = tmp_path / "edited.docx"
    edit_paragraph(out, edited, GOAL, LAWYER)
    merged, printed = regenerate_with_timber(tmp_path, edited)
    assert "1 clause(s) changed both" in printed and "toc.goal" in printed
    assert LAWYER in document_text(merged)
    comments, said = comment_text(merged)
    with zipfile.ZipFile(merged) as archive:
        document = archive.read("word/document.xml")
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert "from cocoa, timber and other crops" in said
    assert comments.find(f"{W}comment").get(f"{W}author") == "agreementgen"
    assert b"commentRangeStart" in document and b"commentReference" in document
    assert "comments+xml" in types and "comments.xml" in rels
    # --strict refuses, and writes nothing.
    strict = tmp_path / "strict.docx"
    refused = CliRunner().invoke(cli, ["generate", str(tmp_path / "new.yaml"), "-o",
                                       str(strict), "--quiet", "--keep-edits", str(edited),
                                       "--strict"])
    assert refused.exit_code == 1
    assert "conflict" in refused.output and "toc.goal" in refused.output
    assert "Traceback" not in refused.output
    assert not strict.exists()


def test_a_deleted_clause_stays_deleted_and_added_text_stays_in_place(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    document = docx.Document(str(out))
    paragraphs = document.paragraphs
    vision = next(p for p in paragraphs if p.text.startswith("The Partners share the following"))
    vision._p.getparent().remove(vision._p)
    goal = next(p for p in paragraphs if p.text.startswith(GOAL))
    # A new paragraph right after the clause, as Enter at its end makes it.
    added = goal.insert_paragraph_before("The Partners add this sentence themselves.")
    goal._p.addnext(added._p)
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    report = edits_json(edited)
    assert statuses(report) == {"purpose.vision": "deleted"}
    assert report["added"] == [{"after": "toc.goal", "column": 1,
                                "text": "The Partners add this sentence themselves."}]
    new = changed_description(tmp_path, "from cocoa and other crops",
                              "from cocoa, timber and other crops")
    merged, _ = generate(tmp_path, new, "merged.docx", "--keep-edits", str(edited))
    text = document_text(merged).splitlines()
    assert not any(line.startswith("The Partners share the following") for line in text)
    at = next(i for i, line in enumerate(text) if line.startswith(GOAL))
    assert "timber" in text[at]
    assert text[at + 1] == "The Partners add this sentence themselves."


def test_tracked_changes_count_as_accepted(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    document = docx.Document(str(out))
    goal = next(p for p in document.paragraphs if p.text.startswith(GOAL))
    run = goal.runs[-1]._r
    inserted = etree.SubElement(goal._p, f"{W}ins", {f"{W}id": "77", f"{W}author": "Lawyer",
                                                     f"{W}date": "2026-11-30T10:00:00Z"})
    new_run = etree.SubElement(inserted, f"{W}r")
    etree.SubElement(new_run, f"{W}t").text = " Tracked words."
    deleted = etree.Element(f"{W}del", {f"{W}id": "78", f"{W}author": "Lawyer"})
    run.addprevious(deleted)
    deleted.append(run)
    for t in run.iter(f"{W}t"):
        t.tag = f"{W}delText"
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    report = edits_json(edited)
    assert report["tracked_changes"] is True
    goal_report = next(c for c in report["clauses"] if c["id"] == "toc.goal")
    assert goal_report["status"] == "edited"
    # The paragraph's one run is deleted and the inserted words replace it.
    assert goal_report["text"] == "Tracked words."
    # Kept with its tracked changes, for the lawyers to accept or reject.
    new = changed_description(tmp_path, "By 2035", "By 2036")
    merged, _ = generate(tmp_path, new, "merged.docx", "--keep-edits", str(edited))
    with zipfile.ZipFile(merged) as archive:
        document_xml = archive.read("word/document.xml")
    assert b"<w:ins " in document_xml and b"Tracked words." in document_xml
    assert b"<w:delText" in document_xml


def test_a_bilingual_agreement_after_libreoffice_is_found_whole(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "bi.docx", "--lang", "en,nl")
    report = edits_json(libreoffice_save(out, tmp_path / "lo"))
    assert len(report["clauses"]) == 126
    assert {c["status"] for c in report["clauses"]} == {"unchanged"}
    assert {c["lang"] for c in report["clauses"]} == {"en", "nl"}


def test_the_marks_do_not_show_in_the_pdf(tmp_path: Path) -> None:
    soffice()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    out, _ = generate(tmp_path, COCOA, "a.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "under clause 6.5" in " ".join(text.split())
    assert "REF _ag" not in text and "agreementgen:clause" not in text
    assert "toc.goal" not in text


@pytest.mark.parametrize("kind", ["missing", "damaged", "not_word", "not_ours"])
def test_bad_edited_files_are_refused_with_the_file_named(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "bad.docx"
    if kind == "damaged":
        out, _ = generate(tmp_path, COCOA, "a.docx")
        bad.write_bytes(out.read_bytes()[:5000])
    elif kind == "not_word":
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr("hello.txt", "hello")
    elif kind == "not_ours":
        document = docx.Document()
        document.add_paragraph("A letter, not an agreement.")
        document.save(str(bad))
    for args in (["edits", str(bad)],
                 ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"), "--keep-edits",
                  str(bad)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "bad.docx" in result.output and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "x.docx").exists()


def test_keep_edits_is_refused_for_review_copies(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    result = CliRunner().invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.md"),
                                      "--keep-edits", str(out)])
    assert result.exit_code == 1
    assert "--keep-edits" in result.output and not (tmp_path / "x.md").exists()


def test_find_edits_library_call(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    found = find_edits(out)
    assert not found.edited and len(found.clauses) == 62


def test_edits_outside_the_clauses_are_reported_not_silently_dropped(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    document = docx.Document(str(out))
    for p in document.paragraphs:
        if p.text.startswith("The Partners therefore agree"):
            p.runs[-1].text += " (as amended)"
        if p.text.startswith("The parties above are together"):
            p.runs[0].text = "Together, the parties above are "
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    report = edits_json(edited)
    assert statuses(report) == {}
    # The operative formula follows the last recital: a changed line there is kept.
    assert [a["after"] for a in report["added"]] == ["recitals.collaborative_advantage"]
    assert report["added"][0]["text"].endswith("(as amended)")
    # The parties come from the description: the change is listed, and not kept.
    assert len(report["outside"]) == 1
    assert report["outside"][0].startswith("Together, the parties above are")
    merged = tmp_path / "merged.docx"
    result = CliRunner().invoke(cli, ["generate", str(COCOA), "-o", str(merged),
                                      "--keep-edits", str(edited), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "1 paragraph(s) edited outside the clauses" in result.output
    lines = document_text(merged).splitlines()
    formula = [line for line in lines if line.startswith("The Partners therefore agree")]
    assert formula == ["The Partners therefore agree as follows: (as amended)"]
    assert not any(line.startswith("Together, the parties") for line in lines)


@pytest.mark.parametrize("lang", ["en", "en,nl"])
def test_the_manifest_reads_a_clause_as_edits_reads_it(tmp_path: Path, lang: str) -> None:
    """The fast reading of a freshly generated document (which paragraphs hold fields is
    known up front) gives the same text as the reading of an edited file, paragraph by
    paragraph."""
    from agreementgen.negotiation.locate import locate
    from agreementgen.negotiation.wordtext import special_paragraphs, text_of

    out, _ = generate(tmp_path, COCOA, "a.docx", "--lang", lang)
    with zipfile.ZipFile(out) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    special = special_paragraphs(root)
    assert special, "the cross-references are fields"
    paragraphs = list(root.iter(f"{W}p"))
    for paragraph in paragraphs:
        assert text_of([paragraph], special) == text_of([paragraph])
    for unit in locate(root).units.values():
        assert text_of(unit.blocks, special) == text_of(unit.blocks)


def test_pack_texts_are_marked_and_merged_like_built_in_ones(tmp_path: Path) -> None:
    pack = COCOA.parent / "clause-pack"
    out, _ = generate(tmp_path, COCOA, "a.docx", "--clauses", str(pack))
    report = edits_json(out)
    ids = [c["id"] for c in report["clauses"]]
    assert "org.code_of_conduct" in ids and {c["status"] for c in report["clauses"]} == {
        "unchanged"}
    document = docx.Document(str(out))
    own = next(p for p in document.paragraphs if p.text.startswith("Code of conduct."))
    own.runs[-1].text += " The Partners review this code every year."
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    assert statuses(edits_json(edited)) == {"org.code_of_conduct": "edited"}
    new = changed_description(tmp_path, "By 2035", "By 2036")
    merged, _ = generate(tmp_path, new, "merged.docx", "--clauses", str(pack),
                         "--keep-edits", str(edited))
    text = document_text(merged)
    assert "The Partners review this code every year." in text and "By 2036" in text


def test_a_clause_whose_marks_are_gone_is_found_by_its_text(tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    document = docx.Document(str(out))
    body = document.element.body
    # What a copy into another document leaves: the text, without the clause's marks.
    for mark in list(body.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd", f"{W}sdt")):
        name = mark.get(f"{W}name") or ""
        tags = [t.get(f"{W}val") for t in mark.iter(f"{W}tag")]
        ids = {"_ag_toc_outcomes", "_age_toc_outcomes"}
        if name in ids or "agreementgen:clause=toc.outcomes" in tags:
            mark.getparent().remove(mark)
    for end in list(body.iter(f"{W}bookmarkEnd")):
        if not any(s.get(f"{W}id") == end.get(f"{W}id")
                   for s in body.iter(f"{W}bookmarkStart")):
            end.getparent().remove(end)
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    report = edits_json(edited)
    outcomes = next(c for c in report["clauses"] if c["id"] == "toc.outcomes")
    assert outcomes["status"] == "unchanged" and outcomes["found_by"] == "text"
    assert statuses(report) == {} and report["added"] == [] and report["outside"] == []


def test_a_deleted_clause_the_description_changed_comes_back_with_a_comment(
        tmp_path: Path) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    document = docx.Document(str(out))
    goal = next(p for p in document.paragraphs if p.text.startswith(GOAL))
    goal._p.getparent().remove(goal._p)
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    merged, printed = regenerate_with_timber(tmp_path, edited)
    assert "toc.goal" in printed
    assert any("timber" in line for line in document_text(merged).splitlines())
    _, said = comment_text(merged)
    assert said.startswith("This clause was deleted in edited.docx")


def test_comments_are_in_the_language_of_the_agreement(tmp_path: Path) -> None:
    dutch = COCOA.parent / "nl-textiel-partnerschap.yaml"
    out, _ = generate(tmp_path, dutch, "a.docx")
    first = next(e for e in find_edits(out).clauses if e.entry.id.startswith("toc.goal"))
    document = docx.Document(str(out))
    lead = first.entry.text.splitlines()[0]
    paragraph = next(p for p in document.paragraphs if p.text == lead)
    paragraph.runs[0].text = "De Partners streven samen naar het doel."
    for run in paragraph.runs[1:]:
        run.text = ""
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    text = dutch.read_text(encoding="utf-8")
    assert "een eigen, gekozen stem" in text
    new = tmp_path / "new.yaml"
    new.write_text(text.replace("een eigen, gekozen stem", "een eigen, vrij gekozen stem", 1),
                   encoding="utf-8")
    merged, _ = generate(tmp_path, new, "merged.docx", "--keep-edits", str(edited))
    _, said = comment_text(merged)
    assert said.startswith("Dit artikel is bewerkt in edited.docx")
    assert "vrij gekozen stem" in said


@pytest.mark.parametrize("saved_by", ["python-docx", "libreoffice"])
def test_a_kept_list_keeps_one_numbering_of_the_new_file(tmp_path: Path, saved_by: str) -> None:
    out, _ = generate(tmp_path, COCOA, "a.docx")
    edited = tmp_path / "edited.docx"
    edit_paragraph(out, edited, "Publish what it costs",
                   "Publish, every year, what it costs per tonne to close the gap.")
    if saved_by == "libreoffice":
        # LibreOffice gives each item of the list a numbering of its own (one definition).
        edited = libreoffice_save(edited, tmp_path / "lo")
    new = changed_description(tmp_path, "By 2035", "By 2036")
    merged, _ = generate(tmp_path, new, "merged.docx", "--keep-edits", str(edited))
    document = docx.Document(str(merged))
    paragraphs = document.paragraphs
    at = next(i for i, p in enumerate(paragraphs)
              if p.text.startswith("Publish, every year"))
    items = paragraphs[at - 3: at + 1]
    assert [p.style.name for p in items] == ["Clause List"] * 4
    numbers = {p._p.pPr.numPr.numId.val for p in items}
    assert len(numbers) == 1  # (a) to (d), one list
    with zipfile.ZipFile(merged) as archive:
        numbering = etree.fromstring(archive.read("word/numbering.xml"))
    defined = {n.get(f"{W}numId") for n in numbering.iter(f"{W}num")}
    assert {str(n) for n in numbers} <= defined
