"""``python -m tokdash train`` and ``train-sweep``: BPE training and the paper's ablation grid."""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from tokdash.cli.common import (
    add_corpus_argument,
    check_output_files,
    float_at_least,
    int_at_least,
)
from tokdash.errors import TokdashError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*$", re.IGNORECASE)


def parse_bytes(text: str) -> int | None:
    """``"10MB"`` -> 10_000_000, ``"500k"`` -> 500_000; ``"none"``, ``"all"`` or a size of 0
    (``"0"``, ``"0MB"``) -> None: no budget, all the training text (said in ``--help``).
    A negative or unreadable size is a `TokdashError`."""
    if text.strip().lower() in ("none", "all"):
        return None
    m = _SIZE.match(text)
    if not m:
        raise TokdashError(
            f"bad byte budget {text!r}: write a size such as 10MB, 500kB or 2000000, or none "
            "(0 also means none: all the training text)"
        )
    scale = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}[m.group(2).lower()]
    value = float(m.group(1))
    return None if value == 0 else int(value * scale)


def _template(args: argparse.Namespace):
    from tokdash.training.trainer import TrainConfig

    return TrainConfig(
        vocab_size=32_000,
        regex="custom" if args.pattern else "gpt4",
        pattern=args.pattern,
        digits=args.digits,
        byte_budget=parse_bytes(args.byte_budget),
        min_frequency=args.min_frequency,
        max_token_length=args.max_token_length,
        held_out=args.held_out,
        seed=args.seed,
        identity_piece=args.identity_piece or None,
    )


def _corpus(args: argparse.Namespace):
    from tokdash.cli.common import progress
    from tokdash.corpus import resolve_corpus

    corpus = resolve_corpus(args.corpus)
    progress(
        f"corpus {corpus.name}: {len(corpus.documents)} documents, {corpus.n_bytes:,} bytes, "
        f"languages {', '.join(corpus.languages)}"
    )
    return corpus


def _baselines(args: argparse.Namespace):
    """The NSL base and the baselines, loaded now: a bad name fails before any training."""
    from tokdash.cli.common import progress
    from tokdash.tokenizers import get_tokenizer

    for spec in args.baseline or ():
        if not spec.strip():
            raise TokdashError(
                "--baseline is empty: give a catalog id, a tokenizer file or folder, or "
                "hub:ORG/NAME (leave the option out to measure only the base)"
            )
    base = get_tokenizer(args.base, progress=progress) if args.base.strip() else None
    specs = list(dict.fromkeys(args.baseline or ([args.base] if base else [])))
    return [get_tokenizer(s, progress=progress) for s in specs], base


def _outputs(args: argparse.Namespace, folders: dict[str, str | None]) -> dict:
    """Every output place of the command checked now, before any training: the CSV files
    (``-o``/``--out``, ``--gains``) and ``folders`` (option -> folder or None); the checked
    folders as Paths."""
    from tokdash.paths import writable_dir

    check_output_files(args, "out", "gains")
    return {opt: writable_dir(v, opt) for opt, v in folders.items() if v is not None}


_LAST_REPORT = [0.0]


def _report(msg: str, _frac: float) -> None:
    """Progress on stderr; the trainer's elapsed-time ticks at most every 2 s."""
    import time

    from tokdash.cli.common import progress

    now = time.monotonic()
    if "Training: " in msg and now - _LAST_REPORT[0] < 2.0:
        return
    _LAST_REPORT[0] = now
    progress(msg)


def cmd_train(args: argparse.Namespace) -> int:
    """Train one tokenizer (or extend one), save it, print its held-out numbers."""
    from dataclasses import replace

    from tokdash.cli.common import progress, write_csv
    from tokdash.settings import current_limits
    from tokdash.training.sweep import heldout_table
    from tokdash.training.trainer import check_config, parse_mix, prepare, train_texts

    config = replace(
        _template(args),
        vocab_size=args.vocab_size,
        regex="custom" if args.pattern else args.regex,
        mix=parse_mix(args.mix or ""),
        name=args.name,
    )
    limits = current_limits()
    check_config(config, limits)
    if args.tiktoken and (config.resolved_pattern() is None or config.digits != "regex"):
        raise TokdashError(
            "--tiktoken needs a plain pre-tokenization regex (not identity, no --digits split): "
            "a .tiktoken file carries no pre-tokenizer; leave --tiktoken out and use the "
            "tokenizer.json"
        )
    out_dir = _outputs(args, {"--out-dir": args.out_dir})["--out-dir"]
    baselines, base = _baselines(args)
    if args.extend:
        from tokdash.tokenizers import get_tokenizer

        start = get_tokenizer(args.extend, progress=progress)
    corpus = _corpus(args)
    split, texts, mix, estimate = prepare(config, corpus.documents, limits)
    progress(
        f"split: {len(split.train)} training / {len(split.held_out)} held-out documents; "
        f"training on {int(mix['train_bytes'].sum()):,} bytes (estimate ~{estimate:.1f} s)"
    )
    if args.extend:
        return _extend(args, start, texts, split, out_dir)
    result = train_texts(config, texts, out_dir, progress=_report, mix=mix, limits=limits)
    progress(
        f"trained {result.tokenizer.id}: vocab {result.tokenizer.vocab_size:,} in "
        f"{result.seconds:.2f} s ({result.mb_per_s:.2f} MB/s); saved {result.path}"
    )
    if args.tiktoken:
        from tokdash.training.extend import export_tiktoken

        path = export_tiktoken(result.tokenizer, config, result.path.with_suffix(".tiktoken"))
        progress(f"wrote {path} (load it with the pattern of --regex)")
    table = heldout_table([result], split.held_out, baselines, base)
    write_csv(table, args.out)
    if args.out != "-":
        cols = ["tokenizer", "language", "tokens", "bytes_per_token", "nsl"]
        print(table[cols].to_string(index=False, max_rows=60))
    return 0


def _extend(args: argparse.Namespace, start, texts, split, out_dir: Path) -> int:
    from tokdash.cli.common import progress, write_csv
    from tokdash.settings import current_limits
    from tokdash.training.extend import extend_tokenizer, extension_table

    result = extend_tokenizer(
        start,
        texts,
        args.new_tokens,
        out_dir,
        min_frequency=args.min_frequency,
        name=args.name,
        progress=_report,
        limits=current_limits(),
    )
    progress(f"saved {result.path} (pattern: the base's, {start.id})")
    table = extension_table(result, split.held_out)
    write_csv(table, args.out)
    if args.out != "-":
        cols = [
            "tokenizer",
            "language",
            "tokens",
            "bytes_per_token",
            "tokens_saved",
            "new_tokens_used",
        ]
        print(table[cols].to_string(index=False, max_rows=60))
    return 0


def cmd_train_sweep(args: argparse.Namespace) -> int:
    """Train the grid vocab sizes x regexes x mixes; one CSV row per tokenizer x language."""
    from tokdash.cli.common import progress, write_csv
    from tokdash.settings import current_limits
    from tokdash.training.sweep import doubling_gain, plan, run_sweep, sweep_configs
    from tokdash.training.trainer import check_config, parse_mix

    regexes = args.regex or ["gpt4"]
    if args.pattern and "custom" not in regexes:
        regexes.append("custom")
    mixes = [() if m.strip() in ("", "corpus") else parse_mix(m) for m in args.mix or [""]]
    configs = sweep_configs(_template(args), args.vocab_size or [16_000], regexes, mixes)
    limits = current_limits()
    for cfg in configs:
        check_config(cfg, limits)
    save_dir = _outputs(args, {"--save-dir": args.save_dir}).get("--save-dir")
    baselines, base = _baselines(args)
    corpus = _corpus(args)
    _, _, estimate = plan(configs, corpus.documents, limits)
    progress(f"{len(configs)} tokenizers to train (estimate ~{estimate:.0f} s)")
    with tempfile.TemporaryDirectory(prefix="tokdash-sweep-") as tmp:
        out_dir = save_dir or Path(tmp)
        sweep = run_sweep(
            configs,
            corpus.documents,
            out_dir,
            baselines=baselines,
            base=base,
            progress=_report,
            limits=limits,
        )
    write_csv(sweep.table, args.out)
    if args.gains:
        write_csv(doubling_gain(sweep.table), args.gains)
    if args.out != "-":
        shown = sweep.table[sweep.table["language"] == "ALL"]
        cols = ["tokenizer", "vocab_size", "train_seconds", "bytes_per_token", "nsl"]
        print(shown[cols].to_string(index=False))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    from tokdash.training.trainer import DIGIT_MODES

    add_corpus_argument(p)
    p.add_argument("--pattern", help="a custom pre-tokenization regex (regex 'custom')")
    p.add_argument(
        "--digits",
        choices=list(DIGIT_MODES),
        default="regex",
        help="digit handling: as the regex does, or runs split into groups of 1/2/3",
    )
    p.add_argument(
        "--byte-budget",
        default="10MB",
        help="training bytes at most, e.g. 10MB, 500kB (at least 1kB); none or 0: no budget, "
        "all the training text (default 10MB)",
    )
    p.add_argument(
        "--min-frequency", type=int_at_least(1), default=2, help="min pair count for a merge"
    )
    p.add_argument("--max-token-length", type=int_at_least(1), help="longest token in characters")
    p.add_argument(
        "--held-out",
        type=float_at_least(0.001, 0.999),
        default=0.2,
        help="share of each language's documents held out for measuring (default 0.2)",
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, help="seed of the held-out split")
    p.add_argument(
        "--identity-piece",
        type=int_at_least(0),
        default=4096,
        help="Identity only: cut documents into pieces of at most N characters (0: whole)",
    )
    p.add_argument(
        "--baseline",
        action="append",
        help="catalog tokenizer measured on the same held-out documents (repeat; "
        "default: the base)",
    )
    p.add_argument("--base", default="llama2", help="base for NSL (default llama2; '' for none)")
    p.add_argument("--out", "-o", default="-", help="CSV path for the held-out table ('-': stdout)")


def register(sub) -> None:
    """Add the ``train`` and ``train-sweep`` subcommands."""
    from tokdash.analysis.pretokenize import PATTERNS
    from tokdash.training.extend import MAX_NEW_TOKENS

    regexes = [*PATTERNS, "custom"]
    p = sub.add_parser(
        "train",
        help="train one byte-level BPE on a corpus, save tokenizer.json, measure it held-out",
        description="Trains with the HF tokenizers trainer on the training part of a split by "
        "document; numbers are on the held-out documents only. With --extend, appends "
        "--new-tokens tokens learnt on the corpus to a tiktoken-form catalog tokenizer instead.",
    )
    _common(p)
    # --vocab-size stays a plain int: check_config says in one line why 0 or 10M is refused
    p.add_argument("--vocab-size", type=int, default=32_000, help="target vocabulary size")
    p.add_argument("--regex", choices=regexes, default="gpt4", help="pre-tokenization regex")
    p.add_argument("--mix", help="data mix, e.g. python=70,english=30 (default: the corpus)")
    p.add_argument("--name", help="the tokenizer's id (default: from the knobs)")
    p.add_argument("--out-dir", default="trained", help="folder for <id>/tokenizer.json")
    p.add_argument("--tiktoken", action="store_true", help="also write a .tiktoken rank file")
    p.add_argument("--extend", metavar="BASE", help="extend this tokenizer instead (e.g. gpt2)")
    p.add_argument(
        "--new-tokens",
        type=int_at_least(1, MAX_NEW_TOKENS),
        default=1000,
        help="tokens to add with --extend",
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "train-sweep",
        help="train a grid of vocab sizes x regexes x data mixes; CSV of held-out numbers",
        description="One row per trained tokenizer x language (and per baseline), with its "
        "knobs, training time and the columns of `compare`, all on the same held-out documents.",
    )
    _common(p)
    p.add_argument("--vocab-size", type=int, action="append", help="repeat (default 16000)")
    p.add_argument("--regex", choices=regexes, action="append", help="repeat (default gpt4)")
    p.add_argument("--mix", action="append", help="repeat; e.g. python=70,english=30 or corpus")
    p.add_argument("--save-dir", help="keep the trained tokenizer.json files here")
    p.add_argument("--gains", metavar="CSV", help="also write the gain per vocabulary doubling")
    p.set_defaults(func=cmd_train_sweep)
