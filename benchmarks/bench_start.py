"""Start-up: one ``agreementgen generate`` against ``python -c "import docxtpl"``, side by side.

Both are whole processes, timed in turn (A B A B ...). ``generate`` makes one agreement from a
description (load, validate, review, derive, render the built-in template, write the .docx);
the other only imports docxtpl, the floor of any script that fills a Word template with it.

Target (issue 18): one ``generate`` at most 1.8x the import.

Usage: python benchmarks/bench_start.py [--runs 10] [--example examples/cocoa-supply-chain.yaml]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _side_by_side import alternate, machine, report, wall

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each, in turn")
    parser.add_argument("--example", type=Path, default=ROOT / "examples" /
                        "cocoa-supply-chain.yaml", help="the description to generate")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="agreementgen-start-") as folder:
        out = Path(folder) / "agreement.docx"
        generate = [sys.executable, "-m", "agreementgen", "generate", str(args.example), "-o",
                    str(out), "--force", "--quiet"]
        imports = [sys.executable, "-c", "import docxtpl"]
        # Both run with bytecode, as an installed package does (pip compiles it), kept in the
        # benchmark's own folder: an environment that says not to write bytecode
        # (PYTHONDONTWRITEBYTECODE) would otherwise make every run compile agreementgen's
        # source again, while docxtpl's came with its own.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        wall(generate, env), wall(imports, env)  # warm the file cache and bytecode
        a, b = alternate(lambda: wall(generate, env), lambda: wall(imports, env), args.runs)
    print(f"one generate of {args.example.name} against importing docxtpl")
    ratio = report("generate", a, "import docxtpl", b, f"target <= {TARGET:g}")
    print(f"   target {'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
