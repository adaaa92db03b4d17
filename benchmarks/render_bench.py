"""Encode and render a 2,000-line Python file with each tokenizer, as the Tokens page does.

For each tokenizer: the encoding the page caches (`views.encode_view`: ids, byte spans, tokens
per line), then the drawing done on every rerun without a cache hit (`views.window` +
`render.render_spans` of at most `views.DRAW_LIMIT` tokens), and for reference the drawing of
every token of the file with no cap. Times are medians of ``--runs`` runs after one warm-up,
measured with ``time.perf_counter`` in this process (single thread).

    python benchmarks/render_bench.py [--runs 7] [--lines 2000] [--tokenizers gpt2,llama3]

Prints a table and writes ``benchmarks/results/render.csv``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tokdash.errors import TokdashError
from tokdash.tokenizers import get_tokenizer
from tokdash.tokenizers.catalog import ENTRIES
from tokdash.tokenizers.registry import is_cached
from tokdash.viz.render import render_spans
from tokdash.viz.views import DRAW_LIMIT, encode_view, line_table, window

ROOT = Path(__file__).resolve().parents[1]

RESULTS = ROOT / "benchmarks" / "results" / "render.csv"
STDLIB_FILES = ["argparse.py", "ast.py", "dataclasses.py", "inspect.py", "typing.py"]


def python_file(n_lines: int) -> tuple[str, str]:
    """The first ``n_lines`` lines of standard-library files, concatenated (deterministic)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    lines: list[str] = []
    used: list[str] = []
    for name in STDLIB_FILES:
        if len(lines) >= n_lines:
            break
        lines.extend((stdlib / name).read_text(encoding="utf-8").splitlines(keepends=True))
        used.append(name)
    if len(lines) < n_lines:
        raise SystemExit(f"only {len(lines)} lines in {', '.join(used)}")
    return "".join(lines[:n_lines]), "+".join(used)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bench(tok_ids: list[str], n_lines: int, runs: int) -> pd.DataFrame:
    text, files = python_file(n_lines)
    rows = []
    counts = {}
    for tid in tok_ids:
        try:
            tok = get_tokenizer(tid)
        except TokdashError as exc:
            print(f"skip {tid}: {exc}", file=sys.stderr)
            continue
        view = encode_view(tok, text)
        counts[tid] = view.line_counts

        def draw_capped(view=view):
            win = window(text, view.spans, first_line=1, max_items=DRAW_LIMIT)
            return render_spans(win.text, win.spans, ids=view.ids[win.first : win.stop].tolist())

        def draw_all(view=view):
            return render_spans(text, view.spans.tolist(), ids=view.ids.tolist())

        rows.append(
            {
                "tokenizer": tid,
                "lines": n_lines,
                "bytes": len(text.encode("utf-8")),
                "tokens": view.n_tokens,
                "encode_ms": median_ms(lambda tok=tok: encode_view(tok, text), runs),
                "render_capped_ms": median_ms(draw_capped, runs),
                "drawn_tokens": min(view.n_tokens, DRAW_LIMIT),
                "render_all_ms": median_ms(draw_all, runs),
                "html_all_kb": len(draw_all()) / 1000,
                "runs": runs,
                "source": files,
            }
        )
    df = pd.DataFrame(rows)
    table_ms = median_ms(lambda: line_table(text, counts), runs)
    df["line_table_ms_all_tokenizers"] = table_ms
    return df


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument(
        "--tokenizers",
        default="",
        help="comma-separated ids (default: every catalog tokenizer whose files are cached)",
    )
    args = ap.parse_args(argv)
    ids = [t for t in args.tokenizers.split(",") if t] or [e.id for e in ENTRIES if is_cached(e)]
    df = bench(ids, args.lines, args.runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS, index=False)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{args.lines} lines of {df['source'].iloc[0]}; median of {args.runs} runs, ms")
    shown = df.drop(columns=["source", "runs", "lines", "bytes"])
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
