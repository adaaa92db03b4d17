"""``python -m tokdash compare``: compression and vocabulary numbers on a corpus, as CSV.

A built-in corpus (sample, stdlib) is encoded in this process; a folder, file or URL is streamed
through the corpus-scale pipeline (`tokdash.scale.jobs`) on local processes, Slurm or Ray, so
its size does not matter. Either way the numbers come from one `CorpusStats`, which
``--stats-dir`` keeps so that ``python -m tokdash report`` rebuilds every CSV without encoding.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tokdash.analysis.compare import COMPARE_COLUMNS
from tokdash.analysis.engine_choice import MODES
from tokdash.analysis.stats import DEFAULT_SAMPLE_SIZE
from tokdash.cli.common import (
    TOKENIZER_HELP,
    add_corpus_argument,
    check_output_files,
    float_at_least,
    int_at_least,
    progress,
    write_csv,
)
from tokdash.scale.jobs import EXECUTORS


def _builtin(spec: str) -> bool:
    from tokdash.corpus import list_sample_corpora
    from tokdash.corpus.units import is_streamable

    names = {"sample", "stdlib", "python-stdlib", *list_sample_corpora()}
    return spec in names or spec.startswith("sample:") or not is_streamable(spec)


def _in_process(args, toks, base):
    from tokdash.analysis.compare import run_comparison
    from tokdash.corpus import resolve_corpus

    corpus = resolve_corpus(args.corpus)
    if args.language:
        corpus = corpus.filter(args.language)
    cmp = run_comparison(
        toks, corpus.documents, base, progress=lambda m, _f: progress(m), engine=args.engine
    )
    from tokdash.analysis.stats import attach_skipped

    stats = attach_skipped(cmp.stats, corpus.skipped)
    stats.name = corpus.name
    return stats


def _named(spec: str, corpus: str, engine: str) -> str:
    """The id of the tokenizer ``spec`` names, ready for the workers: a catalog id whose
    vocabulary is cached is not even loaded here (its engine proof ships with tokdash); anything
    else is loaded once (fetched, and a tokenizer of your own proven on the corpus), then let go."""
    from tokdash.tokenizers import get_tokenizer
    from tokdash.tokenizers.catalog import CATALOG
    from tokdash.tokenizers.registry import is_cached

    if spec in CATALOG and is_cached(CATALOG[spec]):
        return spec
    tok = get_tokenizer(spec, progress=progress)
    if engine == "auto" and tok.id not in CATALOG:
        from tokdash.corpus.units import plan_corpus
        from tokdash.scale.inprocess import choose_engines

        choose_engines([tok], plan_corpus(corpus))
    return tok.id


def _streamed(args):
    """The folder/file/URL through the pipeline: the tokenizers are named (and, when needed,
    fetched or proven) here; each worker loads its own, and this process lets go of them before
    the workers start."""
    import gc

    from tokdash.scale.jobs import JobOptions, run_job
    from tokdash.scale.report import require_documents
    from tokdash.tokenizers.registry import release_loaded

    specs = list(dict.fromkeys(args.tokenizer))
    shown = list(dict.fromkeys(_named(s, args.corpus, args.engine) for s in specs))
    base_id = _named(args.base, args.corpus, args.engine) if args.base else None
    ids = shown + ([base_id] if base_id is not None and base_id not in shown else [])
    specs += [args.base] if len(ids) > len(shown) else []
    release_loaded()
    gc.collect()
    opts = JobOptions(
        executor=args.executor,
        workers=args.workers,
        tasks=args.tasks,
        threads=args.threads,
        engine=args.engine,
        sample_size=args.sample_size,
        seed=args.seed,
        partition=args.partition or "",
        time=args.time,
        cpus_per_task=args.cpus_per_task,
        mem_per_cpu_gb=args.mem_per_cpu,
        venv_path=args.venv or "",
        dry_run=args.dry_run,
        ray_address=args.ray_address or "",
    )
    stats = run_job(args.corpus, ids, specs, opts, args.stats_dir, say=progress)
    if stats is not None:
        require_documents(stats)
    if stats is not None and args.language:
        stats = stats.filter_languages(args.language)
    return stats, shown, base_id


def _load(args):
    from tokdash.tokenizers import get_tokenizer

    toks = [get_tokenizer(t, progress=progress) for t in dict.fromkeys(args.tokenizer)]
    base = get_tokenizer(args.base, progress=progress) if args.base else None
    return toks, base


#: Slurm's --time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
#: days-hours:minutes, days-hours:minutes:seconds.
SLURM_TIME = r"\d+(:\d{1,2}){0,2}|\d+-\d{1,2}(:\d{1,2}){0,2}"


def check_outputs(args: argparse.Namespace, *, stats_dir: bool = True) -> None:
    """Every place the run will write, checked before it encodes anything (a bad one found at
    the end would lose the work)."""
    from tokdash.paths import writable_dir

    check_output_files(args, "out", "per_document", "vocab", "skipped")
    if stats_dir and getattr(args, "stats_dir", None):
        writable_dir(args.stats_dir, "--stats-dir")


def check_scale_options(args: argparse.Namespace) -> None:
    """The corpus-scale options that argparse cannot judge alone."""
    import re

    from tokdash.errors import TokdashError

    cores = os.cpu_count() or 1
    if args.executor == "local" and args.workers > max(64, 4 * cores):
        raise TokdashError(
            f"--workers {args.workers:,} would start that many processes on this machine "
            f"({cores} cores); use at most {max(64, 4 * cores)}, or --executor slurm/ray"
        )
    if args.executor == "slurm" and not re.fullmatch(SLURM_TIME, args.time.strip()):
        raise TokdashError(
            f"--time {args.time!r} is not a Slurm time limit (e.g. 90, 02:00:00 or 1-12:00:00)"
        )


def cmd_compare(args: argparse.Namespace) -> int:
    """Compression and vocabulary numbers of tokenizers on a corpus, as CSV."""
    check_outputs(args)
    check_scale_options(args)
    if _builtin(args.corpus):
        toks, base = _load(args)
        shown, base_id = [t.id for t in toks], base.id if base else None
        stats = _in_process(args, toks, base)
    else:
        from tokdash.scale.pipeline import limit_threads

        limit_threads(args.threads)  # before any encoder starts its thread pool
        stats, shown, base_id = _streamed(args)
    if stats is None:  # handed to Slurm
        return 0
    stats.meta.update({"shown": shown, "base": base_id, "alpha": args.alpha})
    if args.stats_dir:
        from tokdash.analysis.stats_io import save_stats

        save_stats(stats, Path(args.stats_dir) / "bundle")
        progress(f"statistics bundle: {Path(args.stats_dir) / 'bundle'}")
    for tid in shown:
        enc = stats.tokenizers[tid]
        progress(f"{tid}: {enc.engine}, {stats.n_bytes / 1e6 / max(enc.seconds, 1e-9):.1f} MB/s")
    write_outputs(stats, args)
    return 0


def write_outputs(stats, args) -> None:
    """The CSVs ``compare`` and ``report`` write, from the statistics alone."""
    from tokdash.analysis.compare import Comparison, vocab_table
    from tokdash.scale.report import skipped_summary

    shown = stats.meta.get("shown") or list(stats.tokenizers)
    cmp = Comparison(stats, shown, stats.meta.get("base"))
    table = cmp.table(alpha=args.alpha)
    write_csv(table, args.out)
    if args.per_document:
        write_csv(cmp.per_document(), args.per_document)
        progress(f"per-document rows: {cmp.sample_note()}")
    if args.vocab:
        write_csv(vocab_table(stats.select(shown), alpha=args.alpha), args.vocab)
    if args.skipped:
        write_csv(stats.skipped_report(), args.skipped)
    listed = stats.skipped_report()
    for source, reason in zip(listed["source"][:5], listed["reason"][:5], strict=True):
        progress(f"skipped {source}: {reason}")
    if stats.skipped_total:
        progress(skipped_summary(stats))
    progress(
        f"corpus {stats.name}: {stats.n_documents:,} documents, {stats.n_bytes:,} bytes, "
        f"languages {', '.join(stats.languages)}"
    )
    if args.out != "-":
        print(table.to_string(index=False, max_rows=60))


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    """The CSV outputs ``compare`` and ``report`` share."""
    p.add_argument("--out", "-o", default="-", help="CSV path for the table ('-': stdout)")
    p.add_argument(
        "--per-document", metavar="CSV", help="also write per-document numbers (the sample)"
    )
    p.add_argument("--vocab", metavar="CSV", help="also write vocabulary statistics")
    p.add_argument("--skipped", metavar="CSV", help="also write the skipped records and why")
    p.add_argument(
        "--alpha",
        type=float_at_least(0.0),
        default=2.5,
        help="Renyi efficiency order (compare: default 2.5; report: the one compare used)",
    )


def register(sub) -> None:
    """Add ``compare``."""
    p = sub.add_parser(
        "compare",
        help="compression and vocabulary numbers of tokenizers on a corpus, as CSV",
        description="One row per tokenizer x language plus an ALL row per tokenizer, with "
        "columns: " + ", ".join(COMPARE_COLUMNS) + ". Ratios are total over total. A folder, "
        "file or URL is streamed (no size limit) on --workers processes; --stats-dir keeps the "
        "statistics for `tokdash report` and the dashboard.",
    )
    p.add_argument("--tokenizer", "-t", action="append", required=True, help=TOKENIZER_HELP)
    add_corpus_argument(
        p,
        help_extra="; also .jsonl.gz, .jsonl.zst, .parquet, a folder of those, or an fsspec URL "
        "(s3://..., hf://datasets/...)",
    )
    p.add_argument(
        "--base",
        default="llama2",
        help="base tokenizer for normalized sequence length NSL = tokens(T)/tokens(base) "
        "(default: llama2, as in the paper; '' for none)",
    )
    add_output_arguments(p)
    p.add_argument("--language", action="append", help="keep only these languages (repeatable)")
    p.add_argument(
        "--engine",
        choices=MODES,
        default="auto",
        help="encoder: auto (default) = the fastest engine proven to give the tokenizer's own ids "
        "(a 1%% sample is re-checked at run time; any difference falls back), reference = the "
        "tokenizer's own library, or force one engine",
    )
    g = p.add_argument_group("corpus scale (folders, files and URLs)")
    g.add_argument("--stats-dir", metavar="DIR", help="keep the statistics (and task files) here")
    g.add_argument("--executor", choices=EXECUTORS, default="local", help="default: local")
    g.add_argument(
        "--workers",
        type=int_at_least(1),
        default=max(1, os.cpu_count() or 1),
        help="processes (local) or concurrent tasks (slurm, ray); default: the number of cores",
    )
    g.add_argument(
        "--tasks", type=int_at_least(1), help="pieces the corpus is split into (default: workers)"
    )
    g.add_argument(
        "--threads", type=int_at_least(1), default=1, help="encoder threads per worker (default 1)"
    )
    g.add_argument(
        "--sample-size",
        type=int_at_least(0),
        default=DEFAULT_SAMPLE_SIZE,
        help=f"documents kept for per-document rows (default {DEFAULT_SAMPLE_SIZE:,})",
    )
    g.add_argument(
        "--seed", type=int_at_least(0), default=0, help="seed of the document sample (default 0)"
    )
    g.add_argument("--partition", help="Slurm partition")
    g.add_argument("--time", default="02:00:00", help="Slurm time limit (default 02:00:00)")
    g.add_argument(
        "--cpus-per-task", type=int_at_least(1), default=1, help="Slurm/Ray CPUs per task"
    )
    g.add_argument(
        "--mem-per-cpu", type=float_at_least(0.01), default=2.0, help="Slurm/Ray GB per CPU"
    )
    g.add_argument("--venv", help="Slurm: virtual environment to activate on the nodes")
    g.add_argument(
        "--dry-run", action="store_true", help="Slurm: write the launch script, do not submit"
    )
    g.add_argument("--ray-address", help="Ray: address of an existing cluster (default: local)")
    p.set_defaults(func=cmd_compare)
