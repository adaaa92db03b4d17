"""``python -m tokdash speed`` (generation-speed probe) and ``cost`` (vocabulary cost model)."""

from __future__ import annotations

import argparse

import pandas as pd

from tokdash.cli.common import (
    TOKENIZER_HELP,
    add_corpus_argument,
    check_output_files,
    int_at_least,
)
from tokdash.errors import TokdashError
from tokdash.speed import costmodel
from tokdash.speed.decode import DECODE_MODES

_MEASURED_ON = " (chars/token and bytes/token are measured on it)"


def _load(args: argparse.Namespace):
    """The tokenizers and the corpus documents named on the command line."""
    from tokdash.cli.common import progress
    from tokdash.corpus import resolve_corpus
    from tokdash.tokenizers import get_tokenizer

    toks = [get_tokenizer(t, progress=progress) for t in dict.fromkeys(args.tokenizer)]
    corpus = resolve_corpus(args.corpus)
    progress(f"corpus {corpus.name}: {len(corpus.documents)} documents, {corpus.n_bytes:,} bytes")
    return toks, corpus.documents


def cmd_speed(args: argparse.Namespace) -> int:
    """Time prefill and decode of a model per tokenizer; write tokens/s and chars/s as CSV."""
    from tokdash.cli.common import progress, write_csv
    from tokdash.settings import current_limits
    from tokdash.speed import probe

    check_output_files(args, "out")
    if args.checkpoint and not args.checkpoint.startswith("hub:"):
        from tokdash.paths import user_path

        user_path(args.checkpoint, "--checkpoint")  # before the corpus is measured
    limits = current_limits()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = probe.ProbeSettings.from_args(args).checked(limits)
    shape = costmodel.get_preset(args.model_preset)
    toks, docs = _load(args)
    progress("measuring chars/token on the corpus")
    rates = probe.tokenizer_rates(toks, docs)
    last = [""]

    def report(msg: str, _frac: float) -> None:
        head = msg.split(":")[0]
        if head != last[0] or "repeat" not in msg:
            progress(msg)
        last[0] = head

    rows = probe.run_probe(
        shape,
        rates,
        settings,
        model_source=args.checkpoint or None,
        progress=report,
        limits=limits,
    )
    table = pd.DataFrame(rows)
    write_csv(table, args.out)
    if args.out != "-":
        shown = table[probe.SUMMARY_COLUMNS]
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    for note in probe.run_notes(rows):
        progress(f"note: {note}")
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    """Parameters, FLOPs and memory over vocabulary sizes; effective context per tokenizer."""
    from tokdash.cli.common import write_csv

    check_output_files(args, "out", "context_out")
    shape = costmodel.get_preset(args.model_preset)
    vocabs = args.vocab or list(costmodel.VOCAB_SWEEP)
    table = pd.DataFrame(costmodel.vocab_sweep(shape, vocabs, args.context, args.dtype))
    write_csv(table, args.out)
    if args.out != "-":
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if args.tokenizer:
        if not args.corpus:
            raise TokdashError("--tokenizer needs --corpus (to measure bytes per token)")
        toks, docs = _load(args)
        rates = costmodel.tokenizer_rates(toks, docs)
        ctx = pd.DataFrame(costmodel.effective_context(shape, rates, args.window, args.dtype))
        if args.context_out:
            write_csv(ctx, args.context_out)
        print()
        print(ctx.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model-preset",
        "-m",
        default="125m",
        choices=list(costmodel.PRESETS),
        help="model shape (default 125m); its vocabulary becomes each tokenizer's",
    )
    p.add_argument("--dtype", default=None, help="float32, bfloat16 or float16")
    p.add_argument("--out", "-o", default="-", help="CSV path ('-': stdout)")


def register(sub) -> None:
    """Add the ``speed`` and ``cost`` subcommands."""
    p = sub.add_parser(
        "speed",
        help="generation speed (tokens/s and chars/s) of a model shape with each tokenizer",
        description="Builds the preset with each tokenizer's vocabulary (random weights, same "
        "body), times prefill (time to first token) and decode with a KV cache (median over "
        "repeats after a warm-up; the compiled decode's compile time apart), converts tokens/s "
        "to chars/s with the tokenizer's chars/token on the corpus, and gives the share of the "
        "memory-bandwidth bound reached.",
    )
    _common(p)
    p.add_argument(
        "--tokenizer",
        "-t",
        action="append",
        required=True,
        help=TOKENIZER_HELP,
    )
    add_corpus_argument(p, required=False, default="sample", help_extra=_MEASURED_ON)
    p.add_argument(
        "--checkpoint",
        help="a local safetensors checkpoint folder (or hub:ORG/NAME when the hub is reachable) "
        "instead of a preset: timed once, with its own vocabulary",
    )
    p.add_argument(
        "--device", default="auto", help="auto (CUDA when available), cpu, cuda or cuda:N"
    )
    p.add_argument(
        "--decode",
        default="compiled",
        choices=list(DECODE_MODES),
        help="compiled (default: static KV cache, torch.compile, CUDA graphs on a GPU; "
        "compile time reported apart) or eager (transformers' usual loop)",
    )
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--prompt-len", type=int, default=256, help="prompt tokens (default 256)")
    p.add_argument("--new-tokens", type=int, default=64, help="generated tokens (default 64)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs (median; default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    p.add_argument(
        "--threads", type=int_at_least(0), default=0, help="CPU threads for torch (0: default)"
    )
    p.set_defaults(func=_with_dtype(cmd_speed, gpu="bfloat16", cpu="float32"))

    p = sub.add_parser(
        "cost",
        help="what vocabulary size costs: parameters, FLOPs, memory (no model run)",
        description="One row per vocabulary size with the same body: parameters, forward "
        "FLOPs per token, weight and KV-cache memory. With --tokenizer and --corpus, also the "
        "bytes and lines of code an N-token window holds and the KV cache per 1,000 lines.",
    )
    _common(p)
    p.add_argument(
        "--vocab",
        type=int_at_least(1, 10_000_000),
        action="append",
        help="vocabulary sizes (repeatable)",
    )
    p.add_argument(
        "--context", type=int_at_least(1), default=2048, help="tokens of context (default 2048)"
    )
    p.add_argument("--tokenizer", "-t", action="append", help="for the effective context")
    add_corpus_argument(p, required=False, help_extra=_MEASURED_ON)
    p.add_argument(
        "--window", type=int_at_least(1), default=8192, help="window in tokens (default 8192)"
    )
    p.add_argument("--context-out", metavar="CSV", help="write the effective-context table")
    p.set_defaults(func=_with_dtype(cmd_cost, gpu="bfloat16", cpu="bfloat16"))


def _with_dtype(func, *, gpu: str, cpu: str):
    """Fill a missing --dtype with the device's default before running ``func``."""

    def run(args: argparse.Namespace) -> int:
        if args.dtype is None:
            device = getattr(args, "device", "cpu")
            if device == "auto":
                from tokdash.speed.probe import resolve_device

                device = resolve_device(device)
            args.dtype = gpu if device.startswith("cuda") else cpu
        costmodel.dtype_name(args.dtype)
        return func(args)

    return run
