"""What every subcommand shares: the --corpus/--tokenizer options, progress lines, CSV output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tokdash.errors import TokdashError

#: Help of every ``--corpus`` option (one wording for all subcommands).
CORPUS_HELP = (
    "sample corpus name (sample, sample:python, ...), 'stdlib' (the Python standard library's "
    ".py files), or a path: folder, file, .zip or .jsonl"
)
#: Help of every repeatable ``--tokenizer`` option.
TOKENIZER_HELP = "catalog id, tokenizer file/folder or hub:ORG/NAME (repeat for several)"


def int_at_least(low: int, high: int | None = None):
    """An argparse type: an integer in [low, high] (argparse prints the error and exits 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bounds = f"at least {low:,}" if high is None else f"from {low:,} to {high:,}"
            raise argparse.ArgumentTypeError(f"{value:,} is out of range: give a number {bounds}")
        return value

    parse.__name__ = "integer"
    return parse


def float_at_least(low: float, high: float | None = None):
    """An argparse type: a finite number in [low, high]."""
    import math

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            bounds = f"at least {low:g}" if high is None else f"from {low:g} to {high:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: give a number {bounds}")
        return value

    parse.__name__ = "number"
    return parse


def check_output_files(args: argparse.Namespace, *options: str) -> None:
    """The CSV files ``options`` name (attribute names; '-' is stdout), checked before the
    command's work: a folder, a missing or unwritable place would otherwise fail at the end."""
    from tokdash.paths import writable_file

    for option in options:
        value = getattr(args, option, None)
        if value and value != "-":
            writable_file(value, f"--{option.replace('_', '-')}")


def add_corpus_argument(p: argparse.ArgumentParser, *, required: bool = True, **kwargs) -> None:
    """``--corpus/-c`` with the shared help (``help_extra`` appends a sentence)."""
    extra = kwargs.pop("help_extra", "")
    p.add_argument("--corpus", "-c", required=required, help=CORPUS_HELP + extra, **kwargs)


def progress(msg: str) -> None:
    """A progress line on stderr (stdout stays clean for CSV)."""
    print(msg, file=sys.stderr, flush=True)


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
