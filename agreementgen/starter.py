"""Starter descriptions for ``agreementgen init``: commented files that validate as written."""

from __future__ import annotations

from pathlib import Path

from agreementgen.errors import OutputError, Problem
from agreementgen.i18n import DEFAULT_LANGUAGE, message
from agreementgen.resources import locale_dir
from agreementgen.writing import check_target, write_atomic


def starter_text(lang: str = DEFAULT_LANGUAGE) -> str:
    """The text of the starter description in one language."""
    return (locale_dir(lang) / "starter.yaml").read_text(encoding="utf-8")


def write_starter(path: Path, *, lang: str = DEFAULT_LANGUAGE, force: bool = False) -> None:
    """Write the starter description to ``path``.

    Raises:
        OutputError: The file exists (without ``force``) or the folder does not.
    """
    if path.suffix.lower() not in (".yaml", ".yml"):
        text = message("unknown_suffix", suffix=path.suffix or "(none)")
        raise OutputError(text, [Problem(str(path), text + " (init writes YAML)", code="unknown_suffix")])
    check_target(path, force)
    write_atomic(path, starter_text(lang).encode("utf-8"))
