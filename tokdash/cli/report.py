"""``python -m tokdash report``: every CSV of ``compare`` rebuilt from a statistics folder,
without encoding anything (byte-identical to what ``compare`` wrote for the same options)."""

from __future__ import annotations

import argparse

from tokdash.cli.common import progress


def load_or_merge(stats_dir: str):
    """The bundle of ``stats_dir``, merging its task files first when no bundle is there yet
    (a Slurm or interrupted run)."""
    from tokdash.analysis.stats_io import is_bundle, load_stats
    from tokdash.paths import user_path
    from tokdash.scale.jobs import merge_tasks

    folder = user_path(stats_dir, "--stats-dir")
    if is_bundle(folder) or is_bundle(folder / "bundle"):
        return load_stats(folder)
    return merge_tasks(folder)


def recorded_alpha(meta: dict) -> float:
    """The Rényi order ``compare`` recorded in the statistics; 2.5 (said) when the record is
    not one (a hand-edited or damaged stats.json)."""
    import math

    value = meta.get("alpha", 2.5)
    try:
        alpha = float(value)
    except (TypeError, ValueError):
        alpha = float("nan")
    if math.isfinite(alpha) and alpha >= 0:
        return alpha
    progress(f"these statistics record alpha={value!r}, not an order >= 0: using 2.5 (--alpha)")
    return 2.5


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild the CSVs from statistics."""
    from tokdash.cli.compare import check_outputs, write_outputs
    from tokdash.errors import TokdashError
    from tokdash.scale.report import describe

    check_outputs(args, stats_dir=False)
    stats = load_or_merge(args.stats_dir)
    progress(describe(stats))
    if args.alpha is None:  # the order compare used
        args.alpha = recorded_alpha(stats.meta)
    if args.base is not None:
        if args.base and args.base not in stats.tokenizers:
            raise TokdashError(
                f"base {args.base!r} is not in these statistics; they hold "
                f"{', '.join(stats.tokenizers)}"
            )
        stats.meta["base"] = args.base or None
    if args.tokenizer:
        missing = [t for t in args.tokenizer if t not in stats.tokenizers]
        if missing:
            raise TokdashError(
                f"these statistics hold no {', '.join(missing)}; they hold "
                f"{', '.join(stats.tokenizers)}"
            )
        stats.meta["shown"] = list(dict.fromkeys(args.tokenizer))
    if args.language:
        stats = stats.filter_languages(args.language)
    write_outputs(stats, args)
    return 0


def register(sub) -> None:
    """Add ``report``."""
    from tokdash.cli.compare import add_output_arguments

    p = sub.add_parser(
        "report",
        help="rebuild compare's CSVs from a statistics folder, without encoding",
        description="Reads the bundle `compare --stats-dir DIR` wrote (merging the task files "
        "first after a Slurm run) and writes the same CSVs, byte for byte.",
    )
    p.add_argument("--stats-dir", required=True, metavar="DIR", help="the statistics folder")
    add_output_arguments(p)
    p.add_argument(
        "--base", help="base tokenizer for NSL (default: the one compare used; '' for none)"
    )
    p.add_argument(
        "--tokenizer", "-t", action="append", help="rows of these tokenizers only (repeatable)"
    )
    p.add_argument("--language", action="append", help="keep only these languages (repeatable)")
    p.set_defaults(func=cmd_report, alpha=None)
