"""``python -m tokdash``: the dashboard's comparisons, headless."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tokdash.errors import TokdashError

# Modules that add subcommands: each has ``register(subparsers)`` and keeps its own options.
COMMAND_MODULES: tuple[str, ...] = (
    "tokdash.cli_speed",
    "tokdash.cli_paper",
    "tokdash.cli_swap",
    "tokdash.cli_train",
)


#: Help of every ``--corpus`` option (one wording for all subcommands).
CORPUS_HELP = (
    "sample corpus name (sample, sample:python, ...), 'stdlib' (the Python standard library's "
    ".py files), or a path: folder, file, .zip or .jsonl"
)
#: Help of every repeatable ``--tokenizer`` option.
TOKENIZER_HELP = "catalog id, tokenizer file/folder or hub:ORG/NAME (repeat for several)"


def add_corpus_argument(p: argparse.ArgumentParser, *, required: bool = True, **kwargs) -> None:
    """``--corpus/-c`` with the shared help (``help_extra`` appends a sentence)."""
    extra = kwargs.pop("help_extra", "")
    p.add_argument("--corpus", "-c", required=required, help=CORPUS_HELP + extra, **kwargs)


def progress(msg: str) -> None:
    """A progress line on stderr (stdout stays clean for CSV)."""
    print(msg, file=sys.stderr, flush=True)


def cmd_tokenizers(args: argparse.Namespace) -> int:
    """List the catalog with availability and source."""
    from tokdash.tokenizers.registry import catalog_rows

    rows = catalog_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["id"]) for r in rows)
    print(f"{'id':<{width}}  {'vocab':>7}  {'available':<9}  source")
    for r in rows:
        flag = "yes" if r["available"] else "no"
        print(f"{r['id']:<{width}}  {r['vocab_size']:>7}  {flag:<9}  {r['source']}")
    missing = [r for r in rows if not r["available"]]
    if missing:
        print(f"\n{len(missing)} not cached yet: run `python -m tokdash fetch` once.")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch, convert and verify every catalog vocabulary (once; cached)."""
    from tokdash.catalog import ENTRIES
    from tokdash.tokenizers.registry import fetch_all, is_cached

    if args.if_needed and all(is_cached(e) for e in ENTRIES if e.format != "paper"):
        if not args.quiet:
            print("all catalog vocabularies are cached")
        return 0
    results = fetch_all(progress=None if args.quiet else progress)
    bad = {k: v for k, v in results.items() if v != "ok"}
    for k, v in results.items():
        print(f"{k}: {v}")
    if bad:
        print(f"{len(bad)} of {len(results)} tokenizers unavailable.", file=sys.stderr)
        return 1 if args.strict else 0
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    """Print the ids of a text as a JSON list."""
    from tokdash.tokenizers import get_tokenizer

    if args.file is not None:
        try:
            text = Path(args.file).read_bytes().decode("utf-8")
        except OSError as exc:
            raise TokdashError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise TokdashError(
                f"{args.file} is not UTF-8 text (invalid byte at offset {exc.start})"
            ) from exc
    elif args.text is not None:
        text = args.text
    else:
        raise TokdashError("give a TEXT argument or --file PATH")
    tok = get_tokenizer(args.tokenizer, progress=progress)
    ids = tok.encode(text, add_special_tokens=args.special)
    if args.pieces:
        out = [
            {"id": i, "bytes": tok.token_bytes(i).decode("utf-8", "backslashreplace")} for i in ids
        ]
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(json.dumps(ids))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compression and vocabulary numbers of tokenizers on a corpus, as CSV."""
    from tokdash.compare import run_comparison, vocab_table
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
    cmp = run_comparison(toks, corpus.documents, base, progress=lambda msg, _f: progress(msg))
    table = cmp.table(alpha=args.alpha)
    write_csv(table, args.out)
    if args.per_document:
        write_csv(cmp.per_document(), args.per_document)
    if args.vocab:
        write_csv(vocab_table(cmp, toks), args.vocab)
    if args.out != "-":
        print(table.to_string(index=False, max_rows=60))
    return 0


def write_csv(df, path: str) -> None:
    """Write ``df`` as CSV to ``path`` ('-': stdout); a write failure is a TokdashError."""
    if path == "-":
        sys.stdout.write(df.to_csv(index=False))
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)
    except OSError as exc:
        raise TokdashError(f"cannot write {path}: {exc.strerror or exc}") from exc
    progress(f"wrote {path} ({len(df)} rows)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every subcommand documents its options in --help)."""
    parser = argparse.ArgumentParser(
        prog="python -m tokdash",
        description="Compare, train and plan tokenizers for code LLMs, headless.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("tokenizers", help="list the catalog with availability and source")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_tokenizers)

    p = sub.add_parser(
        "fetch", help="fetch, convert and verify every catalog vocabulary once (cached)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.add_argument("--strict", action="store_true", help="exit 1 if any entry is unavailable")
    p.add_argument(
        "--if-needed", action="store_true", help="do nothing when every entry is already cached"
    )
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("encode", help="print the token ids of a text as a JSON list")
    p.add_argument(
        "--tokenizer",
        "-t",
        required=True,
        help="catalog id (see `tokenizers`), a tokenizer file/folder, or hub:ORG/NAME",
    )
    p.add_argument("text", nargs="?", help="the text to encode")
    p.add_argument("--file", help="encode this UTF-8 file's text instead")
    p.add_argument(
        "--special", action="store_true", help="add the tokenizer's special tokens (BOS/EOS)"
    )
    p.add_argument("--pieces", action="store_true", help="print each token's bytes with its id")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser(
        "compare",
        help="compression and vocabulary numbers of tokenizers on a corpus, as CSV",
        description="One row per tokenizer x language plus an ALL row per tokenizer, with "
        "columns: " + ", ".join(_compare_columns()) + ". Ratios are total over total.",
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
    p.set_defaults(func=cmd_compare)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _compare_columns() -> list[str]:
    from tokdash.compare import COMPARE_COLUMNS

    return COMPARE_COLUMNS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; library errors become one line on stderr and exit status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TokdashError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
