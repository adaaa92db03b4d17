"""SentencePiece ``.model`` files behind `Tokenizer`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sentencepiece as spm

from tokdash.errors import TokenizerLoadError
from tokdash.tokenizers.base import Span, Tokenizer, TokenizerInfo, encode_threads


class SentencePieceTokenizer(Tokenizer):
    """A `SentencePieceProcessor`; BOS only when ``add_special_tokens``."""

    def __init__(self, sp: spm.SentencePieceProcessor, info: TokenizerInfo) -> None:
        self._sp = sp
        self.info = info
        n = sp.get_piece_size()
        self._special = frozenset(
            i for i in range(n) if sp.is_control(i) or sp.is_unknown(i) or sp.is_unused(i)
        )
        self._anchor = self._denormalizing_anchor()
        self._bytes = [self._piece_bytes(i) for i in range(n)]

    @property
    def processor(self) -> spm.SentencePieceProcessor:
        """The wrapped processor (do not mutate)."""
        return self._sp

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    @property
    def special_ids(self) -> frozenset[int]:
        return self._special

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        return self._sp.encode(text, add_bos=add_special_tokens and self._sp.bos_id() >= 0)

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> list[list[int]]:
        add_bos = add_special_tokens and self._sp.bos_id() >= 0
        return self._sp.encode(list(texts), add_bos=add_bos, num_threads=encode_threads())

    def count_batch(self, texts: Sequence[str]) -> np.ndarray:
        return np.fromiter((len(x) for x in self.encode_batch(texts)), dtype=np.int64)

    def decode(self, ids: Sequence[int]) -> str:
        return self._sp.decode(list(ids))

    def id_to_piece(self, token_id: int) -> str:
        return self._sp.id_to_piece(token_id)

    def _denormalizing_anchor(self) -> int | None:
        """For a model with a denormalizer (e.g. a rule writing tab as "<TAB>"), a plain piece
        to decode each piece after, so the piece's text comes out as it appears in the input."""
        from sentencepiece import sentencepiece_model_pb2 as pb

        proto = pb.ModelProto()
        proto.ParseFromString(self._sp.serialized_model_proto())
        if not proto.denormalizer_spec.precompiled_charsmap:
            return None
        for candidate in ("a", "x", "e"):
            pid = self._sp.piece_to_id(candidate)
            if pid != self._sp.unk_id():
                return pid
        return None

    def _piece_bytes(self, token_id: int) -> bytes:
        sp = self._sp
        if sp.is_control(token_id) or sp.is_unknown(token_id) or sp.is_unused(token_id):
            return b""
        piece = sp.id_to_piece(token_id)
        if sp.is_byte(token_id):
            return bytes([int(piece[3:5], 16)])
        if self._anchor is not None:
            return sp.decode([self._anchor, token_id])[1:].encode("utf-8")
        return piece.replace("\u2581", " ").encode("utf-8")

    def token_bytes(self, token_id: int) -> bytes:
        if 0 <= token_id < len(self._bytes):
            return self._bytes[token_id]
        return b""

    def _fallback_spans(self, text: str, ids: list[int]) -> list[Span]:
        """Spans from SentencePiece's own byte offsets (models with a normalizer)."""
        proto = self._sp.encode(text, return_type="proto")
        return [(p.begin, p.end) for p in proto.pieces]


def load_sentencepiece(path: Path, info: TokenizerInfo) -> SentencePieceTokenizer:
    """Load a SentencePiece model file."""
    return load_sentencepiece_bytes(_read(path), info, label=path.name)


def _library_reason(exc: Exception) -> str:
    """The SentencePiece library's error without its source location and call, e.g.
    ``INTERNAL: src/sentencepiece_processor.cc(109) [model_proto->ParseFromArray(...)]``: the
    bytes do not parse as a model."""
    text = str(exc).strip()
    if "ParseFromArray" in text or text.startswith("INTERNAL"):
        return "its bytes do not parse as a SentencePiece ModelProto"
    return (text.splitlines() or ["unreadable"])[0][:200]


def load_sentencepiece_bytes(
    data: bytes, info: TokenizerInfo, label: str = "model"
) -> SentencePieceTokenizer:
    """Load a serialized SentencePiece ModelProto."""
    sp = spm.SentencePieceProcessor()
    try:
        sp.load_from_serialized_proto(data)
    except Exception as exc:
        raise TokenizerLoadError(
            f"{label}: not a SentencePiece model ({_library_reason(exc)})"
        ) from exc
    if sp.get_piece_size() == 0:
        raise TokenizerLoadError(f"{label}: the SentencePiece model has no pieces.")
    return SentencePieceTokenizer(sp, info)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TokenizerLoadError(f"{path}: cannot read the file: {exc}") from exc
