"""A batch run again: what is up to date is kept, what changed is made again, a manifest that
tells the truth at every moment, also when the batch was stopped half-way."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agreementgen import batch as batch_module
from agreementgen.batch import BatchResult, Outcome, run_batch
from agreementgen.cli import cli
from agreementgen.i18n import message
from agreementgen.templates import resolve
from tests.conftest import COCOA, DUTCH, MOU, ROOT

NAMES = ["cocoa-supply-chain.docx", "nl-textiel-partnerschap.docx", "water-mou.docx"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def statuses(result: BatchResult) -> list[str]:
    return [str(o.status) for o in result.outcomes]


def assert_truthful(out: Path, foreign: set[str] | None = None) -> dict[str, Any]:
    """The manifest is whole JSON, and every agreement in the folder (but ``foreign`` files,
    which the batch did not make) is in it as written."""
    manifest = read(out)
    assert (out / "manifest.json").read_text(encoding="utf-8") == json.dumps(
        manifest, indent=2, ensure_ascii=False) + "\n"
    entries = manifest["documents"] + manifest["earlier"]
    for entry in entries:
        if entry["status"] in ("made", "up_to_date"):
            assert sha256(Path(entry["output"])) == entry["output_sha256"], entry["output"]
        previous = entry.get("previous")
        if previous is not None:
            assert sha256(Path(previous["output"])) == previous["output_sha256"]
    named = {Path(e["output"]).name for e in entries if e["output"]}
    named |= {Path(e["previous"]["output"]).name for e in entries if e.get("previous")}
    documents = {p.name for p in out.iterdir() if p.suffix == ".docx"}
    assert documents - (foreign or set()) <= named, documents - named
    counts = {status: sum(e["status"] == status for e in manifest["documents"])
              for status in ("made", "up_to_date", "failed", "pending")}
    assert {k: manifest["summary"][k] for k in counts} == counts
    return manifest


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A folder with the three examples, to change between runs."""
    folder = tmp_path / "src"
    folder.mkdir()
    for example in (COCOA, DUTCH, MOU):
        shutil.copy(example, folder / example.name)
    return folder


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in out.iterdir() if p.suffix == ".docx"}


# Run again


def test_a_second_run_keeps_every_agreement_as_up_to_date(src: Path, out: Path) -> None:
    first = run_batch([src], out, jobs=1)
    assert statuses(first) == ["made"] * 3
    before = stamps(out)
    second = run_batch([src], out, jobs=1)
    assert statuses(second) == ["up_to_date"] * 3
    assert (second.made, second.up_to_date, second.failed) == (0, 3, [])
    assert stamps(out) == before  # not written again
    assert second.warnings == first.warnings > 0
    manifest = assert_truthful(out)
    assert manifest["summary"] == {"documents": 3, "made": 0, "up_to_date": 3, "failed": 0,
                                   "pending": 0, "health_warnings": first.warnings}
    again = {d["output"]: d for d in manifest["documents"]}
    for outcome in first.outcomes:
        entry = again[str(outcome.output)]
        assert entry["input_sha256"] == sha256(outcome.input)
        assert entry["output_sha256"] == sha256(outcome.output)
        assert entry["template_sha256"] == outcome.template_sha256
        assert entry["health_rules"] == list(outcome.warnings)


def test_a_changed_description_is_made_again_without_force(src: Path, out: Path) -> None:
    run_batch([src], out, jobs=1)
    mou = src / "water-mou.yaml"
    mou.write_text(mou.read_text(encoding="utf-8").replace(
        "Groundwater Transparency", "Groundwater Openness"), encoding="utf-8")
    old = sha256(out / "water-mou.docx")
    result = run_batch([src], out, jobs=1)
    assert statuses(result) == ["up_to_date", "up_to_date", "made"]
    assert sha256(out / "water-mou.docx") != old
    entry = assert_truthful(out)["documents"][2]
    assert entry["input_sha256"] == sha256(mou)
    assert entry["previous"] is None


def test_a_new_tool_version_options_or_template_make_everything_again(
        src: Path, out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = tmp_path / "ours.docx"
    shutil.copy(resolve(None, "partnership_agreement").path, template)
    inputs = [src / COCOA.name, src / DUTCH.name]
    run_batch(inputs, out, jobs=1, template=str(template))
    assert statuses(run_batch(inputs, out, jobs=1, template=str(template))) == ["up_to_date"] * 2
    with zipfile.ZipFile(template, "a") as archive:  # the same template, other bytes
        archive.comment = b"edited"
    assert statuses(run_batch(inputs, out, jobs=1, template=str(template))) == ["made"] * 2
    assert statuses(run_batch(inputs, out, jobs=1, template=str(template),
                              lang="en")) == ["made"] * 2
    monkeypatch.setattr(batch_module, "__version__", "99.0")
    assert statuses(run_batch(inputs, out, jobs=1, template=str(template),
                              lang="en")) == ["made"] * 2
    assert_truthful(out)


def test_force_makes_every_agreement_again(src: Path, out: Path) -> None:
    run_batch([src], out, jobs=1)
    assert statuses(run_batch([src], out, jobs=1, force=True)) == ["made"] * 3
    assert_truthful(out)


# Files the batch does not vouch for stay protected


def test_a_file_the_manifest_does_not_know_is_not_replaced(src: Path, out: Path) -> None:
    run_batch([src], out, jobs=1)
    manifest = read(out)
    manifest["documents"] = [d for d in manifest["documents"]
                             if not d["output"].endswith("water-mou.docx")]
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = sha256(out / "water-mou.docx")
    result = run_batch([src], out, jobs=1)
    assert statuses(result) == ["up_to_date", "up_to_date", "failed"]
    assert result.failed[0].problems[0].code == "output_exists"
    assert sha256(out / "water-mou.docx") == before
    assert_truthful(out, foreign={"water-mou.docx"})


def test_an_agreement_changed_after_the_batch_made_it_is_not_replaced(src: Path,
                                                                      out: Path) -> None:
    run_batch([src], out, jobs=1)
    edited = out / "cocoa-supply-chain.docx"
    with zipfile.ZipFile(edited, "a") as archive:  # a lawyer's edit, say
        archive.comment = b"edited"
    before = sha256(edited)
    result = run_batch([src], out, jobs=1)
    assert statuses(result) == ["failed", "up_to_date", "up_to_date"]
    problem = result.failed[0].problems[0]
    assert problem.code == "batch_output_changed"
    assert problem.message == message("batch_output_changed", path=edited)
    assert sha256(edited) == before
    # From now on the manifest no longer vouches for the file: it is the user's.
    assert_truthful(out, foreign={edited.name})
    cocoa = src / COCOA.name
    cocoa.write_text(cocoa.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    result = run_batch([src], out, jobs=1)
    assert [p.code for o in result.failed for p in o.problems] == ["output_exists"]
    assert sha256(edited) == before
    assert statuses(run_batch([src], out, jobs=1, force=True)) == ["made"] * 3
    assert_truthful(out)


def test_an_agreement_made_from_another_description_is_not_replaced(tmp_path: Path,
                                                                    out: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    shutil.copy(MOU, tmp_path / "a" / "deal.yaml")
    shutil.copy(COCOA, tmp_path / "b" / "deal.yaml")
    run_batch([tmp_path / "a"], out, jobs=1)
    before = sha256(out / "deal.docx")
    result = run_batch([tmp_path / "b"], out, jobs=1)
    assert statuses(result) == ["failed"]
    assert result.failed[0].problems[0].code == "batch_output_other_input"
    assert str(tmp_path / "a" / "deal.yaml") in result.failed[0].problems[0].message
    assert sha256(out / "deal.docx") == before


def test_a_failed_remake_keeps_the_earlier_agreement_on_record(src: Path, out: Path) -> None:
    run_batch([src], out, jobs=1)
    mou = src / "water-mou.yaml"
    good = mou.read_text(encoding="utf-8")
    kept = sha256(out / "water-mou.docx")
    mou.write_text("agreement: {title: x\n", encoding="utf-8")
    result = run_batch([src], out, jobs=1)
    assert statuses(result) == ["up_to_date", "up_to_date", "failed"]
    entry = assert_truthful(out)["documents"][2]
    assert entry["output"] is None
    assert entry["previous"]["output_sha256"] == kept
    assert entry["previous"]["input_sha256"] == hashlib.sha256(good.encode()).hexdigest()
    # Put back as it was, the description's agreement is the one still there.
    mou.write_text(good, encoding="utf-8")
    assert statuses(run_batch([src], out, jobs=1)) == ["up_to_date"] * 3
    # Changed, it replaces it without --force: the manifest still knew the file.
    mou.write_text("agreement: {title: x\n", encoding="utf-8")
    run_batch([src], out, jobs=1)
    mou.write_text(good.replace("Nanyuki", "Nyeri"), encoding="utf-8")
    assert statuses(run_batch([src], out, jobs=1)) == ["up_to_date", "up_to_date", "made"]


def test_agreements_of_descriptions_left_out_stay_on_record(src: Path, out: Path) -> None:
    run_batch([src], out, jobs=1)
    result = run_batch([src / COCOA.name], out, jobs=1)
    assert statuses(result) == ["up_to_date"]
    manifest = assert_truthful(out)
    assert manifest["summary"]["documents"] == 1
    assert sorted(Path(e["output"]).name for e in manifest["earlier"]) == NAMES[1:]
    assert [m.name for m in result.earlier] == NAMES[1:]
    (out / "water-mou.docx").unlink()
    run_batch([src / COCOA.name], out, jobs=1)
    assert [Path(e["output"]).name for e in read(out)["earlier"]] == NAMES[1:2]
    assert statuses(run_batch([src], out, jobs=1)) == ["up_to_date", "up_to_date", "made"]


def test_a_manifest_that_is_not_ours_records_nothing(src: Path, out: Path) -> None:
    run_batch([src], out, jobs=1)
    (out / "manifest.json").write_text("{not json", encoding="utf-8")
    result = run_batch([src], out, jobs=1)
    assert [p.code for o in result.failed for p in o.problems] == ["output_exists"] * 3
    assert_truthful(out, foreign=set(NAMES))


def test_a_moved_output_folder_is_still_up_to_date(src: Path, out: Path,
                                                   tmp_path: Path) -> None:
    run_batch([src], out, jobs=1)
    moved = out.rename(tmp_path / "moved")
    assert statuses(run_batch([src], moved, jobs=1)) == ["up_to_date"] * 3
    assert [Path(d["output"]).parent for d in read(moved)["documents"]] == [moved] * 3


def test_recorded_files_are_looked_for_only_in_the_output_folder(src: Path, out: Path,
                                                                 tmp_path: Path) -> None:
    run_batch([src / COCOA.name], out, jobs=1)
    outside = tmp_path / "outside.docx"
    outside.write_bytes(b"not the batch's")
    manifest = read(out)
    stray = dict(manifest["documents"][0], output=str(outside), output_sha256=sha256(outside))
    manifest["earlier"] = [stray, dict(stray, output=str(out / ".."))]
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    run_batch([src / COCOA.name], out, jobs=1)
    assert read(out)["earlier"] == []
    assert outside.read_bytes() == b"not the batch's"


# Stopped half-way


def test_the_manifest_tells_the_truth_while_the_batch_runs(src: Path, out: Path) -> None:
    seen: list[dict[str, Any]] = []

    def look(_: Outcome) -> None:
        seen.append(assert_truthful(out))

    run_batch([src], out, jobs=1, on_start=lambda _: seen.append(assert_truthful(out)),
              on_done=look)
    assert seen[0]["summary"]["pending"] == 3
    assert len(seen) == 4
    assert read(out)["summary"]["made"] == 3


def test_a_batch_stopped_by_ctrl_c_records_what_it_made_and_resumes(tmp_path: Path,
                                                                    out: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for number in range(12):
        shutil.copy(MOU, src / f"mou-{number:02d}.yaml")
    calls = []

    def interrupt(_: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([src], out, jobs=2, on_done=interrupt)
    manifest = assert_truthful(out)
    made = {Path(e["output"]).name for e in manifest["documents"] if e["status"] == "made"}
    assert made == {p.name for p in out.glob("*.docx")}
    assert 2 <= len(made) < 12
    assert manifest["summary"]["pending"] == 12 - len(made)
    result = run_batch([src], out, jobs=2)
    assert result.up_to_date == len(made)
    assert result.made == 12 - len(made)
    assert not result.failed
    assert_truthful(out)


def test_a_killed_batch_leaves_a_true_manifest_and_resumes(tmp_path: Path, out: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for number in range(16):
        shutil.copy(MOU, src / f"mou-{number:02d}.yaml")
    command = [sys.executable, "-m", "agreementgen", "batch", str(src), "-o", str(out),
               "-j", "2"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if read(out)["summary"]["made"] >= 1:
                    break
            except (OSError, ValueError):
                pass  # not written yet: the manifest itself is never half-written
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the batch and its workers, at once
        process.wait()
    manifest = assert_truthful(out)
    before = sum(e["status"] == "made" for e in manifest["documents"])
    assert before >= 1
    result = run_batch([src], out, jobs=1)
    assert not result.failed, [o.problems for o in result.failed]
    assert result.up_to_date >= before
    assert result.made + result.up_to_date == 16
    assert_truthful(out)


def test_an_agreement_written_after_the_manifest_last_said_pending_is_made_again(
        src: Path, out: Path) -> None:
    """A kill between a worker's write and the manifest's update leaves such a file."""
    run_batch([src], out, jobs=1)
    manifest = read(out)
    entry = manifest["documents"][0]
    entry.update(status="pending", output_sha256=None, previous=None)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert statuses(run_batch([src], out, jobs=1)) == ["made", "up_to_date", "up_to_date"]
    assert_truthful(out)


# The command line


def test_cli_summary_tells_made_up_to_date_and_failed(runner: CliRunner, src: Path,
                                                    out: Path) -> None:
    def summary(*args: str) -> list[list[str]]:
        result = runner.invoke(cli, ["batch", str(src), "-o", str(out), "-j", "1", *args])
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        return [line.split() for line in result.stdout.splitlines()[:4]]

    assert summary() == [["documents", "3"], ["made", "3"], ["up", "to", "date", "0"],
                         ["failed", "0"]]
    assert summary() == [["documents", "3"], ["made", "0"], ["up", "to", "date", "3"],
                         ["failed", "0"]]
    assert summary("--force") == [["documents", "3"], ["made", "3"], ["up", "to", "date", "0"],
                                  ["failed", "0"]]


def test_cli_help_says_what_a_second_run_does(runner: CliRunner) -> None:
    text = " ".join(runner.invoke(cli, ["batch", "--help"]).output.split())
    assert "makes only what is missing or out of date" in text
    assert "--force Make every agreement again" in text
