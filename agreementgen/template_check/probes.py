"""Render contexts built from real descriptions, to try a template with before use.

The shipped examples (in a checkout) and the starter of every kind (always) are each derived
in a language the template is made for; together they show every value a template can use.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agreementgen.i18n import LANGUAGES
from agreementgen.resources import data_dir


@dataclass(frozen=True)
class Probe:
    """A render context built from a real description, to render a template with.

    Attributes:
        label: The description it was built from (its file name, without suffix).
        context: The values a template can use.
    """

    label: str
    context: Mapping[str, Any]


def build_probes(numbering_xml: bytes | None, languages: Sequence[str] = ()) -> list[Probe]:
    """Render contexts built from the shipped examples and the starter descriptions.

    Args:
        numbering_xml: The template's ``word/numbering.xml`` (Markdown lists use it).
        languages: The template's languages; other examples are rendered in the first one.
    """
    from agreementgen.context import build_context, word_writer
    from agreementgen.render.numbering import NumberingAllocator

    wanted = [lang for lang in languages if lang in LANGUAGES]
    probes = []
    for index, (label, loaded, own_language) in enumerate(_descriptions()):
        lang = own_language if not wanted or own_language in wanted else wanted[0]
        shared, clauses, health = _derived(index, lang)
        writer = word_writer(NumberingAllocator(numbering_xml))
        # Alternate the health annex so both sides of ``options.health_annex`` are rendered.
        context = build_context(loaded.description_in(lang, marked=True), lang, writer,
                                clauses, shared, review=health, health_annex=index % 2 == 0)
        probes.append(Probe(label, context))
    return probes


@functools.cache
def _descriptions() -> tuple[tuple[str, Any, str], ...]:
    """(label, loaded description, its language) of the shipped examples, when there are
    (a checkout), and of the starter of every kind, which an installed copy always has."""
    from agreementgen.api import load_description
    from agreementgen.generate import language_of
    from agreementgen.starter import KINDS, starter_text

    sources = []
    with contextlib.suppress(FileNotFoundError):
        sources += [(p.stem, p) for p in sorted(data_dir("examples").glob("*.yaml"))]
    found = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in KINDS:
            path = Path(folder) / f"starter-{kind}.yaml"
            path.write_text(starter_text(kind), encoding="utf-8")
            sources.append((path.stem, path))
        for label, path in sources:
            loaded = load_description(path)
            found.append((label, loaded, language_of(loaded, None)))
    return tuple(found)


@functools.cache
def _derived(index: int, lang: str) -> tuple[dict[str, Any], list[Any], Any]:
    from agreementgen.clauses import derive, facts
    from agreementgen.health import review

    _, loaded, _ = _descriptions()[index]
    d = loaded.description_in(lang, marked=True)
    shared = facts(d, lang)
    return shared, derive(d, lang, shared), review(loaded, lang)


def merge_contexts(contexts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One context with every key any of the given contexts has (list items merged too).

    The variable check looks names up in it, so a key that only one example fills (a risk
    table, the health annex) is still known.
    """
    merged: Any = {}
    for context in contexts:
        merged = _merge(merged, context)
    return dict(merged)


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return {k: _merge(a.get(k), b.get(k)) for k in {**a, **b}}
    if isinstance(a, list) and isinstance(b, list):
        items = a[:1] + b[:1]
        if not items:
            return []
        first = items[0]
        for item in items[1:]:
            first = _merge(first, item)
        return [first]
    return b if a is None else a
