"""``python -m tokdash code-metrics`` and ``audit``: tokens against the code's lexemes, and an
audit of every id of a vocabulary, as CSV."""

from __future__ import annotations

import argparse

from tokdash.cli.common import (
    TOKENIZER_HELP,
    add_corpus_argument,
    check_output_files,
    int_at_least,
    progress,
    write_csv,
)


def _corpus(spec: str, languages: list[str] | None):
    from tokdash.corpus import resolve_corpus

    corpus = resolve_corpus(spec)
    if languages:
        corpus = corpus.filter(languages)
    progress(
        f"corpus {corpus.name}: {len(corpus.documents)} documents, {corpus.n_bytes:,} bytes, "
        f"languages {', '.join(corpus.languages)}"
    )
    return corpus


def cmd_code_metrics(args: argparse.Namespace) -> int:
    """Code-structure metrics of tokenizers on a corpus, as CSV."""
    from tokdash.analysis.code_compare import code_counts, code_table, parse_corpus, worst_table
    from tokdash.tokenizers import get_tokenizer

    check_output_files(args, "out", "worst")
    toks = [get_tokenizer(t, progress=progress) for t in dict.fromkeys(args.tokenizer)]
    corpus = _corpus(args.corpus, args.language)
    parsed = parse_corpus(corpus.documents)
    progress(f"parsed {len(parsed.documents)} documents in {parsed.seconds:.2f} s")
    for lang, n in sorted(parsed.no_grammar.items()):
        progress(f"not measured: {n} {lang} document(s) (no tree-sitter grammar for {lang})")
    for skip in parsed.skipped[:5]:
        progress(f"skipped {skip.reason}")
    results = {tok.id: code_counts(tok, parsed) for tok in toks}
    table = code_table(results)
    write_csv(table, args.out)
    if args.worst:
        write_csv(worst_table(results, top=args.top), args.worst)
    if args.out != "-":
        shown = ["tokenizer", "language", "tokens", "lexemes", "lexeme_integrity"]
        shown += ["identifier_integrity", "boundary_alignment", "crossing_rate"]
        print(table[[*shown, "identifier_tokens_mean"]].to_string(index=False, max_rows=60))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Every id of each tokenizer: special, partial_utf8, ok or unreachable, as CSV."""
    import pandas as pd

    from tokdash.analysis.vocab_audit import audit_summary, audit_table, audit_vocabulary
    from tokdash.tokenizers import get_tokenizer

    check_output_files(args, "out", "summary")
    toks = [get_tokenizer(t, progress=progress) for t in dict.fromkeys(args.tokenizer)]
    corpus = _corpus(args.corpus, None) if args.corpus else None
    pairs = []
    tables = []
    for tok in toks:
        progress(f"auditing {tok.id} ({tok.vocab_size:,} ids)")
        counts = None
        if corpus is not None:
            from tokdash.analysis.encode import encode_corpus

            counts = encode_corpus(tok, corpus.documents).tokenizers[tok.id].counts()
        audit = audit_vocabulary(tok)
        tables.append(audit_table(tok, audit, counts))
        pairs.append((audit, counts))
    write_csv(pd.concat(tables, ignore_index=True), args.out)
    summary = audit_summary(pairs)
    if args.summary:
        write_csv(summary, args.summary)
    if args.out != "-":
        print(summary.to_string(index=False))
    return 0


def register(sub) -> None:
    """Add ``code-metrics`` and ``audit``."""
    p = sub.add_parser(
        "code-metrics",
        help="how tokens line up with the code's lexemes (tree-sitter), as CSV",
        description="One row per tokenizer x language plus an ALL row per tokenizer: "
        "lexeme_integrity (code lexemes no token boundary cuts), identifier_integrity, "
        "boundary_alignment (boundaries outside comments/strings that cut no lexeme), "
        "crossing_rate (tokens spanning 2+ parse-tree leaves), identifier_tokens_mean, "
        "indentation, digit groups, partial-UTF-8 tokens; totals over totals. Languages "
        "without a grammar are listed and left out.",
    )
    p.add_argument("--tokenizer", "-t", action="append", required=True, help=TOKENIZER_HELP)
    add_corpus_argument(p)
    p.add_argument("--out", "-o", default="-", help="CSV path for the table ('-': stdout)")
    p.add_argument("--language", action="append", help="keep only these languages (repeatable)")
    p.add_argument("--worst", metavar="CSV", help="also write the most fragmented identifiers")
    p.add_argument(
        "--top", type=int_at_least(1), default=10, help="identifiers per tokenizer in --worst"
    )
    p.set_defaults(func=cmd_code_metrics)

    a = sub.add_parser(
        "audit",
        help="audit every id of a vocabulary: special, partial_utf8, ok or unreachable",
        description="One row per tokenizer x id with columns tokenizer, id, category, "
        "bytes_hex, piece, note (+ corpus_count, never_seen with --corpus). ok = encoding "
        "the token's own text gives exactly that id; unreachable = it gives something else "
        "(SentencePiece's dummy prefix is turned off for the check).",
    )
    a.add_argument("--tokenizer", "-t", action="append", required=True, help=TOKENIZER_HELP)
    add_corpus_argument(a, required=False, help_extra="; adds never_seen")
    a.add_argument("--out", "-o", default="-", help="CSV path for the table ('-': stdout)")
    a.add_argument("--summary", metavar="CSV", help="also write counts per category")
    a.set_defaults(func=cmd_audit)
