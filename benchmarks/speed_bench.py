"""Generation speed of one model body with vocabularies of 32k / 128k / 200k / 256k tokens,
decoded eager and compiled.

The 125m preset (12 layers, d 768, Llama-style), random weights, fp32 on the CPU (or the GPU
with --device cuda), batch 1, 256-token prompt, 64 new tokens (LLM-Perf's setting), one warm-up
and the median of REPEATS runs, for each decode mode: eager (transformers' loop, a growing
DynamicCache) and compiled (a static KV cache, torch.compile of the decode step; its compile
seconds apart). The tokenizers llama2 (32k), llama3 (128k) and o200k_base (200k) give their
chars/token on the corpus, hence chars/s; a bare 256k vocabulary row has tokens/s only. The
memory bandwidth is measured once (1 GiB buffers in the probe's dtype) for both modes. Prints
the rows, eager next to compiled, and the 32k -> 256k slowdown against the one the bound
predicts; writes benchmarks/results/speed_bench.csv (every row) and speed_bench_modes.csv.

    .venv/bin/python benchmarks/speed_bench.py [--preset 125m] [--repeats 3] [--device cpu]
        [--dtype float32] [--decode eager --decode compiled]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from tokdash.corpus import resolve_corpus
from tokdash.speed import costmodel, probe
from tokdash.tokenizers import load_catalog

ROOT = Path(__file__).resolve().parents[1]

TOKENIZERS = ["llama2", "llama3", "o200k_base"]
BARE_VOCAB = 256_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="125m", choices=list(costmodel.PRESETS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--decode", action="append", choices=list(probe.DECODE_MODES))
    ap.add_argument("--prompt-len", type=int, default=256)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--corpus", default="sample:python")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed_bench.csv"))
    args = ap.parse_args()
    modes = args.decode or ["eager", "compiled"]

    toks = [load_catalog(t) for t in TOKENIZERS]
    rates = costmodel.tokenizer_rates(toks, resolve_corpus(args.corpus).documents)
    nan = float("nan")
    rates.append(costmodel.TokenizerRate(f"vocab-{BARE_VOCAB}", BARE_VOCAB, nan, nan, nan))
    shape = costmodel.get_preset(args.preset)
    device = probe.resolve_device(args.device)
    bandwidth = probe.measure_bandwidth(device, dtype=args.dtype)
    print(f"memory bandwidth of {device} ({args.dtype}, 1 GiB buffers): {bandwidth / 1e9:.1f} GB/s")
    rows = []
    for mode in modes:
        settings = replace(probe.ProbeSettings.from_args(args), device=device, decode=mode)
        t0 = time.perf_counter()
        rows += probe.run_probe(
            shape,
            rates,
            settings,
            bandwidth=bandwidth,
            progress=lambda m, f, mode=mode: print(f"  [{mode} {f:4.0%}] {m}", flush=True),
        )
        print(f"  {mode}: {time.perf_counter() - t0:.0f} s in all", flush=True)
    for r in rows:
        flops = costmodel.flops_per_token(shape.with_vocab(r["vocab_size"]), args.prompt_len)
        r["output_flops_share"] = flops["output"] / flops["total"]
    df = pd.DataFrame(rows)
    cols = [
        "tokenizer",
        "vocab_size",
        "decode_mode",
        "compile_s",
        "ttft_ms",
        "decode_tokens_per_s",
        "itl_ms",
        "chars_per_token",
        "chars_per_s",
        "output_flops_share",
        "bound_tokens_per_s",
        "fraction_of_bound",
        "decode_note",
    ]
    print(df[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    side = df.pivot_table(
        index=["tokenizer", "vocab_size"],
        columns="decode_mode",
        values=["decode_tokens_per_s", "fraction_of_bound", "compile_s"],
    ).sort_index(level="vocab_size")
    side.columns = [f"{value}_{mode}" for value, mode in side.columns]
    order = [f"{v}_{m}" for v in ("decode_tokens_per_s", "fraction_of_bound") for m in modes]
    side = side[order + [c for c in side.columns if c == "compile_s_compiled"]]
    side = side.reset_index()
    print()
    print(side.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print()
    cost = pd.DataFrame(probe.vocab_cost_table(rows))
    print(cost.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    for note in probe.run_notes(rows, overhead=False):
        print(f"note: {note}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    side.to_csv(out.with_name(out.stem + "_modes.csv"), index=False)
    print(f"wrote {out} and {out.with_name(out.stem + '_modes.csv')}")


if __name__ == "__main__":
    main()
