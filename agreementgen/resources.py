"""Where built-in data lives: inside an installed wheel, or at the top of a checkout."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def data_dir(kind: str) -> Path:
    """The folder of built-in ``templates`` or ``schemas``.

    A wheel carries them in ``agreementgen/_data/``; a checkout keeps them at the top level.
    """
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"agreementgen is installed without its {kind!r} folder")


def locale_dir(lang: str) -> Path:
    """The folder of texts (messages, labels, clauses) for one language."""
    return _PACKAGE / "locales" / lang


@functools.cache
def load_yaml(path: Path) -> Any:
    """Load a YAML data file (trusted, so no line tracking).

    One of agreementgen's own (its texts, its schema) is kept, as loaded, in the user's cache
    (see :mod:`agreementgen.render.code_cache`) under its path, size and modification time,
    so a new process reads it without parsing YAML.
    """
    kept = _kept_file(path)
    if kept is not None:
        try:
            return marshal.loads(kept.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=loader)
    if kept is not None:
        _keep(kept, data)
    return data


def _kept_file(path: Path) -> Path | None:
    """Where a data file of agreementgen's own is kept as loaded (None: not kept)."""
    try:
        resolved = path.resolve()
        info = resolved.stat()
    except OSError:
        return None
    if _PACKAGE.parent not in resolved.parents:
        return None
    from agreementgen.render.code_cache import user_folder

    where = user_folder(f"data-{sys.implementation.cache_tag}")
    if where is None:
        return None
    key = f"{resolved}|{info.st_size}|{info.st_mtime_ns}|{marshal.version}"
    return where / hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _keep(target: Path, data: Any) -> None:
    """Write ``data`` (marshalled) to ``target``: whole under another name, then renamed.
    Data marshal cannot hold (a date) is not kept."""
    import os
    import tempfile

    try:
        packed = marshal.dumps(data)
    except ValueError:
        return
    try:
        handle, scratch = tempfile.mkstemp(prefix=".", dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(packed)
        os.replace(scratch, target)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(scratch)
