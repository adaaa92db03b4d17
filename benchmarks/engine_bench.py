"""Encoding engines per tokenizer: the reference library, each fast candidate, and tokdash.

Corpus: the Python standard library's .py files, recursive, site-packages excluded (~30 MB),
repeated ``--copies`` times (8 copies = the issue's 252 MB). For each tokenizer:

- ``reference MB/s``: the tokenizer's own library, batch call (today's tokdash encoder);
- ``riptoken raw MB/s``: for tiktoken encodings, riptoken's own ``CoreBPE.encode_ordinary_batch``
  on the same texts, nothing of tokdash in between (the yardstick of the engine issue);
- ``riptoken MB/s`` / ``tokie MB/s``: tokdash's engine (flat ids; riptoken with its long-piece
  guard), where it can be built;
- ``tokdash MB/s``: `encode_corpus` with the engine `auto` picks (proof records + the 1%
  run-time guard), i.e. the encode step of ``compare``;
- ``same ids``: whether tokdash's per-document counts and unigram counts equal the reference's;
- ``compare s`` / ``peak MB``: with ``--cli``, the whole ``tokdash compare`` command in a fresh
  process on a folder holding the copies (start-up, reading and the CSV included), and its
  peak RSS (GNU ``/usr/bin/time``'s maximum resident set size of the command).

Median of ``--repeats`` runs. Prints a table and writes benchmarks/results/engine_bench.csv.

    .venv/bin/python benchmarks/engine_bench.py [--copies 1] [--repeats 1] [--tokenizer ID ...]
        [--cli]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pandas as pd
from _results import median_time, write_results

from tokdash.analysis.encode import encode_corpus
from tokdash.analysis.engine_choice import choose_engine
from tokdash.corpus import harvest_stdlib
from tokdash.tokenizers import load_catalog
from tokdash.tokenizers.engines import CANDIDATES, EngineUnavailable, build_engine

DEFAULT = ["cl100k_base", "o200k_base", "llama3", "qwen2", "starcoder2", "llama2"]


def stdlib_copies(folder: Path, copies: int) -> Path:
    """``copies`` copies of the standard library's .py files under ``folder``."""
    src = Path(sysconfig.get_paths()["stdlib"])
    for k in range(copies):
        for path in src.rglob("*.py"):
            rel = path.relative_to(src)
            if "site-packages" in rel.parts:
                continue
            target = folder / f"copy{k}" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return folder


def raw_riptoken(tok, texts: list[str], mb: float, repeats: int) -> float | None:
    """MB/s of riptoken's own batch call for a tiktoken encoding (None for other backends)."""
    from tokdash.tokenizers.tiktoken_backend import TiktokenTokenizer, encoding_parts

    if not isinstance(tok, TiktokenTokenizer):
        return None
    import riptoken

    parts = encoding_parts(tok.encoding)
    core = riptoken.CoreBPE(dict(parts.ranks), dict(parts.special_tokens), parts.pattern)
    return round(mb / median_time(lambda: core.encode_ordinary_batch(texts), repeats), 1)


def cli_compare(folder: Path, tid: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``tokdash compare`` on ``folder`` in a new process."""
    out = folder.parent / f"{tid}.csv"
    cmd = [sys.executable, "-m", "tokdash", "compare", "-t", tid, "--corpus", str(folder)]
    # GNU time reports the peak RSS of the command itself; a child's own rusage would count
    # the memory of this (large) benchmark process it was forked from.
    report = folder.parent / f"{tid}.time"
    timer = (
        ["/usr/bin/time", "-f", "%M", "-o", str(report)] if Path("/usr/bin/time").exists() else []
    )
    t0 = time.perf_counter()
    subprocess.run([*timer, *cmd, "--base", "", "--out", str(out)], check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    peak_mb = int(report.read_text().split()[-1]) / 1024 if timer else float("nan")
    return seconds, peak_mb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--tokenizer", action="append")
    ap.add_argument("--cli", action="store_true", help="also time the whole compare command")
    args = ap.parse_args()
    base = harvest_stdlib(top_level_only=False).documents
    docs = base * args.copies
    texts = [d.text for d in docs]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus: {len(docs):,} documents, {mb:.1f} MB")
    tmp = Path(tempfile.mkdtemp(prefix="tokdash-engine-bench-"))
    folder = stdlib_copies(tmp / "corpus", args.copies) if args.cli else None
    rows = []
    try:
        for tid in args.tokenizer or DEFAULT:
            tok = load_catalog(tid)
            ref = build_engine("reference", tok)
            row = {"tokenizer": tid, "MB": round(mb, 1)}
            t = median_time(lambda ref=ref: ref.encode_batch(texts), args.repeats)
            row["reference MB/s"] = round(mb / t, 1)
            row["riptoken raw MB/s"] = raw_riptoken(tok, texts, mb, args.repeats)
            for name in CANDIDATES:
                try:
                    eng = build_engine(name, tok)
                except EngineUnavailable:
                    row[f"{name} MB/s"] = None
                    continue
                t = median_time(lambda eng=eng: eng.encode_flat(texts), args.repeats)
                row[f"{name} MB/s"] = round(mb / t, 1)
            chosen = choose_engine(tok, "auto", docs)
            reference = encode_corpus(tok, docs)
            t0 = time.perf_counter()
            ours = encode_corpus(tok, docs, engine=chosen)
            row["tokdash MB/s"] = round(mb / (time.perf_counter() - t0), 1)
            mine, theirs = ours.tokenizers[tok.id], reference.tokenizers[tok.id]
            row["engine"] = mine.engine
            row["same ids"] = bool(
                ours.sample.equals(reference.sample) and mine.unigram == theirs.unigram
            )
            if folder is not None:
                seconds, peak = cli_compare(folder, tid)
                row["compare s"] = round(seconds, 1)
                row["compare MB/s"] = round(mb / seconds, 1)
                row["peak MB"] = round(peak)
            rows.append(row)
            print(row, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_results(pd.DataFrame(rows), "engine_bench.csv")


if __name__ == "__main__":
    main()
