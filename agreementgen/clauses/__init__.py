"""The clause library: derive the agreement's clauses from a description, insight by insight."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from agreementgen.clauses import markers, packs
from agreementgen.clauses.conditions import CONDITIONS
from agreementgen.clauses.packs import ClauseTexts, PackText
from agreementgen.errors import Problem, TemplateError
from agreementgen.formatting import country_name, format_date, format_list, format_money, words
from agreementgen.i18n import catalog, message
from agreementgen.model import (
    Binding,
    Description,
    Exclusivity,
    Money,
    Orientation,
)
from agreementgen.render.guard import run_limited, under_guard
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
    """A clause derived for one description: its spec, its text (Markdown) and its number.

    Attributes:
        spec: What the library says about the clause.
        text: The clause's Markdown, with marks for references and open points
            (:mod:`agreementgen.clauses.markers`).
        number: Its number in the document ("8.4"); a recital's letter ("B").
    """

    spec: ClauseSpec
    text: str
    number: str = ""

    @property
    def open_points(self) -> list[str]:
        """The open points of the clause, as the reader sees them."""
        return markers.open_points(self.text)


#: The articles of an agreement, numbered in this order when they have clauses.
NUMBERED_ARTICLES = ("purpose", "theory_of_change", "identity", "contributions", "funding",
                     "governance", "monitoring", "risks", "communication", "data_protection",
                     "compliance", "duration", "liability", "final", "legal")
#: The lettered recitals before the articles.
RECITALS = "recitals"
#: In the groups below, an article's name stands for every clause of that article.
_DATA = "data_protection"
#: The clauses of a non-binding document that bind all the same.
_CARVE_OUTS = ("communication.confidentiality", "communication.logo_use", _DATA,
               "compliance.anti_corruption", "compliance.safeguarding")
#: The clauses that outlive the document, by whether it is binding.
_SURVIVORS = {
    True: ("identity.publication", "communication.confidentiality", _DATA, "duration.on_exit",
           "liability.cap", "legal.governing_law", "legal.disputes"),
    False: ("communication.confidentiality", "communication.logo_use", _DATA),
}


@dataclass(frozen=True)
class OpenPoint:
    """A term the document needs and the description does not give.

    Attributes:
        clause: The id of the clause that holds it.
        number: That clause's number.
        text: The open point as the reader sees it: "[to be agreed: notice period]".
    """

    clause: str
    number: str
    text: str


def open_points(clauses: list[Clause]) -> list[OpenPoint]:
    """Every open point of a document's clauses, in document order."""
    return [OpenPoint(c.spec.id, c.number, text) for c in clauses for text in c.open_points]


class DanglingReference(LookupError):
    """A clause text refers to a clause the document does not have: a defect of agreementgen
    (or of a clause pack, which is then named).

    Attributes:
        target: The id of the clause referred to.
    """

    def __init__(self, text: str, target: str = "") -> None:
        super().__init__(text)
        self.target = target


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


def _in_item(text: str) -> str:
    """Markdown put into a list item of a clause text: its later lines (a second paragraph,
    a list) indented to stay inside the item."""
    return text.strip().replace("\n", "\n    ")


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
        item=lambda v: Md(_in_item(str(v))),
        series=lambda v: Md(_in_item("; ".join(markers.rstrip(str(x).strip(), ".;")
                                                for x in v) + ".")),
        date=lambda v: format_date(v, lang),
        money=lambda v: format_money(v, lang),
        label=lambda v, group: labels[group][str(v)],
        names=lambda v: format_list([str(x) for x in v], lang),
        words=lambda v: words(v, lang),
        country=lambda v: country_name(v, lang),
    )
    return env


@functools.cache
def _compiled(lang: str, clause_id: str, binding: bool) -> Any:
    """A clause text compiled once; a text with a binding and a non-binding voice by ``binding``."""
    texts = catalog(lang, "clauses")
    if clause_id not in texts:
        raise KeyError(f"clause {clause_id!r} has no text in language {lang!r}")
    text = texts[clause_id]
    if isinstance(text, dict):
        text = text["binding" if binding else "non_binding"]
    return compile_text(lang, text)


@functools.cache
def compile_text(lang: str, source: str) -> Any:
    """A clause text (built-in or a pack's) compiled once in the clause sandbox.

    Raises:
        jinja2.TemplateSyntaxError: The text is not valid Jinja, or names an underscore
            attribute (:class:`~agreementgen.render.guard.UnsafeTemplate`).
    """
    return _environment(lang).from_string(source)


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
    roles: dict[str, list[str]] = {}
    for assignment in d.data_protection.roles if d.data_protection else ():
        roles.setdefault(str(assignment.role), []).append(names[assignment.partner])
    phrases = labels["data_roles"]
    data_roles = [phrases[role]["one" if len(who) == 1 else "many"].format(
        names=format_list(who, lang)) for role in phrases if (who := roles.get(role))]
    funding = d.funding
    gaps = labels["funding_gap"]
    funding_gaps = [gaps[key] for key in gaps
                    if funding is None or getattr(funding, key) in (None, "")]
    kind = str(d.agreement.kind)
    outcomes = {o.id: labels["outcome"].format(number=n)
                for n, o in enumerate(d.theory_of_change.outcomes, 1)}
    return {
        "names": names,
        "outcomes": outcomes,
        "totals": [{"partner": p, "money": Money(amount, cur)}
                   for (p, cur), amount in totals.items()],
        "independent_partners": [p.display_name for p in d.partners
                                 if p.orientation in (Orientation.ACTIVIST, Orientation.MIXED)],
        "body_name": d.governance.body.name if d.governance and d.governance.body else "",
        "on_exit": exit_items,
        "doc": labels["self_name"][kind],
        "Doc": labels["self_name_start"][kind],
        "binding": d.agreement.binding is Binding.BINDING,
        "funding_gaps": funding_gaps,
        "cash_scheduled": bool(d.cash) and all(c.schedule for c in d.cash),
        "on_exit_data": bool(on_exit and on_exit.data),
        "exclusive": bool(d.compliance and d.compliance.exclusivity is Exclusivity.EXCLUSIVE),
        "data_roles": data_roles,
        "data_role_kinds": list(roles),
        "annex_names": [labels["annex"]["name"].format(number=n)
                        for n in range(1, len(d.annexes) + 1)],
    }


def number_clauses(specs: list[ClauseSpec]) -> dict[str, str]:
    """The number of each clause: "8.4" for the fourth clause of the eighth article that has
    clauses; a recital's capital letter."""
    numbers: dict[str, str] = {}
    recitals = [s for s in specs if s.article == RECITALS]
    for index, spec in enumerate(recitals):
        numbers[spec.id] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]
    articles = [a for a in NUMBERED_ARTICLES if any(s.article == a for s in specs)]
    for number, article in enumerate(articles, 1):
        clauses = [s for s in specs if s.article == article]
        for index, spec in enumerate(clauses, 1):
            numbers[spec.id] = f"{number}.{index}"
    return numbers


def article_numbers(clauses: list[Clause]) -> dict[str, int]:
    """The number of each article that has clauses, read off its clauses' numbers."""
    return {c.spec.article: int(c.number.split(".")[0]) for c in clauses
            if c.spec.article != RECITALS}


def _runs(ids: list[str], numbers: dict[str, str]) -> list[list[str]]:
    """``ids`` (in document order) cut into runs of clauses that follow each other directly
    in one article: 6.1, 6.2, 6.3 | 8.1."""
    runs: list[list[str]] = []
    for clause_id in ids:
        article, _, index = numbers[clause_id].partition(".")
        if runs and index.isdigit():
            last_article, _, last_index = numbers[runs[-1][-1]].partition(".")
            if article == last_article and int(index) == int(last_index or 0) + 1:
                runs[-1].append(clause_id)
                continue
        runs.append([clause_id])
    return runs


def derive(d: Description, lang: str, shared: dict[str, Any] | None = None,
           texts: ClauseTexts | None = None) -> list[Clause]:
    """The clauses that apply to a description, in document order, with their texts.

    Args:
        d: The description.
        lang: The language of the texts.
        shared: The description's :func:`facts`, when the caller has them already.
        texts: The clause texts, built-in and from packs (default: the packs of the document
            being made, :func:`packs.active`; none outside one). Pack texts render under the
            limits of user templates.

    Raises:
        DanglingReference: A built-in clause text refers to a clause the document does not have.
        TemplateError: A pack's text fails (with its file, line and clause id).
        LimitExceeded: A pack's text ran out of time or memory.
    """
    texts = packs.active().texts(lang) if texts is None else texts
    if texts.packs and not under_guard():
        return run_limited(derive, d, lang, shared, texts, label=texts.files)
    shared = facts(d, lang) if shared is None else shared
    specs = with_added([spec for spec in library() if CONDITIONS[spec.when](d)], texts.added)
    numbers = number_clauses(specs)
    binding = shared["binding"]
    render = _renderer(d, lang, shared, numbers, texts, specs)
    return [Clause(spec, render(spec.id, binding), numbers[spec.id]) for spec in specs]


def added_spec(entry: PackText) -> ClauseSpec:
    """What the library would say about a clause a pack adds: always present, in its article."""
    return ClauseSpec(entry.id, entry.article or "final", 0, None, "always", ())


def with_added(specs: list[ClauseSpec], added: tuple[PackText, ...]) -> list[ClauseSpec]:
    """``specs`` with the clauses packs add, each at the end of its article."""
    if not added:
        return specs
    result = list(specs)
    for entry in added:
        spec = added_spec(entry)
        rank = NUMBERED_ARTICLES.index(spec.article)
        at = len(result)
        for index, other in enumerate(result):
            if other.article in NUMBERED_ARTICLES and \
                    NUMBERED_ARTICLES.index(other.article) > rank:
                at = index
                break
        result.insert(at, spec)
    return result


def document_texts(d: Description, lang: str, clauses: list[Clause],
                   shared: dict[str, Any] | None = None,
                   texts: ClauseTexts | None = None) -> dict[str, str]:
    """The texts of the document outside its clauses (``document.*`` in the clause texts):
    the parties' introduction, each party's line, the recitals' and the operative formula.

    ``texts`` are the clause texts as :func:`derive` takes them."""
    source = packs.active().texts(lang) if texts is None else texts
    if source.packs and not under_guard():
        return run_limited(document_texts, d, lang, clauses, shared, source,
                           label=source.files)
    shared = facts(d, lang) if shared is None else shared
    numbers = {c.spec.id: c.number for c in clauses}
    render = _renderer(d, lang, shared, numbers, source,
                       [c.spec for c in clauses])
    binding = shared["binding"]
    result = {key: render(f"document.{key}", binding)
              for key in ("parties_intro", "parties_together", "recitals_intro", "operative")}
    builtin = catalog(lang, "clauses")

    def ends(key: str) -> str:
        entry = source.entry(key)
        return entry.text(binding) if entry is not None else str(builtin[key])

    count = len(d.partners)
    for index, p in enumerate(d.partners):
        end = ends("document.party_end_last" if index == count - 1 else
                   "document.party_end_penultimate" if index == count - 2 else
                   "document.party_end")
        line = render("document.party", binding, p=p).rstrip()
        # "B.V." ends a sentence with its own full stop: never "B.V..".
        result[f"party.{p.id}"] = line + (end[1:] if line.endswith(".") and end[:1] == "."
                                          else end)
    return result


def _renderer(d: Description, lang: str, shared: dict[str, Any],
              numbers: dict[str, str], texts: ClauseTexts | None = None,
              present_specs: list[ClauseSpec] | None = None) -> Any:
    """A function that renders one text by its id, with references resolved to ``numbers``."""
    labels = catalog(lang, "labels")
    env = _environment(lang)
    env.filters["partner"] = lambda v: shared["names"].get(v, v)
    env.filters["outcome"] = lambda v: shared["outcomes"].get(v, v)
    words_for = labels["clause_word"]
    order = {clause_id: index for index, clause_id in enumerate(numbers)}
    specs = {spec.id: spec for spec in (library() if present_specs is None else present_specs)
             if spec.id in numbers}

    def ref(clause_id: str) -> Md:
        if clause_id not in numbers:
            raise DanglingReference(f"a clause text refers to clause {clause_id!r}, which this "
                                    "document does not have", str(clause_id))
        return Md(markers.reference(clause_id, numbers[clause_id]))

    def present(ids: tuple[str, ...]) -> list[str]:
        """The clauses the document has among ``ids`` (an article name stands for all of
        its clauses), in document order."""
        wanted = set(ids)
        return sorted((i for i, spec in specs.items() if i in wanted or spec.article in wanted),
                      key=order.__getitem__)

    def clauses(*ids: str, start: bool = False) -> Md:
        found = present(ids)
        if not found:
            return Md("")
        word = words_for["one" if len(found) == 1 else "many"]
        if start:
            word = word[:1].upper() + word[1:]
        parts = []
        for run in _runs(found, numbers):
            if len(run) >= 3:
                parts.append(words_for["range"].format(first=ref(run[0]), last=ref(run[-1])))
            else:
                parts += [ref(i) for i in run]
        return Md(f"{word} {format_list(parts, lang)}")

    values = {
        "d": d, **shared,
        "has": numbers.__contains__,
        "ref": ref,
        "clauses": clauses,
        "Clauses": lambda *ids: clauses(*ids, start=True),
        "open": lambda what: Md(markers.open_point(
            labels["open_point"].format(what=escape_markdown(str(what))))),
        "survivors": present(_SURVIVORS[shared["binding"]]),
        "carve_outs": _CARVE_OUTS,
    }

    def render(text_id: str, binding: bool, **extra: Any) -> str:
        entry = texts.entry(text_id) if texts is not None and texts.packs else None
        if entry is None:
            return str(_compiled(lang, text_id, binding).render(values, **extra)).strip() + "\n"
        try:
            return str(compile_text(lang, entry.text(binding)).render(values, **extra)).strip() \
                + "\n"
        except MemoryError:
            raise
        # A pack's expressions can raise anything Python can: each is the pack's mistake.
        except Exception as exc:
            raise pack_failure(entry, binding, exc) from None

    render.values = values  # type: ignore[attr-defined]
    return render


def clause_values(d: Description, lang: str) -> dict[str, Any]:
    """The values a clause text can read for a description (``d``, ``doc``, ``has``, ...)."""
    shared = facts(d, lang)
    specs = [spec for spec in library() if CONDITIONS[spec.when](d)]
    return dict(_renderer(d, lang, shared, number_clauses(specs)).values)


def try_pack_texts(d: Description, lang: str, texts: ClauseTexts) -> list[Problem]:
    """Render every pack text that applies to a description; the problems of those that fail.

    Texts of clauses the description does not yield are not rendered; a document text
    (``document.*``) always is, a party's line with each partner.
    """
    shared = facts(d, lang)
    specs = with_added([spec for spec in library() if CONDITIONS[spec.when](d)], texts.added)
    numbers = number_clauses(specs)
    render = _renderer(d, lang, shared, numbers, texts, specs)
    ids = dict.fromkeys([*(i for p in texts.packs for i in p.texts),
                         *(e.id for e in texts.added)])
    problems: list[Problem] = []
    for clause_id in ids:
        entry = texts.entry(clause_id)
        if entry is None or not (clause_id in numbers or clause_id.startswith("document.")):
            continue
        if clause_id.startswith("document.party_end"):
            continue
        extras = [{"p": p} for p in d.partners] if clause_id == "document.party" else [{}]
        for extra in extras:
            try:
                render(clause_id, shared["binding"], **extra)
            except TemplateError as exc:
                problems += exc.problems
                break
    return problems


def pack_failure(entry: PackText, binding: bool, exc: Exception) -> TemplateError:
    """The error for a pack text that fails to render: its file, line and clause id."""
    from jinja2.exceptions import SecurityError, UndefinedError

    line = entry.first_line(binding) + (template_line(exc) or 1) - 1
    if isinstance(exc, DanglingReference):
        code = "pack_reference"
        text = message(code, id=entry.id, target=exc.target)
    elif isinstance(exc, UndefinedError):
        code = "pack_undefined"
        text = message(code, id=entry.id, problem=exc.message or str(exc))
    elif isinstance(exc, SecurityError):
        code = "pack_unsafe"
        text = message(code, id=entry.id, problem=str(exc))
    else:
        code = "pack_render_failed"
        text = message(code, id=entry.id, problem=f"{type(exc).__name__}: {exc}")
    return TemplateError(text, [Problem(str(entry.file), text, entry.id, line, code=code)])


def template_line(exc: BaseException) -> int | None:
    """The line of a clause text an exception was raised at (Jinja's traceback shows it)."""
    import traceback

    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line
