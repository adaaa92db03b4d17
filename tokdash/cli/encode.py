"""``python -m tokdash encode``: the ids (or pieces) of one text."""

from __future__ import annotations

import argparse
import json

from tokdash.cli.common import progress
from tokdash.errors import TokdashError


def _read_file(name: str) -> str:
    """The UTF-8 text of file ``name``, refused beyond the corpus document bound (an endless
    file such as /dev/zero is read only up to it)."""
    from tokdash.corpus.units import MAX_DOCUMENT_BYTES
    from tokdash.paths import user_path

    path = user_path(name, "--file")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise TokdashError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TokdashError(
            f"{name} holds more than {MAX_DOCUMENT_BYTES // 1_000_000} MB; encode reads at most "
            "that much: cut the file, or count a large corpus with `compare`"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TokdashError(
            f"{name} is not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None


def _check_text(text: str) -> str:
    """``text`` as given on the command line; bytes that are not UTF-8 (Python keeps them as
    lone surrogates) are refused."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        offset = len(text[: exc.start].encode("utf-8", "surrogateescape"))
        raise TokdashError(
            f"TEXT is not valid UTF-8 (invalid byte at offset {offset}): give UTF-8 text, or "
            "convert it to UTF-8 in a file (e.g. with iconv) and pass that with --file"
        ) from None
    return text


def cmd_encode(args: argparse.Namespace) -> int:
    """Print the ids of a text as a JSON list."""
    from tokdash.tokenizers import get_tokenizer

    if args.file is not None and args.text is not None:
        raise TokdashError("give a TEXT argument or --file PATH, not both")
    if args.file is not None:
        text = _read_file(args.file)
    elif args.text is not None:
        text = _check_text(args.text)
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
