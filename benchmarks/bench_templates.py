"""``batch -t`` with a user's copy of the built-in template against the built-in, side by side.

The same descriptions (copies of every example, each with texts of its own) go through
``agreementgen batch -t partnership_agreement`` and through ``agreementgen batch -t COPY``
where COPY is the same template file copied to a folder of the user's: the user's template is
compiled and rendered inside the render guard, the built-in in the process. Whole processes,
in turn (A B A B ...), each into a new folder.

Target (issue 18): the user's template at most 1.3x the built-in's time.

Usage: python benchmarks/bench_templates.py [--copies 20] [--jobs 1,2] [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
from pathlib import Path

from _side_by_side import alternate, machine, report, wall
from bench_batch import copies

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ROOT / "templates" / "partnership_agreement" / "template.docx"
TARGET = 1.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=20, help="copies of every example")
    parser.add_argument("--jobs", default="1,2", help="worker counts to compare, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each, in turn")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="agreementgen-templates-") as name:
        folder = Path(name)
        inputs = copies(folder / "in", args.copies)
        user = folder / "mine" / "user_pa.docx"
        user.parent.mkdir()
        shutil.copyfile(BUILTIN, user)
        runs = iter(range(10**6))

        def batch(template: str, jobs: str) -> float:
            out = folder / f"out-{next(runs)}"
            return wall([sys.executable, "-m", "agreementgen", "batch", str(folder / "in"),
                         "-o", str(out), "--force", "--jobs", jobs, "-t", template])

        for jobs in args.jobs.split(","):
            batch("partnership_agreement", jobs), batch(str(user), jobs)  # warm up
            a, b = alternate(functools.partial(batch, str(user), jobs),
                             functools.partial(batch, "partnership_agreement", jobs), args.runs)
            print(f"batch of {len(inputs)} descriptions, --jobs {jobs}: the user's copy of "
                  "the template against the built-in")
            ratio = report("user template", a, "built-in", b, f"target <= {TARGET:g}")
            per = min(a) / len(inputs) * 1000, min(b) / len(inputs) * 1000
            print(f"   per document (fastest run): {per[0]:.1f} ms against {per[1]:.1f} ms; "
                  f"target {'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
