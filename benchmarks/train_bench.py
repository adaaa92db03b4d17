"""Training throughput (MB/s) by vocabulary size: tokdash's `train_texts` next to the raw trainer.

Corpus: the Python standard library's .py files (all folders, ~10 MB budget taken in path
order). "raw" is the HF `tokenizers` BpeTrainer called directly on the same texts with the same
pre-tokenizer; "tokdash" is `tokdash.training.trainer.train_texts` (checks, thread with progress
polling, save, reload as a tokdash tokenizer). Identity rows use 1 MB cut into 4096-character pieces
(what tokdash feeds the trainer); ``--identity-whole`` adds whole documents on 0.25 MB (slow).
Median of REPEATS runs. Prints a table and writes benchmarks/results/train_bench.csv.

    .venv/bin/python benchmarks/train_bench.py [--repeats 3] [--vocab 4000 --vocab 32000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
from _results import median_time, write_results

from tokdash.corpus import harvest_stdlib
from tokdash.training.trainer import (
    TrainConfig,
    build_untrained,
    estimate_seconds,
    make_trainer,
    train_texts,
    training_inputs,
)

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_VOCAB = [4000, 16000, 32000, 64000]


def take(texts: list[str], budget: int) -> list[str]:
    """Texts in order until ``budget`` bytes (the last one cut)."""
    out, n = [], 0
    for t in texts:
        b = len(t.encode("utf-8"))
        if n + b > budget:
            out.append(t.encode("utf-8")[: budget - n].decode("utf-8", "ignore"))
            break
        out.append(t)
        n += b
    return out


def raw_train(config: TrainConfig, inputs: list[str]) -> None:
    hf = build_untrained(config)
    hf.train_from_iterator(inputs, make_trainer(config), length=len(inputs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--vocab", type=int, action="append")
    ap.add_argument("--mb", type=float, default=10.0, help="training MB for the regex rows")
    ap.add_argument("--identity-whole", action="store_true")
    args = ap.parse_args()
    texts = [d.text for d in harvest_stdlib(top_level_only=False).documents]
    runs = [("gpt4", None, int(args.mb * 1e6), v) for v in args.vocab or DEFAULT_VOCAB]
    runs += [("identity", 4096, 1_000_000, v) for v in (4000, 16000)]
    if args.identity_whole:
        runs.append(("identity", None, 250_000, 4000))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for regex, piece, budget, vocab in runs:
            cfg = TrainConfig(vocab_size=vocab, regex=regex, identity_piece=piece, byte_budget=None)
            data = take(texts, budget)
            inputs = training_inputs(cfg, data)
            mb = sum(len(t.encode("utf-8")) for t in data) / 1e6
            t_raw = median_time(lambda c=cfg, i=inputs: raw_train(c, i), args.repeats)
            t_ours = median_time(
                lambda c=cfg, d=data: train_texts(c, d, tmp, progress=lambda m, f: None),
                args.repeats,
            )
            rows.append(
                {
                    "regex": regex,
                    "identity_piece": piece or ("whole" if regex == "identity" else ""),
                    "vocab": vocab,
                    "train_MB": round(mb, 2),
                    "raw_s": round(t_raw, 2),
                    "tokdash_s": round(t_ours, 2),
                    "raw_MB_per_s": round(mb / t_raw, 2),
                    "tokdash_MB_per_s": round(mb / t_ours, 2),
                    "overhead_pct": round(100 * (t_ours / t_raw - 1), 1),
                    "estimate_s": round(estimate_seconds(cfg, inputs), 1),
                }
            )
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    write_results(df, "train_bench.csv")


if __name__ == "__main__":
    main()
