"""Helpers for the benchmarks that compare two ways side by side in one run."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence


def machine() -> str:
    """The machine, as a benchmark's report names it."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "-"
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, load average {load}")


def alternate(first: Callable[[], float], second: Callable[[], float],
              runs: int) -> tuple[list[float], list[float]]:
    """Time two ways in turn (A B A B ...), so a change in the machine's load hits both."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(first())
        b.append(second())
    return a, b


def wall(command: Sequence[str], env: Mapping[str, str] | None = None,
         cwd: str | None = None) -> float:
    """Seconds one command takes, as a whole process; fails loudly when it fails."""
    start = time.perf_counter()
    done = subprocess.run(list(command), env=dict(env) if env is not None else None, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    return seconds


def report(label_a: str, a: Sequence[float], label_b: str, b: Sequence[float],
           target: str = "") -> float:
    """Print both ways' medians (with min and max) and the ratio of the medians; return it."""
    ratio = statistics.median(a) / statistics.median(b)
    for label, times in ((label_a, a), (label_b, b)):
        print(f"   {label}: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs)")
    print(f"   ratio {label_a.split(':')[0]} / {label_b.split(':')[0]} = {ratio:.2f}"
          + (f" ({target})" if target else ""))
    return ratio
