"""The public Python API: everything the command line does, callable from code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agreementgen.errors import Problem
from agreementgen.loading import Source, load
from agreementgen.model import Description, build
from agreementgen.validation import check, validate_source


@dataclass(frozen=True)
class Loaded:
    """A description that passed validation: its source (for places) and its typed model."""

    source: Source
    description: Description


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
    source = load(path, max_bytes=max_bytes)
    document = validate_source(source)
    return Loaded(source, build(document, source=source.name))
