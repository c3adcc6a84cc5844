"""User templates at built-in speed: compiled once per worker, inside the render guard, and
kept by a long-lived guarded worker; a document over a limit fails alone."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from agreementgen.batch import Status, run_batch
from agreementgen.generate import generate
from agreementgen.render import docx, guard
from tests.conftest import COCOA, MOU
from tests.test_hostile import BUILTIN, with_payload

pytestmark = pytest.mark.skipif(not guard.limits_supported(), reason="no fork or resource")


@pytest.fixture(autouse=True)
def _no_worker() -> Iterator[None]:
    guard.stop_worker()
    yield
    guard.stop_worker()


@pytest.fixture
def compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file that gets one line per template compiled: the process that compiled it, and
    the template. Forked workers inherit the recording."""
    record = tmp_path / "compiled.txt"
    record.touch()
    original = docx.CompiledTemplate.__init__

    def recording(self: docx.CompiledTemplate, path: str | Path, name: str | None = None) -> None:
        with record.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {Path(path).name}\n")
        original(self, path, name)

    monkeypatch.setattr(docx.CompiledTemplate, "__init__", recording)
    return record


def compiled_in(record: Path) -> list[tuple[int, str]]:
    return [(int(pid), name) for pid, name in
            (line.split(" ", 1) for line in record.read_text(encoding="utf-8").splitlines())]


def copies(folder: Path, sources: list[Path]) -> list[Path]:
    folder.mkdir()
    made = []
    for number, source in enumerate(sources):
        made.append(folder / f"{number:02d}-{source.name}")
        shutil.copyfile(source, made[-1])
    return made


def test_a_user_template_is_compiled_once_per_worker_and_never_here(
        tmp_path: Path, compiles: Path) -> None:
    template = tmp_path / "user_pa.docx"
    shutil.copyfile(BUILTIN, template)
    inputs = copies(tmp_path / "in", [MOU, COCOA, MOU, COCOA])
    result = run_batch(inputs, tmp_path / "out", template=str(template), jobs=1)
    assert [o.status for o in result.outcomes] == [Status.MADE] * 4
    user = [pid for pid, name in compiled_in(compiles) if name == "user_pa.docx"]
    # Once to check it before the first document, in this process's guarded worker, which
    # then renders every document with it.
    assert len(user) == 1 and os.getpid() not in user


def test_with_two_workers_each_compiles_it_once(tmp_path: Path, compiles: Path) -> None:
    template = tmp_path / "user_pa.docx"
    shutil.copyfile(BUILTIN, template)
    inputs = copies(tmp_path / "in", [MOU, COCOA] * 4)
    result = run_batch(inputs, tmp_path / "out", template=str(template), jobs=2)
    assert [o.status for o in result.outcomes] == [Status.MADE] * 8
    user = [pid for pid, name in compiled_in(compiles) if name == "user_pa.docx"]
    assert os.getpid() not in user
    assert len(user) == len(set(user)) <= 3  # the check, and at most one per worker


def test_a_user_copy_of_a_builtin_template_gives_the_same_bytes(tmp_path: Path) -> None:
    template = tmp_path / "user_pa.docx"
    shutil.copyfile(BUILTIN, template)
    inputs = copies(tmp_path / "in", [MOU, COCOA])
    builtin = run_batch(inputs, tmp_path / "builtin", template="partnership_agreement", jobs=1)
    user = run_batch(inputs, tmp_path / "user", template=str(template), jobs=1)
    for ours, theirs in zip(builtin.outcomes, user.outcomes, strict=True):
        assert ours.output.read_bytes() == theirs.output.read_bytes()


@pytest.mark.parametrize(("payload", "expected"), [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "took longer than 2 seconds"),
    ("{{ 'x' * 10**10 }}", "needed more than 256 MB of memory"),
])
def test_a_document_over_a_limit_fails_alone_and_its_worker_is_replaced(
        tmp_path: Path, compiles: Path, monkeypatch: pytest.MonkeyPatch, payload: str,
        expected: str) -> None:
    monkeypatch.setenv(guard.SECONDS_VARIABLE, "2")
    monkeypatch.setenv(guard.MEMORY_VARIABLE, "256")
    # Runs away for an agreement of three partners (cocoa) only; the memoranda have two.
    template = with_payload(tmp_path / "runaway.docx", "word/document.xml",
                            "{% if partners|length > 2 %}" + payload + "{% endif %}"
                            "{{ agreement.title }}")
    inputs = copies(tmp_path / "in", [MOU, COCOA, MOU])
    result = run_batch(inputs, tmp_path / "out", template=str(template), jobs=1)
    assert [o.status for o in result.outcomes] == [Status.MADE, Status.FAILED, Status.MADE]
    failed = result.outcomes[1]
    assert failed.error is not None and expected in failed.error
    assert failed.problems[0].file == str(template)
    assert not failed.output.exists()
    workers = [pid for pid, name in compiled_in(compiles) if name == "runaway.docx"]
    assert len(workers) == 2 and os.getpid() not in workers  # replaced after the failure


def test_generate_keeps_its_worker_for_the_next_document(tmp_path: Path,
                                                         compiles: Path) -> None:
    template = tmp_path / "user_pa.docx"
    shutil.copyfile(BUILTIN, template)
    for number in range(3):
        generate(MOU, tmp_path / f"{number}.docx", template=str(template))
    user = [pid for pid, name in compiled_in(compiles) if name == "user_pa.docx"]
    assert len(user) == 1 and os.getpid() not in user
    assert (tmp_path / "0.docx").read_bytes() == (tmp_path / "2.docx").read_bytes()
