"""Explain a description's agreement: which clauses apply, why, and what they say."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from agreementgen.clauses import (
    RECITALS,
    Clause,
    ClauseSpec,
    added_spec,
    article_numbers,
    derive,
    library,
    markers,
)
from agreementgen.clauses.packs import ClauseTexts
from agreementgen.errors import InputError, Problem
from agreementgen.i18n import catalog
from agreementgen.model import Description

__all__ = ["clause_text", "format_json", "format_text", "lookup"]


@dataclass(frozen=True)
class _Texts:
    explain: dict[str, Any]
    insights: dict[int, str]
    articles: dict[str, str]

    @classmethod
    def of(cls, lang: str) -> _Texts:
        return cls(catalog(lang, "explain"), catalog(lang, "health")["insights"],
                   catalog(lang, "labels")["articles"])

    def insight(self, number: int) -> str:
        return f"{number}. {self.insights[number]}" if number else str(self.explain["legal_form"])

    def condition(self, name: str) -> str:
        return str(self.explain["conditions"][name])


def format_text(clauses: list[Clause], file: str, lang: str,
                source: ClauseTexts | None = None) -> str:
    """The clauses that apply, grouped by article in document order, each with its provenance
    and where its text comes from (built in, or a pack's file and line)."""
    texts = _Texts.of(lang)
    source = source or ClauseTexts(lang)
    words = texts.explain
    lines = [words["heading"].format(count=len(clauses), file=file)]
    numbers = article_numbers(clauses)
    article = None
    for clause in clauses:
        spec = clause.spec
        if spec.article != article:
            article = spec.article
            lines += ["", words["recitals"] if article == RECITALS else words["article"].format(
                number=numbers[article], title=texts.articles[article])]
        number = f"({clause.number})" if article == RECITALS else clause.number
        lines.append(words["clause"].format(number=number, id=spec.id))
        lines += _provenance(spec, texts, source)
    lines += ["", words["hint"].format(file=file)]
    return "\n".join(lines) + "\n"


def clause_text(clause: Clause, lang: str, source: ClauseTexts | None = None) -> str:
    """One clause: its id, provenance, and its text as it appears in the agreement (Markdown).

    The text is written as the Markdown review copy writes it, so a numbered list reads
    1. 2. 3. where the clause text numbers every step "1.".
    """
    from agreementgen.render.text import markdown_to_markdown

    texts = _Texts.of(lang)
    lines = [f"{clause.number}  {clause.spec.id}",
             *_provenance(clause.spec, texts, source or ClauseTexts(lang)), "",
             texts.explain["text"], "", markdown_to_markdown(markers.plain(clause.text))]
    return "\n".join(lines) + "\n"


def format_json(clauses: list[Clause], file: str, lang: str,
                source: ClauseTexts | None = None) -> str:
    """The clauses as JSON with stable keys, each with its provenance and text (``pack``: the
    file and line of its text in a clause pack, or null for a built-in text)."""
    texts = _Texts.of(lang)
    source = source or ClauseTexts(lang)
    document = {
        "file": file,
        "language": lang,
        "clauses": [{"id": c.spec.id, "number": c.number, "article": c.spec.article,
                     "insight": c.spec.insight,
                     "rule": c.spec.rule, "condition": c.spec.when,
                     "because": texts.condition(c.spec.when), "fields": list(c.spec.fields),
                     "text": markers.plain(c.text), "pack": _pack_json(source, c.spec.id)}
                    for c in clauses],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _pack_json(source: ClauseTexts, clause_id: str) -> dict[str, Any] | None:
    entry = source.entry(clause_id)
    if entry is None:
        return None
    return {"file": str(entry.file), "line": entry.line, "added": entry.article is not None}


def lookup(d: Description, clause_id: str, lang: str, file: str,
           source: ClauseTexts | None = None) -> Clause:
    """The derived clause with this id (``source``: the clause texts, with their packs).

    Raises:
        InputError: No clause has this id (with the nearest id), or the clause does not apply
            to this description (with the condition under which it would).
    """
    words = catalog(lang, "explain")
    source = source or ClauseTexts(lang)
    specs = {spec.id: spec for spec in library()}
    specs.update({entry.id: added_spec(entry) for entry in source.added})
    if clause_id not in specs:
        near = difflib.get_close_matches(clause_id, list(specs), n=1, cutoff=0.6)
        text = (words["unknown_suggest"].format(id=clause_id, suggestion=near[0]) if near
                else words["unknown"].format(id=clause_id))
        raise InputError(text, [Problem(file, text, code="unknown_clause")])
    for clause in derive(d, lang, texts=source):
        if clause.spec.id == clause_id:
            return clause
    condition = catalog(lang, "explain")["conditions"][specs[clause_id].when]
    text = words["not_applicable"].format(id=clause_id, condition=condition)
    raise InputError(text, [Problem(file, text, code="clause_not_applicable")])


def _provenance(spec: ClauseSpec, texts: _Texts, source: ClauseTexts) -> list[str]:
    words = texts.explain
    entry = source.entry(spec.id)
    if entry is not None and entry.article is not None:
        return [words["added"].format(file=entry.file, line=entry.line),
                words["because"].format(condition=texts.condition(spec.when))]
    origin = (words["text_builtin"] if entry is None
              else words["text_pack"].format(file=entry.file, line=entry.line))
    return [
        words["insight"].format(insight=texts.insight(spec.insight)),
        words["rule"].format(rule=spec.rule) if spec.rule else words["no_rule"],
        words["fields"].format(fields=", ".join(spec.fields)) if spec.fields
        else words["no_fields"],
        words["because"].format(condition=texts.condition(spec.when)),
        origin,
    ]
