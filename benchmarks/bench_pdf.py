"""PDF: a batch through the long-lived LibreOffice against one LibreOffice per document.

The same descriptions go through ``agreementgen batch --format pdf`` twice, in turn: with the
LibreOffice server (one per worker, started on first need) and with
``AGREEMENTGEN_OFFICE_SERVER=0`` (``soffice --convert-to`` per document, as before the
server). Then a single ``generate -o x.pdf`` both ways, as whole processes. Each PDF of the
server has the page numbers in its contents list; the check is printed.

Targets (issue 18): the batch at least 5x faster through the server; a single ``generate``
no slower than before.

Usage: python benchmarks/bench_pdf.py [--documents 20] [--jobs 2] [--runs 1] [--single 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _side_by_side import alternate, machine, report, wall

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
VARIABLE = "AGREEMENTGEN_OFFICE_SERVER"
TARGET = 5.0
#: A contents entry with its page number, as pdftotext prints it.
ENTRY = re.compile(r"\.{4,}\s*\d+\s*$", re.M)


def numbered_entries(pdf: Path) -> int:
    """How many contents entries on the first page have a page number (0 without pdftotext)."""
    if shutil.which("pdftotext") is None:
        return 0
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=False).stdout
    return len(ENTRY.findall(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=20, help="PDFs in the batch")
    parser.add_argument("--jobs", default="2", help="worker processes of the batch")
    parser.add_argument("--runs", type=int, default=1, help="timed batches of each, in turn")
    parser.add_argument("--single", type=int, default=3, help="timed single generates of each")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="agreementgen-pdf-bench-") as name:
        folder = Path(name)
        inputs = folder / "in"
        inputs.mkdir()
        for number in range(args.documents):
            source = EXAMPLES[number % len(EXAMPLES)]
            shutil.copyfile(source, inputs / f"{number:03d}-{source.name}")
        runs = iter(range(10**6))
        on = {**os.environ, VARIABLE: "1"}
        off = {**os.environ, VARIABLE: "0"}

        def batch(env: dict[str, str]) -> float:
            out = folder / f"batch-{next(runs)}"
            seconds = wall([sys.executable, "-m", "agreementgen", "batch", str(inputs), "-o",
                            str(out), "--force", "--format", "pdf", "--jobs", args.jobs], env)
            made = sorted(out.glob("*.pdf"))
            if len(made) != args.documents:
                raise SystemExit(f"the batch made {len(made)} PDFs of {args.documents}")
            return seconds

        a, b = alternate(lambda: batch(off), lambda: batch(on), args.runs)
        print(f"batch of {args.documents} PDFs, --jobs {args.jobs}: one LibreOffice per "
              "document against the server")
        ratio = report("one per document", a, "server", b, f"target >= {TARGET:g}")
        print(f"   target {'met' if ratio >= TARGET else 'NOT met'}")
        cocoa = sorted((folder / "batch-1").glob("*cocoa*.pdf"))
        if cocoa:
            print(f"   contents entries with a page number in {cocoa[0].name}: server "
                  f"{numbered_entries(cocoa[0])}, one per document "
                  f"{numbered_entries(sorted((folder / 'batch-0').glob('*cocoa*.pdf'))[0])}")

        single = folder / "single.pdf"
        command = [sys.executable, "-m", "agreementgen", "generate", str(EXAMPLES[0]), "-o",
                   str(single), "--force", "--quiet"]
        a, b = alternate(lambda: wall(command, off), lambda: wall(command, on), args.single)
        print(f"one generate -o x.pdf of {EXAMPLES[0].name}: one LibreOffice against the server")
        ratio = report("one LibreOffice", a, "server", b, "target >= 1: no slower")
        print(f"   target {'met' if ratio >= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
