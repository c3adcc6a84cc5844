"""Where built-in data lives: inside an installed wheel, or at the top of a checkout."""

from __future__ import annotations

import functools
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
    """Load one of agreementgen's own YAML data files (trusted, so no line tracking)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)
