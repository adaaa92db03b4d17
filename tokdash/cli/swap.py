"""``python -m tokdash swap``: plan a tokenizer swap headless (gain, overlap, FVT embeddings)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tokdash.cli.common import add_corpus_argument, check_output_files, int_at_least
from tokdash.errors import TokdashError
from tokdash.paths import user_path


def refuse_overwrite(new, folder: Path) -> None:
    """The candidate's tokenizer file goes beside the embeddings: refuse a folder that already
    holds a different file of that name (a checkpoint's own tokenizer.json, say), before any
    work."""
    from tokdash.transfer import swap_io

    name, data = swap_io.tokenizer_file(new)
    there = folder / name
    if there.is_file() and there.read_bytes() != data:
        raise TokdashError(
            f"{there} exists and is not {new.id}'s: --save-embeddings writes {name} beside the "
            "embeddings, so give a path in a new folder (a checkpoint's own tokenizer is kept)"
        )


def cmd_swap(args: argparse.Namespace) -> int:
    """Gain per language as CSV; optionally FVT-initialised embeddings saved as safetensors."""
    from tokdash.analysis.compare import run_comparison
    from tokdash.cli.common import progress, write_csv
    from tokdash.corpus import resolve_corpus
    from tokdash.settings import current_limits
    from tokdash.speed import costmodel
    from tokdash.tokenizers import get_tokenizer
    from tokdash.transfer import fvt, planner, swap_io

    if args.save_embeddings and not (args.checkpoint or args.model_preset):
        raise TokdashError("--save-embeddings needs --checkpoint DIR or --model-preset NAME")
    if args.checkpoint and not user_path(args.checkpoint, "--checkpoint").exists():
        raise TokdashError(f"{args.checkpoint}: no such checkpoint file or folder")
    check_output_files(args, "out", "overlap", "save_embeddings")
    old = get_tokenizer(args.current, progress=progress)
    new = get_tokenizer(args.candidate, progress=progress)
    if old.id == new.id:
        raise TokdashError("--from and --to name the same tokenizer: nothing to swap")
    if args.save_embeddings:
        refuse_overwrite(new, user_path(args.save_embeddings).parent)
    corpus = resolve_corpus(args.corpus)
    progress(f"corpus {corpus.name}: {len(corpus.documents)} documents, {corpus.n_bytes:,} bytes")
    cmp = run_comparison([old, new], corpus.documents, old, progress=lambda m, _f: progress(m))
    gain = planner.gain_table(cmp.table(), old.id, new.id, args.context)
    write_csv(gain, args.out)

    progress(f"matching {new.id}'s {new.vocab_size:,} ids to {old.id}'s vocabulary ...")
    plan = fvt.build_plan(old, new)
    if args.overlap:
        write_csv(planner.pieces_histogram(plan), args.overlap)
    for _, row in planner.overlap_table(plan).iterrows():
        print(f"{row['what']}: {row['tokens']:,}")
    overall = gain[gain["language"] == "ALL"].iloc[0]
    print(
        f"NSL {new.id}/{old.id} on {corpus.name}: {overall['nsl']:.3f} -> "
        f"{overall['chars_per_s_gain']:+.1%} characters/s at equal tokens/s, a {args.context:,}-"
        f"token window holds {overall['effective_context']:,.0f} {old.id} tokens of text"
    )
    print(planner.PAPER_FINDING)

    if args.checkpoint or args.model_preset:
        if args.checkpoint:
            emb = swap_io.read_checkpoint(args.checkpoint, old.vocab_size, limits=current_limits())
        else:
            shape = costmodel.get_preset(args.model_preset, old.vocab_size)
            emb = swap_io.random_init(shape, seed=0)
        progress(f"embeddings from {emb.source}: {emb.input.shape}, tied={emb.tied}")
        result = swap_io.build_swap(emb, plan, args.mode, args.fallback)
        for _, row in result.sources.iterrows():
            print(f"rows {row['source']}: {row['rows']:,} ({row['how']})")
        if args.save_embeddings:
            path = swap_io.save_swap(args.save_embeddings, result, emb, plan)
            tok_path = swap_io.save_tokenizer(new, path.parent)
            progress(f"wrote {path} and {tok_path}")
    return 0


def register(sub) -> None:
    """Add the ``swap`` subcommand."""
    from tokdash.transfer import fvt

    p = sub.add_parser(
        "swap",
        help="plan a tokenizer swap: gain on a corpus, vocabulary overlap, FVT embeddings",
        description="Writes one row per language (plus ALL) with the candidate's NSL against "
        "the current tokenizer, the implied characters/s and effective-context gains; prints "
        "the vocabulary overlap; with a checkpoint or preset, builds the new embedding matrices "
        "by Fast Vocabulary Transfer and can save them as safetensors with the candidate's "
        "tokenizer file beside them.",
    )
    p.add_argument("--from", dest="current", required=True, help="the model's current tokenizer")
    p.add_argument("--to", dest="candidate", required=True, help="the candidate tokenizer")
    add_corpus_argument(p)
    p.add_argument("--out", "-o", default="-", help="CSV path for the gain table ('-': stdout)")
    p.add_argument(
        "--context", type=int_at_least(1), default=4096, help="context window in tokens (4096)"
    )
    p.add_argument("--overlap", metavar="CSV", help="also write the pieces histogram")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--checkpoint", metavar="DIR", help="local safetensors checkpoint")
    src.add_argument("--model-preset", help="random-init model preset (tiny, 125m, 1b, 7b)")
    p.add_argument("--mode", choices=list(fvt.MODES), default="fvt", help="fvt or extend")
    p.add_argument(
        "--fallback", choices=list(fvt.FALLBACKS), default="mean", help="unspellable rows"
    )
    p.add_argument("--save-embeddings", metavar="OUT.safetensors", help="write the new matrices")
    p.set_defaults(func=cmd_swap)
