"""Where an engine's ids first leave the reference's, told so a person can see the construct."""

from __future__ import annotations

import numpy as np

from tokdash.corpus import Document
from tokdash.tokenizers.base import Tokenizer

_CONTEXT_BYTES, _RUN = 24, 6  # excerpt bytes on each side, ids shown per run


def _piece(tok: Tokenizer, token_id: int) -> str:
    """The token's text, escaped; long ones cut (``'    '+124B``)."""
    try:
        data = tok.token_bytes(int(token_id))
    except Exception:
        return "?"
    text = ascii(data[:12].decode("utf-8", "backslashreplace"))
    return text if len(data) <= 12 else f"{text}+{len(data) - 12}B"


def _run(tok: Tokenizer, ids: np.ndarray, pos: int) -> str:
    part = ids[max(0, pos - 2) : pos + _RUN]
    return "[" + ", ".join(f"{int(i)}:{_piece(tok, i)}" for i in part) + "]"


def describe_difference(
    tok: Tokenizer, doc: Document, ref: np.ndarray, got: np.ndarray, engine: str
) -> str:
    """Where ``got`` first leaves ``ref`` in ``doc``: token position, byte offset, an escaped
    excerpt of the text around it and both id runs (``id:'piece'``)."""
    n = min(len(ref), len(got))
    diff = np.flatnonzero(ref[:n] != got[:n])
    pos = int(diff[0]) if len(diff) else n
    data = doc.text.encode("utf-8")
    try:
        spans = tok.encode_with_spans(doc.text)[1]
        offset = spans[pos][0] if pos < len(spans) else len(data)
    except Exception:  # no spans for this backend: count the reference pieces' bytes
        offset = sum(len(tok.token_bytes(int(i))) for i in ref[:pos])
    offset = min(offset, len(data))
    lo, hi = max(0, offset - _CONTEXT_BYTES), offset + _CONTEXT_BYTES
    excerpt = ascii(data[lo:hi].decode("utf-8", "replace"))
    return (
        f"{doc.source} @ token {pos} (byte {offset}): text {excerpt}; "
        f"reference {_run(tok, ref, pos)}; {engine} {_run(tok, got, pos)}"
    )
