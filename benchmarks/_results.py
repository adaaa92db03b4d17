"""Shared by the benchmarks: timing (median of repeats), and where their tables go: printed,
and written as CSV under benchmarks/results/."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(df: pd.DataFrame, name: str) -> Path:
    """Print ``df`` and write it to ``benchmarks/results/<name>``; returns the path."""
    print(df.to_string(index=False))
    out = RESULTS / name
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    print(f"wrote {out}")
    return out


def median_time(fn, repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn()``, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
