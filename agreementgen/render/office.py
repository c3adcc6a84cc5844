"""One LibreOffice per process, kept running for every PDF the process converts.

Starting LibreOffice costs a second or more; converting a document with one that runs costs a
fraction of that. The first PDF a process asks for starts a small server
(:mod:`agreementgen.render.office_server`) under a Python that has LibreOffice's UNO bridge;
that server starts LibreOffice, and converts each document it is sent, updating the document's
indexes first so the contents list has its page numbers.

The server and its LibreOffice run in a process group of their own, so Ctrl-C at the terminal
reaches only this process, which stops them (:func:`stop`, also at exit and at the end of a
pool worker). Should this process die without stopping them, the server sees its input end
and stops LibreOffice itself. A conversion that takes longer than its time limit stops both;
the next document starts them again, as after a document LibreOffice fails to convert. When
the server cannot start (no UNO bridge, LibreOffice exits at once), :func:`convert` says so
and the caller converts as before, one LibreOffice per document; this process then does not
try again.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["PYTHON_VARIABLE", "SERVER_VARIABLE", "START_SECONDS", "Failed", "TimedOut",
           "Unavailable", "convert", "prepare", "pythons", "running", "stop"]

#: Names the Python that runs the server; by default the first of :func:`pythons` that works.
PYTHON_VARIABLE = "AGREEMENTGEN_OFFICE_PYTHON"
#: Set to 0 to convert every document with a LibreOffice of its own, as before the server.
SERVER_VARIABLE = "AGREEMENTGEN_OFFICE_SERVER"
#: Seconds LibreOffice may take to start and answer (a first start makes its profile).
START_SECONDS = 60.0
SERVER_SCRIPT = Path(__file__).with_name("office_server.py")


class Unavailable(Exception):
    """The server could not be started; the reason is the exception's text."""


class TimedOut(Exception):
    """A conversion took longer than its time limit; the server has been stopped."""


class Failed(Exception):
    """LibreOffice could not convert the document; the reason is the exception's text."""


@dataclass
class _Server:
    """A running server: its process (leader of the group LibreOffice runs in) and work folder."""

    soffice: str
    process: subprocess.Popen[bytes]
    folder: Path
    #: The Pythons still to try should this one have no UNO bridge.
    others: list[str]
    #: Whether the profile came from the profile cache (:func:`_profile_cache`).
    cached_profile: bool
    ready: bool = False
    pending: bytes = b""
    count: int = 0

    def request(self, values: dict[str, Any], seconds: float) -> dict[str, Any]:
        """Send one request line and wait at most ``seconds`` for the answer line."""
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(values).encode("utf-8") + b"\n")
        stdin.flush()
        return _read_reply(self.process, self, time.monotonic() + seconds)

    def kill(self) -> None:
        """Stop LibreOffice and the server at once, and remove the work folder."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_lock = threading.Lock()
_server: _Server | None = None
#: LibreOffice commands whose server could not start in this process, with the reason.
_unavailable: dict[str, str] = {}
#: Servers of the parent of a forked process: never used or stopped here.
_inherited: list[_Server] = []
_stop_registered = False


def convert(data: bytes, soffice: str, seconds: float) -> bytes:
    """The PDF of a .docx, made by this process's LibreOffice server (started when needed).

    Args:
        data: The bytes of a .docx.
        soffice: The LibreOffice command; a server of another command is replaced.
        seconds: Time limit, counted from this call (a server's start counts too).

    Returns:
        The bytes of the PDF.

    Raises:
        Unavailable: The server cannot start here (now or earlier in this process).
        TimedOut: The time ran out; the server was stopped.
        Failed: LibreOffice could not open or convert the document.
    """
    deadline = time.monotonic() + seconds
    with _lock:
        server = _running_for(soffice, deadline)
        folder = Path(tempfile.mkdtemp(prefix="doc-", dir=server.folder))
        try:
            source, target = folder / "agreement.docx", folder / "agreement.pdf"
            source.write_bytes(data)
            try:
                answer = server.request({"source": str(source), "target": str(target)},
                                        deadline - time.monotonic())
            except BaseException as exc:
                # Timed out, died with the document, or interrupted (Ctrl-C) while its answer
                # is still to come: this server is done with.
                _drop(server)
                if isinstance(exc, OSError | ValueError):
                    raise Failed(str(exc) or type(exc).__name__) from None
                raise
            server.count += 1
            if not answer.get("ok"):
                # LibreOffice may have died under the server: the next document gets a new one.
                _drop(server)
                raise Failed(str(answer.get("detail") or "-"))
            if server.count == 1 and not server.cached_profile:
                _keep_profile(server)
            result = target.read_bytes() if target.is_file() else b""
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if not result.startswith(b"%PDF"):
        raise Failed("LibreOffice wrote no PDF")
    return result


def running() -> int | None:
    """The process group of this process's LibreOffice server, while it runs."""
    return _server.process.pid if _server is not None else None


def stop() -> None:
    """Stop this process's server and its LibreOffice, if they run; the next document starts
    them again (also where they could not start before)."""
    global _server
    with _lock:
        _unavailable.clear()
        if _server is not None:
            server, _server = _server, None
            server.kill()


def pythons(soffice: str) -> list[str]:
    """The Pythons that may have LibreOffice's UNO bridge, in the order they are tried.

    :data:`PYTHON_VARIABLE` when set; else LibreOffice's own (beside ``soffice``, as its
    Windows and macOS packages ship it), the system's (Debian's ``python3-uno``), and this one.
    """
    chosen = os.environ.get(PYTHON_VARIABLE, "").strip()
    if chosen:
        return [chosen]
    program = Path(os.path.realpath(soffice)).parent
    found = [str(program / "python"), str(program / "python.exe"), "/usr/bin/python3",
             sys.executable]
    return list(dict.fromkeys(p for p in found if os.access(p, os.X_OK)))


def prepare(soffice: str) -> None:
    """Start this process's server for ``soffice`` now, without waiting for it: LibreOffice
    starts while the document is rendered. Nothing happens where it cannot start."""
    global _server
    if os.environ.get(SERVER_VARIABLE, "").strip() == "0":
        return
    with _lock:
        if _server is None and soffice not in _unavailable:
            _server = _spawn(soffice, pythons(soffice))
            _register_stop()


def _running_for(soffice: str, deadline: float) -> _Server:
    """This process's server for ``soffice``, ready for a document; started when none runs.

    Raises:
        Unavailable: No Python has the UNO bridge, or LibreOffice would not start (this is
            remembered for the rest of the process).
        TimedOut: LibreOffice did not answer before ``deadline``.
    """
    global _server
    if os.environ.get(SERVER_VARIABLE, "").strip() == "0":
        raise Unavailable(f"{SERVER_VARIABLE}=0")
    if _server is not None and (_server.soffice != soffice
                                or (_server.ready and _server.process.poll() is not None)):
        _drop(_server)
    if _server is None:
        if soffice in _unavailable:
            raise Unavailable(_unavailable[soffice])
        _server = _spawn(soffice, pythons(soffice))
        _register_stop()
    reasons = []
    while not _server.ready:
        server = _server
        try:
            answer = _read_reply(server.process, server, deadline)
        except TimedOut:
            _drop(server)
            raise
        except (OSError, ValueError) as exc:
            answer = {"ready": False, "error": "no_start", "detail": str(exc) or "no answer"}
        if answer.get("ready"):
            server.ready = True
            break
        _drop(server)
        reasons.append(str(answer.get("detail") or answer.get("error") or "-"))
        if answer.get("error") != "no_uno" or not server.others:
            _unavailable[soffice] = "; ".join(reasons)
            raise Unavailable(_unavailable[soffice])
        _server = _spawn(soffice, server.others)
    return _server


def _drop(server: _Server) -> None:
    global _server
    if _server is server:
        _server = None
    server.kill()


def _spawn(soffice: str, candidates: list[str]) -> _Server:
    """Start the server under the first of ``candidates`` that can be run; not waiting.

    Raises:
        Unavailable: None of them can be run (remembered).
    """
    reasons = []
    for number, python in enumerate(candidates):
        folder = Path(tempfile.mkdtemp(prefix="agreementgen-office-"))
        profile = folder / "profile"
        cached = _copy_cached_profile(soffice, profile)
        pipe = f"agreementgen-{os.getpid()}-{secrets.token_hex(6)}"
        # PYTHONSAFEPATH: the script's own folder (this package's) stays off the server's path.
        environment = {**os.environ, "PYTHONSAFEPATH": "1"}
        try:
            process = subprocess.Popen(
                [python, str(SERVER_SCRIPT), soffice, profile.as_uri(), pipe,
                 f"{START_SECONDS:g}"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=environment, start_new_session=True)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            reasons.append(f"{python}: {exc.strerror or exc}")
            continue
        return _Server(soffice, process, folder, candidates[number + 1:], cached)
    _unavailable[soffice] = "; ".join(reasons) or "no Python found"
    raise Unavailable(_unavailable[soffice])


def _profile_cache(soffice: str) -> Path | None:
    """Where a LibreOffice profile made by this LibreOffice is kept between runs.

    LibreOffice takes about a second longer to start with an empty profile than with one it
    made before; each server starts from a copy, so servers never share one. The folder's name
    changes with the LibreOffice installed. None when there is no cache folder.
    """
    real = os.path.realpath(soffice)
    try:
        stamp = os.stat(real).st_mtime_ns
    except OSError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    key = hashlib.sha256(f"{real}\0{stamp}".encode()).hexdigest()[:16]
    return Path(base) / "agreementgen" / f"libreoffice-profile-{key}"


def _copy_cached_profile(soffice: str, profile: Path) -> bool:
    """Start ``profile`` as a copy of the cached one; whether there was one."""
    cache = _profile_cache(soffice)
    if cache is None or not cache.is_dir():
        return False
    try:
        shutil.copytree(cache, profile, symlinks=True)
    except OSError:
        shutil.rmtree(profile, ignore_errors=True)
        return False
    return True


def _keep_profile(server: _Server) -> None:
    """After a first conversion from an empty profile: keep a copy of it for later servers
    (made whole under another name, then renamed in place; a cache that cannot be written is
    done without)."""
    cache = _profile_cache(server.soffice)
    if cache is None or cache.exists():
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".profile-", dir=cache.parent))
        shutil.copytree(server.folder / "profile", scratch / "profile", symlinks=True)
        os.rename(scratch / "profile", cache)
    except OSError:
        pass
    finally:
        with contextlib.suppress(NameError):
            shutil.rmtree(scratch, ignore_errors=True)


def _read_reply(process: subprocess.Popen[bytes], server: _Server,
                deadline: float) -> dict[str, Any]:
    """The next JSON line the server writes, waiting until ``deadline`` at most.

    Raises:
        TimedOut: No whole line came in time.
        OSError: The server ended without answering.
        ValueError: It answered something that is not a JSON object.
    """
    stdout: IO[bytes] | None = process.stdout
    assert stdout is not None
    descriptor = stdout.fileno()
    while b"\n" not in server.pending:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimedOut()
        ready, _, _ = select.select([descriptor], [], [], left)
        if not ready:
            continue
        chunk = os.read(descriptor, 65536)
        if not chunk:
            raise OSError(f"the server ended (exit code {process.poll()})")
        server.pending += chunk
    line, _, server.pending = server.pending.partition(b"\n")
    answer = json.loads(line)
    if not isinstance(answer, dict):
        raise ValueError(f"unexpected answer: {line[:200]!r}")
    return answer


def _register_stop() -> None:
    """Stop the server when this process ends: at exit, or at a pool worker's end."""
    global _stop_registered
    if _stop_registered:
        return
    _stop_registered = True
    import multiprocessing
    import multiprocessing.util

    if multiprocessing.parent_process() is not None:
        # A multiprocessing child leaves through os._exit, after its finalizers; not atexit.
        multiprocessing.util.Finalize(None, stop, exitpriority=100)
    else:
        atexit.register(stop)


def _forget_in_child() -> None:
    """In a forked child: the parent's server is the parent's. Point this process's copies of
    its pipes at /dev/null (so the server still sees its input end when the parent goes) and
    keep the objects, so nothing here ever stops it."""
    global _server, _lock, _stop_registered
    _lock = threading.Lock()
    _stop_registered = False
    if _server is not None:
        server, _server = _server, None
        _inherited.append(server)
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_RDWR)
            for stream in (server.process.stdin, server.process.stdout):
                if stream is not None:
                    os.dup2(null, stream.fileno())
            os.close(null)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
