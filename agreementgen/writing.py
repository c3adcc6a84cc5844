"""Write output files atomically: a reader never sees a half-written document."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from agreementgen.errors import OutputError, Problem
from agreementgen.i18n import message


def check_target(path: Path, force: bool) -> None:
    """Refuse to overwrite without ``force``, and to write into a folder that does not exist.

    Raises:
        OutputError: With the reason.
    """
    if path.exists() and not force:
        raise _error("output_exists", path, path=path)
    if not path.parent.is_dir():
        raise _error("output_folder_missing", path, folder=path.parent)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    An interrupted write (an error, Ctrl-C) leaves the old file, or none, never a partial one.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _error("output_unwritable", path, path=path, reason=exc.strerror or exc) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _error(code: str, target: Path, /, **values: Any) -> OutputError:
    text = message(code, **values)
    return OutputError(text, [Problem(str(target), text, code=code)])
