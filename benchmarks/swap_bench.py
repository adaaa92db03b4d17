"""Time of the swap planner's steps for real tokenizer pairs.

For each (current, candidate) pair: building the transfer plan (vocabulary index, spelling every
candidate token with the current tokenizer), then the FVT matrix and the extended matrix for a
random current embedding of width D, and writing the candidate's tokenizer file. Median of
REPEATS runs (the plan's first run includes each tokenizer's one-off vocab_bytes()). Prints a
table and writes benchmarks/results/swap.csv.

    .venv/bin/python benchmarks/swap_bench.py [--repeats 3] [--d-model 768]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _results import write_results

from tokdash.tokenizers import load_catalog
from tokdash.transfer import (
    fvt,
    swap_io,
)

ROOT = Path(__file__).resolve().parents[1]

PAIRS = [("llama2", "cl100k_base"), ("llama2", "gpt2"), ("gpt2", "o200k_base")]


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--d-model", type=int, default=768)
    args = ap.parse_args()
    rows = []
    for cur, cand in PAIRS:
        old, new = load_catalog(cur), load_catalog(cand)
        old.vocab_bytes(), new.vocab_bytes()
        t_plan, plan = median_time(lambda o=old, n=new: fvt.build_plan(o, n), args.repeats)
        emb = np.random.default_rng(0).standard_normal((old.vocab_size, args.d_model))
        emb = emb.astype(np.float32)
        t_fvt, _ = median_time(lambda e=emb, p=plan: fvt.fvt_matrix(e, p), args.repeats)
        t_ext, _ = median_time(lambda e=emb, p=plan: fvt.extend_matrix(e, p), args.repeats)
        t_tok, _ = median_time(lambda n=new: swap_io.tokenizer_file(n), 1)
        c = plan.counts()
        rows.append(
            {
                "current": cur,
                "candidate": cand,
                "candidate_ids": new.vocab_size,
                "exact": c["exact"],
                "fvt": c["fvt"],
                "fallback": c["fallback"],
                "d_model": args.d_model,
                "plan_s": round(t_plan, 3),
                "fvt_matrix_s": round(t_fvt, 3),
                "extend_matrix_s": round(t_ext, 3),
                "tokenizer_file_s": round(t_tok, 3),
            }
        )
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    write_results(df, "swap.csv")


if __name__ == "__main__":
    main()
