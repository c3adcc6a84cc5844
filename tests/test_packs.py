"""Clause packs: an organisation's own clause texts over the built-in ones (issue 19)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreementgen.api import load_description
from agreementgen.clauses import derive
from agreementgen.clauses.packs import ClauseTexts, load_pack, load_packs, starter_pack
from agreementgen.cli import cli
from agreementgen.errors import TemplateError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PACK = EXAMPLES / "clause-pack"
COCOA = EXAMPLES / "cocoa-supply-chain.yaml"
TEXTIEL = EXAMPLES / "nl-textiel-partnerschap.yaml"
WATER = EXAMPLES / "water-mou.yaml"


def _document(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def _text(xml: str) -> str:
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- A pack that overrides two clauses and adds one, in English and Dutch ---------------------


def test_pack_overrides_and_adds_in_english(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "cocoa.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "--clauses", str(PACK),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    xml = _document(out)
    text = _text(xml)
    assert "a gift or hospitality of more than modest value" in text
    assert "a reasonable person would understand to be confidential" in text
    assert "follow a code of conduct that at least prohibits harassment" in text
    # The built-in wordings of the two overridden clauses are gone.
    assert "marked as confidential or is evidently confidential" not in text
    # The added clause is numbered and bookmarked like any other.
    assert '<w:bookmarkStart w:id="' in xml and 'w:name="_ag_org_code_of_conduct"' in xml
    # Its reference to the safeguarding clause is a cross-reference.
    assert re.search(r"REF _ag_compliance_safeguarding", xml)


def test_pack_in_dutch_and_voice_of_a_non_binding_document(tmp_path: Path) -> None:
    from agreementgen.generate import generate

    out = tmp_path / "textiel.md"
    generate(TEXTIEL, out, clauses=[PACK])
    text = out.read_text(encoding="utf-8")
    assert "geschenken of gastvrijheid van meer dan bescheiden waarde" in text
    # Non-binding: the added clause takes its non_binding text.
    assert "Iedere Partner is voornemens ervoor te zorgen" in text
    assert "verplicht zich ervoor te zorgen" not in text


def test_added_clause_goes_at_the_end_of_its_article() -> None:
    loaded = load_description(COCOA)
    texts = load_packs([PACK / "clauses.en.yaml"]).texts("en")
    clauses = derive(loaded.description_in("en"), "en", texts=texts)
    compliance = [c for c in clauses if c.spec.article == "compliance"]
    assert compliance[-1].spec.id == "org.code_of_conduct"
    article = compliance[0].number.split(".")[0]
    assert compliance[-1].number == f"{article}.{len(compliance)}"
    later = [c for c in clauses if c.spec.article == "duration"]
    assert later[0].number == f"{int(article) + 1}.1"


def test_added_clause_in_an_article_the_document_lacks_makes_it(tmp_path: Path) -> None:
    loaded = load_description(WATER)
    d = loaded.description_in("en")
    assert not any(c.spec.article == "risks" for c in derive(d, "en"))
    pack = _write(tmp_path, "clauses.en.yaml",
                  "add:\n  - {id: org.risk_review, article: risks, text: Risks are reviewed.}\n")
    clauses = derive(d, "en", texts=load_packs([pack]).texts("en"))
    risks = [c for c in clauses if c.spec.article == "risks"]
    assert [c.spec.id for c in risks] == ["org.risk_review"]
    before = [c for c in clauses if c.spec.article == "monitoring"]
    after = [c for c in clauses if c.spec.article == "communication"]
    number = int(risks[0].number.split(".")[0])
    assert risks[0].number == f"{number}.1"
    if before:
        assert int(before[0].number.split(".")[0]) == number - 1
    if after:
        assert int(after[0].number.split(".")[0]) == number + 1


def test_bilingual_agreement_with_the_pack(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "both.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "--lang", "en,nl", "-o", str(out),
                                 "--clauses", str(PACK), "--quiet"])
    assert result.exit_code == 0, result.output
    text = _text(_document(out))
    assert "Code of conduct." in text and "Gedragscode." in text


def test_bilingual_agreement_refuses_a_text_in_one_language_only(runner: CliRunner,
                                                                 tmp_path: Path) -> None:
    pack = _write(tmp_path, "acme.en.yaml", "final.amendments: Changes need writing.\n")
    out = tmp_path / "both.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "--lang", "en,nl", "-o", str(out),
                                 "--clauses", str(pack)])
    assert result.exit_code == 1
    assert f"{pack}:1: final.amendments:" in result.stderr
    assert "none in Dutch" in result.stderr and "clauses.nl.yaml" in result.stderr
    assert not out.exists()


def test_pack_beside_a_user_template_applies(runner: CliRunner, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my-templates"
    made = runner.invoke(cli, ["templates", "new", "acme", "--dir", str(folder)])
    assert made.exit_code == 0, made.output
    shutil.copy(PACK / "clauses.en.yaml", folder / "acme")
    monkeypatch.setenv("AGREEMENTGEN_TEMPLATE_PATH", str(folder))
    out = tmp_path / "cocoa.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-t", "acme", "-o", str(out),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Code of conduct." in _text(_document(out))
    # --clauses goes over the template's pack.
    extra = _write(tmp_path, "late.en.yaml", "compliance.anti_corruption: No bribes at all.\n")
    out2 = tmp_path / "cocoa2.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-t", "acme", "-o", str(out2),
                                 "--clauses", str(extra), "--quiet"])
    assert result.exit_code == 0, result.output
    text = _text(_document(out2))
    assert "No bribes at all." in text and "Code of conduct." in text
    # The guarded worker that rendered them keeps no pack for the next document.
    monkeypatch.delenv("AGREEMENTGEN_TEMPLATE_PATH")
    out3 = tmp_path / "cocoa3.docx"
    shutil.copy(folder / "acme" / "template.docx", folder / "acme" / "x.docx")
    result = runner.invoke(cli, ["generate", str(COCOA), "-t", str(folder / "acme" / "x.docx"),
                                 "-o", str(out3), "--quiet"])
    assert result.exit_code == 0, result.output
    text = _text(_document(out3))
    assert "No bribes at all." not in text and "Code of conduct." not in text


def test_without_a_pack_the_texts_are_the_built_in_ones(tmp_path: Path) -> None:
    from agreementgen.generate import generate

    plain, packed = tmp_path / "a.md", tmp_path / "b.md"
    generate(COCOA, plain)
    generate(COCOA, packed, clauses=[PACK])
    assert plain.read_text() != packed.read_text()
    generate(COCOA, tmp_path / "c.md")
    assert (tmp_path / "c.md").read_text() == plain.read_text()


# --- Bad packs: file, line, clause id, exit 1, nothing written -------------------------------

BAD = [
    ("identity.independenc: |\n  Text.\n", 1, "identity.independenc",
     "did you mean 'identity.independence'"),
    ("final.notices: |\n  Fine.\n  {% if x %}open\n", 3, "final.notices", "not a valid template"),
    ("final.notices: |\n  {{ ''.__class__ }}\n", 2, "final.notices", "'__class__'"),
    ("final.notices: |\n  {{ d|attr('__init__') }}\n", 2, "final.notices", "'__init__'"),
    ("final.notices:\n  binding: x\n", 1, "final.notices", "no non_binding: text"),
    ("final.notices:\n  bindng: x\n  non_binding: y\n", 2, "final.notices", "'bindng'"),
    ("final.notices: ''\n", 1, "final.notices", "the text is empty"),
    ("add:\n  - {id: org.conduct, article: nowhere, text: x}\n", 2, "org.conduct",
     "'nowhere' is not an article"),
    ("add:\n  - {id: final.notices, article: final, text: x}\n", 2, "final.notices",
     "has a clause 'final.notices' already"),
    ("add:\n  - {id: Org Conduct, article: final, text: x}\n", 2, "Org Conduct",
     "cannot be a clause id"),
    ("add:\n  - {id: org.code_of_conduct_of_the_foundation_x, article: final, text: x}\n", 2,
     "org.code_of_conduct_of_the_foundation_x", "at most 36"),
    ("add:\n  - {id: org.a_b, article: final, text: x}\n  - {id: org.a.b, article: final, "
     "text: y}\n", 3, "org.a.b", "same Word bookmark"),
    ("final.notices: a\nfinal.notices: b\n", 2, "final.notices", "given twice"),
    ("final.notices: [a, b]\n", 1, "final.notices", "must be one text"),
]


@pytest.mark.parametrize(("text", "line", "clause", "words"), BAD,
                         ids=[b[3][:30] for b in BAD])
def test_bad_pack_is_refused_with_file_line_and_clause(runner: CliRunner, tmp_path: Path,
                                                       text: str, line: int, clause: str,
                                                       words: str) -> None:
    pack = _write(tmp_path, "clauses.en.yaml", text)
    out = tmp_path / "out" / "cocoa.docx"
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(out), "--clauses",
                                 str(pack)])
    assert result.exit_code == 1, result.output
    assert f"{pack}:{line}: {clause}: " in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr + result.output
    assert not out.exists() and not out.parent.exists()


@pytest.mark.parametrize(("text", "words"), [
    ("- a\n- b\n", "a mapping of clause ids to texts"),
    ("final.notices: 'open\n", "not valid YAML"),
])
def test_a_file_that_is_no_pack_is_refused(runner: CliRunner, tmp_path: Path, text: str,
                                           words: str) -> None:
    pack = _write(tmp_path, "clauses.en.yaml", text)
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"),
                                 "--clauses", str(pack)])
    assert result.exit_code == 1
    assert f"{pack}:" in result.stderr and words in result.stderr
    assert not (tmp_path / "x.docx").exists()


def test_pack_name_must_give_its_language(runner: CliRunner, tmp_path: Path) -> None:
    pack = _write(tmp_path, "acme.yaml", "final.notices: x\n")
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"),
                                 "--clauses", str(pack)])
    assert result.exit_code == 1
    assert "acme.en.yaml or acme.nl.yaml" in result.stderr


def test_missing_pack_and_empty_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"),
                                 "--clauses", str(tmp_path / "nope.en.yaml")])
    assert result.exit_code == 1 and "does not exist" in result.stderr
    (tmp_path / "empty").mkdir()
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"),
                                 "--clauses", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "holds no clause pack" in result.stderr


@pytest.mark.parametrize(("text", "line", "words"), [
    ("final.notices: |\n  Notices go to\n  {{ d.purpose.probelm }}.\n", 3,
     "has no attribute 'probelm'"),
    ("final.notices: |\n  See clause {{ ref('identity.publication') }}.\n", 2,
     "refers to clause 'identity.publication', which this agreement does not have"),
    ("final.notices: |\n  {{ 1 // 0 }}\n", 2, "ZeroDivisionError"),
])
def test_a_text_that_fails_when_rendered_names_its_line(runner: CliRunner, tmp_path: Path,
                                                        text: str, line: int,
                                                        words: str) -> None:
    pack = _write(tmp_path, "clauses.en.yaml", text)
    out = tmp_path / "water.docx"
    result = runner.invoke(cli, ["generate", str(WATER), "-o", str(out), "--clauses",
                                 str(pack)])
    assert result.exit_code == 1, result.output
    assert f"{pack}:{line}: final.notices: " in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_pack_texts_render_under_the_memory_limit(runner: CliRunner, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENTGEN_RENDER_MEMORY_MB", "64")
    pack = _write(tmp_path, "clauses.en.yaml",
                  "final.notices: |\n  {{ 'x' * 1000000000 }}\n")
    out = tmp_path / "water.docx"
    result = runner.invoke(cli, ["generate", str(WATER), "-o", str(out), "--clauses",
                                 str(pack)])
    assert result.exit_code == 1
    assert "AGREEMENTGEN_RENDER_MEMORY_MB" in result.stderr and not out.exists()


def test_pack_texts_render_under_the_time_limit(runner: CliRunner, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENTGEN_RENDER_SECONDS", "1")
    pack = _write(tmp_path, "clauses.en.yaml",
                  "final.notices: |\n  {% for i in range(99999) %}{% for j in range(99999) %}"
                  "{% endfor %}{% endfor %}\n")
    out = tmp_path / "water.docx"
    result = runner.invoke(cli, ["generate", str(WATER), "-o", str(out), "--clauses",
                                 str(pack)])
    assert result.exit_code == 1
    assert "AGREEMENTGEN_RENDER_SECONDS" in result.stderr and not out.exists()


def test_strict_counts_the_open_points_of_pack_texts(runner: CliRunner, tmp_path: Path) -> None:
    pack = _write(tmp_path, "clauses.en.yaml",
                  "final.amendments: |\n  Changes need {{ open('the form of amendments') }}.\n")
    loaded = load_description(COCOA)
    texts = load_packs([pack]).texts("en")
    clauses = derive(loaded.description_in("en"), "en", texts=texts)
    assert any("the form of amendments" in p for c in clauses for p in c.open_points)
    result = runner.invoke(cli, ["generate", str(COCOA), "-o", str(tmp_path / "x.docx"),
                                 "--clauses", str(pack), "--strict"])
    assert result.exit_code == 1 and "the form of amendments" in result.stderr


# --- explain ----------------------------------------------------------------------------------


def test_explain_names_the_pack_and_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(COCOA), "--clauses", str(PACK)])
    assert result.exit_code == 0, result.output
    pack = PACK / "clauses.en.yaml"
    lines = pack.read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(lines, 1) if x.startswith("compliance.anti_corruption"))
    assert f"text: clause pack {pack}, line {line}" in result.output
    assert "text: built in" in result.output
    assert "org.code_of_conduct" in result.output and "added by the clause pack" in result.output
    plain = runner.invoke(cli, ["explain", str(COCOA)])
    assert "clause pack" not in plain.output and "org.code_of_conduct" not in plain.output


def test_explain_json_and_one_clause(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", str(TEXTIEL), "--clauses", str(PACK), "--format",
                                 "json"])
    document = json.loads(result.output)
    by_id = {c["id"]: c for c in document["clauses"]}
    assert by_id["org.code_of_conduct"]["pack"]["added"] is True
    assert by_id["compliance.anti_corruption"]["pack"]["file"].endswith("clauses.nl.yaml")
    assert by_id["final.amendments"]["pack"] is None
    one = runner.invoke(cli, ["explain", str(TEXTIEL), "org.code_of_conduct", "--clauses",
                              str(PACK)])
    assert one.exit_code == 0 and "Gedragscode." in one.output


def test_explain_takes_the_template_and_its_folder(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "t"
    runner.invoke(cli, ["templates", "new", "acme", "--dir", str(folder)])
    shutil.copy(PACK / "clauses.en.yaml", folder / "acme")
    result = runner.invoke(cli, ["explain", str(COCOA), "-t", "acme", "--template-dir",
                                 str(folder)])
    assert result.exit_code == 0, result.output
    assert f"clause pack {folder / 'acme' / 'clauses.en.yaml'}" in result.output


# --- batch ------------------------------------------------------------------------------------


def test_batch_records_pack_hashes_and_remakes_on_a_changed_pack(runner: CliRunner,
                                                                 tmp_path: Path) -> None:
    import hashlib

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    out = tmp_path / "out"
    args = ["batch", str(COCOA), str(TEXTIEL), "-o", str(out), "--clauses", str(pack), "-j", "1"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["documents"][0]
    digest = hashlib.sha256((pack / "clauses.en.yaml").read_bytes()).hexdigest()
    assert {"file": str(pack / "clauses.en.yaml"), "sha256": digest} in entry["clause_packs"]
    assert "Gedragscode." in _text(_document(out / "nl-textiel-partnerschap.docx"))
    again = runner.invoke(cli, args)
    assert json.loads((out / "manifest.json").read_text())["summary"]["up_to_date"] == 2
    assert again.exit_code == 0
    english = pack / "clauses.en.yaml"
    english.write_text(english.read_text().replace("modest value", "small value"))
    third = runner.invoke(cli, args)
    assert third.exit_code == 0
    summary = json.loads((out / "manifest.json").read_text())["summary"]
    assert summary["made"] == 2  # both packs are recorded for every agreement
    assert "small value" in _text(_document(out / "cocoa-supply-chain.docx"))
    # Without the pack, the agreements are made again with the built-in texts.
    fourth = runner.invoke(cli, [*args[:-4], "-j", "1"])
    assert fourth.exit_code == 0
    assert "Code of conduct." not in _text(_document(out / "cocoa-supply-chain.docx"))


def test_batch_refuses_a_bad_pack_before_making_anything(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    pack = _write(tmp_path, "clauses.en.yaml", "final.notice: x\n")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(COCOA), "-o", str(out), "--clauses", str(pack)])
    assert result.exit_code == 1
    assert f"{pack}:1: final.notice: " in result.stderr
    assert not any(out.iterdir())


# --- templates check and templates new --with-clauses --------------------------------------


def test_templates_check_passes_the_example_pack(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["templates", "check", "partnership_agreement", "--clauses",
                                 str(PACK)])
    assert result.exit_code == 0, result.stderr


def test_templates_check_finds_what_a_pack_cannot_use(runner: CliRunner, tmp_path: Path) -> None:
    pack = _write(tmp_path, "clauses.en.yaml",
                  "final.notices: |\n  Notices go to {{ d.purpose.probelm }}.\n"
                  "final.amendments: |\n  Under {{ clauses('final.noticez') }}.\n"
                  "final.costs: |\n  Each pays {{ ref('identity.publication') }}.\n")
    result = runner.invoke(cli, ["templates", "check", "partnership_agreement", "--clauses",
                                 str(pack), "--format", "json"])
    assert result.exit_code == 1
    entries = json.loads(result.output)
    codes = {(e["path"], e["line"], e["code"]) for e in entries}
    assert ("final.notices", 2, "check_pack_variable") in codes
    assert ("final.amendments", 4, "check_pack_no_clause") in codes
    assert ("final.costs", 6, "pack_reference") in codes
    messages = " ".join(e["message"] for e in entries)
    assert "did you mean 'd.purpose.problem'" in messages
    assert "did you mean 'final.notices'" in messages


def test_templates_check_wants_every_language_the_template_declares(runner: CliRunner,
                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "t"
    runner.invoke(cli, ["templates", "new", "acme", "--dir", str(folder)])
    shutil.copy(PACK / "clauses.en.yaml", folder / "acme")
    result = runner.invoke(cli, ["templates", "check", "acme", "--template-dir", str(folder)])
    assert result.exit_code == 1
    assert "clauses.nl.yaml" in result.stderr and "made for nl" in result.stderr
    shutil.copy(PACK / "clauses.nl.yaml", folder / "acme")
    result = runner.invoke(cli, ["templates", "check", "acme", "--template-dir", str(folder)])
    assert result.exit_code == 0, result.stderr


def test_templates_check_wants_each_clause_in_both_languages(runner: CliRunner,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "t"
    runner.invoke(cli, ["templates", "new", "acme", "--dir", str(folder)])
    shutil.copy(PACK / "clauses.en.yaml", folder / "acme")
    nl = (PACK / "clauses.nl.yaml").read_text(encoding="utf-8")
    kept = nl.split("compliance.anti_corruption:")[0]
    _write(folder / "acme", "clauses.nl.yaml", kept)
    result = runner.invoke(cli, ["templates", "check", "acme", "--template-dir", str(folder)])
    assert result.exit_code == 1
    assert "compliance.anti_corruption" in result.stderr and "none in Dutch" in result.stderr


def test_templates_new_with_clauses_writes_commented_packs(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    result = runner.invoke(cli, ["templates", "new", "acme", "--with-clauses", "--dir",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    for lang in ("en", "nl"):
        path = tmp_path / "acme" / f"clauses.{lang}.yaml"
        pack = load_pack(path)
        assert pack.texts == {} and pack.added == ()
        assert "# final.amendments:" in path.read_text(encoding="utf-8")
    assert "Nederlands" in (tmp_path / "acme" / "clauses.nl.yaml").read_text(encoding="utf-8")
    only = runner.invoke(cli, ["templates", "new", "solo", "--with-clauses", "--lang", "nl",
                               "--dir", str(tmp_path)])
    assert only.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "solo").glob("clauses.*")) == ["clauses.nl.yaml"]
    check = runner.invoke(cli, ["templates", "check", "acme", "--template-dir", str(tmp_path)])
    assert check.exit_code == 0, check.stderr


def test_starter_pack_texts_are_the_built_in_ones_once_uncommented(tmp_path: Path) -> None:
    text = starter_pack("en")
    lines = text.splitlines()
    start = lines.index("# contributions.unvalued: |")
    block = [lines[start], *[line for line in lines[start + 1:] if line.startswith("#   ")][:1]]
    pack = _write(tmp_path, "clauses.en.yaml",
                  "\n".join(line[2:] for line in block) + "\n")
    loaded = load_pack(pack)
    from agreementgen.i18n import catalog

    builtin = catalog("en", "clauses")["contributions.unvalued"]
    assert loaded.texts["contributions.unvalued"].binding == builtin


def test_clause_texts_prefer_the_last_pack(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.en.yaml", "final.costs: First.\n")
    second = _write(tmp_path, "b.en.yaml", "final.costs: Second.\n")
    texts = load_packs([first, second]).texts("en")
    entry = texts.entry("final.costs")
    assert entry is not None and entry.binding == "Second." and entry.file == second
    assert ClauseTexts("en").entry("final.costs") is None


def test_reading_a_bad_pack_raises_with_every_problem(tmp_path: Path) -> None:
    pack = _write(tmp_path, "clauses.en.yaml",
                  "final.notice: a\nfinal.costs: '{{ x'\n")
    with pytest.raises(TemplateError) as caught:
        load_pack(pack)
    assert [p.line for p in caught.value.problems] == [1, 2]
