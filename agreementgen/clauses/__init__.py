"""The clause library: derive the agreement's clauses from a description, insight by insight."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from agreementgen.clauses.conditions import CONDITIONS
from agreementgen.formatting import format_date, format_money
from agreementgen.i18n import catalog
from agreementgen.model import Description, Money, Orientation
from agreementgen.render.sandbox import template_environment
from agreementgen.resources import load_yaml

_LIBRARY = Path(__file__).resolve().parent / "library.yaml"


@dataclass(frozen=True)
class ClauseSpec:
    """What the library says about a clause: where it goes, why, and when it applies."""

    id: str
    article: str
    insight: int
    rule: str | None
    when: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    """A clause derived for one description: its spec and its text (Markdown)."""

    spec: ClauseSpec
    text: str


@functools.cache
def library() -> tuple[ClauseSpec, ...]:
    """Every clause the library knows, in document order."""
    specs = []
    for entry in load_yaml(_LIBRARY)["clauses"]:
        spec = ClauseSpec(entry["id"], entry["article"], entry["insight"], entry["rule"],
                          entry["when"], tuple(entry["fields"]))
        if spec.when not in CONDITIONS:
            raise ValueError(f"clause {spec.id}: unknown condition {spec.when!r}")
        specs.append(spec)
    return tuple(specs)


class Md(str):
    """Text that is Markdown already and goes into a clause as written."""

    __slots__ = ()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#<>!|])")
_MD_LINE_START = re.compile(r"^(\s*)([-+>])", re.M)
_MD_NUMBERED = re.compile(r"^(\s*\d+)\.", re.M)


def escape_markdown(text: str) -> str:
    """Plain text made safe to put in Markdown: no character in it becomes formatting."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_NUMBERED.sub(r"\1\\.", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


@functools.cache
def _environment(lang: str) -> Any:
    labels = catalog(lang, "labels")
    env = template_environment(
        autoescape=False,
        finalize=lambda v: v if isinstance(v, Md) else escape_markdown(str(v)),
        trim_blocks=False,
    )
    env.filters.update(
        md=lambda v: Md(str(v).strip()),
        item=lambda v: Md(str(v).strip().replace("\n", "\n    ")),
        series=lambda v: Md("; ".join(str(x).strip().rstrip(".;") for x in v) + "."),
        date=lambda v: format_date(v, lang),
        money=lambda v: format_money(v, lang),
        label=lambda v, group: labels[group][str(v)],
    )
    return env


@functools.cache
def _compiled(lang: str, clause_id: str) -> Any:
    texts = catalog(lang, "clauses")
    if clause_id not in texts:
        raise KeyError(f"clause {clause_id!r} has no text in language {lang!r}")
    return _environment(lang).from_string(texts[clause_id])


def facts(d: Description, lang: str) -> dict[str, Any]:
    """Values several clauses and tables need, computed once per description."""
    labels = catalog(lang, "labels")
    names = {p.id: p.display_name for p in d.partners}
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for c in d.contributions:
        if c.value is not None:
            totals[(c.partner, c.value.currency)] += c.value.amount
    on_exit = d.duration.on_exit
    exit_items = [
        {"key": key, "label": labels["on_exit"][key], "text": getattr(on_exit, key)}
        for key in ("results", "assets", "intellectual_property", "data", "brand", "beneficiaries")
        if on_exit is not None and getattr(on_exit, key)
    ]
    survival = []
    if d.communication and d.communication.confidentiality:
        survival.append("confidentiality")
    if on_exit and on_exit.intellectual_property:
        survival.append("intellectual_property")
    if on_exit and on_exit.data:
        survival.append("data")
    survival += ["liability", "disputes"]
    return {
        "names": names,
        "totals": [{"partner": p, "money": Money(amount, cur)}
                   for (p, cur), amount in totals.items()],
        "independent_partners": [p.display_name for p in d.partners
                                 if p.orientation in (Orientation.ACTIVIST, Orientation.MIXED)],
        "body_name": d.governance.body.name if d.governance and d.governance.body else "",
        "on_exit": exit_items,
        "survival": [labels["survival"][s] for s in survival],
    }


def derive(d: Description, lang: str, shared: dict[str, Any] | None = None) -> list[Clause]:
    """The clauses that apply to a description, in document order, with their texts.

    Args:
        d: The description.
        lang: The language of the texts.
        shared: The description's :func:`facts`, when the caller has them already.
    """
    shared = facts(d, lang) if shared is None else shared
    env = _environment(lang)
    env.filters["partner"] = lambda v: shared["names"].get(v, v)
    values = {"d": d, **shared}
    clauses = []
    for spec in library():
        if CONDITIONS[spec.when](d):
            text = _compiled(lang, spec.id).render(values)
            clauses.append(Clause(spec, text.strip() + "\n"))
    return clauses
