"""What the health review is made of: findings and scores, and the pieces rules use."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

MET = "met"
WARNING = "warning"
NOT_APPLICABLE = "not_applicable"
INSIGHTS = (1, 2, 3, 4, 5)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One rule's verdict at one place in the description.

    Attributes:
        rule: The rule id, e.g. ``H05``.
        insight: The insight the rule serves (1-5).
        status: ``met``, ``warning`` or ``not_applicable``.
        path: The dotted field path (``monitoring.indicators[2]``); "" for the whole description.
        line: The 1-based line of that place in the file, when known.
        message: One sentence: what is missing or wrong here, and why it matters, with the
            rule's sources in brackets.
        what: The message without its why and sources: what is missing or wrong here (for a
            rule met or not applicable, the whole message).
        place_words: Where the finding is, in words of the review's language for the partners
            who sign (``Fair Bean: points open to negotiation``, ``Indicator 3 of the M&E
            plan``); never a field path.
    """

    rule: str
    insight: int
    status: str
    path: str
    line: int | None
    message: str
    what: str = ""
    place_words: str = ""


@dataclass(frozen=True)
class InsightScore:
    """How many of an insight's applicable rules a description meets."""

    insight: int
    name: str
    met: int
    applicable: int


@dataclass(frozen=True)
class Review:
    """Every finding, in rule order, and the score per insight."""

    findings: tuple[Finding, ...]
    scores: tuple[InsightScore, ...]

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings that are warnings."""
        return tuple(f for f in self.findings if f.status == WARNING)


class Issue(NamedTuple):
    """A rule's complaint about one place: the message to show and the values that fill it."""

    path: Path
    message: str
    values: dict[str, Any] = {}  # noqa: RUF012 - never mutated, so one shared default is safe


class Field(str):
    """A field's key in a message: written as the language names the field, with the key."""


class Percent(Decimal):
    """A share (0.685), written as a percentage in the review's language."""


def filled(text: str | None) -> bool:
    return bool(text and text.strip())


def any_filled(texts: Iterable[str]) -> bool:
    return any(filled(t) for t in texts)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))
