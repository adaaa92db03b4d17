"""llama.cpp vocab-only GGUF files rebuilt as exact SentencePiece models or HF tokenizer.json.

A GGUF holds the vocabulary (tokens, scores, token types, merges) and a pre-tokenizer name,
but not the tokenizer's program. This module reads the metadata and writes the program back:
``tokenizer.ggml.model == "llama"`` becomes a SentencePiece BPE ModelProto, ``"gpt2"`` a
byte-level BPE tokenizer.json with the pre-tokenizer named by ``tokenizer.ggml.pre``, ``"bert"``
a WordPiece tokenizer.json. Each is checked against llama.cpp's reference strings
(``ggml-vocab-*.gguf.inp`` / ``.out``, ids from the original Hugging Face tokenizer).

Reading lives in `tokdash.tokenizers.gguf_read`, the tokenizer.json builders in
`tokdash.tokenizers.gguf_hf`; this module rebuilds SentencePiece models and gathers the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gguf.constants import TokenType

from tokdash.errors import TokenizerLoadError
from tokdash.tokenizers.gguf_hf import SUPPORTED_PRE, hf_json_from_gguf
from tokdash.tokenizers.gguf_read import (
    TOKEN_TYPES,
    GGUFVocab,
    gguf_kind,
    read_metadata,
    read_vocab,
    reference_cases,
)

__all__ = [
    "SUPPORTED_PRE",
    "GGUFVocab",
    "gguf_kind",
    "hf_json_from_gguf",
    "read_metadata",
    "read_vocab",
    "reference_cases",
    "spm_model_from_gguf",
]

# --- SentencePiece ------------------------------------------------------------------------------


def _spm_pb2() -> Any:
    """SentencePiece's ModelProto module (shipped by sentencepiece >= 0.1.99, or transformers)."""
    try:
        from sentencepiece import sentencepiece_model_pb2 as pb2
    except ImportError:
        try:
            from transformers.utils import sentencepiece_model_pb2_new as pb2
        except ImportError as exc:
            raise TokenizerLoadError(
                "Rebuilding a SentencePiece model needs sentencepiece >= 0.1.99 "
                "(pip install -U sentencepiece)."
            ) from exc
    return pb2


def spm_model_from_gguf(path: str | Path, *, keep_padding: bool = False) -> bytes:
    """A serialized SentencePiece BPE ModelProto rebuilt from a ``llama`` GGUF vocabulary.

    Pieces, scores and types come from the GGUF (byte fallback, identity normalizer, a dummy
    prefix and kept whitespace, as Llama 2 / Phi-3 / Mistral v1 use). llama.cpp's trailing
    ``[PAD<id>]`` fillers are dropped unless ``keep_padding``.
    """
    vocab = read_vocab(path, keep_padding=keep_padding)
    if vocab.model != "llama":
        raise TokenizerLoadError(
            f"{vocab.name}: a {vocab.model!r} vocabulary, not a SentencePiece one; convert it with "
            "hf_json_from_gguf."
        )
    unk = vocab.token_id("unknown")
    if unk is None:
        unk = next((i for i, t in enumerate(vocab.types) if t == TokenType.UNKNOWN), None)
    if unk is None:
        raise TokenizerLoadError(f"{vocab.name}: no unknown token, which SentencePiece needs.")
    types = list(vocab.types)
    for i, t in enumerate(types):
        # SentencePiece wants exactly one UNKNOWN piece; converters mark padding as UNKNOWN too.
        if t == TokenType.UNKNOWN and i != unk:
            types[i] = int(TokenType.UNUSED)
        elif t not in TOKEN_TYPES:
            types[i] = int(TokenType.NORMAL)
    types[unk] = int(TokenType.UNKNOWN)
    byte_pieces = {f"<0x{b:02X}>" for b in range(256)}
    byte_fallback = sum(t == TokenType.BYTE for t in types) == 256 and all(
        tok in byte_pieces
        for tok, t in zip(vocab.tokens, types, strict=True)
        if t == TokenType.BYTE
    )

    pb2 = _spm_pb2()
    proto = pb2.ModelProto()
    assert vocab.scores is not None
    for tok, score, typ in zip(vocab.tokens, vocab.scores, types, strict=True):
        piece = proto.pieces.add()
        piece.piece = tok
        piece.score = score
        piece.type = typ

    spec = proto.trainer_spec
    spec.model_type = pb2.TrainerSpec.BPE
    spec.vocab_size = len(vocab.tokens)
    spec.byte_fallback = byte_fallback
    spec.split_digits = True
    spec.allow_whitespace_only_pieces = True
    spec.unk_id, spec.unk_piece = unk, vocab.tokens[unk]
    for key, id_field, piece_field in (
        ("bos", "bos_id", "bos_piece"),
        ("eos", "eos_id", "eos_piece"),
    ):
        tid = vocab.token_id(key)
        if tid is not None and tid != unk:
            setattr(spec, id_field, tid)
            setattr(spec, piece_field, vocab.tokens[tid])
        else:
            setattr(spec, id_field, -1)
    spec.pad_id = -1

    norm = proto.normalizer_spec
    norm.name = "identity"
    norm.precompiled_charsmap = b""
    norm.add_dummy_prefix = vocab.flag("add_space_prefix", True)
    norm.remove_extra_whitespaces = vocab.flag("remove_extra_whitespaces", False)
    norm.escape_whitespaces = True
    data = proto.SerializeToString()
    _check_spm(data, vocab.name)
    return data


def _check_spm(data: bytes, name: str) -> None:
    import sentencepiece as spm

    try:
        spm.SentencePieceProcessor(model_proto=data)
    except Exception as exc:  # the C++ side raises RuntimeError/OSError with its own message
        raise TokenizerLoadError(f"{name}: SentencePiece rejects the rebuilt model: {exc}") from exc
