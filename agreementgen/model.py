"""The typed, frozen model of a partnership description, built once from validated data.

Field names follow the description format; free-text fields hold Markdown as written.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any


class Kind(enum.StrEnum):
    PARTNERSHIP_AGREEMENT = "partnership_agreement"
    MOU = "mou"
    LETTER_OF_INTENT = "letter_of_intent"


class Binding(enum.StrEnum):
    BINDING = "binding"
    NON_BINDING = "non_binding"


class Sector(enum.StrEnum):
    CSO = "cso"
    BUSINESS = "business"
    PUBLIC = "public"
    KNOWLEDGE = "knowledge"
    FUNDER = "funder"


class Orientation(enum.StrEnum):
    PARTNERSHIP_ORIENTED = "partnership_oriented"
    ACTIVIST = "activist"
    MIXED = "mixed"


class ContributionType(enum.StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"
    STAFF = "staff"
    EXPERTISE = "expertise"
    NETWORK = "network"
    BRAND = "brand"
    DATA = "data"
    FACILITIES = "facilities"
    OTHER = "other"


class DecisionRule(enum.StrEnum):
    CONSENSUS = "consensus"
    MAJORITY = "majority"
    LEAD_PARTNER = "lead_partner"
    UNANIMITY = "unanimity"


class Level(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PublicStatements(enum.StrEnum):
    JOINT_APPROVAL = "joint_approval"
    EACH_PARTNER = "each_partner"
    LEAD_PARTNER = "lead_partner"


class Exclusivity(enum.StrEnum):
    NON_EXCLUSIVE = "non_exclusive"
    EXCLUSIVE = "exclusive"


class DataRole(enum.StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"


class UnspentFunds(enum.StrEnum):
    RETURN = "return"
    REALLOCATE = "reallocate"
    KEEP = "keep"


class _Record:
    """The one ``repr`` of the model's records, as dataclasses writes it.

    Defined once here rather than compiled by dataclasses for every record (``repr=False``),
    which took about a sixth of the time importing the model takes.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        own: Any = self  # a dataclass: each record below is one
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(own) if f.repr)
        return f"{type(self).__qualname__}({shown})"


@dataclass(frozen=True, repr=False)
class Money(_Record):
    amount: Decimal
    currency: str


@dataclass(frozen=True, repr=False)
class Person(_Record):
    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, repr=False)
class Agreement(_Record):
    title: str
    binding: Binding
    kind: Kind = Kind.PARTNERSHIP_AGREEMENT
    language: str | None = None
    version: str | None = None
    date: datetime.date | None = None
    place: str | None = None
    governing_law: str | None = None
    dispute_resolution: str | None = None


@dataclass(frozen=True, repr=False)
class Partner(_Record):
    id: str
    name: str
    sector: Sector
    role: str
    mission: str
    short_name: str | None = None
    orientation: Orientation | None = None
    country: str | None = None
    registration: str | None = None
    registry: str | None = None
    address: str | None = None
    signing_place: str | None = None
    mission_fit: str | None = None
    objectives: tuple[str, ...] = ()
    expected_benefits: tuple[str, ...] = ()
    non_negotiables: tuple[str, ...] = ()
    negotiables: tuple[str, ...] = ()
    representative: Person | None = None
    contact: Person | None = None

    @property
    def display_name(self) -> str:
        """The name used in running text: the short name when there is one."""
        return self.short_name or self.name


@dataclass(frozen=True, repr=False)
class Purpose(_Record):
    problem: str
    shared_objectives: tuple[str, ...]
    vision: str | None = None
    collaborative_advantage: str | None = None


@dataclass(frozen=True, repr=False)
class Outcome(_Record):
    id: str
    statement: str
    preconditions: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Assumption(_Record):
    statement: str
    risk_if_false: str | None = None


@dataclass(frozen=True, repr=False)
class Intervention(_Record):
    id: str
    activity: str
    lead: str | None = None
    outcomes: tuple[str, ...] = ()
    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass(frozen=True, repr=False)
class TheoryOfChange(_Record):
    long_term_goal: str
    outcomes: tuple[Outcome, ...]
    assumptions: tuple[Assumption, ...] = ()
    interventions: tuple[Intervention, ...] = ()


@dataclass(frozen=True, repr=False)
class Contribution(_Record):
    partner: str
    type: ContributionType
    description: str
    value: Money | None = None
    schedule: str | None = None


@dataclass(frozen=True, repr=False)
class Body(_Record):
    name: str
    members: tuple[str, ...] = ()
    meets: str | None = None


@dataclass(frozen=True, repr=False)
class Governance(_Record):
    body: Body | None = None
    decision_rule: DecisionRule | None = None
    escalation: tuple[str, ...] = ()
    context_change: str | None = None


@dataclass(frozen=True, repr=False)
class Indicator(_Record):
    id: str
    result: str
    indicator: str
    baseline: str | None = None
    target: str | None = None
    target_date: datetime.date | None = None
    means_of_verification: str | None = None
    frequency: str | None = None
    responsible: str | None = None


@dataclass(frozen=True, repr=False)
class Reviews(_Record):
    cadence_months: int | None = None
    first_review: datetime.date | None = None
    format: str | None = None


@dataclass(frozen=True, repr=False)
class Phase(_Record):
    name: str
    start: datetime.date | None = None
    end: datetime.date | None = None
    milestone: str | None = None


@dataclass(frozen=True, repr=False)
class Monitoring(_Record):
    indicators: tuple[Indicator, ...] = ()
    reviews: Reviews | None = None
    learning_questions: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()


@dataclass(frozen=True, repr=False)
class Risk(_Record):
    risk: str
    likelihood: Level | None = None
    impact: Level | None = None
    mitigation: str | None = None
    owner: str | None = None


@dataclass(frozen=True, repr=False)
class LogoUse(_Record):
    allowed: bool
    approval_required: bool | None = None


@dataclass(frozen=True, repr=False)
class Communication(_Record):
    public_statements: PublicStatements | None = None
    logo_use: LogoUse | None = None
    independence: str | None = None
    confidentiality: bool | None = None


@dataclass(frozen=True, repr=False)
class Safeguarding(_Record):
    applies: bool
    policy: str | None = None
    focal_point: str | None = None


@dataclass(frozen=True, repr=False)
class Compliance(_Record):
    """Integrity commitments. A commitment given as ``True`` takes the standard text; as text,
    the partners' own wording; ``False`` or absent, none."""

    anti_corruption: bool | str | None = None
    safeguarding: Safeguarding | None = None
    due_diligence: str | None = None
    conflict_of_interest: bool | str | None = None
    exclusivity: Exclusivity = Exclusivity.NON_EXCLUSIVE
    sanctions: bool | None = None


@dataclass(frozen=True, repr=False)
class DataRoleOf(_Record):
    partner: str
    role: DataRole


@dataclass(frozen=True, repr=False)
class DataProtection(_Record):
    personal_data: bool
    categories: tuple[str, ...] = ()
    roles: tuple[DataRoleOf, ...] = ()
    transfers_outside_eea: bool | None = None
    laws: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Funding(_Record):
    payment_schedule: str | None = None
    reporting: str | None = None
    audit_rights: bool | str | None = None
    unspent_funds: UnspentFunds | None = None


@dataclass(frozen=True, repr=False)
class Publication(_Record):
    partner: str
    rights: str | None = None
    review_days: int | None = None


@dataclass(frozen=True, repr=False)
class Liability(_Record):
    cap: Money | None = None
    insurance: str | None = None


@dataclass(frozen=True, repr=False)
class OnExit(_Record):
    results: str | None = None
    assets: str | None = None
    intellectual_property: str | None = None
    data: str | None = None
    brand: str | None = None
    beneficiaries: str | None = None


@dataclass(frozen=True, repr=False)
class Duration(_Record):
    start_date: datetime.date
    end_date: datetime.date | None = None
    review_date: datetime.date | None = None
    reflection_moments: tuple[datetime.date, ...] = ()
    success_criteria: tuple[str, ...] = ()
    exit_triggers: tuple[str, ...] = ()
    notice_days: int | None = None
    on_exit: OnExit | None = None
    adding_partners: str | None = None
    leaving_partners: str | None = None


@dataclass(frozen=True, repr=False)
class Description(_Record):
    """A whole partnership description, valid and typed."""

    agreement: Agreement
    partners: tuple[Partner, ...]
    purpose: Purpose
    theory_of_change: TheoryOfChange
    duration: Duration
    contributions: tuple[Contribution, ...] = ()
    governance: Governance | None = None
    monitoring: Monitoring | None = None
    risks: tuple[Risk, ...] = ()
    communication: Communication | None = None
    compliance: Compliance | None = None
    data_protection: DataProtection | None = None
    funding: Funding | None = None
    publication: tuple[Publication, ...] = ()
    liability: Liability | None = None
    force_majeure: bool | None = None
    annexes: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def cash(self) -> tuple[Contribution, ...]:
        """The cash contributions, in the order of the description."""
        return tuple(c for c in self.contributions if c.type is ContributionType.CASH)

    def partner(self, partner_id: str) -> Partner:
        """The partner with this id (ids were checked when the description was validated)."""
        for partner in self.partners:
            if partner.id == partner_id:
                return partner
        raise KeyError(partner_id)


def build(document: dict[str, Any], source: str = "") -> Description:
    """Turn a validated, normalised document into a :class:`Description`.

    Args:
        document: Data that passed :func:`agreementgen.validation.validate_source`.
        source: The file name it came from.
    """
    partners = tuple(_partner(p) for p in document["partners"])
    return Description(
        agreement=_record(Agreement, document["agreement"]),
        partners=partners,
        purpose=_record(Purpose, document["purpose"]),
        theory_of_change=_theory_of_change(document["theory_of_change"]),
        duration=_duration(document["duration"]),
        contributions=tuple(_contribution(c) for c in document.get("contributions", ())),
        governance=_governance(document.get("governance")),
        monitoring=_monitoring(document.get("monitoring")),
        risks=tuple(_record(Risk, r) for r in document.get("risks", ())),
        communication=_communication(document.get("communication")),
        compliance=_compliance(document.get("compliance")),
        data_protection=_data_protection(document.get("data_protection")),
        funding=_record(Funding, document["funding"]) if "funding" in document else None,
        publication=tuple(_record(Publication, p) for p in document.get("publication", ())),
        liability=_liability(document.get("liability")),
        force_majeure=document.get("force_majeure"),
        annexes=tuple(document.get("annexes", ())),
        source=source,
    )


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _record(cls: type, data: dict[str, Any], **overrides: Any) -> Any:
    """Build a dataclass from a mapping: dates parsed, lists made tuples, enums typed."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in overrides:
            values[f.name] = overrides[f.name]
            continue
        if f.name not in data or data[f.name] is None:
            continue
        value = data[f.name]
        kind = str(f.type)
        if "datetime.date" in kind:
            value = tuple(_date(v) for v in value) if isinstance(value, list) else _date(value)
        elif isinstance(value, list):
            value = tuple(value)
        else:
            enum_type = _ENUMS.get(kind.split(" |")[0])
            if enum_type is not None:
                value = enum_type(value)
        values[f.name] = value
    return cls(**values)


_ENUMS: dict[str, type[enum.Enum]] = {
    cls.__name__: cls
    for cls in (Kind, Binding, Sector, Orientation, ContributionType, DecisionRule, Level,
                PublicStatements, Exclusivity, DataRole, UnspentFunds)
}


def _person(data: dict[str, Any] | None) -> Person | None:
    return _record(Person, data) if data else None


def _partner(data: dict[str, Any]) -> Partner:
    return _record(Partner, data, representative=_person(data.get("representative")),
                   contact=_person(data.get("contact")))


def _theory_of_change(data: dict[str, Any]) -> TheoryOfChange:
    return TheoryOfChange(
        long_term_goal=data["long_term_goal"],
        outcomes=tuple(_record(Outcome, o) for o in data["outcomes"]),
        assumptions=tuple(_record(Assumption, a) for a in data.get("assumptions", ())),
        interventions=tuple(_record(Intervention, i) for i in data.get("interventions", ())),
    )


def _money(value: dict[str, Any] | None) -> Money | None:
    return Money(Decimal(str(value["amount"])), value["currency"]) if value else None


def _contribution(data: dict[str, Any]) -> Contribution:
    return _record(Contribution, data, value=_money(data.get("value")))


def _governance(data: dict[str, Any] | None) -> Governance | None:
    if data is None:
        return None
    body = data.get("body")
    return _record(Governance, data, body=_record(Body, body) if body else None)


def _monitoring(data: dict[str, Any] | None) -> Monitoring | None:
    if data is None:
        return None
    reviews = data.get("reviews")
    return Monitoring(
        indicators=tuple(_record(Indicator, i) for i in data.get("indicators", ())),
        reviews=_record(Reviews, reviews) if reviews else None,
        learning_questions=tuple(data.get("learning_questions", ())),
        phases=tuple(_record(Phase, p) for p in data.get("phases", ())),
    )


def _communication(data: dict[str, Any] | None) -> Communication | None:
    if data is None:
        return None
    logo = data.get("logo_use")
    return _record(Communication, data, logo_use=_record(LogoUse, logo) if logo else None)


def _duration(data: dict[str, Any]) -> Duration:
    on_exit = data.get("on_exit")
    return _record(Duration, data, on_exit=_record(OnExit, on_exit) if on_exit else None)


def _compliance(data: dict[str, Any] | None) -> Compliance | None:
    if data is None:
        return None
    safeguarding = data.get("safeguarding")
    return _record(Compliance, data,
                   safeguarding=_record(Safeguarding, safeguarding) if safeguarding else None)


def _data_protection(data: dict[str, Any] | None) -> DataProtection | None:
    if data is None:
        return None
    return _record(DataProtection, data,
                   roles=tuple(_record(DataRoleOf, r) for r in data.get("roles", ())))


def _liability(data: dict[str, Any] | None) -> Liability | None:
    if data is None:
        return None
    return _record(Liability, data, cap=_money(data.get("cap")))
