"""``python -m tokdash compare``: compression and vocabulary numbers on a corpus, as CSV."""

from __future__ import annotations

import argparse

from tokdash.analysis.compare import COMPARE_COLUMNS
from tokdash.analysis.engine_choice import MODES
from tokdash.cli.common import TOKENIZER_HELP, add_corpus_argument, progress, write_csv


def cmd_compare(args: argparse.Namespace) -> int:
    """Compression and vocabulary numbers of tokenizers on a corpus, as CSV."""
    from tokdash.analysis.compare import run_comparison, vocab_table
    from tokdash.corpus import resolve_corpus
    from tokdash.tokenizers import get_tokenizer

    toks = [get_tokenizer(t, progress=progress) for t in dict.fromkeys(args.tokenizer)]
    base = get_tokenizer(args.base, progress=progress) if args.base else None
    corpus = resolve_corpus(args.corpus)
    if args.language:
        corpus = corpus.filter(args.language)
    for skipped in corpus.skipped[:5]:
        progress(f"skipped {skipped.source}: {skipped.reason}")
    if len(corpus.skipped) > 5:
        progress(f"... and {len(corpus.skipped) - 5} more files skipped")
    progress(
        f"corpus {corpus.name}: {len(corpus.documents)} documents, {corpus.n_bytes:,} bytes, "
        f"languages {', '.join(corpus.languages)}"
    )
    cmp = run_comparison(
        toks,
        corpus.documents,
        base,
        progress=lambda msg, _f: progress(msg),
        engine=args.engine,
    )
    for tid, enc in cmp.encodings.items():
        progress(f"{tid}: {enc.engine}, {enc.n_bytes / 1e6 / max(enc.seconds, 1e-9):.1f} MB/s")
    table = cmp.table(alpha=args.alpha)
    write_csv(table, args.out)
    if args.per_document:
        write_csv(cmp.per_document(), args.per_document)
    if args.vocab:
        write_csv(vocab_table(cmp, toks), args.vocab)
    if args.out != "-":
        print(table.to_string(index=False, max_rows=60))
    return 0


def register(sub) -> None:
    """Add ``compare``."""
    p = sub.add_parser(
        "compare",
        help="compression and vocabulary numbers of tokenizers on a corpus, as CSV",
        description="One row per tokenizer x language plus an ALL row per tokenizer, with "
        "columns: " + ", ".join(COMPARE_COLUMNS) + ". Ratios are total over total.",
    )
    p.add_argument("--tokenizer", "-t", action="append", required=True, help=TOKENIZER_HELP)
    add_corpus_argument(p)
    p.add_argument(
        "--base",
        default="llama2",
        help="base tokenizer for normalized sequence length NSL = tokens(T)/tokens(base) "
        "(default: llama2, as in the paper; '' for none)",
    )
    p.add_argument("--out", "-o", default="-", help="CSV path for the table ('-': stdout)")
    p.add_argument("--per-document", metavar="CSV", help="also write per-document numbers")
    p.add_argument("--vocab", metavar="CSV", help="also write vocabulary statistics")
    p.add_argument("--alpha", type=float, default=2.5, help="Renyi efficiency order (default 2.5)")
    p.add_argument("--language", action="append", help="keep only these languages (repeatable)")
    p.add_argument(
        "--engine",
        choices=MODES,
        default="auto",
        help="encoder: auto (default) = the fastest engine proven to give the tokenizer's own ids "
        "(a 1%% sample is re-checked at run time; any difference falls back), reference = the "
        "tokenizer's own library, or force one engine",
    )
    p.set_defaults(func=cmd_compare)
