"""Cross-field rules: what makes a description incoherent even when every field is well-formed.

The rules read the raw data defensively (a field of the wrong type is the schema's to report),
so a file with schema errors still gets all of its cross-field errors in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agreementgen.errors import Flaw
from agreementgen.i18n import message
from agreementgen.loading import format_path

Path = tuple[str | int, ...]
GOAL = "goal"
PARTNERSHIP = "partnership"


def check_rules(data: dict[str, Any]) -> list[Flaw]:
    """All cross-field flaws of a description, in the order of the format."""
    flaws: list[Flaw] = []
    partners = _ids(data, ("partners",), "partners", flaws)
    outcomes = _ids(data, ("theory_of_change", "outcomes"), "outcomes", flaws)
    _ids(data, ("theory_of_change", "interventions"), "interventions", flaws)
    _ids(data, ("monitoring", "indicators"), "indicators", flaws)

    for index, partner in _items(data, "partners"):
        if partner.get("sector") == "cso" and "orientation" not in partner:
            flaws.append(Flaw(("partners", index, "orientation"), "orientation_required",
                              message("orientation_required")))

    partner_refs = [
        *_refs(data, ("theory_of_change", "interventions"), "lead"),
        *_refs(data, ("contributions",), "partner"),
        *_refs(data, ("monitoring", "indicators"), "responsible"),
        *_refs(data, ("risks",), "owner"),
    ]
    partner_refs += [
        *_refs(data, ("data_protection", "roles"), "partner"),
        *_refs(data, ("publication",), "partner"),
    ]
    safeguarding = _get(data, ("compliance", "safeguarding"))
    if isinstance(safeguarding, dict) and "focal_point" in safeguarding:
        partner_refs.append((("compliance", "safeguarding", "focal_point"),
                             safeguarding["focal_point"]))
    body = _get(data, ("governance", "body"))
    if isinstance(body, dict) and isinstance(body.get("members"), list):
        partner_refs += [
            (("governance", "body", "members", i), m) for i, m in enumerate(body["members"])
        ]
    known_partners = ", ".join(partners) or "(none)"
    for path, ref in partner_refs:
        if isinstance(ref, str) and ref not in partners:
            flaws.append(Flaw(path, "dangling_reference",
                              message("dangling_partner", ref=ref, known=known_partners)))

    outcome_refs = [
        *_list_refs(data, ("theory_of_change", "outcomes"), "preconditions"),
        *_list_refs(data, ("theory_of_change", "interventions"), "outcomes"),
    ]
    result_targets = set(outcomes) | {GOAL}
    known_outcomes = ", ".join([*outcomes, GOAL])
    for path, ref in outcome_refs:
        if isinstance(ref, str) and ref not in result_targets:
            flaws.append(Flaw(path, "dangling_reference",
                              message("dangling_outcome", ref=ref, known=known_outcomes)))
    for path, ref in _refs(data, ("monitoring", "indicators"), "result"):
        if isinstance(ref, str) and ref not in result_targets | {PARTNERSHIP}:
            flaws.append(Flaw(path, "dangling_reference", message(
                "dangling_outcome", ref=ref, known=f"{known_outcomes}, {PARTNERSHIP}")))

    flaws += _date_order(data)

    agreement = _get(data, ("agreement",))
    if isinstance(agreement, dict) and agreement.get("binding") == "binding" \
            and not agreement.get("governing_law"):
        flaws.append(Flaw(("agreement", "governing_law"), "binding_needs_law",
                          message("binding_needs_law")))
    if isinstance(agreement, dict) and agreement.get("binding") == "non_binding" \
            and "liability" in data:
        flaws.append(Flaw(("liability",), "liability_not_binding",
                          message("liability_not_binding"), at_key=True))
    data_protection = _get(data, ("data_protection",))
    if isinstance(data_protection, dict) and data_protection.get("personal_data") is False \
            and data_protection.get("roles"):
        flaws.append(Flaw(("data_protection", "roles"), "roles_without_personal_data",
                          message("roles_without_personal_data"), at_key=True))
    duration = _get(data, ("duration",))
    if isinstance(duration, dict) and not duration.get("end_date") \
            and not duration.get("review_date"):
        flaws.append(Flaw(("duration",), "end_or_review_required",
                          message("end_or_review_required")))
    return flaws


def _get(data: Any, path: Path) -> Any:
    for step in path:
        if isinstance(step, str) and isinstance(data, dict):
            data = data.get(step)
        elif isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
            data = data[step]
        else:
            return None
    return data


def _items(data: Any, *path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = _get(data, path)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _ids(data: Any, path: Path, what: str, flaws: list[Flaw]) -> list[str]:
    """The ids of a list of records; a repeated id is a flaw that names both places."""
    seen: dict[str, Path] = {}
    for index, item in _items(data, *path):  # type: ignore[arg-type]
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        here = (*path, index, "id")
        if ident in seen:
            flaws.append(Flaw(here, "duplicate_id", message(
                "duplicate_id", id=ident, what=what, other=format_path(seen[ident]))))
        else:
            seen[ident] = here
    return list(seen)


def _refs(data: Any, path: Path, field: str) -> Iterator[tuple[Path, Any]]:
    for index, item in _items(data, *path):  # type: ignore[arg-type]
        if field in item:
            yield (*path, index, field), item[field]


def _list_refs(data: Any, path: Path, field: str) -> Iterator[tuple[Path, Any]]:
    for list_path, refs in _refs(data, path, field):
        if isinstance(refs, list):
            for i, ref in enumerate(refs):
                yield (*list_path, i), ref


def _date_order(data: Any) -> Iterator[Flaw]:
    """End dates must not come before start dates (ISO text compares in date order)."""
    spans: list[tuple[Path, str, str]] = [(("duration",), "start_date", "end_date"),
                                           (("duration",), "start_date", "review_date")]
    spans += [(("monitoring", "phases", i), "start", "end")
              for i, _ in _items(data, "monitoring", "phases")]
    spans += [(("theory_of_change", "interventions", i), "start", "end")
              for i, _ in _items(data, "theory_of_change", "interventions")]
    for path, start_field, end_field in spans:
        record = _get(data, path)
        if not isinstance(record, dict):
            continue
        start, end = record.get(start_field), record.get(end_field)
        if isinstance(start, str) and isinstance(end, str) and _is_date(start) \
                and _is_date(end) and end < start:
            yield Flaw((*path, end_field), "dates_out_of_order", message(
                "dates_out_of_order", start_field=start_field, start=start,
                end_field=end_field, end=end))


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"
