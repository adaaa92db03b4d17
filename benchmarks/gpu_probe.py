"""The speed probe on a GPU in one call: presets 125m / 1b / 7b in bf16, decoded eager and
compiled, with vocabularies of 32k / 128k / 256k tokens, in one table.

Per preset x decode mode x vocabulary: the model built with random weights in bf16 on the GPU,
batch 1, 256-token prompt, 64 new tokens, one warm-up and the median of 3 runs (CUDA events,
one synchronisation per run); compiled = a static KV cache and the decode step through
transformers' compiled call (inductor + CUDA graphs), its compile seconds apart. The memory
bandwidth is measured once (1 GiB buffers in bf16) and the vendor's figure printed beside it.
chars/s uses llama2's (32k) and llama3's (128k) chars/token on the corpus when those
vocabularies are cached here (no catalog tokenizer has 256k: that row has tokens/s only).

The goal it checks (H100/H200 class): compiled decode >= 75% of the measured bound for 1b and
7b, and the 32k -> 256k slowdown in tokens/s close to the one the bound predicts. A
configuration is not started past --budget-s seconds (it is listed as skipped), so one call
fits a lent machine's time; the CSV is rewritten after each row.

    python benchmarks/gpu_probe.py                                   # on a CUDA machine
    python benchmarks/gpu_probe.py --device cpu --presets tiny --prompt-len 32 --new-tokens 8
    python benchmarks/gpu_probe.py --pack-cache .devcache   # llama2/llama3 for a lent machine

A lent machine cannot fetch vocabularies: pack them here (``.devcache`` is git-ignored), carry
that folder, and run there with ``TOKDASH_CACHE_DIR=.devcache``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from tokdash.errors import TokdashError
from tokdash.speed import costmodel, devices, probe

ROOT = Path(__file__).resolve().parents[1]
#: Catalog tokenizers with these vocabulary sizes give their chars/token.
NAMED = {32_000: "llama2", 128_256: "llama3"}
COLUMNS = [
    "model",
    "vocab_size",
    "tokenizer",
    "decode_mode",
    "compile_s",
    "ttft_ms",
    "decode_tokens_per_s",
    "chars_per_s",
    "bound_tokens_per_s",
    "fraction_of_bound",
    "peak_memory_mib",
    "decode_note",
]


def rates_for(vocabs: list[int], corpus: str) -> list[costmodel.TokenizerRate]:
    """A rate per vocabulary size: the catalog tokenizer's measured on ``corpus`` when it
    loads here, else a bare vocabulary (chars/token NaN)."""
    nan = float("nan")
    out = []
    for v in sorted(vocabs):
        rate = costmodel.TokenizerRate(f"vocab-{v}", v, nan, nan, nan)
        if v in NAMED:
            try:
                from tokdash.corpus import resolve_corpus
                from tokdash.tokenizers import load_catalog

                docs = resolve_corpus(corpus).documents
                (rate,) = costmodel.tokenizer_rates([load_catalog(NAMED[v])], docs)
            except (TokdashError, OSError, ImportError) as exc:
                print(f"note: {NAMED[v]} not available here ({exc}); vocab-{v} has tokens/s only")
        out.append(rate)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--presets", default="125m,1b,7b", help="comma-separated preset names")
    ap.add_argument("--vocabs", default="32000,128256,256000", help="comma-separated sizes")
    ap.add_argument("--decode", default="eager,compiled", help="comma-separated decode modes")
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--prompt-len", type=int, default=256)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--budget-s", type=float, default=450.0, help="start nothing after this")
    ap.add_argument("--corpus", default="sample:python")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gpu_probe.csv"))
    ap.add_argument("--pack-cache", metavar="DIR", help="copy llama2/llama3 here, then stop")
    args = ap.parse_args()
    if args.pack_cache:
        from tokdash.tokenizers.catalog import CATALOG
        from tokdash.tokenizers.sources import pack_cache

        files = pack_cache([CATALOG[n] for n in NAMED.values()], Path(args.pack_cache))
        size = sum(f.stat().st_size for f in files) / 2**20
        print(f"packed {len(files)} files, {size:.1f} MiB, into {args.pack_cache}")
        return
    t_start = time.perf_counter()

    device = probe.resolve_device(args.device)
    presets = [costmodel.get_preset(p) for p in args.presets.split(",")]
    modes = [probe.decode_mode(m) for m in args.decode.split(",")]
    rates = rates_for([int(v) for v in args.vocabs.split(",")], args.corpus)
    name = devices.device_name(device)
    spec = devices.spec_bandwidth_gb_s(name)
    bandwidth = probe.measure_bandwidth(device, dtype=args.dtype)
    spec_text = f"spec {spec:,.0f} GB/s" if spec == spec else "no spec figure for it"
    print(f"{device}: {name}; measured {bandwidth / 1e9:,.0f} GB/s ({args.dtype}, 1 GiB), "
          f"{spec_text}", flush=True)  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    skipped: list[str] = []
    for shape in presets:
        for mode in modes:
            settings = replace(probe.ProbeSettings.from_args(args), device=device, decode=mode)
            for rate in rates:
                label = f"{shape.name} {mode} vocab {rate.vocab_size:,}"
                elapsed = time.perf_counter() - t_start
                if elapsed > args.budget_s:
                    skipped.append(label)
                    continue
                t0 = time.perf_counter()
                try:
                    (row,) = probe.run_probe(shape, [rate], settings, bandwidth=bandwidth)
                except TokdashError as exc:  # out of memory: say so, go on with the rest
                    print(f"{label}: {exc}", flush=True)
                    skipped.append(f"{label} ({exc})")
                    continue
                rows.append(row)
                print(f"{label}: {row['decode_tokens_per_s']:,.1f} tokens/s, "
                      f"{row['fraction_of_bound']:.0%} of the bound, compile "
                      f"{row['compile_s']:.1f} s, {time.perf_counter() - t0:.0f} s in all "
                      f"[{time.perf_counter() - t_start:.0f} s]", flush=True)  # fmt: skip
                pd.DataFrame(rows).to_csv(out, index=False)
    report(rows, skipped, out, time.perf_counter() - t_start)


def report(rows: list[dict], skipped: list[str], out: Path, seconds: float) -> None:
    """Print the table, the vocabulary cost against the bound's and the goal; write the CSVs."""
    if not rows:
        print("nothing measured")
        return
    df = pd.DataFrame(rows)
    print()
    print(df[COLUMNS].to_string(index=False, float_format=lambda x: f"{x:,.3g}"))
    cost = pd.DataFrame(probe.vocab_cost_table(rows))
    if not cost.empty:
        print()
        print(cost.to_string(index=False, float_format=lambda x: f"{x:,.3g}"))
        cost.to_csv(out.with_name(out.stem + "_vocab_cost.csv"), index=False)
    big = df[(df["decode_mode"] == "compiled") & df["model"].isin(["1b", "7b"])]
    if not big.empty:
        low = big[big["fraction_of_bound"] < 0.75]
        verdict = "met" if low.empty else f"not met for {len(low)} of {len(big)} rows"
        print(f"\ngoal, compiled decode >= 75% of the bound for 1b and 7b: {verdict}")
    for note in probe.run_notes(rows, overhead=False):
        print(f"note: {note}")
    for label in skipped:
        print(f"skipped: {label}")
    df.to_csv(out, index=False)
    print(f"{seconds:.0f} s; wrote {out}")


if __name__ == "__main__":
    main()
