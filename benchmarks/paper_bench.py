"""Cost of a paper check: encoding per tokenizer, the findings, and the page cold vs rerun.

Corpus: the Python standard library's top-level .py files (about 4.7 MB) by default. For each
tokenizer of the check (Llama 2, cl100k_base, the paper's ten when present): encode_corpus time
and MB/s; then `paper.check_findings` on the table; then the Paper check page through AppTest:
the first run (encodes everything, cold cache) and the median of RERUNS reruns (cached).
Prints a table and writes benchmarks/results/paper.csv.

    .venv/bin/python benchmarks/paper_bench.py [--corpus stdlib] [--reruns 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd
from _results import write_results

from tokdash.analysis import metrics
from tokdash.analysis.encode import encode_corpus
from tokdash.corpus import resolve_corpus
from tokdash.paper import replication
from tokdash.tokenizers import load_catalog
from tokdash.tokenizers.catalog import CATALOG
from tokdash.tokenizers.registry import is_cached

ROOT = Path(__file__).resolve().parents[1]


def page_times(corpus: str, reruns: int) -> tuple[float, float]:
    """Seconds for the page's first run and the median cached rerun (AppTest, one process)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900).run()
    at.session_state["td_corpus"] = corpus
    t0 = time.perf_counter()
    at.switch_page("app_pages/paper_check.py").run()
    cold = time.perf_counter() - t0
    assert not at.exception, at.exception
    warm = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="stdlib")
    ap.add_argument("--reruns", type=int, default=5)
    args = ap.parse_args()
    corpus = resolve_corpus(args.corpus)
    docs = corpus.documents
    mb = corpus.n_bytes / 1e6
    ids = [t for t in replication.check_tokenizer_ids() if is_cached(CATALOG[t])]
    rows, stats = [], None
    for tid in ids:
        tok = load_catalog(tid)
        t0 = time.perf_counter()
        one = encode_corpus(tok, docs)
        stats = one if stats is None else stats.join(one)
        dt = time.perf_counter() - t0
        rows.append(
            {
                "step": f"encode {tid}",
                "corpus_MB": round(mb, 2),
                "seconds": round(dt, 3),
                "MB_per_s": round(mb / dt, 2),
            }  # fmt: skip
        )
    table = metrics.compression_table(stats, ids[0])
    t0 = time.perf_counter()
    replication.check_findings(table, ids[0])
    rows.append(
        {
            "step": "check_findings",
            "corpus_MB": round(mb, 2),
            "seconds": round(time.perf_counter() - t0, 4),
            "MB_per_s": None,
        }  # fmt: skip
    )
    cold, warm = page_times(args.corpus, args.reruns)
    rows.append({"step": "page first run", "corpus_MB": round(mb, 2), "seconds": round(cold, 2)})
    rows.append(
        {
            "step": f"page rerun (median of {args.reruns})",
            "corpus_MB": round(mb, 2),
            "seconds": round(warm, 3),
        }  # fmt: skip
    )
    df = pd.DataFrame(rows, columns=["step", "corpus_MB", "seconds", "MB_per_s"])
    write_results(df, "paper.csv")


if __name__ == "__main__":
    main()
