"""Prove every candidate engine against the reference for every catalog tokenizer.

Runs the differential suite (`tokdash.tokenizers.adversarial.build_suite`) through
`tokdash.tokenizers.proofs.prove_engines` and writes one row per (catalog tokenizer, candidate
engine): verdict, documents, differing documents, the first difference, both wall times and the
speed-up. An engine that cannot read a tokenizer gets an ``unavailable: <reason>`` row.

The full suite regenerates the table that ships with tokdash
(``tokdash/tokenizers/engine_proofs.csv``; with ``--tokenizer`` only those rows are replaced);
every run also writes ``benchmarks/results/engine_proofs.csv`` and prints the table.

    .venv/bin/python benchmarks/prove_engines.py --c4 ../shared/corpora/c4_sample_1000.jsonl
    .venv/bin/python benchmarks/prove_engines.py --suite reduced --tokenizer llama3
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from _results import RESULTS

from tokdash.tokenizers import load_catalog
from tokdash.tokenizers.adversarial import SUITES, build_suite
from tokdash.tokenizers.catalog import CATALOG, ENTRIES
from tokdash.tokenizers.engines import CANDIDATES, engine_version
from tokdash.tokenizers.proofs import (
    SHIPPED_CSV,
    UNAVAILABLE,
    ProofRecord,
    load_records,
    prove_engines,
    write_records,
)

ROOT = Path(__file__).resolve().parents[1]
PAPER_DIR = ROOT.parent / "shared" / "paper" / "tokenizers"


def unloadable(entry_id: str, suite: str, reason: str) -> list[ProofRecord]:
    """Rows for a catalog tokenizer that does not load here."""
    return [
        ProofRecord(
            entry_id,
            "",
            name,
            engine_version(name),
            suite,
            0,
            0,
            0,
            f"{UNAVAILABLE}: the tokenizer does not load here: {reason}",
            0.0,
            0.0,
        )  # fmt: skip
        for name in CANDIDATES
    ]


def print_table(records: list[ProofRecord]) -> None:
    """One line per record: verdict, documents, differing, MB, seconds, speed-up."""
    head = f"{'tokenizer':<20} {'engine':<9} {'verdict':<12} {'docs':>6} {'differ':>6} "
    print(head + f"{'MB':>6} {'ref s':>7} {'eng s':>7} {'speed-up':>8}")
    for r in records:
        verdict = r.verdict if len(r.verdict) <= 12 else r.verdict[:11] + "~"
        print(
            f"{r.tokenizer:<20} {r.engine:<9} {verdict:<12} {r.documents:>6} "
            f"{r.documents_differing:>6} {r.bytes / 1e6:>6.1f} {r.seconds_reference:>7.2f} "
            f"{r.seconds_engine:>7.2f} {r.speedup:>7.1f}x"
        )
    for r in records:
        if r.first_difference:
            print(f"\n{r.tokenizer} / {r.engine}: {r.first_difference[:600]}")
        elif not r.verdict.startswith(("exact", "differs")):
            print(f"\n{r.tokenizer} / {r.engine}: {r.verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--tokenizer", action="append", choices=list(CATALOG), help="repeatable; default all"
    )
    ap.add_argument("--suite", default="full", choices=SUITES)
    ap.add_argument("--c4", help="path of the C4 sample (.jsonl) for the full suite")
    ap.add_argument("--out", default=str(RESULTS / "engine_proofs.csv"))
    args = ap.parse_args()
    if "TOKDASH_PAPER_DIR" not in os.environ and PAPER_DIR.is_dir():
        os.environ["TOKDASH_PAPER_DIR"] = str(PAPER_DIR)  # the paper's tokenizers beside us

    t0 = time.perf_counter()
    suite = build_suite(args.suite, c4=args.c4)
    notes = "; ".join(suite.notes)
    print(f"suite {suite.name}: {len(suite.documents)} documents, {suite.n_bytes / 1e6:.1f} MB")
    for note in suite.notes:
        print(f"  note: {note}")
    ids = args.tokenizer or [e.id for e in ENTRIES]
    records: list[ProofRecord] = []
    for entry_id in ids:
        started = time.perf_counter()
        try:
            tok = load_catalog(entry_id)
        except Exception as exc:  # a paper tokenizer without its folder, an offline fetch
            records += unloadable(entry_id, suite.name, str(exc).splitlines()[0][:200])
            print(f"{entry_id}: does not load ({exc})", flush=True)
            continue
        rows = prove_engines(tok, CANDIDATES, suite.documents, suite=suite.name, notes=notes)
        records += rows
        verdicts = ", ".join(f"{r.engine} {r.verdict[:40]}" for r in rows)
        print(f"{entry_id}: {verdicts} ({time.perf_counter() - started:.0f} s)", flush=True)

    print()
    print_table(records)
    write_records(records, args.out)
    print(f"\nwrote {args.out}")
    if args.suite == "full":
        done = {(r.tokenizer, r.engine) for r in records}
        kept = [r for r in load_records(SHIPPED_CSV) if (r.tokenizer, r.engine) not in done]
        order = {e.id: i for i, e in enumerate(ENTRIES)}
        rank = {name: i for i, name in enumerate(CANDIDATES)}
        merged = sorted(
            kept + records,
            key=lambda r: (order.get(r.tokenizer, len(order)), rank.get(r.engine, len(rank))),
        )
        write_records(merged, SHIPPED_CSV)
        print(f"wrote {SHIPPED_CSV} ({len(merged)} rows)")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
