"""`agreementgen compare`."""

from __future__ import annotations

from pathlib import Path

import click

from agreementgen.i18n import message


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The redline to write, a .docx; missing folders are made (default: NEW's "
                   "name with '-redline', in the current folder).")
@click.option("--force", is_flag=True,
              help="Overwrite an existing output file (only a regular file, never a link, "
                   "folder or device).")
def compare(old: Path, new: Path, output: Path | None, force: bool) -> None:
    """Show what changed from OLD to NEW as tracked changes in Word.

    The redline is NEW with Word's own insertions and deletions (author "agreementgen"):
    accept them all and you have NEW, reject them all and you have OLD. Two agreementgen
    drafts are compared clause by clause; other documents paragraph by paragraph.

    \b
    Example:
      agreementgen compare draft-0.3.docx draft-0.4.docx -o redline-0.3-0.4.docx
    """
    from agreementgen.compare import compare as run

    if output is None:
        output = Path(f"{new.stem}-redline.docx")
    elif output.suffix.lower() != ".docx":
        raise click.BadParameter(message("compare_output_not_docx"),
                                 param_hint="'-o' / '--output'")
    result = run(old, new, output, force=force)
    summary = (f"{result.insertions} insertions, {result.deletions} deletions"
               if result.changed else "no differences")
    click.echo(f"wrote {result.output} ({summary})")
    if result.clauses:
        click.echo(f"clauses changed: {', '.join(result.clauses)}")
