"""The long-lived LibreOffice: page numbers in the contents list, one server for many
documents, a time limit per document, the fallback, and no LibreOffice left behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agreementgen.errors import ConversionError
from agreementgen.generate import generate
from agreementgen.render import office
from agreementgen.render.pdf import docx_to_pdf
from tests.conftest import COCOA, MOU, soffice

pytestmark = pytest.mark.libreoffice

#: A contents entry as pdftotext prints it: a title, a leader of dots, a page number.
ENTRY = re.compile(r"^(?P<title>\S.*?)\.{4,}(?P<page>\d+)$")


@pytest.fixture(autouse=True)
def _fresh_server() -> Iterator[None]:
    office.stop()
    yield
    office.stop()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of this test's own, where the server makes its LibreOffice profile:
    a LibreOffice whose command line names it is this test's."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def processes_naming(text: str) -> list[str]:
    """The command lines of running processes that name ``text`` (zombies hold none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8",
                                                                                 "replace")
        except OSError:
            continue
        if text in line:
            found.append(f"{entry.name}: {line}")
    return found


def wait_until(condition: object, seconds: float) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")


def test_the_contents_list_of_a_pdf_has_page_numbers(tmp_path: Path) -> None:
    soffice()
    out = tmp_path / "cocoa.pdf"
    generate(COCOA, out)
    pages = pdf_pages(out)
    contents = [" ".join(line.split()) for line in pages[0].splitlines()]
    entries = [m for line in contents if (m := ENTRY.match(line.replace(" .", ".")))]
    titles = [m["title"].strip() for m in entries]
    assert titles[:3] == ["Parties", "1. Purpose", "2. Theory of change"], contents
    assert "Signatures" in titles and len(entries) >= 15
    numbers = [int(m["page"]) for m in entries]
    assert numbers == sorted(numbers) and numbers[0] >= 2 and numbers[-1] <= len(pages)
    # Each number is the page the heading is on.
    for match in entries[:4]:
        title = match["title"].strip().split(". ", 1)[-1]
        page = pages[int(match["page"]) - 1]
        assert any(line.strip().endswith(title) for line in page.splitlines()), title


def test_one_server_converts_many_documents(tmp_path: Path, private_tmp: Path) -> None:
    binary = soffice()
    data = (tmp_path / "mou.docx")
    generate(MOU, data)
    first = docx_to_pdf(data.read_bytes())
    group = office.running()
    assert group is not None and first.startswith(b"%PDF")
    assert docx_to_pdf(data.read_bytes()).startswith(b"%PDF")
    assert office.running() == group
    assert len([p for p in processes_naming(str(private_tmp)) if "soffice.bin" in p]) == 1
    office.stop()
    assert office.running() is None
    assert wait_until(lambda: not processes_naming(str(private_tmp)), 10), binary


def test_a_document_over_its_time_limit_stops_the_server_and_the_next_starts_one(
        tmp_path: Path, private_tmp: Path) -> None:
    soffice()
    data = tmp_path / "mou.docx"
    generate(MOU, data)
    docx_to_pdf(data.read_bytes())
    group = office.running()
    with pytest.raises(ConversionError, match=r"within 0\.01 seconds") as caught:
        docx_to_pdf(data.read_bytes(), timeout=0.01)
    assert caught.value.exit_code == 3
    assert office.running() is None
    assert wait_until(lambda: not processes_naming(str(private_tmp)), 10)
    assert docx_to_pdf(data.read_bytes()).startswith(b"%PDF")
    assert office.running() not in (None, group)


def test_a_libreoffice_that_dies_under_the_server_is_replaced(tmp_path: Path,
                                                             private_tmp: Path) -> None:
    soffice()
    data = tmp_path / "mou.docx"
    generate(MOU, data)
    docx_to_pdf(data.read_bytes())
    group = office.running()
    killed = [int(p.split(":")[0]) for p in processes_naming(str(private_tmp))
              if "soffice.bin" in p]
    assert len(killed) == 1
    os.kill(killed[0], signal.SIGKILL)
    assert wait_until(lambda: not any("soffice.bin" in p
                                      for p in processes_naming(str(private_tmp))), 10)
    # That document falls back to a LibreOffice of its own; the next gets a new server.
    assert docx_to_pdf(data.read_bytes()).startswith(b"%PDF")
    assert docx_to_pdf(data.read_bytes()).startswith(b"%PDF")
    assert office.running() not in (None, group)


def test_without_the_uno_bridge_each_document_gets_its_own_libreoffice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    soffice()
    # This test's Python has no UNO bridge (agreementgen never installs one in its venv).
    no_uno = subprocess.run([sys.executable, "-c", "import uno"], capture_output=True)
    if no_uno.returncode == 0:
        pytest.skip("this Python has the UNO bridge")
    monkeypatch.setenv(office.PYTHON_VARIABLE, sys.executable)
    out = tmp_path / "mou.pdf"
    generate(MOU, out)
    assert out.read_bytes().startswith(b"%PDF")
    assert office.running() is None
    with pytest.raises(office.Unavailable, match="uno"):
        office.convert(b"PK", shutil.which("soffice") or "soffice", 30)


def test_turned_off_the_server_is_not_started(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    soffice()
    monkeypatch.setenv(office.SERVER_VARIABLE, "0")
    out = tmp_path / "mou.pdf"
    generate(MOU, out)
    assert out.read_bytes().startswith(b"%PDF")
    assert office.running() is None


def _batch(tmp_path: Path, copies: int) -> tuple[list[str], dict[str, str]]:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for number in range(copies):
        shutil.copyfile(MOU, inputs / f"mou-{number}.yaml")
    private = tmp_path / "tmp"
    private.mkdir()
    command = [sys.executable, "-m", "agreementgen", "batch", str(inputs), "-o",
               str(tmp_path / "out"), "--format", "pdf", "--jobs", "2"]
    return command, {**os.environ, "TMPDIR": str(private)}


@pytest.mark.slow
def test_a_pdf_batch_leaves_no_libreoffice_running(tmp_path: Path) -> None:
    soffice()
    command, environment = _batch(tmp_path, 4)
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 4
    assert wait_until(lambda: not processes_naming(environment["TMPDIR"]), 10), \
        processes_naming(environment["TMPDIR"])


@pytest.mark.slow
def test_ctrl_c_during_a_pdf_batch_leaves_no_libreoffice_running(tmp_path: Path) -> None:
    soffice()
    command, environment = _batch(tmp_path, 20)
    # A session of its own, so the interrupt goes to the batch's group as a terminal's would.
    batch = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
    try:
        started = wait_until(lambda: any("soffice.bin" in p for p in
                                          processes_naming(environment["TMPDIR"])), 120)
        assert started, "no LibreOffice was started"
        os.killpg(batch.pid, signal.SIGINT)
        _, errors = batch.communicate(timeout=120)
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
            batch.wait()
    assert batch.returncode != 0
    assert b"Traceback" not in errors, errors.decode()
    assert wait_until(lambda: not processes_naming(environment["TMPDIR"]), 10), \
        processes_naming(environment["TMPDIR"])


@pytest.mark.slow
def test_a_killed_program_leaves_no_libreoffice_running(tmp_path: Path) -> None:
    soffice()
    private = tmp_path / "tmp"
    private.mkdir()
    docx = tmp_path / "mou.docx"
    generate(MOU, docx)
    script = ("import os, signal, sys\n"
              "from pathlib import Path\n"
              "from agreementgen.render.pdf import docx_to_pdf\n"
              f"docx_to_pdf(Path({str(docx)!r}).read_bytes())\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    environment = {**os.environ, "TMPDIR": str(private)}
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True,
                          timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert wait_until(lambda: not processes_naming(str(private)), 15), \
        processes_naming(str(private))
