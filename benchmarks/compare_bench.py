"""Throughput of `compare` per tokenizer next to the raw library's own batch encode.

Corpus: the Python standard library's top-level .py files (about 4.7 MB). For each tokenizer:
the raw library batch call on all texts (tiktoken encode_ordinary_batch, SentencePiece encode
with num_threads, HF encode_batch_fast), then tokdash's encode_corpus + compression table.
Median of REPEATS runs, 2 threads. Prints a table and writes benchmarks/results/compare.csv.

    .venv/bin/python benchmarks/compare_bench.py [--repeats 3] [--tokenizer ID ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from _results import median_time, write_results

from tokdash.analysis import metrics
from tokdash.analysis.encode import encode_corpus
from tokdash.corpus import harvest_stdlib
from tokdash.tokenizers import load_catalog
from tokdash.tokenizers.base import DEFAULT_THREADS
from tokdash.tokenizers.hf_backend import HFTokenizer
from tokdash.tokenizers.spm_backend import SentencePieceTokenizer
from tokdash.tokenizers.tiktoken_backend import TiktokenTokenizer

ROOT = Path(__file__).resolve().parents[1]

DEFAULT = ["cl100k_base", "o200k_base", "llama2", "llama3", "starcoder2", "mistral-v1"]


def raw_encode(tok, texts):
    """The library's own batch call, no tokdash code in between."""
    if isinstance(tok, TiktokenTokenizer):
        return tok.encoding.encode_ordinary_batch(texts, num_threads=DEFAULT_THREADS)
    if isinstance(tok, SentencePieceTokenizer):
        return tok.processor.encode(texts, num_threads=DEFAULT_THREADS)
    if isinstance(tok, HFTokenizer):
        return tok.raw.encode_batch_fast(texts, add_special_tokens=False)
    raise TypeError(type(tok))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tokenizer", action="append")
    args = ap.parse_args()
    corpus = harvest_stdlib()
    docs = corpus.documents
    texts = [d.text for d in docs]
    mb = corpus.n_bytes / 1e6
    rows = []
    for tid in args.tokenizer or DEFAULT:
        tok = load_catalog(tid)
        raw_encode(tok, texts[:5])  # warm-up
        t_raw = median_time(lambda tok=tok: raw_encode(tok, texts), args.repeats)

        def ours(tok=tok):
            metrics.compression_table(encode_corpus(tok, docs), None)

        t_ours = median_time(ours, args.repeats)
        rows.append(
            {
                "tokenizer": tid,
                "corpus_MB": round(mb, 2),
                "raw_MB_s": round(mb / t_raw, 2),
                "tokdash_MB_s": round(mb / t_ours, 2),
                "overhead_pct": round(100 * (t_ours / t_raw - 1), 1),
            }
        )
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    write_results(df, "compare.csv")


if __name__ == "__main__":
    main()
