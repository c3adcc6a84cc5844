"""Compare two drafts: NEW with Word's tracked changes from OLD (a redline).

The redline is NEW's own package (its styles, numbering, fields, bookmarks, content controls
and its own tracked changes all kept) with the differences from OLD marked as insertions and
deletions by the author "agreementgen": word by word inside paragraphs, row by row in tables,
and with the paragraph mark of a paragraph that is inserted or deleted whole. Accepting every
change gives NEW's text; rejecting every change gives OLD's.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from agreementgen.compare.blocks import Context, diff_container
from agreementgen.compare.package import Package, Relations, read_package
from agreementgen.compare.revisions import Revisions, max_id, w
from agreementgen.render.docx import DOCUMENT
from agreementgen.writing import check_target, folder_for, write_atomic

__all__ = ["Comparison", "compare", "redline", "revision_date"]

#: Parts besides the body that are compared when both documents have them.
_OTHER_PARTS = ("word/header", "word/footer")


@dataclass(frozen=True)
class Comparison:
    """What a comparison found and wrote.

    Attributes:
        output: The redline file (None when only the bytes were asked for).
        insertions: How many insertions are marked.
        deletions: How many deletions are marked.
        clauses: The ids of agreementgen clauses that changed, were added or were removed
            (empty for documents that are not agreementgen outputs), in NEW's order.
    """

    output: Path | None
    insertions: int
    deletions: int
    clauses: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether the documents differ."""
        return bool(self.insertions or self.deletions)


def revision_date(now: datetime.datetime | None = None) -> str:
    """The ``w:date`` of the marks: ``SOURCE_DATE_EPOCH`` when set, else now, in UTC.

    To the second, as Word writes it; ``SOURCE_DATE_EPOCH`` (seconds since 1970) makes a
    redline reproducible byte for byte.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        now = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    elif now is None:
        now = datetime.datetime.now(datetime.UTC)
    return now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def redline(old: Package, new: Package, date: str) -> tuple[bytes, Comparison]:
    """The bytes of NEW marked with its differences from OLD, and what was found.

    Args:
        old: The earlier draft.
        new: The later draft; its package is changed in place.
        date: ``w:date`` for every mark (see :func:`revision_date`).
    """
    parts = [DOCUMENT, *(p for p in _shared_parts(old, new))]
    revisions = Revisions(date, max_id(new.xml(p) for p in parts))
    bookmarks = {str(b.get(w("name"))) for p in parts for b in new.xml(p).iter(w("bookmarkStart"))}
    changed: list[str] = []
    for part in parts:
        relations = Relations(old, new, part)
        context = Context(revisions, bookmarks, relations.new_id, changed,
                          clauses=part == DOCUMENT)
        old_root, new_root = old.xml(part), new.xml(part)
        if part == DOCUMENT:
            old_root, new_root = old_root.find(w("body")), new_root.find(w("body"))
            if old_root is None or new_root is None:
                continue
        diff_container(old_root, new_root, context)
    clauses = tuple(dict.fromkeys(changed))
    result = Comparison(None, revisions.inserted, revisions.deleted, clauses)
    return new.to_bytes(), result


def compare(old: Path, new: Path, output: Path, *, force: bool = False,
            date: str | None = None) -> Comparison:
    """Write a redline of ``new`` against ``old`` to ``output``.

    Args:
        old: The earlier draft (.docx).
        new: The later draft (.docx).
        output: The redline to write; missing folders are made.
        force: Replace an existing output file.
        date: ``w:date`` of the marks (default: :func:`revision_date`).

    Raises:
        InputError: A draft is missing, no .docx, damaged, or has no ``word/document.xml``;
            the error names the file.
        OutputError: ``output`` exists without ``force``, or cannot be written.
    """
    check_target(output, force, make_folder=True)
    old_package, new_package = read_package(old), read_package(new)
    data, result = redline(old_package, new_package, date or revision_date())
    with folder_for(output):
        write_atomic(output, data, replace=force)
    return Comparison(output, result.insertions, result.deletions, result.clauses)


def _shared_parts(old: Package, new: Package) -> list[str]:
    return [part for prefix in _OTHER_PARTS for part in new.parts(prefix)
            if part in old.members]
