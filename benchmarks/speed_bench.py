"""Generation speed of one model body with vocabularies of 32k / 128k / 200k / 256k tokens.

The 125m preset (12 layers, d 768, Llama-style), random weights, fp32 on the CPU (or the GPU
with --device cuda), batch 1, 256-token prompt, 64 new tokens (LLM-Perf's setting), one warm-up
and the median of REPEATS runs. The tokenizers llama2 (32k), llama3 (128k) and o200k_base (200k)
give their chars/token on the corpus, hence chars/s; a bare 256k vocabulary row has tokens/s
only. Prints a table and writes benchmarks/results/speed_bench.csv.

    .venv/bin/python benchmarks/speed_bench.py [--preset 125m] [--repeats 3] [--device cpu]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from tokdash.corpus import resolve_corpus
from tokdash.speed import (
    costmodel,
    probe,
)
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
    ap.add_argument("--prompt-len", type=int, default=256)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--corpus", default="sample:python")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed_bench.csv"))
    args = ap.parse_args()

    toks = [load_catalog(t) for t in TOKENIZERS]
    rates = costmodel.tokenizer_rates(toks, resolve_corpus(args.corpus).documents)
    nan = float("nan")
    rates.append(costmodel.TokenizerRate(f"vocab-{BARE_VOCAB}", BARE_VOCAB, nan, nan, nan))
    settings = probe.ProbeSettings(
        prompt_len=args.prompt_len,
        new_tokens=args.new_tokens,
        repeats=args.repeats,
        device=args.device,
        dtype=args.dtype,
    )
    shape = costmodel.get_preset(args.preset)
    rows = probe.run_probe(
        shape, rates, settings, progress=lambda m, f: print(f"  [{f:4.0%}] {m}", flush=True)
    )
    for r in rows:
        flops = costmodel.flops_per_token(shape.with_vocab(r["vocab_size"]), args.prompt_len)
        r["output_flops_share"] = flops["output"] / flops["total"]
    df = pd.DataFrame(rows)
    cols = [
        "tokenizer",
        "vocab_size",
        "params",
        "ttft_ms",
        "decode_tokens_per_s",
        "itl_ms",
        "chars_per_token",
        "chars_per_s",
        "output_flops_share",
        "bandwidth_gb_s",
        "bound_tokens_per_s",
        "fraction_of_bound",
    ]
    print(df[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
