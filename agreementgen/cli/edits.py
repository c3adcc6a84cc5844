"""`agreementgen edits`."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("edited", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def edits(edited: Path, fmt: str) -> None:
    """Show which clauses of an edited agreement changed since agreementgen generated it.

    Reads a .docx that agreementgen generated and someone edited since, in Word or
    LibreOffice. Tracked changes count as accepted. Each clause is found by the marks it was
    generated with and compared with the text it had then: unchanged, edited (with the
    words that changed) or deleted; text added between clauses is listed too.

    \b
    Example:
      agreementgen edits agreement-edited.docx
      agreementgen edits agreement-edited.docx --format json
    """
    from agreementgen.i18n import message
    from agreementgen.negotiation.edits import find_edits, inline_diff

    found = find_edits(edited)
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
        return
    changed = found.edited
    def count(status: str) -> int:
        return sum(c.status == status for c in found.clauses)

    click.echo(message("edits_summary", file=str(edited), count=len(found.clauses),
                       unchanged=count("unchanged"), edited=count("edited"),
                       deleted=count("deleted"), added=len(found.added)))
    if found.tracked_changes:
        click.echo(message("edits_tracked"))
    for clause in changed:
        entry = clause.entry
        where = f"{entry.id} ({entry.lang})" if len(found.manifest.languages) > 1 else entry.id
        click.echo("")
        if clause.status == "deleted":
            click.echo(message("edits_deleted", id=where))
            continue
        click.echo(message("edits_edited", id=where))
        for line in inline_diff(entry.text, clause.text or "").splitlines():
            click.echo(f"    {line}")
    for added in found.added:
        click.echo("")
        click.echo(message("edits_added", after=added.after[0]))
        for line in added.text.splitlines():
            click.echo(f"    {line}")
    if found.outside:
        click.echo("")
        click.echo(message("edits_outside", count=len(found.outside)))
        for line in found.outside:
            click.echo(f"    {line}")
