"""``python -m tokdash encode``: the ids (or pieces) of one text."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tokdash.cli.common import progress
from tokdash.errors import TokdashError


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


def register(sub) -> None:
    """Add ``encode``."""
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
