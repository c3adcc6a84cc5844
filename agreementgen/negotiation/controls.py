"""The marks on each clause of a Word agreement, by which it is found again after editing.

- A clause's first paragraph starts with an empty content control (``w:sdt``) whose tag
  names the clause, ``agreementgen:clause=<id>``, and whose title (alias) is the id. It is
  not locked and its appearance is hidden, so neither Word nor a PDF shows it. It is an
  empty run control, not a block one around the clause: LibreOffice 7.4 shows a field in the
  first paragraph of a block control as its code ("REF _ag_x \\w \\h"), and programs that
  read a paragraph's runs (python-docx) skip the runs inside a control.
- The same paragraph holds the bookmark that cross-references point at
  (:func:`agreementgen.clauses.markers.bookmark_name`), and the clause's last paragraph ends
  with an empty bookmark (:func:`end_bookmark`). LibreOffice drops the control's tag and
  title when it saves, and keeps both bookmarks.
"""

from __future__ import annotations

import functools
import hashlib
import re
from html import escape

#: The start of the tag of a clause's content control; the clause id follows.
TAG_PREFIX = "agreementgen:clause="
#: The tag's suffix on the second column's copy of a clause in a bilingual agreement.
SECOND_COLUMN = "@2"
#: Word 2012's namespace, for the hidden appearance of the controls.
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
#: Where the ids of the controls start counting, clear of a template's own controls.
CONTROL_BASE = 0x2A000000
#: Where the ids of the end bookmarks start counting, after the clauses' own (9000 on).
END_BOOKMARK_BASE = 19000
_END_PREFIX = "_age_"
_BOOKMARK_MAX = 40


def quoted(value: str) -> str:
    """A value as a quoted XML attribute value."""
    return f'"{escape(value, quote=True)}"'


def tag(clause_id: str, second_column: bool = False) -> str:
    """The tag of a clause's content control."""
    return f"{TAG_PREFIX}{clause_id}{SECOND_COLUMN if second_column else ''}"


@functools.cache
def end_bookmark(clause_id: str, second_column: bool = False) -> str:
    """The name of the empty bookmark that ends a clause (a hash for a long id)."""
    name = _END_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", clause_id) + ("_2" if second_column else "")
    if len(name) > _BOOKMARK_MAX:
        suffix = hashlib.sha256(f"{clause_id}{second_column}".encode()).hexdigest()[:16]
        name = f"{_END_PREFIX}{suffix}"
    return name


def wrapped(clause_id: str, body: str, index: int, second_column: bool = False) -> str:
    """A clause's paragraphs (WordprocessingML) with its marks: the control at the start of
    the first paragraph, the end bookmark at the end of the last."""
    lead_runs = body.find("</w:pPr>")
    last_end = body.rfind("</w:p>")
    if lead_runs < 0 or last_end < lead_runs:
        return body
    lead_runs += len("</w:pPr>")
    number = CONTROL_BASE + 2 * index + int(second_column)
    control = (f"<w:sdt><w:sdtPr><w:alias w:val={quoted(clause_id)}/>"
               f"<w:tag w:val={quoted(tag(clause_id, second_column))}/>"
               f'<w:id w:val="{number}"/>'
               f'<w15:appearance xmlns:w15="{W15}" w15:val="hidden"/>'
               f"</w:sdtPr><w:sdtContent/></w:sdt>")
    mark = END_BOOKMARK_BASE + 2 * index + int(second_column)
    end = (f'<w:bookmarkStart w:id="{mark}" w:name="{end_bookmark(clause_id, second_column)}"/>'
           f'<w:bookmarkEnd w:id="{mark}"/>')
    return f"{body[:lead_runs]}{control}{body[lead_runs:last_end]}{end}{body[last_end:]}"
