"""``python -m tokdash tokenizers`` (the catalog) and ``fetch`` (every vocabulary, once)."""

from __future__ import annotations

import argparse
import json
import sys

from tokdash.cli.common import progress


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
    from tokdash.tokenizers.catalog import ENTRIES
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


def register(sub) -> None:
    """Add ``tokenizers`` and ``fetch``."""
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
