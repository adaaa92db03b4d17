"""``python -m tokdash`` / ``tokdash``: the dashboard's comparisons, headless.

Each subcommand lives in its own module of this package with ``register(subparsers)``; this
module only assembles the parser and turns library errors into one line and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tokdash.cli import catalog, code, compare, encode, paper, report, speed, swap, train
from tokdash.errors import TokdashError, is_rust_panic, unexpected_message

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
    """Run the CLI; library errors become one line on stderr and exit status 2, a failure no
    check foresaw (a Rust panic included) one line and status 1 (``TOKDASH_DEBUG=1``: the
    traceback instead)."""
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
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        return _unexpected(exc)
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise
        return _unexpected(exc)


def _unexpected(exc: BaseException) -> int:
    if os.environ.get("TOKDASH_DEBUG"):
        raise exc
    print(f"error: {unexpected_message(exc)} (TOKDASH_DEBUG=1 shows where)", file=sys.stderr)
    return 1
