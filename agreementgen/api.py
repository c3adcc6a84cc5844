"""The public Python API: everything the command line does, callable from code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreementgen.errors import Problem
from agreementgen.loading import Source, format_path, load
from agreementgen.model import Description, build
from agreementgen.translations import Missing, Untranslated
from agreementgen.validation import check, validate_source


@dataclass(frozen=True)
class Loaded:
    """A description that passed validation: its source (for places) and its typed model.

    ``description`` holds each field's text in the description's own language
    (``agreement.language``); :meth:`description_in` gives the model in another language.
    """

    source: Source
    description: Description
    document: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _models: dict[tuple[str, bool], tuple[Description, tuple[Untranslated, ...]]] = field(
        default_factory=dict, repr=False, compare=False)

    def description_in(self, lang: str, *, marked: bool = False) -> Description:
        """The typed model with each field's text in ``lang``.

        A field with no ``lang`` text keeps the text it has (see :meth:`untranslated`).

        Args:
            lang: The language of the texts.
            marked: Wrap text shown in another language in an untranslated mark, for a
                document that shows the reader which text is not translated.
        """
        return self._localized(lang, marked)[0]

    def untranslated(self, lang: str) -> tuple[Untranslated, ...]:
        """The text fields with no text in ``lang``, in the order of the description."""
        return self._localized(lang, False)[1]

    def _localized(self, lang: str,
                   marked: bool) -> tuple[Description, tuple[Untranslated, ...]]:
        known = self._models.get((lang, marked))
        if known is not None:
            return known
        if marked:
            # Nothing to mark: the model of the plain texts serves.
            plain = self._localized(lang, False)
            if not plain[1]:
                self._models[(lang, marked)] = plain
                return plain
        from agreementgen.translations import localize
        from agreementgen.validation.schema import schema_rules

        data, missing = localize(schema_rules(), self.document, lang, mark=marked)
        # Without translations, the description's own language needs no second model.
        model = self.description if data is self.document else build(data, self.source.name)
        result = (model, self._places(missing, lang))
        self._models[(lang, marked)] = result
        return result

    def _places(self, missing: Sequence[Missing], lang: str) -> tuple[Untranslated, ...]:
        return tuple(Untranslated(format_path(m.path), self.source.locate(m.path)[0], lang,
                                  m.shown_in, m.text) for m in missing)


def validate(path: str | Path, *, max_bytes: int | None = None) -> list[Problem]:
    """Every problem of a description file; an empty list when it is valid.

    Raises:
        InputError: The file cannot be read or parsed at all.
    """
    _, problems = check(load(path, max_bytes=max_bytes))
    return problems


def load_description(path: str | Path, *, max_bytes: int | None = None) -> Loaded:
    """Load, validate and type a description file.

    Raises:
        InputError: The file cannot be read or parsed.
        ValidationError: The description breaks the schema or a cross-field rule.
    """
    return loaded_from(load(path, max_bytes=max_bytes))


def loaded_from(source: Source) -> Loaded:
    """Validate and type a description already read (e.g. one made in code).

    Raises:
        ValidationError: The description breaks the schema or a cross-field rule.
    """
    from agreementgen.translations import language_of, localize
    from agreementgen.validation.schema import schema_rules

    document = validate_source(source)
    lang = language_of(document)
    own, missing = localize(schema_rules(), document, lang, mark=False)
    loaded = Loaded(source, build(own, source=source.name), document)
    # The model in the description's own language is the one just built.
    loaded._models[(lang, False)] = (loaded.description, loaded._places(missing, lang))
    return loaded
