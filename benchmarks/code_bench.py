"""Parsing vs encoding on the standard library: what the Code structure page adds to an encode.

The corpus is the Python standard library's top-level ``.py`` files (`harvest_stdlib`). For each
tokenizer: ``encode_s``, its reference ``encode_batch`` over the corpus (what counting tokens
costs); ``code_s``, `code_counts` (encode, byte spans, every code metric); and, once for the
corpus, ``parse_s``, `parse_corpus` (tree-sitter parse + leaf walk, shared by all tokenizers) as
the product runs it: in a warm pool of ``parse_workers`` processes, one per core, as the batch
encoders use every core too; ``parse_here_s`` is the same parse in this one process.
``parse_over_encode`` = parse_s / encode_s (the issue's bound: at most 2). The last row,
``ALL``, is a comparison of all of them: the corpus is parsed once for every tokenizer, so its
ratio is parse_s / the sum of encode_s. Medians of ``--runs`` runs after one warm-up, wall time in
this process.

    python benchmarks/code_bench.py [--runs 3] [--tokenizers cl100k_base,llama2]

Prints a table and writes ``benchmarks/results/code_bench.csv``.
"""

from __future__ import annotations

import argparse
import platform

import pandas as pd
from _results import median_time, write_results

from tokdash.analysis.code_compare import code_counts, parse_corpus
from tokdash.analysis.parse_pool import parse_workers
from tokdash.corpus import harvest_stdlib
from tokdash.tokenizers import get_tokenizer
from tokdash.tokenizers.catalog import CATALOG
from tokdash.tokenizers.registry import is_cached

DEFAULT = "cl100k_base,o200k_base,llama2,starcoder2,paper-gpt4-32k,paper-identity-32k"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tokenizers", default=DEFAULT)
    args = ap.parse_args()

    docs = harvest_stdlib().documents
    mb = sum(d.n_bytes for d in docs) / 1e6
    texts = [d.text for d in docs]
    parsed = parse_corpus(docs)  # warm-up (grammar load, the pool's start)
    parse_s = median_time(lambda: parse_corpus(docs), args.runs)
    parse_here_s = median_time(lambda: parse_corpus(docs, workers=1), args.runs)
    workers = parse_workers()
    leaves = sum(len(leaf) for leaf in parsed.leaves)
    print(
        f"{len(docs)} files, {mb:.2f} MB, {leaves:,} leaves; parse {parse_s:.3f} s "
        f"({workers} workers), {parse_here_s:.3f} s in one process",
        flush=True,
    )

    rows = []
    for tid in args.tokenizers.split(","):
        if tid in CATALOG and not is_cached(CATALOG[tid]):
            print(f"skipped {tid}: not cached", flush=True)
            continue
        tok = get_tokenizer(tid)
        tok.encode_batch(texts[:5])  # warm-up
        encode_s = median_time(lambda tok=tok: tok.encode_batch(texts), args.runs)
        code_s = median_time(lambda tok=tok: code_counts(tok, parsed), args.runs)
        rows.append(
            {
                "tokenizer": tid,
                "files": len(docs),
                "mb": round(mb, 3),
                "leaves": leaves,
                "parse_s": round(parse_s, 3),
                "parse_workers": workers,
                "parse_here_s": round(parse_here_s, 3),
                "encode_s": round(encode_s, 3),
                "code_s": round(code_s, 3),
                "parse_over_encode": round(parse_s / encode_s, 2),
                "parse_mb_s": round(mb / parse_s, 2),
                "encode_mb_s": round(mb / encode_s, 2),
                "machine": f"{platform.machine()} {platform.python_version()}",
            }
        )
    if rows:
        enc = sum(r["encode_s"] for r in rows)
        rows.append(
            {
                **rows[-1],
                "tokenizer": "ALL",
                "encode_s": round(enc, 3),
                "code_s": round(sum(r["code_s"] for r in rows), 3),
                "parse_over_encode": round(parse_s / enc, 2),
                "encode_mb_s": round(len(rows) * mb / enc, 2),
            }
        )
    write_results(pd.DataFrame(rows), "code_bench.csv")


if __name__ == "__main__":
    main()
