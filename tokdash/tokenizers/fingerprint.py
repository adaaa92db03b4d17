"""A content digest of a loaded tokenizer: equal digests mean the same encoding rules.

Caches key user tokenizers (uploads, trained ones) on this digest, never on a name, a path or an
object id: a different file under the same name gets a different key, the same file uploaded twice
the same key.
"""

from __future__ import annotations

import hashlib

from tokdash.tokenizers.base import Tokenizer, memo


def _exact_serialization(tok: Tokenizer) -> bytes | None:
    """The backend's own complete serialization, when it has one (HF json, SentencePiece proto)."""
    from tokdash.tokenizers.hf_backend import HFTokenizer
    from tokdash.tokenizers.spm_backend import SentencePieceTokenizer

    if isinstance(tok, HFTokenizer):
        return tok.raw.to_str().encode("utf-8")
    if isinstance(tok, SentencePieceTokenizer):
        return bytes(tok.processor.serialized_model_proto())
    return None


def fingerprint(tok: Tokenizer) -> str:
    """sha256 (hex) of what decides ``tok``'s ids (computed once per loaded tokenizer).

    HF tokenizers hash their whole ``tokenizer.json`` (normalizer, pre-tokenizer, merges, added
    tokens), SentencePiece models their serialized proto. Other backends (tiktoken and Tekken rank
    files) hash the bytes of every id in id order (for tiktoken BPE the rank *is* the id, so this
    is the merge order), the pre-tokenization pattern and the special ids.
    """
    return memo(tok, "fingerprint", lambda: _fingerprint(tok))


def _fingerprint(tok: Tokenizer) -> str:
    h = hashlib.sha256()
    h.update(type(tok).__name__.encode() + b"\0")
    exact = _exact_serialization(tok)
    if exact is not None:
        h.update(exact)
        return h.hexdigest()
    h.update(str(tok.vocab_size).encode() + b"\0")
    h.update((tok.pattern or "").encode("utf-8") + b"\0")
    h.update(",".join(map(str, sorted(tok.special_ids))).encode() + b"\0")
    for i in range(tok.vocab_size):
        try:
            piece = tok.token_bytes(i)
        except Exception:  # an id without bytes (a hole in the vocabulary)
            piece = b""
        h.update(len(piece).to_bytes(4, "little") + piece)
    return h.hexdigest()
