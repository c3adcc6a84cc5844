"""Compiled template code kept between runs, so a new process does not compile the same texts.

Compiling the built-in template and the clause texts is most of what one ``generate`` does
before it renders. The Python code Jinja makes of a text depends only on the text, the
environment's settings and the code of Jinja, Python and agreementgen's sandbox; it is kept
under that key in the user's cache folder (``$XDG_CACHE_HOME/agreementgen``, else
``~/.cache/agreementgen``), as Python keeps its bytecode in ``__pycache__``. So is a template
part as docxtpl's clean-up rewrites it, under the part's text and docxtpl's source.

A text the sandbox refuses is never stored (it raises before it is compiled), so every stored
text passed the same checks. The folder is used only when it belongs to this user and no one
else may write to it. :data:`CACHE_VARIABLE` set to ``0`` turns the cache off; set to a
folder, it puts it there.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path
from types import CodeType

__all__ = ["CACHE_VARIABLE", "MAX_ENTRIES", "folder", "load", "load_text", "store",
           "user_folder"]

CACHE_VARIABLE = "AGREEMENTGEN_CACHE"
#: Texts kept; beyond, new texts are compiled each time (a user's templates come and go).
MAX_ENTRIES = 2048
#: The modules whose code shapes what compiling makes (the sandbox's code generator and its
#: check of names): a change to one of them is a new cache.
_SHAPING = ("sandbox.py", "guard.py")

_stored = 0


def key(settings: str, source: str, name: str | None, filename: str | None) -> str:
    """The cache key of one text compiled by an environment with ``settings``."""
    digest = hashlib.sha256()
    for part in (settings, name or "", filename or "", source):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def load(entry: str) -> CodeType | None:
    """The code stored under ``entry``, or None (none stored, unreadable, or no cache)."""
    code = _read(entry)
    return code if isinstance(code, CodeType) else None


def load_text(entry: str) -> str | None:
    """The text stored under ``entry`` (a template part as patched), or None."""
    text = _read(entry)
    return text if isinstance(text, str) else None


def _read(entry: str) -> object:
    where = folder()
    if where is None:
        return None
    try:
        return marshal.loads((where / entry).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def store(entry: str, code: CodeType | str) -> None:
    """Keep ``code`` (or a text) under ``entry``: written whole under another name, then
    renamed in place.

    Nothing happens when there is no cache, it is full, or it cannot be written.
    """
    global _stored
    where = folder()
    if where is None or _stored >= MAX_ENTRIES or _entries(where) + _stored >= MAX_ENTRIES:
        return
    try:
        handle, scratch = tempfile.mkstemp(prefix=".", dir=where)
        with os.fdopen(handle, "wb") as out:
            out.write(marshal.dumps(code))
        os.replace(scratch, where / entry)
    except (OSError, ValueError):
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(scratch)
        return
    _stored += 1


def folder() -> Path | None:
    """This run's cache folder (made when missing), or None when there is to be none."""
    return user_folder(f"jinja-{_versions()}")


def user_folder(name: str) -> Path | None:
    """The folder ``name`` in the user's cache (made when missing), or None when the cache
    is turned off or the folder is not the user's own."""
    chosen = os.environ.get(CACHE_VARIABLE, "").strip()
    if chosen == "0":
        return None
    if chosen:
        base = Path(chosen)
    else:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = Path(home) / "agreementgen"
    return _usable(base / name)


@functools.cache
def _usable(path: Path) -> Path | None:
    """``path``, made when missing, if it is a folder of this user's that others cannot write."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return path if private and owned else None


@functools.cache
def _entries(path: Path) -> int:
    """How many texts the folder held when this process first wrote to it."""
    try:
        return sum(1 for _ in os.scandir(path))
    except OSError:
        return MAX_ENTRIES


@functools.cache
def _versions() -> str:
    """What the compiled code depends on besides the text: Python's bytecode, Jinja, this
    package, and the modules that shape compiling."""
    import jinja2

    from agreementgen._version import __version__

    parts = [sys.implementation.cache_tag or sys.version, jinja2.__version__, __version__]
    here = Path(__file__).parent
    for name in _SHAPING:
        try:
            info = (here / name).stat()
            parts.append(f"{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
