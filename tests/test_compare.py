"""`agreementgen compare`: a redline of two real drafts, accepted and rejected, and bad input."""

from __future__ import annotations

import copy
import io
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from agreementgen.cli import cli
from agreementgen.compare import compare
from agreementgen.generate import generate
from tests.conftest import soffice

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DATE = "2026-03-01T12:00:00Z"
NAME_OLD, NAME_NEW = "Stichting Fair Bean International", "Stichting Fair Bean Foundation"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Two drafts of the cocoa example -------------------------------------------------------------

def _draft(folder: Path, name: str, data: dict[str, Any]) -> Path:
    source = folder / f"{name}.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return Path(generate(source, folder / f"{name}.docx").output)


def _changed(data: dict[str, Any]) -> dict[str, Any]:
    """The next round: a budget figure, a partner's name, an indicator's target, no sanctions
    clause, and one risk fewer (a table row)."""
    data = copy.deepcopy(data)
    data["contributions"][0]["value"]["amount"] = 380000
    fair_bean = next(p for p in data["partners"] if p["name"] == NAME_OLD)
    fair_bean["name"] = NAME_NEW
    data["monitoring"]["indicators"][0]["target"] = {"en": "45%", "nl": "45%"}
    data["compliance"]["sanctions"] = False
    del data["risks"][0]
    return data


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from agreementgen.loading import load
    from tests.conftest import COCOA

    folder = tmp_path_factory.mktemp("drafts")
    data = load(COCOA).data
    return {"old": _draft(folder, "old", data), "new": _draft(folder, "new", _changed(data)),
            "folder": folder}


@pytest.fixture(scope="module")
def redline(drafts: dict[str, Path]) -> Path:
    output = drafts["folder"] / "redline.docx"
    compare(drafts["old"], drafts["new"], output, date=DATE)
    return output


# Reading, accepting and rejecting --------------------------------------------------------------

def body(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/document.xml")).find(w("body"))


def resolve(root: Any, accept: bool) -> Any:
    """Every tracked change accepted (or rejected), as Word does it."""
    keep, drop = ("ins", "del") if accept else ("del", "ins")
    root = copy.deepcopy(root)
    for row in list(root.iter(w("tr"))):
        if row.find(f"{w('trPr')}/{w(drop)}") is not None:
            row.getparent().remove(row)
    for paragraph in list(root.iter(w("p"))):
        if paragraph.find(f"{w('pPr')}/{w('rPr')}/{w(drop)}") is not None:
            # The paragraph mark goes: what is left of the paragraph joins the next one.
            following = paragraph.getnext()
            content = [c for c in paragraph if c.tag != w("pPr")]
            if following is not None and following.tag == w("p"):
                at = 1 if following.find(w("pPr")) is not None else 0
                for child in reversed(content):
                    following.insert(at, child)
            paragraph.getparent().remove(paragraph)
    for element in list(root.iter(w(drop))):
        if element.getparent() is not None:
            element.getparent().remove(element)
    for element in list(root.iter(w(keep))):
        parent = element.getparent()
        if parent.tag in (w("rPr"), w("trPr")):
            parent.remove(element)
            continue
        for child in list(element):
            element.addprevious(child)
        parent.remove(element)
    for element in root.iter(w("delText"), w("delInstrText")):
        element.tag = w("t") if element.tag == w("delText") else w("instrText")
    return root


def texts(root: Any) -> list[str]:
    """The text of every paragraph, table cells included, in document order."""
    return ["".join("\t" if e.tag == w("tab") else (e.text or "")
                    for e in p.iter(w("t"), w("delText"), w("tab")))
            for p in root.iter(w("p"))]


def marks(root: Any) -> list[Any]:
    return list(root.iter(w("ins"), w("del")))


def lead(root: Any, bookmark: str) -> Any:
    start = next(b for b in root.iter(w("bookmarkStart")) if b.get(w("name")) == bookmark)
    return next(start.iterancestors(w("p")))


def paragraph_mark(paragraph: Any) -> str | None:
    for kind in ("ins", "del"):
        if paragraph.find(f"{w('pPr')}/{w('rPr')}/{w(kind)}") is not None:
            return kind
    return None


def check_well_formed_marks(root: Any) -> None:
    """No mark inside another, unique ids, author and date on each."""
    ids = []
    for mark in marks(root):
        if mark.getparent().tag in (w("rPr"), w("trPr")):
            ids.append(mark.get(w("id")))
            continue
        assert not [a for a in mark.iterancestors(w("ins"), w("del"))], etree.tostring(mark)
        assert mark.get(w("author")) and mark.get(w("date"))
        ids.append(mark.get(w("id")))
    assert len(ids) == len(set(ids))


# The redline of two drafts ---------------------------------------------------------------------

def test_redline_accepted_is_new_and_rejected_is_old(drafts: dict[str, Path],
                                                     redline: Path) -> None:
    marked = body(redline)
    assert marked.find(f".//{w('ins')}") is not None
    assert marked.find(f".//{w('del')}") is not None
    assert texts(resolve(marked, accept=True)) == texts(body(drafts["new"]))
    assert texts(resolve(marked, accept=False)) == texts(body(drafts["old"]))
    check_well_formed_marks(marked)


def test_marks_are_by_agreementgen_on_the_date(redline: Path) -> None:
    found = marks(body(redline))
    assert {m.get(w("author")) for m in found} == {"agreementgen"}
    assert {m.get(w("date")) for m in found} == {DATE}


def test_changes_are_word_by_word(redline: Path) -> None:
    marked = body(redline)
    deleted = ["".join(t.text or "" for t in m.iter(w("delText"))) for m in marked.iter(w("del"))]
    inserted = ["".join(t.text or "" for t in m.iter(w("t"))) for m in marked.iter(w("ins"))]
    assert "360,000.00" in deleted and "380,000.00" in inserted
    assert "International" in deleted and "Foundation" in inserted
    assert "40" in deleted and "45" in inserted  # the % sign is kept


def test_removed_clause_is_deleted_with_its_paragraph_mark(redline: Path) -> None:
    paragraph = lead(body(redline), "_ag_compliance_sanctions")
    assert paragraph_mark(paragraph) == "del"
    assert not list(paragraph.iter(w("t")))
    assert "sanctions list" in "".join(t.text or "" for t in paragraph.iter(w("delText")))


def test_removed_table_row_is_a_deleted_row(drafts: dict[str, Path], redline: Path) -> None:
    marked = body(redline)
    deleted_rows = [r for r in marked.iter(w("tr"))
                    if r.find(f"{w('trPr')}/{w('del')}") is not None]
    assert len(deleted_rows) == 1
    row_text = texts(deleted_rows[0])
    assert "side-selling" in row_text[0]
    assert len(row_text) == len(deleted_rows[0].findall(w("tc")))  # one paragraph per cell
    assert all(paragraph_mark(p) == "del" for p in deleted_rows[0].iter(w("p")))

    def table_rows(root: Any) -> list[list[str]]:
        return [texts(row) for row in root.iter(w("tr"))]

    assert table_rows(resolve(marked, accept=False)) == table_rows(body(drafts["old"]))
    assert table_rows(resolve(marked, accept=True)) == table_rows(body(drafts["new"]))


def test_fields_bookmarks_and_controls_of_new_come_through(drafts: dict[str, Path],
                                                           redline: Path) -> None:
    new, marked = body(drafts["new"]), body(redline)

    def names(root: Any) -> set[str]:
        return {b.get(w("name")) for b in root.iter(w("bookmarkStart"))}

    def codes(root: Any) -> list[str]:
        return [c.text for c in root.iter(w("instrText"))]

    def controls(root: Any) -> list[str]:
        return [t.get(w("val")) for t in root.iter(w("tag"))
                if not [d for d in t.iterancestors(w("del"))]]

    assert names(new) <= names(marked)
    assert codes(marked) == codes(new)
    assert controls(marked) == controls(new)
    kinds = [f.get(w("fldCharType")) for f in marked.iter(w("fldChar"))
             if not [a for a in f.iterancestors(w("del"))]]
    assert kinds.count("begin") == kinds.count("end") == codes(new).__len__()


def test_changed_clauses_are_named(drafts: dict[str, Path], runner: CliRunner,
                                   tmp_path: Path) -> None:
    output = tmp_path / "redline.docx"
    result = runner.invoke(cli, ["compare", str(drafts["old"]), str(drafts["new"]),
                                 "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert f"wrote {output} (" in result.output
    assert "compliance.sanctions" in result.output
    assert output.is_file()


def test_a_draft_compared_with_itself_has_no_marks(drafts: dict[str, Path], runner: CliRunner,
                                                   tmp_path: Path) -> None:
    output = tmp_path / "same.docx"
    result = runner.invoke(cli, ["compare", str(drafts["old"]), str(drafts["old"]),
                                 "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output
    assert marks(body(output)) == []
    assert texts(body(output)) == texts(body(drafts["old"]))


def test_reproducible_with_source_date_epoch(drafts: dict[str, Path], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772366400")
    first, second = tmp_path / "1.docx", tmp_path / "2.docx"
    compare(drafts["old"], drafts["new"], first)
    compare(drafts["old"], drafts["new"], second)
    assert first.read_bytes() == second.read_bytes()
    assert {m.get(w("date")) for m in marks(body(first))} == {"2026-03-01T12:00:00Z"}


# Clauses: by id, in content controls ---------------------------------------------------------

def _rewrite(path: Path, target: Path, change: Callable[[Any], None]) -> Path:
    """A copy of a .docx whose document.xml ``change`` edits in place."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                change(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
            out.writestr(info, data)
    return target


def _clause_of(element: Any) -> str | None:
    """The clause whose first paragraph this is (by its ``_ag_`` bookmark), if any."""
    if element.tag != w("p"):
        return None
    for bookmark in element.iter(w("bookmarkStart")):
        if bookmark.get(w("name"), "").startswith("_ag_"):
            return str(bookmark.get(w("name"))).removeprefix("_ag_").replace("_", ".", 1)
    return None


def _continues_clause(element: Any) -> bool:
    style = element.find(f"{w('pPr')}/{w('pStyle')}")
    return (element.tag == w("p") and _clause_of(element) is None
            and (style is None or "Heading" not in style.get(w("val"))))


def _in_content_controls(root: Any) -> None:
    """Each clause (from its bookmarked first paragraph to the next clause or heading) in a
    block content control tagged with its id, as a template or another tool may wrap them."""
    body = root.find(w("body"))
    children = list(body)
    for index, start in enumerate(children):
        clause = _clause_of(start)
        if clause is None:
            continue
        group = [start]
        for following in children[index + 1:]:
            if not _continues_clause(following):
                break
            group.append(following)
        sdt = etree.Element(w("sdt"))
        properties = etree.SubElement(sdt, w("sdtPr"))
        etree.SubElement(properties, w("tag")).set(w("val"), f"agreementgen:clause={clause}")
        content = etree.SubElement(sdt, w("sdtContent"))
        start.addprevious(sdt)
        content.extend(group)


def _replace_text(old: str, new: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        for text in root.iter(w("t")):
            if text.text and old in text.text:
                text.text = text.text.replace(old, new, 1)
                return
        raise AssertionError(f"{old!r} not found")

    return change


def test_edit_inside_a_content_control_is_found(drafts: dict[str, Path],
                                                tmp_path: Path) -> None:
    old = _rewrite(drafts["old"], tmp_path / "old.docx", _in_content_controls)

    def edit(root: Any) -> None:
        _in_content_controls(root)
        _replace_text("decides by consensus", "decides by a two-thirds majority")(root)

    new = _rewrite(drafts["old"], tmp_path / "new.docx", edit)
    result = compare(old, new, tmp_path / "redline.docx", date=DATE)
    marked = body(tmp_path / "redline.docx")
    assert result.clauses == ("governance.decision_rule",)
    found = marks(marked)
    assert len(found) == 2
    for mark in found:
        control = next(mark.iterancestors(w("sdt")))
        assert control.find(f"{w('sdtPr')}/{w('tag')}").get(w("val")) == (
            "agreementgen:clause=governance.decision_rule")
    assert len(list(marked.iter(w("sdt")))) == len(list(body(new).iter(w("sdt"))))
    assert texts(resolve(marked, accept=True)) == texts(body(new))
    assert texts(resolve(marked, accept=False)) == texts(body(old))


def test_clause_inserted_before_another_leaves_it_unmarked(drafts: dict[str, Path],
                                                           tmp_path: Path) -> None:
    # From NEW (no sanctions clause) back to OLD: the sanctions clause is inserted before the
    # due diligence clause, which is renumbered but not changed.
    output = tmp_path / "redline.docx"
    result = compare(drafts["new"], drafts["old"], output, date=DATE)
    marked = body(output)
    assert paragraph_mark(lead(marked, "_ag_compliance_sanctions")) == "ins"
    following = lead(marked, "_ag_compliance_due_diligence")
    assert paragraph_mark(following) is None
    assert not marks(following)
    assert "compliance.due_diligence" not in result.clauses


def test_clauses_pair_by_id_even_when_rewritten(drafts: dict[str, Path], tmp_path: Path) -> None:
    def rewrite(root: Any) -> None:
        paragraph = lead(root, "_ag_governance_decision_rule")
        runs = paragraph.findall(w("r"))
        runs[0].find(w("t")).text = "Each Partner has one vote; two votes carry a proposal."

    new = _rewrite(drafts["old"], tmp_path / "new.docx", rewrite)
    compare(drafts["old"], new, tmp_path / "redline.docx", date=DATE)
    paragraph = lead(body(tmp_path / "redline.docx"), "_ag_governance_decision_rule")
    # One paragraph, edited in place: not a deleted paragraph beside an inserted one.
    assert paragraph_mark(paragraph) is None
    assert paragraph.find(f".//{w('del')}") is not None
    assert paragraph.find(f".//{w('ins')}") is not None


# Inside hyperlinks, run-level content controls and tracked changes of NEW ---------------------

def _docx(folder: Path, name: str, body_xml: str, template: Path) -> Path:
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body_xml}'
                f'<w:sectPr/></w:body></w:document>')
    target = folder / name
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, document.encode() if info.filename == "word/document.xml"
                         else data)
    return target


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _paragraphs(fee: str, link: str, lawyer: str) -> str:
    return (f'<w:p>{_run("The fee is ")}<w:sdt><w:sdtPr><w:tag w:val="fee"/></w:sdtPr>'
            f'<w:sdtContent>{_run(fee)}</w:sdtContent></w:sdt>{_run(" a day.")}</w:p>'
            f'<w:p><w:hyperlink r:id="rId1">{_run(link)}</w:hyperlink>{_run(" apply.")}</w:p>'
            f"<w:p>{_run('The notice is ')}{lawyer}{_run('in writing.')}</w:p>")


def test_edits_inside_content_controls_hyperlinks_and_tracked_changes(
        drafts: dict[str, Path], tmp_path: Path) -> None:
    lawyer = ('<w:ins w:id="1" w:author="A. Lawyer" w:date="2026-01-01T00:00:00Z">'
              f'{_run("given ")}</w:ins>')
    old = _docx(tmp_path, "old.docx", _paragraphs("EUR 100", "The NAI rules", ""),
                drafts["old"])
    new = _docx(tmp_path, "new.docx", _paragraphs("EUR 120", "The new NAI rules", lawyer),
                drafts["old"])
    compare(old, new, tmp_path / "redline.docx", date=DATE)
    marked = body(tmp_path / "redline.docx")
    check_well_formed_marks(marked)
    fee, link, notice = marked.findall(w("p"))
    assert [paragraph_mark(p) for p in (fee, link, notice)] == [None, None, None]
    control = fee.find(f"{w('sdt')}/{w('sdtContent')}")
    assert "".join(t.text for t in control.iter(w("delText"))) == "100"
    assert "".join(t.text for m in control.iter(w("ins")) for t in m.iter(w("t"))) == "120"
    hyperlink = link.find(w("hyperlink"))
    assert hyperlink.get(f"{{{R}}}id") == "rId1"
    assert "".join(t.text for m in hyperlink.iter(w("ins")) for t in m.iter(w("t"))).strip() == (
        "new")
    kept = [m for m in notice.iter(w("ins")) if m.get(w("author")) == "A. Lawyer"]
    assert len(kept) == 1 and kept[0].findtext(f"{w('r')}/{w('t')}") == "given "
    assert texts(resolve(marked, accept=True)) == texts(body(new))


# LibreOffice reads the redline -----------------------------------------------------------------

@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_shows_the_redline(redline: Path, tmp_path: Path) -> None:
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    for target in ("pdf", "docx:MS Word 2007 XML"):
        subprocess.run([soffice(), "--headless", profile, "--convert-to", target,
                        "--outdir", str(tmp_path / "out"), str(redline)],
                       check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "out" / "redline.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    # LibreOffice read the marks as tracked changes and writes them back as such.
    saved = body(tmp_path / "out" / "redline.docx")
    assert len(list(saved.iter(w("del")))) > 0 and len(list(saved.iter(w("ins")))) > 0
    deleted = "".join(t.text or "" for t in saved.iter(w("delText")))
    assert "sanctions list" in deleted and "side-selling" in deleted


# Bad input -------------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _damaged(path: Path, source: Path) -> Path:
    """A copy of ``source`` whose document part's compressed bytes are damaged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(buffer, "w") as out:
        for info in archive.infolist():
            out.writestr(info, archive.read(info), compress_type=zipfile.ZIP_DEFLATED)
    data = bytearray(buffer.getvalue())
    marker = data.find(b"word/document.xml") + len("word/document.xml")
    for offset in range(marker + 20, marker + 60):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("kind, said", [
    ("missing", "file not found"),
    ("text", "not a .docx (zip) file"),
    ("no-document", "not a Word document: it has no word/document.xml"),
    ("damaged", "part word/document.xml is damaged"),
    ("bad-xml", "part word/document.xml is not well-formed XML"),
])
@pytest.mark.parametrize("which", ["old", "new"])
def test_bad_input_is_named_and_nothing_is_written(
        kind: str, said: str, which: str, drafts: dict[str, Path], runner: CliRunner,
        tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    if kind == "text":
        bad.write_text("not a zip")
    elif kind == "no-document":
        _zip(bad, {"[Content_Types].xml": b"<Types/>"})
    elif kind == "damaged":
        _damaged(bad, drafts["old"])
    elif kind == "bad-xml":
        _zip(bad, {"word/document.xml": b"<w:document><w:body></w:document>"})
    files = [str(bad), str(drafts["new"])] if which == "old" else [str(drafts["old"]), str(bad)]
    output = tmp_path / "redline.docx"
    result = runner.invoke(cli, ["compare", *files, "-o", str(output)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{bad}: cannot compare this file: {said}")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert not output.exists()
    assert list(tmp_path.iterdir()) == ([bad] if kind != "missing" else [])


def test_existing_output_is_refused_as_generate_refuses_it(
        drafts: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    output = tmp_path / "redline.docx"
    output.write_bytes(b"a lawyer's file")
    result = runner.invoke(cli, ["compare", str(drafts["old"]), str(drafts["new"]),
                                 "-o", str(output)])
    assert result.exit_code == 1
    assert result.output.strip() == f"{output}: the file exists; use --force to overwrite it"
    assert output.read_bytes() == b"a lawyer's file"
    forced = runner.invoke(cli, ["compare", str(drafts["old"]), str(drafts["new"]),
                                 "-o", str(output), "--force"])
    assert forced.exit_code == 0, forced.output
    assert zipfile.is_zipfile(output)


def test_output_must_be_a_word_file(drafts: dict[str, Path], runner: CliRunner,
                                    tmp_path: Path) -> None:
    result = runner.invoke(cli, ["compare", str(drafts["old"]), str(drafts["new"]),
                                 "-o", str(tmp_path / "redline.pdf")])
    assert result.exit_code == 2
    assert "a redline is a Word document: give a name ending in .docx" in result.output
    assert list(tmp_path.iterdir()) == []


def test_bilingual_drafts_compare_clause_by_clause(drafts: dict[str, Path],
                                                   tmp_path: Path) -> None:
    folder = drafts["folder"]
    old = Path(generate(folder / "old.yaml", tmp_path / "old.docx", lang="en,nl").output)
    new = Path(generate(folder / "new.yaml", tmp_path / "new.docx", lang="en,nl").output)
    result = compare(old, new, tmp_path / "redline.docx", date=DATE)
    marked = body(tmp_path / "redline.docx")
    assert {"compliance.sanctions", "contributions.overview"} <= set(result.clauses)
    assert texts(resolve(marked, accept=True)) == texts(body(new))
    assert texts(resolve(marked, accept=False)) == texts(body(old))
    check_well_formed_marks(marked)
