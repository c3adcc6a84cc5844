"""`agreementgen batch`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from agreementgen.cli.options import (
    OUTPUT_FORMATS,
    agreement_options,
    check_prevailing,
    clauses_option,
    template_options,
)
from agreementgen.i18n import message

if TYPE_CHECKING:
    from agreementgen.batch import BatchResult, Outcome



@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="FILES_OR_DIRS...")
@click.option("-o", "--out-dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The folder for the agreements and manifest.json (created when missing).")
@template_options
@clauses_option
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes (default: the number of CPUs); 1 works in one process.")
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="docx",
              show_default=True, help="Output format of every agreement.")
@agreement_options
@click.option("--force", is_flag=True,
              help="Make every agreement again, overwriting existing output files.")
def batch(paths: tuple[Path, ...], out_dir: Path, template: str | None,
          template_dirs: tuple[Path, ...], clauses: tuple[Path, ...], jobs: int | None,
          fmt: str, lang: str | None, prevailing: str | None, health_annex: bool,
          force: bool) -> None:
    """Make the agreements of many descriptions at once, in parallel.

    A folder stands for the .yaml, .yml, .json and .toml files in it (not in its subfolders,
    not hidden ones, not JSON Schema files *.schema.json).
    Each agreement is named after its description file. A description that fails is reported
    and the others are still made; OUT_DIR/manifest.json records what was made from what, as
    the batch goes. Run again, a batch makes only what is missing or out of date: an agreement
    whose description, template and agreementgen version are unchanged is up to date, and one
    whose description changed is made again. A file the batch did not make, or that was changed
    after, is replaced only with --force (which makes every agreement again).
    Exits with 1 when any description failed.

    \b
    Example:
      agreementgen batch examples/ -o out/agreements
      agreementgen batch partnerships/*.yaml -o out --jobs 4 --force
    """
    from agreementgen.batch import run_batch

    check_prevailing(lang, prevailing)
    with contextlib.ExitStack() as stack:
        progress: dict[str, Any] = {}

        def start(total: int) -> None:
            if sys.stderr.isatty():
                progress["bar"] = stack.enter_context(click.progressbar(
                    length=total, label=message("batch_progress"), file=sys.stderr))

        def done(outcome: Outcome) -> None:
            if "bar" in progress:
                progress["bar"].update(1)

        result = run_batch(paths, out_dir, template=template, jobs=jobs, lang=lang, format=fmt,
                           force=force, template_dirs=template_dirs, health_annex=health_annex,
                           prevailing=prevailing, clauses=clauses,
                           on_start=start, on_done=done)
    _report(result)
    if result.failed:
        click.get_current_context().exit(1)


def _report(result: BatchResult) -> None:
    """Each failure by name with its problems (stderr), the warnings and untranslated texts of
    each agreement made (stderr), then the summary table (stdout)."""
    from agreementgen.translations import format_untranslated

    for outcome in result.outcomes:
        for notice in outcome.notices:
            click.secho(notice.format(), fg="yellow", err=True)
        for lang in dict.fromkeys(u.lang for u in outcome.untranslated):
            text = format_untranslated([u for u in outcome.untranslated if u.lang == lang], lang)
            click.echo(f"{outcome.input}: {text}", nl=False, err=True)
    for outcome in result.failed:
        click.secho(message("batch_failed", input=outcome.input), fg="red", bold=True, err=True)
        lines = [p.format() for p in outcome.problems] or [outcome.error or ""]
        for line in lines:
            click.secho(f"  {line}", fg="red", err=True)
    rows = [
        (message("batch_summary_documents"), str(len(result.outcomes))),
        (message("batch_summary_made"), str(result.made)),
        (message("batch_summary_up_to_date"), str(result.up_to_date)),
        (message("batch_summary_failed"), str(len(result.failed))),
        (message("batch_summary_warnings"), str(result.warnings)),
    ]
    width = max(len(label) for label, _ in rows)
    digits = max(len(value) for _, value in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value:>{digits}}")
    click.echo(f"{message('batch_summary_manifest'):<{width}}  {result.manifest}")
