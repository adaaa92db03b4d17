"""``python -m tokdash`` / ``tokdash``: the dashboard's comparisons, headless.

Each subcommand lives in its own module of this package with ``register(subparsers)``; this
module only assembles the parser and turns library errors into one line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tokdash.cli import catalog, code, compare, encode, paper, report, speed, swap, train
from tokdash.errors import TokdashError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = (catalog, encode, compare, report, train, speed, swap, paper, code)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every subcommand documents its options in --help)."""
    parser = argparse.ArgumentParser(
        prog="tokdash",
        description="Compare, train and plan tokenizers for code LLMs, headless.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


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
