"""Convert a rendered .docx to PDF with LibreOffice, headless, in a throwaway profile."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from agreementgen.errors import ConversionError, Problem
from agreementgen.i18n import DEFAULT_LANGUAGE, message

#: The names LibreOffice's command is installed under, in the order they are tried.
BINARIES = ("soffice", "libreoffice")
#: Seconds a conversion may take; a first start of LibreOffice takes a few.
TIMEOUT = 120.0
_OUTPUT_LIMIT = 2000


def find_soffice() -> str:
    """The LibreOffice command on PATH.

    Raises:
        ConversionError: LibreOffice is not installed (exit code 3).
    """
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    raise _error("soffice_missing")


def docx_to_pdf(data: bytes, timeout: float = TIMEOUT) -> bytes:
    """The PDF of a .docx, converted by LibreOffice.

    Each conversion gets its own temporary folder and LibreOffice user profile, so parallel
    conversions (``batch``, a user's open LibreOffice) do not lock each other out.

    Args:
        data: The bytes of a .docx.
        timeout: Seconds before the conversion is stopped.

    Returns:
        The bytes of the PDF.

    Raises:
        ConversionError: LibreOffice is missing, failed, gave no PDF or took too long.
    """
    binary = find_soffice()
    with tempfile.TemporaryDirectory(prefix="agreementgen-pdf-") as folder:
        work = Path(folder)
        source = work / "agreement.docx"
        source.write_bytes(data)
        command = [binary, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={(work / 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", str(work / "out"), str(source)]
        output, returncode = _run(command, timeout)
        pdf = work / "out" / "agreement.pdf"
        if returncode != 0 or not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            raise _error("soffice_failed", status=returncode,
                         output=output.strip()[-_OUTPUT_LIMIT:] or message("soffice_no_output"))
        return pdf.read_bytes()


def _run(command: list[str], timeout: float) -> tuple[str, int]:
    """Run LibreOffice in its own process group, so a timeout stops all of its processes."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise _error("soffice_failed", status="-", output=exc.strerror or str(exc)) from None
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise _error("soffice_timeout", seconds=f"{timeout:g}") from None
    except BaseException:
        _stop(process)
        raise
    return out.decode("utf-8", "replace"), process.returncode


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the whole group: soffice starts soffice.bin, which outlives a killed parent."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _error(code: str, **values: object) -> ConversionError:
    text = message(code, DEFAULT_LANGUAGE, **values)
    return ConversionError(text, [Problem("soffice", text, code=code)])
