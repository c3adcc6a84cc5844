"""Which clauses of an edited agreement changed since it was generated (``agreementgen edits``).

Tracked changes count as accepted; the report says when some are still open.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from agreementgen.errors import InputError, Problem
from agreementgen.i18n import message
from agreementgen.negotiation.locate import Key, Located, find_by_text, locate, outside
from agreementgen.negotiation.manifest import Entry, Manifest, read_manifest
from agreementgen.negotiation.wordtext import has_tracked_changes, text_of

DOCUMENT = "word/document.xml"
# Words, and paragraph breaks as words of their own.
_WORDS = re.compile(r"\n|[^\s]+")


@dataclass
class Agreement:
    """An agreement read back: its members, its document part and its manifest."""

    path: Path
    members: dict[str, bytes]
    root: etree._Element
    manifest: Manifest

    def located(self) -> Located:
        """Its clauses, found by the marks of the clauses its manifest names, else by the
        text they were generated with."""
        found = locate(self.root, {e.id for e in self.manifest.clauses})
        find_by_text(self.root, found, ((e.key, e.text) for e in self.manifest.clauses))
        return found


def read_agreement(path: Path) -> Agreement:
    """Read a generated (and perhaps edited) agreement.

    Raises:
        InputError: The file is missing, no .docx, damaged, or no agreementgen output.
    """
    from agreementgen.compare.package import read_package, unreadable

    package = read_package(path, heading="edited_unreadable")
    root = package.xml(DOCUMENT)
    try:
        manifest = read_manifest(package.members)
    except etree.XMLSyntaxError as exc:
        raise unreadable(str(path), "edited_manifest_damaged", "edited_unreadable",
                         problem=exc) from None
    if manifest is None:
        text = message("edited_no_manifest")
        raise InputError(text, [Problem(str(path), text, code="edited_no_manifest")])
    return Agreement(path, dict(package.members), root, manifest)


@dataclass(frozen=True)
class ClauseEdit:
    """What became of one clause.

    Attributes:
        entry: The clause as generated (from the manifest).
        status: ``unchanged``, ``edited`` or ``deleted``.
        text: Its text now (None when deleted).
        found_by: The mark it was found by: ``tag``, ``title`` or ``bookmark``.
    """

    entry: Entry
    status: str
    text: str | None
    found_by: str | None

    def changes(self) -> list[dict[str, str]]:
        """The word-level changes from the generated text to the text now."""
        return word_changes(self.entry.text, self.text or "")

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.entry.id, "lang": self.entry.lang,
                                "column": self.entry.column, "status": self.status}
        if self.found_by:
            data["found_by"] = self.found_by
        if self.status == "edited":
            data["generated"] = self.entry.text
            data["text"] = self.text
            data["changes"] = self.changes()
        elif self.status == "deleted":
            data["generated"] = self.entry.text
        return data


@dataclass(frozen=True)
class Added:
    """Text a lawyer added between clauses: after which clause, and what it says."""

    after: Key
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"after": self.after[0], "column": self.after[1], "text": self.text}


@dataclass(frozen=True)
class Edits:
    """The edits found in one agreement; ``outside`` lists the paragraphs outside the clauses
    (the cover, the parties, the tables) that are not as generated."""

    file: Path
    manifest: Manifest
    clauses: tuple[ClauseEdit, ...]
    added: tuple[Added, ...]
    tracked_changes: bool
    outside: tuple[str, ...] = ()

    @property
    def edited(self) -> list[ClauseEdit]:
        return [c for c in self.clauses if c.status != "unchanged"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "tool_version": self.manifest.tool_version,
            "description_sha256": self.manifest.description_sha256,
            "template_sha256": self.manifest.template_sha256,
            "tracked_changes": self.tracked_changes,
            "clauses": [c.as_dict() for c in self.clauses],
            "added": [a.as_dict() for a in self.added],
            "outside": list(self.outside),
        }


def find_edits(path: str | Path) -> Edits:
    """The clauses of an edited agreement, each unchanged, edited or deleted, and the text
    added between them.

    Raises:
        InputError: The file is missing, damaged, or no agreementgen output.
    """
    agreement = read_agreement(Path(path))
    return edits_in(agreement)


def edits_in(agreement: Agreement) -> Edits:
    """The edits in an agreement already read."""
    located = agreement.located()
    clauses: list[ClauseEdit] = []
    added: list[Added] = []
    for entry in agreement.manifest.clauses:
        unit = located.units.get(entry.key)
        if unit is None:
            clauses.append(ClauseEdit(entry, "deleted", None, None))
            continue
        text = text_of(unit.blocks)
        status = "unchanged" if text.sha256 == entry.sha256 else "edited"
        clauses.append(ClauseEdit(entry, status, text.shown, unit.found_by))
        extra = added_lines(entry.after, text_of(unit.gap).shown)
        if extra:
            added.append(Added(entry.key, extra))
    return Edits(agreement.path, agreement.manifest, tuple(clauses), tuple(added),
                 has_tracked_changes(agreement.root), outside_changes(agreement, located))


def outside_changes(agreement: Agreement, located: Located) -> tuple[str, ...]:
    """The paragraphs outside the clauses (the cover, the parties, the tables) that the
    generated agreement did not have."""
    now = text_of(outside(agreement.root, located)).shown
    return tuple(added_lines(agreement.manifest.outside, now).splitlines())


def added_lines(generated: str, now: str) -> str:
    """The paragraphs of ``now`` that the generated text between two clauses did not have."""
    before = generated.splitlines()
    return "\n".join(line for line in now.splitlines() if line not in before)


def word_changes(old: str, new: str) -> list[dict[str, str]]:
    """Word-level changes from ``old`` to ``new``: each a replace, insert or delete with the
    words before and after it."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [{"op": op, "old": _joined(a[i1:i2]), "new": _joined(b[j1:j2])}
            for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def inline_diff(old: str, new: str) -> str:
    """The text now, with deleted words as ``[-words-]`` and inserted ones as ``{+words+}``."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(_joined(a[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"[-{_joined(a[i1:i2])}-]")
        if j2 > j1:
            out.append(f"{{+{_joined(b[j1:j2])}+}}")
    return _joined(out)


def _joined(words: list[str]) -> str:
    """Words joined by spaces; a paragraph break stays a line break."""
    return " ".join(words).replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")
