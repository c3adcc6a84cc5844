"""`agreementgen batch`: many descriptions in, safe names, a manifest, failures that stay local."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner

from agreementgen import batch as batch_module
from agreementgen._version import __version__
from agreementgen.batch import (
    find_inputs,
    make_one,
    output_names,
    run_batch,
    safe_name,
)
from agreementgen.cli import cli
from agreementgen.errors import OutputError
from agreementgen.generate import FORMATS, Job
from agreementgen.render.docx import CompiledTemplate
from agreementgen.templates import resolve
from agreementgen.validation.schema import schema_version
from tests.conftest import COCOA, DUTCH, EXAMPLES, MOU, ROOT

BROKEN = "agreement: {title: x\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A folder with the three examples, a broken description and files that are not inputs."""
    folder = tmp_path / "in"
    folder.mkdir()
    for example in (COCOA, MOU, DUTCH):
        shutil.copy(example, folder / example.name)
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    (folder / "notes.txt").write_text("not a description", encoding="utf-8")
    (folder / ".hidden.yaml").write_text(BROKEN, encoding="utf-8")
    (folder / "sub").mkdir()
    shutil.copy(COCOA, folder / "sub" / "deeper.yaml")
    return folder


# Finding inputs and naming outputs


def test_find_inputs_takes_descriptions_of_a_folder_sorted_and_once(inputs: Path) -> None:
    found = find_inputs([inputs, inputs / "water-mou.yaml", inputs / "missing.yaml"])
    assert [p.name for p in found] == ["broken.yaml", "cocoa-supply-chain.yaml",
                                       "nl-textiel-partnerschap.yaml", "water-mou.yaml",
                                       "missing.yaml"]


def test_find_inputs_skips_the_batch_manifest(tmp_path: Path) -> None:
    shutil.copy(COCOA, tmp_path / "a.yaml")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "other.json").write_text("{}", encoding="utf-8")
    found = find_inputs([tmp_path], exclude=[tmp_path / "manifest.json"])
    assert [p.name for p in found] == ["a.yaml", "other.json"]


def test_a_folder_gives_no_json_schema_files(tmp_path: Path, runner: CliRunner) -> None:
    """`init` writes agreementgen.schema.json beside the description; it is not one."""
    folder = tmp_path / "partnerships"
    folder.mkdir()
    assert runner.invoke(cli, ["init", str(folder / "p.yaml")]).exit_code == 0
    shutil.copy(ROOT / "schemas" / "description.schema.json", folder / "Other.Schema.JSON")
    shutil.copy(MOU, folder / "water-mou.yaml")
    assert (folder / "agreementgen.schema.json").is_file()
    found = find_inputs([folder])
    assert [p.name for p in found] == ["p.yaml", "water-mou.yaml"]
    # Named one by one, a file is taken as the user says, as a hidden one is.
    assert find_inputs([folder / "agreementgen.schema.json"]) == [
        folder / "agreementgen.schema.json"]
    result = runner.invoke(cli, ["batch", str(folder), "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.stdout.splitlines()[0].split() == ["documents", "2"]
    assert "schema" not in result.stderr.casefold(), result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [Path(d["input"]).name for d in manifest["documents"]] == ["p.yaml", "water-mou.yaml"]


@pytest.mark.parametrize(("stem", "expected"), [
    ("cocoa-supply-chain", "cocoa-supply-chain"),
    ("Water MOU 2026", "Water MOU 2026"),
    ("..", "agreement"),
    ("...hidden", "hidden"),
    ("a..b", "a.b"),
    ("..\\..\\etc\\passwd", "-.-etc-passwd"),
    ("evil/../name", "evil-.-name"),
    ("tab\there\x00nul\x1b[31m", "tabherenul[31m"),
    ("right\u202eto-left", "rightto-left"),
    ('what?*:<>|"', "what-"),
    ("CON", "CON_"),
    ("nul.backup", "nul.backup_"),
    ("trailing. ", "trailing"),
    ("", "agreement"),
    ("Pâte à choco", "Pâte à choco"),
])
def test_safe_name(stem: str, expected: str) -> None:
    assert safe_name(stem) == expected


def test_safe_name_cuts_long_names_in_bytes() -> None:
    name = safe_name("é" * 300)
    assert len(name.encode("utf-8")) <= batch_module.MAX_NAME_BYTES
    assert set(name) == {"é"}


def test_output_names_never_collide_and_are_stable() -> None:
    paths = [Path("a/x.yaml"), Path("b/x.yaml"), Path("c/X.json"), Path("x-2.yaml"),
             Path("d/x.toml"), Path("y.yaml")]
    names = output_names(paths, ".docx")
    assert names == ["x.docx", "x-2.docx", "X-3.docx", "x-2-2.docx", "x-4.docx", "y.docx"]
    assert len({n.casefold() for n in names}) == len(names)
    assert output_names(paths, ".docx") == names


# Running a batch


def test_batch_makes_every_good_description_and_reports_the_bad_one(inputs: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "out" / "nested"
    result = run_batch([inputs], out, jobs=1)
    assert [o.input.name for o in result.outcomes] == ["broken.yaml", "cocoa-supply-chain.yaml",
                                                       "nl-textiel-partnerschap.yaml",
                                                       "water-mou.yaml"]
    assert result.made == 3
    assert [o.input.name for o in result.failed] == ["broken.yaml"]
    broken = result.failed[0]
    assert broken.problems[0].line == 2
    assert not (out / "broken.docx").exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "cocoa-supply-chain.docx", "manifest.json", "nl-textiel-partnerschap.docx",
        "water-mou.docx"]
    text = "\n".join(p.text for p in docx.Document(str(out / "cocoa-supply-chain.docx")).paragraphs)
    assert "Van Rijswijk Chocolade B.V." in text


def test_manifest_records_what_was_made_from_what(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_batch([inputs], out, jobs=1)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert result.manifest == out / "manifest.json"
    assert manifest["summary"] == {"documents": 4, "made": 3, "up_to_date": 0, "failed": 1,
                                   "pending": 0, "health_warnings": result.warnings}
    entries = {Path(d["input"]).name: d for d in manifest["documents"]}
    template = resolve(None, "partnership_agreement").path
    cocoa = entries["cocoa-supply-chain.yaml"]
    assert cocoa["input"] == str(inputs / "cocoa-supply-chain.yaml")
    assert cocoa["input_sha256"] == sha256(COCOA)
    assert cocoa["output"] == str(out / "cocoa-supply-chain.docx")
    assert cocoa["output_sha256"] == sha256(out / "cocoa-supply-chain.docx")
    assert cocoa["status"] == "made"
    assert cocoa["template"] == "partnership_agreement"
    assert cocoa["template_sha256"] == sha256(template)
    assert cocoa["schema_version"] == schema_version()
    assert cocoa["tool_version"] == __version__
    assert cocoa["language"] == "en"
    assert cocoa["options"] == {"template": None, "lang": None, "format": "docx",
                                "health_annex": False, "prevailing": None}
    assert cocoa["error"] is None
    assert cocoa["previous"] is None
    mou = entries["water-mou.yaml"]
    assert mou["health_warnings"] == len(mou["health_rules"]) > 0
    assert all(rule.startswith("H") for rule in mou["health_rules"])
    broken = entries["broken.yaml"]
    assert broken["status"] == "failed"
    assert broken["output"] is None
    assert broken["input_sha256"] == hashlib.sha256(BROKEN.encode()).hexdigest()
    assert broken["error"]["problems"][0]["line"] == 2
    assert broken["error"]["problems"][0]["file"] == str(inputs / "broken.yaml")


def test_process_pool_gives_the_same_files_in_input_order(inputs: Path, tmp_path: Path) -> None:
    one = run_batch([inputs], tmp_path / "one", jobs=1)
    two = run_batch([inputs], tmp_path / "two", jobs=2)
    assert [o.input for o in two.outcomes] == [o.input for o in one.outcomes]
    assert [o.made for o in two.outcomes] == [o.made for o in one.outcomes]
    for outcome in one.outcomes:
        if outcome.made:
            again = tmp_path / "two" / outcome.output.name
            assert again.read_bytes() == outcome.output.read_bytes(), outcome.output.name


def test_the_same_batch_twice_gives_byte_identical_files(tmp_path: Path) -> None:
    run_batch([COCOA, MOU], tmp_path / "a", jobs=1)
    run_batch([COCOA, MOU], tmp_path / "b", jobs=1)
    for name in ("cocoa-supply-chain.docx", "water-mou.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    first = (tmp_path / "a" / "manifest.json").read_text(encoding="utf-8")
    second = (tmp_path / "b" / "manifest.json").read_text(encoding="utf-8")
    assert first.replace(str(tmp_path / "a"), str(tmp_path / "b")) == second


def test_existing_outputs_fail_without_force_and_are_replaced_with_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "water-mou.docx").write_bytes(b"old")
    result = run_batch([COCOA, MOU], out, jobs=1)
    assert [o.input for o in result.failed] == [MOU]
    assert result.failed[0].problems[0].code == "output_exists"
    assert (out / "water-mou.docx").read_bytes() == b"old"
    result = run_batch([COCOA, MOU], out, jobs=1, force=True)
    assert not result.failed
    assert zipfile.is_zipfile(out / "water-mou.docx")


def test_names_from_hostile_file_names_stay_in_the_output_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for stem in ("..", "..\\..\\escape", "con", "CON"):
        shutil.copy(MOU, src / f"{stem}.yaml")
    out = tmp_path / "out"
    # Named one by one: a folder would skip the names that start with a dot, as hidden.
    result = run_batch(sorted(src.iterdir()), out, jobs=1)
    assert result.made == 4
    for outcome in result.outcomes:
        assert outcome.output.parent == out
        assert outcome.output.resolve().parent == out.resolve()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["agreement.docx", "-.-escape.docx", "CON_.docx", "con_-2.docx", "manifest.json"])


def test_an_unexpected_error_in_one_document_does_not_stop_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = batch_module.run_job

    def flaky(job: Job):  # type: ignore[no-untyped-def]
        if job.input == MOU:
            raise RuntimeError("boom")
        return real(job)

    monkeypatch.setattr(batch_module, "run_job", flaky)
    result = run_batch([COCOA, MOU], tmp_path, jobs=1)
    assert result.made == 1
    failure = result.failed[0]
    assert failure.input == MOU
    assert failure.problems[0].code == "batch_internal_error"
    assert "RuntimeError: boom" in failure.problems[0].message


def test_make_one_reports_a_missing_file_as_an_outcome(tmp_path: Path) -> None:
    outcome = make_one(Job(tmp_path / "missing.yaml", tmp_path / "missing.docx"))
    assert not outcome.made
    assert outcome.input_sha256 is None
    assert outcome.problems[0].code == "file_missing"


def test_no_inputs_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(batch_module.InputError, match="no description files"):
        run_batch([tmp_path / "empty"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


# The command line


def test_cli_reports_failures_by_name_and_exits_1(runner: CliRunner, inputs: Path,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(inputs), "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 1, result.output
    assert f"{inputs / 'broken.yaml'}: not made" in result.stderr
    assert f"{inputs / 'broken.yaml'}:2:1:" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["documents", "4"]
    assert lines[1].split() == ["made", "3"]
    assert lines[2].split() == ["up", "to", "date", "0"]
    assert lines[3].split() == ["failed", "1"]
    assert lines[4].split()[:2] == ["health", "warnings"]
    assert lines[5].split() == ["manifest", str(out / "manifest.json")]
    assert (out / "cocoa-supply-chain.docx").is_file()
    assert "Traceback" not in result.output


def test_cli_succeeds_quietly_when_not_on_a_terminal(runner: CliRunner, tmp_path: Path) -> None:
    # Each in its own language: nothing is untranslated, so there is nothing to say on stderr.
    result = runner.invoke(cli, ["batch", str(COCOA), str(DUTCH), "-o", str(tmp_path / "o"),
                                 "-j", "1"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert [d["language"] for d in manifest["documents"]] == ["en", "nl"]


def test_cli_output_folder_that_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(COCOA), "-o", str(target)])
    assert result.exit_code == 2
    assert "is a file" in result.stderr
    assert target.read_text(encoding="utf-8") == "x"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        run_batch([COCOA], target)
    assert target.read_text(encoding="utf-8") == "x"


def test_cli_unknown_template_stops_before_any_document(runner: CliRunner,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(COCOA), "-o", str(out), "-t", "no-such"])
    assert result.exit_code == 1
    assert "no template named 'no-such'" in result.stderr
    assert not any(out.iterdir())


def test_cli_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["batch", str(COCOA)]).exit_code == 2
    assert runner.invoke(cli, ["batch", "-o", str(tmp_path)]).exit_code == 2
    assert runner.invoke(cli, ["batch", str(COCOA), "-o", str(tmp_path), "-j", "0"]).exit_code == 2


def test_cli_formats_are_the_pipeline_formats(runner: CliRunner) -> None:
    help_text = " ".join(runner.invoke(cli, ["batch", "--help"]).output.split())
    assert "[" + "|".join(FORMATS) + "]" in help_text


def test_cli_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["batch", "--help"])
    assert result.exit_code == 0
    assert "agreementgen batch examples/ -o out/agreements" in result.output
    assert "batch" in runner.invoke(cli, ["--help"]).output


# The zip writer


def test_zip_writer_matches_zipfile_byte_for_byte() -> None:
    """Unchanged members are deflated once and copied, yet the archive is what zipfile writes:
    the template's own members at its default level, the rendered ones at the fast level."""
    from agreementgen.render.docx import RENDERED_LEVEL

    template = CompiledTemplate(resolve(None, "partnership_agreement").path)
    changed = {"word/document.xml": template.member("word/document.xml") + b"<!-- x -->",
               "docProps/core.xml": bytes(template.member("docProps/core.xml") or b"")}
    data = template._archive.write(changed)
    reference = io.BytesIO()
    with zipfile.ZipFile(reference, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in template._members:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            level = RENDERED_LEVEL if name == "word/document.xml" else None
            archive.writestr(info, changed.get(name, template._members[name]),
                             compresslevel=level)
    assert data == reference.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(template._members)
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("word/document.xml").endswith(b"<!-- x -->")


def test_zip_writer_stores_non_ascii_names_as_utf8(tmp_path: Path) -> None:
    from agreementgen.render.docx import _Archive

    data = _Archive([("word/document.xml", b"<a/>"), ("media/café.png", b"\x89PNG")]).write({})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["word/document.xml", "media/café.png"]
        assert archive.read("media/café.png") == b"\x89PNG"
        assert archive.getinfo("media/café.png").flag_bits & 0x800


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_goes_through_batch(example: Path, tmp_path: Path) -> None:
    result = run_batch([example], tmp_path / "out", jobs=1)
    assert result.made == 1, result.failed and result.failed[0].problems


def test_a_document_too_large_for_a_zip_is_a_render_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agreementgen.errors import RenderError
    from agreementgen.render import docx as render_docx

    path = tmp_path / "tiny.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml",
                         '<w:document xmlns:w="urn:w"><w:body><w:p/></w:body></w:document>')
        archive.writestr("word/styles.xml", "<w:styles xmlns:w='urn:w'/>" + " " * 2000)
    template = CompiledTemplate(path)
    assert zipfile.is_zipfile(io.BytesIO(template.render({})))
    monkeypatch.setattr(render_docx, "_ZIP32_LIMIT", 1000)
    with pytest.raises(RenderError, match="too large to store"):
        template.render({})


def test_an_interrupted_pool_stops_soon_and_its_manifest_says_what_it_made(
        tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for number in range(16):
        shutil.copy(MOU, src / f"mou-{number:02d}.yaml")
    out = tmp_path / "out"

    def interrupt(_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([src], out, jobs=2, on_done=interrupt)
    time.sleep(1)  # nothing may go on writing in the background after the batch returned
    made = sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    assert len(made) < 16
    assert not [name for name in made if not name.endswith(".docx")]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(Path(d["output"]).name for d in manifest["documents"]
                  if d["status"] == "made") == made
    assert manifest["summary"]["pending"] == 16 - len(made)


def test_text_formats_need_no_word_template(tmp_path: Path) -> None:
    from agreementgen.generate import layout_info

    result = run_batch([COCOA], tmp_path, jobs=1, format="md")
    assert result.made == 1, result.failed and result.failed[0].problems
    (outcome,) = result.outcomes
    assert outcome.output == tmp_path / "cocoa-supply-chain.md"
    assert "Van Rijswijk Chocolade B.V." in outcome.output.read_text(encoding="utf-8")
    assert outcome.template_sha256 == sha256(layout_info("md").path)


# The benchmark (benchmarks/bench_batch.py): its pieces, run cheaply


@pytest.fixture
def bench() -> Any:
    """The benchmark script, imported as a module."""
    spec = importlib.util.spec_from_file_location("bench_batch",
                                                  ROOT / "benchmarks" / "bench_batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_plain_loop_renders_each_description_with_its_own_kinds_template(
        bench: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docxtpl

    opened: list[str] = []

    class Recording(docxtpl.DocxTemplate):
        def __init__(self, path: str) -> None:
            opened.append(path)
            super().__init__(path)

    monkeypatch.setattr(docxtpl, "DocxTemplate", Recording)
    built = bench.contexts([MOU, COCOA])
    assert [info.name for info, _ in built] == ["memorandum_of_understanding",
                                                "partnership_agreement"]
    bench.plain_loop(built, tmp_path / "a")
    assert opened == [str(resolve(None, "mou").path),
                      str(resolve(None, "partnership_agreement").path)]
    assert bench.template_counts(built) == ("memorandum_of_understanding (1), "
                                            "partnership_agreement (1)")


def test_bench_help_timing_writes_no_bytecode_into_the_source_tree(
        bench: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # would make every run compile again
    assert bench.help_time(tmp_path, runs=1) > 0
    # Python kept the bytecode of what --help imported in the benchmark's folder instead.
    assert list((tmp_path / "pycache").rglob("agreementgen/__init__*.pyc"))


def test_bench_quick_run_reports_without_a_checkout_around_its_templates(
        bench: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """As when agreementgen is installed from a wheel: the templates lie outside ROOT."""
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    bench.main(["--quick"])
    out = capsys.readouterr().out
    examples = len(sorted(EXAMPLES.glob("*.yaml")))
    assert f"documents: {examples} (1 copies of {examples} examples)" in out
    assert "memorandum_of_understanding (1)" in out
    assert "agreementgen --help:" in out
    assert "(--quick: one copy and one run each" in out
