"""A LibreOffice kept running for many conversions, spoken to as JSON lines on stdin and stdout.

This file runs as a script under a Python that has LibreOffice's UNO bridge (``import uno``):
Debian's ``python3-uno`` belongs to the system's Python, LibreOffice's own packages bring a
``python`` beside ``soffice``; neither need be the Python agreementgen runs under. So it uses
the standard library and UNO only, never agreementgen.

Usage: PYTHON office_server.py SOFFICE PROFILE_URL PIPE_NAME START_SECONDS

It starts ``soffice`` headless in its own process group (the client starts this server as the
leader of a new one), listening on a named local pipe (no network port), and connects to it.
Then it answers:

- on start: ``{"ready": true}``, or ``{"ready": false, "error": CODE,
  "detail": TEXT}`` and exits (CODE ``no_uno``: this Python has no UNO bridge; ``no_start``:
  LibreOffice did not start or answer in time);
- per request line ``{"source": PATH, "target": PATH}``: loads the .docx at PATH, updates its
  indexes (the table of contents gets its page numbers), writes the PDF to
  ``target`` and answers ``{"ok": true}`` or ``{"ok": false, "detail": TEXT}``.

At the end of its input (the client closed it, or died) it kills its process group, LibreOffice
with it, so no LibreOffice outlives the program that asked for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

#: How often to try the connection while LibreOffice starts.
_POLL_SECONDS = 0.02


def main(argv: list[str]) -> int:
    """Start LibreOffice, answer requests until the input ends, then stop it."""
    soffice, profile_url, pipe_name, start_seconds = argv[1], argv[2], argv[3], float(argv[4])
    # Replies go to a private copy of stdout; anything else printed (by UNO, say) to stderr.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    def reply(**values: Any) -> None:
        replies.write(json.dumps(values) + "\n")
        replies.flush()

    import importlib.util

    if importlib.util.find_spec("uno") is None:
        reply(ready=False, error="no_uno", detail=f"{sys.executable}: No module named 'uno'")
        return 3
    command = [soffice, "--headless", "--invisible", "--nocrashreport", "--nodefault",
               "--nologo", "--nofirststartwizard", "--norestore", "--nolockcheck",
               f"-env:UserInstallation={profile_url}",
               f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext"]
    try:
        # LibreOffice first: it starts while the UNO bridge loads (found above, so it is
        # there; one that fails to load stops LibreOffice again below).
        office = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
    except OSError as exc:
        reply(ready=False, error="no_start", detail=f"{soffice}: {exc.strerror or exc}")
        return 3
    try:
        try:
            import uno
        except ImportError as exc:
            reply(ready=False, error="no_uno", detail=f"{sys.executable}: {exc}")
            return 3
        desktop = _connect(uno, office, pipe_name, start_seconds)
        if isinstance(desktop, str):
            reply(ready=False, error="no_start", detail=desktop)
            return 3
        reply(ready=True)
        for line in sys.stdin:
            request = json.loads(line)
            try:
                _convert(uno, desktop, request["source"], request["target"])
            except Exception as exc:  # a UNO error: reported, and the next request is served
                reply(ok=False, detail=f"{type(exc).__name__}: {exc}")
            else:
                reply(ok=True)
        return 0
    finally:
        _stop(office)


def _stop(office: subprocess.Popen[bytes]) -> None:
    """Kill LibreOffice: ``soffice`` starts ``soffice.bin``, which outlives a killed parent, so
    the whole process group goes when this server leads one (as its client starts it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), signal.SIGKILL)  # this server too: it is done
        office.kill()
    office.wait()


def _connect(uno: Any, office: subprocess.Popen[bytes], pipe_name: str,
             start_seconds: float) -> Any:
    """The desktop of the LibreOffice just started, or a text saying why there is none."""
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + start_seconds
    while True:
        try:
            context = resolver.resolve(url)
            break
        except NoConnectException:
            pass
        if office.poll() is not None:
            return f"LibreOffice stopped while starting (exit code {office.returncode})"
        if time.monotonic() > deadline:
            return f"LibreOffice did not answer within {start_seconds:g} seconds"
        time.sleep(_POLL_SECONDS)
    return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop",
                                                            context)


def _convert(uno: Any, desktop: Any, source: str, target: str) -> None:
    """Open ``source`` hidden and read-only, update its indexes, export a PDF."""
    from com.sun.star.beans import PropertyValue

    def props(**values: Any) -> tuple[Any, ...]:
        return tuple(PropertyValue(Name=k, Value=v) for k, v in values.items())

    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                            props(Hidden=True, ReadOnly=True))
    if document is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        indexes = document.getDocumentIndexes()
        before = _entries(indexes)
        _update(indexes)
        if _entries(indexes) != before:
            # The contents list grew or shrank, which can move what follows to other pages:
            # once more, so its entries get those pages (as unoserver does).
            _update(indexes)
        document.storeToURL(uno.systemPathToFileUrl(target),
                            props(FilterName="writer_pdf_Export"))
    finally:
        document.close(True)


def _update(indexes: Any) -> None:
    for number in range(indexes.getCount()):
        indexes.getByIndex(number).update()


def _entries(indexes: Any) -> list[int]:
    """How many lines with text each index (the contents list) holds."""
    texts = (indexes.getByIndex(n).getAnchor().getString() for n in range(indexes.getCount()))
    return [sum(1 for line in text.splitlines() if line.strip()) for text in texts]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
