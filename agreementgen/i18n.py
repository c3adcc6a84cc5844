"""Every user-facing text comes from data files per language; this module looks them up."""

from __future__ import annotations

import functools
from typing import Any

from agreementgen.resources import load_yaml, locale_dir

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"


class UnknownLanguageError(ValueError):
    """A language agreementgen has no texts for (not one of :data:`LANGUAGES`)."""


class MissingTextsError(LookupError):
    """A supported language lacks one of its text files: agreementgen is installed incompletely."""


def check_language(lang: str) -> str:
    """The language itself, when agreementgen writes it.

    Args:
        lang: A language code such as ``en`` or ``nl``.

    Raises:
        UnknownLanguageError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        known = ", ".join(LANGUAGES)
        raise UnknownLanguageError(message("bad_language", value=lang, allowed=known))
    return lang


@functools.cache
def catalog(lang: str, domain: str) -> dict[str, Any]:
    """All texts of one domain (``messages``, ``labels``, ``clauses``, ...) in one language.

    Every language in :data:`LANGUAGES` has every domain file: a missing one is an error in
    agreementgen itself, never a reason to show English in a document of another language.

    Args:
        lang: One of :data:`LANGUAGES`.
        domain: The file name without ``.yaml`` in ``agreementgen/locales/<lang>/``.

    Raises:
        UnknownLanguageError: ``lang`` is not one of :data:`LANGUAGES`.
        MissingTextsError: The language has no such file, or the file is not a mapping.
    """
    check_language(lang)
    path = locale_dir(lang) / f"{domain}.yaml"
    if not path.is_file():
        raise MissingTextsError(f"agreementgen has no {domain!r} texts in language {lang!r}: "
                                f"{path} is missing; reinstall agreementgen or add the file")
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise MissingTextsError(f"{path} must be a mapping of keys to texts, "
                                f"not {type(data).__name__}")
    return data


def message(code: str, /, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """One message, with ``{placeholders}`` filled in.

    A code that the language's ``messages.yaml`` lacks is looked up in English, so a message
    added in English shows up in English until it is translated (``tests/test_locales.py``
    fails meanwhile). Documents never use this fallback.

    Args:
        code: The message key in ``messages.yaml``.
        lang: One of :data:`LANGUAGES`.
        **values: Values for the placeholders.

    Raises:
        KeyError: No language has a message with this code.
        UnknownLanguageError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    text = catalog(lang, "messages").get(code)
    if text is None and lang != DEFAULT_LANGUAGE:
        text = catalog(DEFAULT_LANGUAGE, "messages").get(code)
    if text is None:
        raise KeyError(f"no message {code!r}")
    return str(text).format(**values) if values else str(text)
