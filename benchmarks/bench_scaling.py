"""How cost grows: with the size of one description, and over a long batch.

1. Time: one description with 100 indicators and one with 1,000 (``--indicators``), both
   with 100 contributions, each made end to end (load, validate, review, derive, render,
   write), timed in turn. Target: 1,000 indicators take at most 10x the time of 100.
2. Memory: a 1,000-document batch with ``--jobs 2``; the peak resident memory (VmHWM) of every
   worker process is read after 10%, 50% and 100% of the documents. Target: it stays flat
   (the last reading at most 15% above the first).

Usage: python benchmarks/bench_scaling.py [--indicators 100,1000] [--documents 1000] [--jobs 2]
       [--repeat 5] [--no-memory]
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "examples" / "cocoa-supply-chain.yaml"
TIME_TARGET = 10.0
MEMORY_TARGET = 1.15


def sized(indicators: int, contributions: int) -> dict[str, Any]:
    """The cocoa example grown to the given numbers of indicators and contributions.

    Every copy gets its own id and words, so nothing can be served twice from a cache.
    """
    from agreementgen.loading import load

    data = copy.deepcopy(load(BASE).data)
    seed_indicators = data["monitoring"]["indicators"]
    grown = []
    for number in range(indicators):
        item = copy.deepcopy(seed_indicators[number % len(seed_indicators)])
        item["id"] = f"{item['id']}-{number}"
        item["indicator"] = f"{item['indicator']} (measure {number})"
        grown.append(item)
    data["monitoring"]["indicators"] = grown
    seed_contributions = data["contributions"]
    data["contributions"] = []
    for number in range(contributions):
        item = copy.deepcopy(seed_contributions[number % len(seed_contributions)])
        item["description"] = f"{item['description']} Part {number} of the plan."
        data["contributions"].append(item)
    return data


def write(data: dict[str, Any], path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def time_both(small: Path, large: Path, work: Path, repeat: int) -> tuple[float, float]:
    """Median seconds to make one agreement from each, timed in turn after a warm-up each."""
    from agreementgen.generate import generate

    times: dict[Path, list[float]] = {small: [], large: []}
    for path in (small, large):
        generate(path, work / f"{path.stem}.docx", force=True)
    for _ in range(repeat):
        for path in (small, large):
            start = time.perf_counter()
            generate(path, work / f"{path.stem}.docx", force=True)
            times[path].append(time.perf_counter() - start)
    return statistics.median(times[small]), statistics.median(times[large])


def peak_rss_kib(pid: int) -> int | None:
    """The peak resident memory of a process in KiB (Linux), or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def memory_over_batch(folder: Path, documents: int, jobs: int) -> list[tuple[int, list[int]]]:
    """Run a batch of ``documents`` and read every worker's peak memory at three points."""
    from agreementgen.batch import run_batch

    examples = sorted((ROOT / "examples").glob("*.yaml"))
    inputs = folder / "in"
    inputs.mkdir(parents=True)
    files = []
    for number in range(documents):
        source = examples[number % len(examples)]
        target = inputs / f"{source.stem}-{number:04d}{source.suffix}"
        shutil.copyfile(source, target)
        files.append(target)
    checkpoints = {max(documents // 10, 1), max(documents // 2, 1), documents}
    readings: list[tuple[int, list[int]]] = []
    done = 0

    def on_done(_: object) -> None:
        nonlocal done
        done += 1
        if done in checkpoints:
            peaks = [peak_rss_kib(p.pid) for p in multiprocessing.active_children()
                     if p.pid is not None]
            readings.append((done, sorted(p for p in peaks if p is not None)))

    result = run_batch(files, folder / "out", jobs=jobs, on_done=on_done)
    if result.failed:
        raise SystemExit(f"batch failed: {[(str(o.input), o.error) for o in result.failed]}")
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000, help="documents in the batch")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes in the batch")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per size; the median")
    parser.add_argument("--indicators", default="100,1000",
                        help="the indicators of the small and the large description")
    parser.add_argument("--no-memory", action="store_true", help="leave out the batch (part 2)")
    args = parser.parse_args()
    few, many = (int(n) for n in args.indicators.split(","))

    work = Path(tempfile.mkdtemp(prefix="agreementgen-scaling-"))
    try:
        small = write(sized(few, 100), work / f"indicators-{few}.yaml")
        large = write(sized(many, 100), work / f"indicators-{many}.yaml")
        t_small, t_large = time_both(small, large, work, args.repeat)
        ratio = t_large / t_small
        verdict = "met" if ratio <= TIME_TARGET else "NOT met"
        print("1. time per description (median, end to end)")
        print(f"   {few} indicators, 100 contributions:  {t_small * 1000:8.1f} ms")
        print(f"   {many} indicators, 100 contributions: {t_large * 1000:8.1f} ms")
        print(f"   ratio {many}/{few} = {ratio:.2f} ({many / few:g}x the indicators; "
              f"target <= {TIME_TARGET:g}: {verdict})")
        if args.no_memory:
            return

        print(f"2. peak memory per worker over a {args.documents}-document batch, "
              f"--jobs {args.jobs}")
        start = time.perf_counter()
        readings = memory_over_batch(work / "batch", args.documents, args.jobs)
        seconds = time.perf_counter() - start
        for done, peaks in readings:
            shown = ", ".join(f"{p / 1024:.1f} MiB" for p in peaks) or "n/a (not Linux)"
            print(f"   after {done:5d} documents: {shown}")
        print(f"   ({args.documents / seconds:.1f} documents/s)")
        first, last = readings[0][1], readings[-1][1]
        if first and last:
            growth = max(last) / max(first)
            verdict = "met" if growth <= MEMORY_TARGET else "NOT met"
            print(f"   growth of the largest worker: {growth:.2f}x "
                  f"(target <= {MEMORY_TARGET:g}: {verdict})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
