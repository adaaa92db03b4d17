"""HF ``tokenizers`` (tokenizer.json) and transformers folders behind `Tokenizer`."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer as HFRawTokenizer

from tokdash.errors import TokenizerLoadError, is_rust_panic
from tokdash.tokenizers.base import (
    Span,
    Tokenizer,
    TokenizerInfo,
    char_to_byte_offsets,
    check_largest_id,
    rust_panics_as_encode_errors,
)

_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
#: The end of a line that introduces a list ("... from one of:"), dropped from a one-line message.
_DANGLING = re.compile(r"(\s+(from|in|of)?\s*(one of|the following))?\s*:\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's ``bytes_to_unicode`` table (printable stand-ins for raw bytes)."""
    bs = list(range(ord("!"), ord("~") + 1))
    bs += list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


def _kinds(node: object) -> set[str]:
    """Every component ``type`` named anywhere in a tokenizer.json sub-tree."""
    out: set[str] = set()
    if isinstance(node, dict):
        t = node.get("type")
        if isinstance(t, str):
            out.add(t)
        for v in node.values():
            out |= _kinds(v)
    elif isinstance(node, list):
        for v in node:
            out |= _kinds(v)
    return out


def _split_pattern(node: object) -> str | None:
    """The first ``Split`` pre-tokenizer regex in a tokenizer.json sub-tree."""
    if isinstance(node, dict):
        if node.get("type") == "Split" and isinstance(node.get("pattern"), dict):
            return node["pattern"].get("Regex") or node["pattern"].get("String")
        for v in node.values():
            found = _split_pattern(v)
            if found:
                return found
    elif isinstance(node, list):
        for v in node:
            found = _split_pattern(v)
            if found:
                return found
    return None


class HFTokenizer(Tokenizer):
    """A `tokenizers.Tokenizer`; counting uses ``encode_batch_fast`` (no offsets)."""

    def __init__(self, tok: HFRawTokenizer, info: TokenizerInfo) -> None:
        self._tok = tok
        spec = json.loads(tok.to_str())
        model = spec.get("model") or {}
        kinds = _kinds(spec.get("pre_tokenizer")) | _kinds(spec.get("decoder"))
        self._byte_level = "ByteLevel" in kinds
        self._metaspace = bool({"Metaspace", "Replace", "ByteFallback"} & kinds) or bool(
            model.get("byte_fallback")
        )
        self._subword_prefix = model.get("continuing_subword_prefix") or (
            "##" if model.get("type") == "WordPiece" else None
        )
        added = spec.get("added_tokens") or []
        self._special = frozenset(a["id"] for a in added if a.get("special"))
        self._added = {a["id"]: a["content"] for a in added}
        # Sequence lengths are counted, never truncated or padded, and a special token's text
        # inside a document ("<|endoftext|>" in code) is counted as text, as tiktoken does.
        tok.no_truncation()
        tok.no_padding()
        tok.encode_special_tokens = True
        if info.pattern is None:
            pattern = _split_pattern(spec.get("pre_tokenizer"))
            if pattern:
                info = replace(info, pattern=pattern)
        self.info = info
        self._vocab_size = tok.get_vocab_size(with_added_tokens=True)
        largest, n_tokens = _largest_id(model, added)
        check_largest_id(info.name, max(largest, self._vocab_size - 1), n_tokens)

    @property
    def raw(self) -> HFRawTokenizer:
        """The wrapped `tokenizers.Tokenizer` (do not mutate)."""
        return self._tok

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    @property
    def special_ids(self) -> frozenset[int]:
        return self._special

    def _guard(self):
        """Around every call that encodes: HF's Rust panics (its regex engine giving up)
        become an `EncodeError`."""
        return rust_panics_as_encode_errors(self.id, "HF tokenizers")

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        with self._guard():
            return self._tok.encode(text, add_special_tokens=add_special_tokens).ids

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> list[list[int]]:
        with self._guard():
            encs = self._tok.encode_batch_fast(list(texts), add_special_tokens=add_special_tokens)
        return [e.ids for e in encs]

    def count_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._guard():
            encs = self._tok.encode_batch_fast(list(texts), add_special_tokens=False)
        return np.fromiter((len(e.ids) for e in encs), dtype=np.int64)

    def decode(self, ids: Sequence[int]) -> str:
        return self._tok.decode(list(ids), skip_special_tokens=False)

    def id_to_piece(self, token_id: int) -> str:
        piece = self._tok.id_to_token(token_id)
        return piece if piece is not None else f"<unused {token_id}>"

    def token_bytes(self, token_id: int) -> bytes:
        if token_id in self._special:
            return b""
        if token_id in self._added:
            return self._added[token_id].encode("utf-8")
        piece = self._tok.id_to_token(token_id)
        if piece is None:
            return b""
        if self._byte_level:
            table = _byte_decoder()
            try:
                return bytes(table[c] for c in piece)
            except KeyError:
                return piece.encode("utf-8")
        if self._metaspace:
            m = _BYTE_PIECE.match(piece)
            if m:
                return bytes([int(m.group(1), 16)])
            return piece.replace("\u2581", " ").encode("utf-8")
        if self._subword_prefix and piece.startswith(self._subword_prefix):
            piece = piece[len(self._subword_prefix) :]
        return piece.encode("utf-8")

    def _fallback_spans(self, text: str, ids: list[int]) -> list[Span]:
        """Spans from the library's character offsets (normalizing tokenizers, e.g. BERT)."""
        with self._guard():
            enc = self._tok.encode(text, add_special_tokens=False)
        char2byte = char_to_byte_offsets(text)
        spans: list[Span] = []
        for start, end in enc.offsets:
            spans.append((int(char2byte[start]), int(char2byte[end])))
        return spans


def _largest_id(model: dict, added: list) -> tuple[int, int]:
    """The largest id a tokenizer.json names (model vocabulary and added tokens) and how many
    tokens it has."""
    vocab = model.get("vocab")
    ids = [a["id"] for a in added if isinstance(a.get("id"), int)]
    if isinstance(vocab, dict):
        ids += [i for i in vocab.values() if isinstance(i, int)]
    elif isinstance(vocab, list) and vocab:  # Unigram: the ids are the positions
        ids.append(len(vocab) - 1)
    n_tokens = (len(vocab) if isinstance(vocab, (dict, list)) else 0) + len(added)
    return (max(ids) if ids else -1), n_tokens


def _raw_from(load, text: str, label: str) -> HFRawTokenizer:
    """``load(text)``; what the Rust side raises (a bare Exception, or a panic) becomes a
    `TokenizerLoadError`."""
    try:
        return load(text)
    except BaseException as exc:
        if not (isinstance(exc, Exception) or is_rust_panic(exc)):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise TokenizerLoadError(f"{label}: not a valid tokenizer.json: {first}") from None


def load_tokenizer_json(path: Path, info: TokenizerInfo) -> HFTokenizer:
    """Load a ``tokenizer.json`` file."""
    return HFTokenizer(_raw_from(HFRawTokenizer.from_file, str(path), path.name), info)


def load_tokenizer_json_str(data: str, info: TokenizerInfo) -> HFTokenizer:
    """Load a tokenizer.json from its text."""
    return HFTokenizer(_raw_from(HFRawTokenizer.from_str, data, info.name), info)


def load_transformers(name_or_path: str, info: TokenizerInfo) -> Tokenizer:
    """A transformers tokenizer folder or hub id (``trust_remote_code`` is always off)."""
    try:
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=False)
    except Exception as exc:
        raise TokenizerLoadError(
            f"{name_or_path}: transformers could not load a tokenizer here "
            f"({type(exc).__name__}: {_first_meaningful_line(exc)}); check that it holds a "
            "complete tokenizer (tokenizer.json, or tokenizer_config.json with its vocabulary)"
        ) from exc
    backend = getattr(hf, "backend_tokenizer", None)
    if backend is None:
        raise TokenizerLoadError(
            f"{name_or_path}: only 'fast' transformers tokenizers are supported "
            "(the folder has no tokenizer.json and no convertible vocabulary)."
        )
    return HFTokenizer(HFRawTokenizer.from_str(backend.to_str()), info)


def _first_meaningful_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, without the dangling end of a line that introduces
    a list (transformers: "Couldn't instantiate the backend tokenizer from one of:")."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return "no message"
    first = _DANGLING.sub("", lines[0]).strip()
    return (first or lines[0])[:300]
