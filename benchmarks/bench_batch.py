"""Documents per second: a plain docxtpl loop against agreementgen's batch, side by side.

All three runs render the same descriptions, each with the template of its own kind (the
memoranda of understanding with the MoU template, the others with the agreement template):

(a) a plain docxtpl loop, as a user would script it: per document a new ``DocxTemplate`` of
    that document's template, ``render`` in a sandboxed Jinja environment with autoescape, and
    ``save``. It is handed the finished render contexts (built before the clock starts), so it
    does less work than agreementgen, which also loads, validates, reviews and derives every
    description;
(b) ``agreementgen batch`` in one process (``--jobs 1``);
(c) ``agreementgen batch --jobs 2``.

Targets on a 2-core machine (issue 18): (b) at least 8x (a), (c) at least 14x (a).

Usage: python benchmarks/bench_batch.py [--copies 40] [--repeat 1] [--profile] [--quick]

``--quick`` (one copy, one run, ``--help`` timed once) checks that the benchmark works; its
figures mean nothing. The benchmark writes nothing into the source tree: the ``--help`` runs
keep their bytecode in the benchmark's temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agreementgen.templates import TemplateInfo

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
TARGET_ONE, TARGET_TWO = 8.0, 14.0


def copies(folder: Path, count: int) -> list[Path]:
    """``count`` copies of every example, each with its own title and texts (none alike)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(1, count + 1):
        for example in EXAMPLES:
            data = yaml.safe_load(example.read_text(encoding="utf-8"))
            title = data["agreement"]["title"]  # a text, or one per language
            data["agreement"]["title"] = (
                {lang: f"{text} ({number})" for lang, text in title.items()}
                if isinstance(title, dict) else f"{title} ({number})")
            _vary(data, number)
            target = folder / f"{example.stem}-{number:03d}.yaml"
            target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                              encoding="utf-8")
            files.append(target)
    return files


def _vary(node: Any, number: int) -> None:
    """Make every free text of a copy its own, so no cache can serve one copy from another."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str) and " " in value.strip() and len(value) > 30:
            node[key] = value.rstrip() + f" (copy {number})"
        elif isinstance(value, dict | list):
            _vary(value, number)


def contexts(files: list[Path]) -> list[tuple[TemplateInfo, dict[str, Any]]]:
    """Per description, the template agreementgen picks for its kind and the very context it
    renders that template with."""
    from agreementgen.api import load_description
    from agreementgen.context import build_context, word_writer
    from agreementgen.generate import language_of, load_template
    from agreementgen.health import review
    from agreementgen.render.docx import NUMBERING
    from agreementgen.render.numbering import NumberingAllocator
    from agreementgen.templates import resolve

    built = []
    for file in files:
        loaded = load_description(file)
        lang = language_of(loaded, None)
        info = resolve(None, str(loaded.description.agreement.kind))
        numbering = NumberingAllocator(load_template(info).member(NUMBERING))
        built.append((info, build_context(loaded.description, lang, word_writer(numbering),
                                          review=review(loaded, lang))))
    return built


def template_counts(built: Sequence[tuple[TemplateInfo, object]]) -> str:
    """Which templates the documents use, by name (a path may lie outside any checkout)."""
    counts: dict[str, int] = {}
    for info, _ in built:
        counts[info.name] = counts.get(info.name, 0) + 1
    return ", ".join(f"{name} ({count})" for name, count in counts.items())


class Clock:
    """Wall time, and CPU time of this process and of the worker processes it waited for."""

    def __enter__(self) -> Clock:
        self.wall = time.perf_counter()
        self.cpu = _cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu() - self.cpu


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def plain_loop(contexts: Sequence[tuple[TemplateInfo, dict[str, Any]]], out: Path) -> Clock:
    """(a): a new DocxTemplate of the document's own template, a sandboxed render and a save
    per document."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    out.parent.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(dir=out.parent, prefix=out.name))  # as in batch() below
    with Clock() as clock:
        for number, (template, context) in enumerate(contexts):
            document = DocxTemplate(str(template.path))
            document.render(context, jinja_env=SandboxedEnvironment(autoescape=True))
            document.save(str(out / f"{number:04d}.docx"))
    return clock


def batch(files: list[Path], out: Path, jobs: int) -> Clock:
    """(b) and (c): agreementgen's batch, from description files to .docx files."""
    from agreementgen.batch import run_batch
    from agreementgen.generate import compiled_template

    compiled_template.cache_clear()  # the batch compiles the template itself, on the clock
    # A new folder per run: replacing existing files makes ext4 flush them (auto_da_alloc),
    # which measures the disk, not agreementgen.
    out = Path(tempfile.mkdtemp(dir=out.parent, prefix=out.name))
    with Clock() as clock:
        result = run_batch(files, out, jobs=jobs, force=True)
    if result.failed:
        raise SystemExit(f"batch failed: {[(str(o.input), o.error) for o in result.failed]}")
    return clock


def help_time(folder: Path, runs: int = 5) -> float:
    """Wall time of ``agreementgen --help`` in a fresh interpreter (best of ``runs``).

    It runs in ``folder``, not in the checkout, so it starts the agreementgen this benchmark
    imports (an installed wheel too), and it keeps its bytecode in ``folder``: nothing is
    written into the source tree, yet every run but the first finds its modules compiled, as an
    installed copy does.
    """
    command = [sys.executable, "-m", "agreementgen", "--help"]
    # PYTHONDONTWRITEBYTECODE would have every run compile every module again.
    env = {name: value for name, value in os.environ.items()
           if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=folder, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=40, help="copies of every example")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best")
    parser.add_argument("--profile", action="store_true",
                        help="also profile (b) and print where its time goes")
    parser.add_argument("--quick", action="store_true",
                        help="one copy, one run, --help once: check that the benchmark works")
    args = parser.parse_args(argv)
    if args.quick:
        args.copies, args.repeat = 1, 1

    work = Path(tempfile.mkdtemp(prefix="agreementgen-bench-"))
    try:
        files = copies(work / "in", args.copies)
        built = contexts(files)
        templates = template_counts(built)
        count = len(files)
        # The runs take turns (a b c, a b c, ...), so a change in the machine's load hits all
        # three; each keeps its best.
        runs = []
        for turn in range(args.repeat):
            if turn:
                built = contexts(files)
            a_run = plain_loop(built, work / "a")
            # The contexts were (a)'s input; (b) and (c) start, as a command would, without
            # them.
            del built
            gc.collect()
            runs.append((a_run, batch(files, work / "b", 1), batch(files, work / "c", 2)))
        a, b, c = (min((run[i] for run in runs), key=lambda clock: clock.wall)
                   for i in range(3))
        print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"documents: {count} ({args.copies} copies of {len(EXAMPLES)} examples), "
              f"templates: {templates}")
        print(f"{'run':<42} {'wall s':>7} {'docs/s':>7} {'x (a)':>6} {'CPU s':>7} {'x (a)':>6}")
        rows = [("(a) plain docxtpl loop (contexts given)", a),
                ("(b) agreementgen batch --jobs 1", b),
                ("(c) agreementgen batch --jobs 2", c)]
        for label, clock in rows:
            print(f"{label:<42} {clock.wall:7.2f} {count / clock.wall:7.1f} "
                  f"{a.wall / clock.wall:6.2f} {clock.cpu:7.2f} {a.cpu / clock.cpu:6.2f}")
        for label, ratio, target in (("b/a", a.wall / b.wall, TARGET_ONE),
                                     ("c/a", a.wall / c.wall, TARGET_TWO)):
            verdict = "met" if ratio >= target else "NOT met"
            print(f"{label} = {ratio:.2f} by wall time (target >= {target:g}: {verdict})")
        print("(CPU s counts the workers too; a busy machine slows wall time, not CPU time)")
        if args.quick:
            print("(--quick: one copy and one run each, --help once and cold: the figures "
                  "only show that the benchmark works)")
        startup = help_time(work, runs=1 if args.quick else 5)
        print(f"agreementgen --help: {startup * 1000:.0f} ms (target < 150 ms)")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            batch(files, work / "p", 1)
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(40)
            print(stream.getvalue())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
