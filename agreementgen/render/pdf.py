"""Convert a rendered .docx to PDF with LibreOffice: through the process's long-lived LibreOffice
(:mod:`agreementgen.render.office`), or one started for the document when that cannot run."""

from __future__ import annotations

import bisect
import contextlib
import functools
import html
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agreementgen.errors import ConversionError, Problem
from agreementgen.i18n import DEFAULT_LANGUAGE, message

#: The names LibreOffice's command is installed under, in the order they are tried.
BINARIES = ("soffice", "libreoffice")
#: Seconds a conversion may take; a first start of LibreOffice takes a few.
TIMEOUT = 120.0
_OUTPUT_LIMIT = 2000

#: The Word parts whose text is printed.
_PRINTED_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_TEXT_RUN = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
#: Characters that need no glyph: controls, format characters (soft hyphen, joiners), spaces.
_NO_GLYPH = {"Cc", "Cf", "Zs", "Zl", "Zp"}
#: How many missing characters, and how much of a text holding one, a warning shows.
_SHOWN_CHARACTERS = 5
_SHOWN_TEXT = 60

log = logging.getLogger(__name__)


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


def docx_to_pdf(data: bytes, timeout: float = TIMEOUT, *, name: str = "") -> bytes:
    """The PDF of a .docx, converted by LibreOffice, with the contents list's page numbers.

    The process's LibreOffice server converts it (started on first need, kept for the next
    document, stopped when the process ends), after updating the document's indexes. Where
    that server cannot start (LibreOffice's Python bridge is missing) or fails on the
    document, one LibreOffice is started for this document alone, in a temporary profile of
    its own, and its PDF keeps the contents list as the document holds it (without page
    numbers). Text that no installed
    font can show (it would print as empty boxes) is logged as a warning on the
    ``agreementgen.render.pdf`` logger; without logging set up, Python prints it on stderr.

    Args:
        data: The bytes of a .docx.
        timeout: Seconds before the conversion is stopped (a server's start counts in).
        name: The file the PDF is for, named in the warning.

    Returns:
        The bytes of the PDF.

    Raises:
        ConversionError: LibreOffice is missing, failed, gave no PDF or took too long.
    """
    from agreementgen.render import office

    binary = find_soffice()
    started = time.monotonic()
    try:
        result = office.convert(data, binary, timeout)
    except office.Unavailable as exc:
        log.debug("no LibreOffice server (%s): one LibreOffice for this document", exc)
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise _error("soffice_timeout", seconds=f"{timeout:g}") from None
        result = convert_once(data, left, binary)
    except office.TimedOut:
        raise _error("soffice_timeout", seconds=f"{timeout:g}") from None
    except office.Failed as exc:
        # Once more, with a LibreOffice of its own: what one LibreOffice cannot convert
        # another rarely can, but a LibreOffice that died under the server can be the cause.
        log.debug("the LibreOffice server failed (%s): one LibreOffice for this document", exc)
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise _error("soffice_server_failed", reason=str(exc)[-_OUTPUT_LIMIT:]) from None
        result = convert_once(data, left, binary)
    missing = missing_glyphs(data)
    if missing is not None:
        warning = missing.warning()
        log.warning("%s", f"{name}: {warning}" if name else warning)
    return result


def prepare() -> None:
    """Start the process's LibreOffice server now, so it starts while a document is made.

    Nothing happens when LibreOffice is missing (:func:`docx_to_pdf` says so) or the server
    already runs.
    """
    from agreementgen.render import office

    binary = next(filter(None, map(shutil.which, BINARIES)), None)
    if binary is not None:
        office.prepare(binary)


def convert_once(data: bytes, timeout: float = TIMEOUT, binary: str | None = None) -> bytes:
    """The PDF of a .docx from a LibreOffice started for it alone (``soffice --convert-to``).

    Each conversion gets its own temporary folder and LibreOffice user profile, so parallel
    conversions (``batch``, a user's open LibreOffice) do not lock each other out. The
    document's indexes are not updated.

    Raises:
        ConversionError: LibreOffice is missing, failed, gave no PDF or took too long.
    """
    binary = binary or find_soffice()
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


class Coverage:
    """The characters some installed font has, as sorted, merged ranges of code points."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for first, last in sorted(ranges):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self._firsts = [first for first, _ in merged]
        self._lasts = [last for _, last in merged]

    def __contains__(self, character: object) -> bool:
        if not isinstance(character, str) or len(character) != 1:
            return False
        point = ord(character)
        at = bisect.bisect_right(self._firsts, point) - 1
        return at >= 0 and point <= self._lasts[at]

    @classmethod
    def from_charsets(cls, text: str) -> Coverage:
        """Parse fontconfig charsets, as ``fc-list --format '%{charset}\\n'`` prints them
        (``20-7e a0-36f 4e00``: hexadecimal code points and ranges), one font a line."""
        ranges = []
        for item in text.split():
            first, _, last = item.partition("-")
            try:
                ranges.append((int(first, 16), int(last or first, 16)))
            except ValueError:
                continue
        return cls(ranges)


@dataclass(frozen=True)
class MissingGlyphs:
    """Characters of a document that no installed font has: they print as empty boxes.

    Attributes:
        characters: The characters, in the order they first appear.
        text: A text of the document that holds the first of them.
    """

    characters: tuple[str, ...]
    text: str

    def warning(self) -> str:
        """The warning for a user: how many, which (with code points), where, and what to do."""
        shown = ", ".join(f"{c} U+{ord(c):04X}" for c in self.characters[:_SHOWN_CHARACTERS])
        return message("pdf_font_missing", DEFAULT_LANGUAGE, count=len(self.characters),
                       characters=shown, text=self.text)


def missing_glyphs(docx: bytes, coverage: Coverage | None = None) -> MissingGlyphs | None:
    """The characters of a .docx's printed text that no installed font has.

    Args:
        docx: The bytes of a .docx.
        coverage: What the fonts cover (default: the installed fonts, by fontconfig).

    Returns:
        The missing characters, or None when every character has a font or when it cannot
        be told (no fontconfig, an unreadable document).
    """
    coverage = coverage if coverage is not None else installed_fonts()
    if coverage is None:
        return None
    missing: dict[str, None] = {}
    sample = ""
    for text in printed_texts(docx):
        for character in text:
            if (character not in missing and unicodedata.category(character) not in _NO_GLYPH
                    and character not in coverage):
                missing[character] = None
                if not sample:
                    sample = _around(text, text.index(character))
    return MissingGlyphs(tuple(missing), sample) if missing else None


def printed_texts(docx: bytes) -> list[str]:
    """The texts of a .docx's body, headers, footers and notes (none if it cannot be read)."""
    import io

    texts = []
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            for member in archive.namelist():
                if _PRINTED_PARTS.fullmatch(member):
                    xml = archive.read(member).decode("utf-8", "replace")
                    texts += [html.unescape(t) for t in _TEXT_RUN.findall(xml)]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    return texts


@functools.cache
def installed_fonts() -> Coverage | None:
    """What the installed fonts cover, as fontconfig (which LibreOffice uses) lists them.

    Asked once per process; None when fontconfig's ``fc-list`` is not installed or fails.
    """
    binary = shutil.which("fc-list")
    if binary is None:
        return None
    try:
        done = subprocess.run([binary, "--format", "%{charset}\n"], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return Coverage.from_charsets(done.stdout.decode("ascii", "replace"))


def _around(text: str, at: int) -> str:
    """Up to _SHOWN_TEXT characters of ``text`` around position ``at``, on one line."""
    start = max(0, min(at - _SHOWN_TEXT // 2, len(text) - _SHOWN_TEXT))
    part = " ".join(text[start:start + _SHOWN_TEXT].split())
    return ("…" if start else "") + part + ("…" if start + _SHOWN_TEXT < len(text) else "")


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
