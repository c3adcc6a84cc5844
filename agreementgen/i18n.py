"""Every user-facing text comes from data files per language; this module looks them up."""

from __future__ import annotations

import functools
from typing import Any

from agreementgen.resources import load_yaml, locale_dir

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"


@functools.cache
def catalog(lang: str, domain: str) -> dict[str, Any]:
    """All texts of one domain (``messages``, ``labels``, ``clauses``) in one language."""
    path = locale_dir(lang) / f"{domain}.yaml"
    if not path.is_file():
        path = locale_dir(DEFAULT_LANGUAGE) / f"{domain}.yaml"
    data = load_yaml(path)
    return data if isinstance(data, dict) else {}


def message(code: str, /, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """One message, with ``{placeholders}`` filled in.

    Args:
        code: The message key in ``messages.yaml``.
        lang: The language.
        **values: Values for the placeholders.
    """
    text = catalog(lang, "messages").get(code)
    if text is None and lang != DEFAULT_LANGUAGE:
        text = catalog(DEFAULT_LANGUAGE, "messages").get(code)
    if text is None:
        raise KeyError(f"no message {code!r}")
    return str(text).format(**values) if values else str(text)
