"""Output files: what a target may be, no replace without --force (races too), folders, suffixes."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreementgen import writing
from agreementgen.cli import cli
from agreementgen.errors import AgreementGenError, OutputError
from agreementgen.generate import Generated, generate
from agreementgen.writing import check_target, write_atomic
from tests.conftest import MOU

KNOWN_SUFFIXES = ".docx, .pdf, .md, .markdown, .html, .htm"


def run(runner: CliRunner, out: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["generate", str(MOU), "-o", str(out), "--quiet", *args])
    return result.exit_code, result.stdout, result.stderr


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- what a target may be -----------------------------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
    except OSError as exc:  # a path too long for a socket address
        pytest.skip(f"cannot make a socket here: {exc}")
    finally:
        server.close()


def _character_device(path: Path) -> None:
    try:  # the numbers of /dev/null; this node is ours, in tmp_path
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("cannot make a device node here")


@pytest.mark.parametrize(("make", "says"), [
    (_fifo, "this is a named pipe (FIFO), not a regular file"),
    (_socket, "this is a socket, not a regular file"),
    (_character_device, "this is a character device, not a regular file"),
    (_folder, "this is a folder; name the file to write"),
])
def test_force_does_not_replace_what_is_not_a_file(runner: CliRunner, tmp_path: Path,
                                                   make: Callable[[Path], None],
                                                   says: str) -> None:
    out = tmp_path / "s.docx"
    make(out)
    kind = stat.S_IFMT(out.lstat().st_mode)
    code, stdout, stderr = run(runner, out, "--force")
    assert code == 1, stdout
    assert stderr.startswith(f"{out}: {says}")
    assert "Traceback" not in stderr
    assert stat.S_IFMT(out.lstat().st_mode) == kind
    assert leftovers(tmp_path) == []


def test_a_non_file_is_refused_when_the_file_is_put_in_place(tmp_path: Path) -> None:
    # The name can change between the first check and the write: the write checks again.
    out = tmp_path / "agreement.docx"
    os.mkfifo(out)
    with pytest.raises(OutputError) as caught:
        write_atomic(out, b"PK")
    assert caught.value.problems[0].code == "output_not_a_file"
    assert stat.S_ISFIFO(out.lstat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_symbolic_link_is_refused_even_with_force(runner: CliRunner, tmp_path: Path) -> None:
    real = tmp_path / "real.docx"
    real.write_bytes(b"keep me")
    out = tmp_path / "link.docx"
    out.symlink_to(real)
    for args in ((), ("--force",)):
        code, stdout, stderr = run(runner, out, *args)
        assert code == 1, stdout
        assert stderr.startswith(f"{out}: this is a symbolic link to {real}; ")
        assert f"remove the link, or write to {real}" in stderr
    assert out.is_symlink() and real.read_bytes() == b"keep me"


def test_a_dangling_symbolic_link_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "link.docx"
    out.symlink_to(tmp_path / "nowhere.docx")
    code, _, stderr = run(runner, out)
    assert code == 1
    assert "this is a symbolic link to" in stderr
    assert out.is_symlink() and not (tmp_path / "nowhere.docx").exists()


def test_a_folder_through_a_link_is_fine(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    code, stdout, _ = run(runner, tmp_path / "linked" / "agreement.md")
    assert code == 0, stdout
    assert (tmp_path / "real" / "agreement.md").is_file()


# --- no replace without --force, even in a race ----------------------------------------------


def test_racing_runs_write_one_file_and_report_the_others_as_existing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agreementgen.generate as pipeline

    out = tmp_path / "agreement.docx"
    generate(MOU, tmp_path / "warm.docx")  # compile the template once, outside the race
    runs = 6
    # Every run passes the first check (the name is free), then all put their file in place
    # at once: the window in which the old code replaced a file another run had just written.
    barrier = threading.Barrier(runs)
    real = pipeline.write_atomic

    def at_once(*args: object, **kwargs: object) -> None:
        barrier.wait(timeout=60)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "write_atomic", at_once)
    results: list[Generated | AgreementGenError] = []

    def one() -> None:
        try:
            results.append(generate(MOU, out))
        except AgreementGenError as exc:
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == runs
    wrote = [r for r in results if isinstance(r, Generated)]
    refused = [r for r in results if isinstance(r, OutputError)]
    assert len(wrote) == 1 and len(refused) == runs - 1, results
    for error in refused:
        assert error.lines() == [f"{out}: the file exists; use --force to overwrite it"]
    assert out.read_bytes()[:2] == b"PK"
    assert leftovers(tmp_path) == []


def test_racing_command_lines_write_one_file(tmp_path: Path) -> None:
    out = tmp_path / "agreement.md"
    command = [sys.executable, "-m", "agreementgen", "generate", str(MOU), "-o", str(out),
               "--quiet"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
    finished = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    wrote = [f for f in finished if f[0] == 0]
    assert len(wrote) == 1, finished
    assert wrote[0][1].startswith(f"wrote {out}")
    for code, _, stderr in (f for f in finished if f[0] != 0):
        assert code == 1
        assert stderr == f"{out}: the file exists; use --force to overwrite it\n"
    assert leftovers(tmp_path) == []


@pytest.fixture
def no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """A filesystem without hard links (FAT, some network shares): link() gives EPERM."""
    import agreementgen.writing as writing

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(writing.os, "link", refuse)


def test_without_hard_links_a_new_file_is_still_written(tmp_path: Path,
                                                        no_hard_links: None) -> None:
    out = tmp_path / "agreement.docx"
    write_atomic(out, b"new", replace=False)
    assert out.read_bytes() == b"new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()
    assert leftovers(tmp_path) == []


def test_without_hard_links_an_existing_file_is_kept(tmp_path: Path,
                                                     no_hard_links: None) -> None:
    out = tmp_path / "agreement.docx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputError) as caught:
        write_atomic(out, b"new", replace=False)
    assert caught.value.lines() == [f"{out}: the file exists; use --force to overwrite it"]
    assert out.read_bytes() == b"keep me"
    assert leftovers(tmp_path) == []


def test_with_hard_links_an_existing_file_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "agreement.docx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputError):
        write_atomic(out, b"new", replace=False)
    assert out.read_bytes() == b"keep me"
    assert out.stat().st_nlink == 1
    assert leftovers(tmp_path) == []


def test_a_full_disk_is_an_output_error_without_force(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import agreementgen.writing as writing

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing.os, "link", full_disk)
    out = tmp_path / "agreement.docx"
    with pytest.raises(OutputError) as caught:
        write_atomic(out, b"PK", replace=False)
    assert caught.value.lines() == [f"{out}: cannot write the file: No space left on device"]
    assert list(tmp_path.iterdir()) == []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- folders that cannot be written ---------------------------------------------------------


@contextlib.contextmanager
def read_only_folder() -> Iterator[Path]:
    """A folder only root could write to, which everyone may enter (not inside tmp_path,
    whose parents are private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="agreementgen-ro-"))
    try:
        folder.chmod(0o555)
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def as_unprivileged(call: Callable[[], None]) -> str:
    """Run ``call`` as a user without root's rights (root passes every permission check).

    Returns:
        The lines of the AgreementGenError it raised, or the name of any other exception.
    """
    if os.geteuid() != 0:
        try:
            call()
        except AgreementGenError as exc:
            return "\n".join(exc.lines())
        except Exception as exc:
            return f"unexpected {type(exc).__name__}: {exc}"
        return "no error"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become 'nobody', try, and tell the parent what happened
        text = "no error"
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            call()
        except AgreementGenError as exc:
            text = "\n".join(exc.lines())
        except BaseException as exc:
            text = f"unexpected {type(exc).__name__}: {exc}"
        finally:
            os.write(write, text.encode("utf-8"))
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        text = pipe.read().decode("utf-8")
    os.waitpid(pid, 0)
    return text


def test_a_folder_without_write_permission_is_a_clear_error() -> None:
    with read_only_folder() as folder:
        out = folder / "agreement.docx"

        def write() -> None:
            check_target(out, force=False)
            write_atomic(out, b"PK", replace=False)

        said = as_unprivileged(write)
        assert said == (f"{out}: cannot make a file in the folder {folder}: Permission denied; "
                        "choose a folder you may write to, or ask its owner for write "
                        "permission")
        assert list(folder.iterdir()) == []


def test_write_atomic_reports_a_folder_it_cannot_make_files_in(tmp_path: Path) -> None:
    # For root too: the "folder" is a regular file, so no file can be made in it.
    blocker = tmp_path / "out"
    blocker.write_bytes(b"")
    out = blocker / "agreement.docx"
    with pytest.raises(OutputError) as caught:
        write_atomic(out, b"PK")
    assert caught.value.problems[0].code == "output_folder_unwritable"
    assert caught.value.lines()[0].startswith(
        f"{out}: cannot make a file in the folder {blocker}: Not a directory; ")


def test_a_long_file_name_still_gets_a_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / ("a" * 240 + ".docx")
    write_atomic(out, b"PK", replace=False)
    assert out.read_bytes() == b"PK"


# --- suffixes -------------------------------------------------------------------------------


def test_an_unknown_suffix_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "agreement.txt"
    code, _, stderr = run(runner, out)
    assert code == 2
    assert "'.txt' is not a suffix agreementgen writes" in stderr
    assert KNOWN_SUFFIXES in stderr and "--format" in stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_unknown_suffix_is_written_as_the_format_says(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "agreement.txt"
    code, stdout, _ = run(runner, out, "--format", "md")
    assert code == 0, stdout
    assert "\n# Memorandum of Understanding" in out.read_text(encoding="utf-8")


def test_a_name_without_a_suffix_gets_a_word_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "agreement"
    code, stdout, _ = run(runner, out)
    assert code == 0, stdout
    assert out.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement"]


def test_the_library_refuses_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught:
        generate(MOU, tmp_path / "agreement.txt")
    assert caught.value.problems[0].code == "output_suffix_unknown"
    assert KNOWN_SUFFIXES in caught.value.message
    assert list(tmp_path.iterdir()) == []


# --- missing folders ------------------------------------------------------------------------


def test_generate_makes_the_missing_folders(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "agreement.docx"
    code, stdout, _ = run(runner, out)
    assert code == 0, stdout
    assert out.read_bytes()[:2] == b"PK"


def test_a_failed_generate_leaves_no_new_folder(runner: CliRunner, tmp_path: Path,
                                                write_yaml: Callable[..., Path]) -> None:
    broken = write_yaml("agreement: [")
    result = runner.invoke(cli, ["generate", str(broken), "-o",
                                 str(tmp_path / "new" / "agreement.docx")])
    assert result.exit_code == 1
    assert not (tmp_path / "new").exists()


def test_a_file_in_place_of_the_folder_is_a_clear_error(runner: CliRunner,
                                                        tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_bytes(b"a file, not a folder")
    out = blocker / "deeper" / "agreement.docx"
    code, stdout, stderr = run(runner, out)
    assert code == 1, stdout
    assert stderr == (f"{out}: {blocker} is a file, not a folder, so nothing can be written "
                      "inside it; choose another folder\n")
    assert blocker.read_bytes() == b"a file, not a folder"


def test_a_failed_write_removes_the_folders_it_made(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "agreement.docx"
    with pytest.raises(OutputError), writing.folder_for(out):
        assert out.parent.is_dir()
        raise OutputError("another run took the name")
    assert list(tmp_path.iterdir()) == []


def test_a_lost_race_in_a_new_folder_leaves_no_folder(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import agreementgen.generate as pipeline

    def lost(path: Path, data: bytes, **kwargs: object) -> None:
        raise OutputError("the file exists")

    monkeypatch.setattr(pipeline, "write_atomic", lost)
    with pytest.raises(OutputError):
        generate(MOU, tmp_path / "new" / "agreement.md")
    assert list(tmp_path.iterdir()) == []


def test_templates_new_makes_its_folder(runner: CliRunner, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # The README's own example, on a fresh checkout.
    result = runner.invoke(cli, ["templates", "new", "acme", "--from", "partnership_agreement",
                                 "--dir", "my-templates"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "my-templates" / "acme" / "template.docx").is_file()


def test_a_failed_templates_new_leaves_no_folder(runner: CliRunner, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["templates", "new", "acme", "--from", "nope",
                                 "--dir", "my-templates"])
    assert result.exit_code == 1
    assert "no built-in template named 'nope'" in result.stderr
    assert list(tmp_path.iterdir()) == []
