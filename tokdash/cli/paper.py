"""``python -m tokdash paper-check``: the paper's findings measured on a corpus, as CSV."""

from __future__ import annotations

import argparse

from tokdash.cli.common import add_corpus_argument
from tokdash.errors import TokdashError, TokenizerUnavailableError


def load_check_tokenizers(progress) -> tuple[list, list[str]]:
    """The check's tokenizers that load (the base first) and one message per one that does not.

    A paper tokenizer missing locally is downloaded once when online; after the first failed
    download the others are not tried (offline).
    """
    from tokdash.paper import replication
    from tokdash.tokenizers import get_tokenizer
    from tokdash.tokenizers.catalog import CATALOG, PAPER_BASE
    from tokdash.tokenizers.registry import is_cached

    toks, skipped = [], []
    offline = False
    for tid in replication.check_tokenizer_ids():
        if offline and not is_cached(CATALOG[tid]):
            skipped.append(f"{tid}: not here (offline)")
            continue
        try:
            toks.append(get_tokenizer(tid, progress=progress))
        except TokenizerUnavailableError as exc:
            if tid == PAPER_BASE:
                raise
            offline = offline or CATALOG[tid].format == "paper"
            skipped.append(str(exc))
        except TokdashError as exc:
            if tid == PAPER_BASE:
                raise
            skipped.append(str(exc))
    return toks, skipped


def cmd_paper_check(args: argparse.Namespace) -> int:
    """Encode the corpus with Llama 2, cl100k_base and the paper's tokenizers; write findings."""
    from tokdash.cli.common import check_output_files, progress, write_csv
    from tokdash.corpus import resolve_corpus
    from tokdash.paper import replication

    check_output_files(args, "out", "points")
    corpus = resolve_corpus(args.corpus)
    toks, skipped = load_check_tokenizers(progress)
    for msg in skipped:
        progress(f"skipped {msg}")
    progress(
        f"corpus {corpus.name}: {len(corpus.documents)} documents, {corpus.n_bytes:,} bytes, "
        f"languages {', '.join(corpus.languages)}"
    )
    english = None
    if replication.ENGLISH not in corpus.languages and args.english:
        english = resolve_corpus(args.english).filter(replication.ENGLISH)
        if not english.documents:
            raise TokdashError(f"--english {args.english}: no English document in it")
        progress(f"English reference for finding 3: {english.name}")
    findings, points, _ = replication.run_check(
        toks,
        corpus.documents,
        corpus.languages,
        args.averaging,
        english_documents=english.documents if english is not None else None,
        progress=lambda m, _f: progress(m),
    )
    write_csv(findings, args.out)
    if args.points:
        write_csv(points, args.points)
    if args.out != "-":
        for row in findings.itertuples():
            print(f"{row.finding}. [{row.holds}] {row.claim}\n   measured: {row.measured}")
            print(f"   paper:    {row.paper}")
        print(f"NSL averaging: {replication.AVERAGING[args.averaging]}")
    return 0


def register(sub) -> None:
    """Add ``paper-check`` to the CLI's subcommands."""
    from tokdash.paper import replication

    p = sub.add_parser(
        "paper-check",
        help="the paper's findings measured on a corpus, next to the paper's figures, as CSV",
        description="Encodes the corpus with Llama 2 (the base), cl100k_base and the paper's ten "
        "tokenizers (from $TOKDASH_PAPER_DIR, or downloaded once from "
        "github.com/gautierdag/tokenizer-bench when online) and writes one row per finding: "
        + ", ".join(replication.FINDING_COLUMNS)
        + ". Tokenizers that are not available are skipped; their findings say n/a.",
    )
    add_corpus_argument(p)
    p.add_argument("--out", "-o", default="-", help="CSV path for the findings ('-': stdout)")
    p.add_argument(
        "--averaging",
        choices=list(replication.AVERAGING),
        default="total",
        help="NSL per category: 'total' = total over total (default); 'paper' = the authors' "
        "way (NSL per language, mean within code / English)",
    )
    p.add_argument(
        "--english",
        default=replication.ENGLISH_REFERENCE,
        help="English reference corpus for finding 3 when the corpus has no English document "
        "(default: sample:english; '' for none)",
    )
    p.add_argument("--points", metavar="CSV", help="also write the measured NSL per tokenizer")
    p.set_defaults(func=cmd_paper_check)
