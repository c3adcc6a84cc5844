"""Time per document with a clause pack against the built-in clause texts, side by side.

Every run makes the same documents with ``agreementgen batch --jobs 1`` (copies of every
example, each with its own texts, made by ``bench_batch.copies``):

(a) the built-in template with the built-in clause texts;
(b) the built-in template with the example pack (``examples/clause-pack``: two clauses in the
    organisation's wording and one added, in English and Dutch) given with ``--clauses``;
(c) a user's copy of the built-in template (``templates new``), with the built-in texts;
(d) that copy with the same pack beside it (``clauses.en.yaml``, ``clauses.nl.yaml``).

(d) against (c) is what a pack costs: both render in the guarded worker that a user's template
needs anyway. (b) against (a) adds that worker to a built-in template, because pack texts
render under the same limits as a user's template.

Usage: python benchmarks/bench_packs.py [--copies 20] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "examples" / "clause-pack"


def _run(inputs: Sequence[Path], out: Path, template: str | None, dirs: Sequence[Path],
         clauses: Sequence[Path]) -> float:
    """Seconds for one batch of ``inputs`` into a fresh ``out``, in this process."""
    from agreementgen.batch import run_batch

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = run_batch(inputs, out, template=template, jobs=1, template_dirs=dirs,
                       clauses=clauses)
    seconds = time.perf_counter() - start
    if result.failed:
        failed = result.failed[0]
        raise SystemExit(f"{failed.input}: {failed.error}")
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="one copy, one run: checks that the benchmark works")
    args = parser.parse_args(argv)
    if args.quick:
        args.copies, args.repeat = 1, 1
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_batch import copies

    from agreementgen.templates import create

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        inputs = copies(base / "in", args.copies)
        templates = base / "templates"
        templates.mkdir()
        create("plain", "partnership_agreement", templates)
        packed = base / "packed"
        packed.mkdir()
        create("plain", "partnership_agreement", packed)
        for pack in PACK.glob("clauses.*.yaml"):
            shutil.copy(pack, packed / "plain")
        agreements = [p for p in inputs if "water" not in p.name]
        runs = {
            "(a) built-in template, built-in texts": (None, [], []),
            "(b) built-in template, --clauses pack": (None, [], [PACK]),
            "(c) user template, built-in texts": ("plain", [templates], []),
            "(d) user template, pack beside it": ("plain", [packed], []),
        }
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            for label, (template, dirs, clauses) in runs.items():
                documents = agreements if template else inputs
                seconds = _run(documents, base / "out", template, dirs, clauses)
                per = seconds / len(documents)
                best[label] = min(best.get(label, per), per)
    print(f"{platform.platform()}, Python {platform.python_version()}, "
          f"{len(inputs)} descriptions ({args.copies} copies of each example; the user "
          f"template runs make the {len(agreements)} that are not memoranda), best of "
          f"{args.repeat}")
    for label, per in best.items():
        print(f"{label:<42} {per * 1000:7.1f} ms per document")
    a, b, c, d = best.values()
    print(f"pack against built-in texts, user template, (d)/(c): {d / c:.2f}x")
    print(f"pack against built-in texts, built-in template, (b)/(a): {b / a:.2f}x")
    if args.quick:
        print("--quick: these figures only show that the benchmark works")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
