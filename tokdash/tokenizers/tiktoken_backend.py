"""tiktoken encodings (OpenAI, Mistral Tekken, user `.tiktoken` rank files) behind `Tokenizer`."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import tiktoken

from tokdash.errors import EncodeError, TokenizerLoadError
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo, encode_threads


@dataclass(frozen=True)
class EncodingParts:
    """What a `tiktoken.Encoding` is built from: its split regex, byte ranks and special tokens
    (read-only views of the encoding's own tables: copy before changing them)."""

    pattern: str
    ranks: Mapping[bytes, int]
    special_tokens: Mapping[str, int]


def encoding_parts(encoding: tiktoken.Encoding) -> EncodingParts:
    """The parts of ``encoding``. tiktoken keeps them in private attributes; this is the one
    place tokdash reads them."""
    return EncodingParts(
        pattern=encoding._pat_str,
        ranks=encoding._mergeable_ranks,
        special_tokens=encoding._special_tokens,
    )


#: Below this mean text length a batch is encoded in one loop rather than tiktoken's pool.
_THREADED_CHARS_PER_TEXT = 512


class TiktokenTokenizer(Tokenizer):
    """A `tiktoken.Encoding`; ``encode`` is ``encode_ordinary`` (special tokens never injected)."""

    def __init__(self, encoding: tiktoken.Encoding, info: TokenizerInfo) -> None:
        self._enc = encoding
        self.info = info
        specials = encoding_parts(encoding).special_tokens
        self._special_names = {i: name for name, i in specials.items()}
        self._special = frozenset(self._special_names)

    @property
    def encoding(self) -> tiktoken.Encoding:
        """The wrapped encoding."""
        return self._enc

    @property
    def vocab_size(self) -> int:
        return self._enc.n_vocab

    @property
    def special_ids(self) -> frozenset[int]:
        return self._special

    def _guarded(self, fn, *args, **kwargs):
        """Call tiktoken; its Rust panics (a BaseException) become an `EncodeError`."""
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            raise EncodeError(
                f"{self.id}: tiktoken's encoder crashed on this text ({str(exc)[:120]}). "
                "It happens on very long runs of spaces or tabs (about 100,000 or more in a "
                "row) with o200k-style patterns: shorten or remove that run."
            ) from None

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        # tiktoken encodings have no BOS/EOS convention: nothing to add.
        return self._guarded(self._enc.encode_ordinary, text)

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> list[list[int]]:
        texts = list(texts)
        threads = encode_threads()
        if threads == 1 or sum(map(len, texts)) < _THREADED_CHARS_PER_TEXT * len(texts):
            # short texts (a vocabulary audit: 200k of them): tiktoken's pool costs ~10 us a
            # text in thread hand-offs, more than encoding it; one loop is 5-10x faster
            encode = self._enc.encode_ordinary
            return self._guarded(lambda batch: [encode(t) for t in batch], texts)
        return self._guarded(self._enc.encode_ordinary_batch, texts, num_threads=threads)

    def count_batch(self, texts: Sequence[str]) -> np.ndarray:
        return np.fromiter((len(x) for x in self.encode_batch(texts)), dtype=np.int64)

    def decode(self, ids: Sequence[int]) -> str:
        return self._enc.decode(list(ids), errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        if token_id in self._special:
            return b""
        try:
            return self._enc.decode_single_token_bytes(token_id)
        except KeyError:
            return b""  # an unused id (cl100k has gaps below its special tokens)

    def id_to_piece(self, token_id: int) -> str:
        if token_id in self._special_names:
            return self._special_names[token_id]
        return super().id_to_piece(token_id)


def load_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    """Read a ``.tiktoken`` rank file (``base64 rank`` per line; ``.gz`` allowed)."""
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            raw = gzip.decompress(raw)
        ranks: dict[bytes, int] = {}
        for line in raw.splitlines():
            if not line.strip():
                continue
            tok, rank = line.split()
            ranks[base64.b64decode(tok, validate=True)] = int(rank)
    except (OSError, ValueError) as exc:
        raise TokenizerLoadError(
            f"{path.name}: not a tiktoken rank file (expected 'base64 rank' lines): {exc}"
        ) from exc
    if not ranks:
        raise TokenizerLoadError(f"{path.name}: the tiktoken rank file is empty.")
    return ranks


def tokenizer_from_ranks(
    ranks: dict[bytes, int],
    pattern: str,
    info: TokenizerInfo,
    special_tokens: dict[str, int] | None = None,
) -> TiktokenTokenizer:
    """Build an encoding from mergeable ranks and a pre-tokenization pattern."""
    try:
        enc = tiktoken.Encoding(
            name=info.id,
            pat_str=pattern,
            mergeable_ranks=ranks,
            special_tokens=special_tokens or {},
        )
    except Exception as exc:  # tiktoken raises ValueError/pyo3 errors for bad patterns
        raise TokenizerLoadError(f"{info.name}: cannot build a tiktoken encoding: {exc}") from exc
    return TiktokenTokenizer(enc, info)


def load_tekken(path: Path, info: TokenizerInfo) -> TiktokenTokenizer:
    """Mistral's Tekken JSON: base64 token bytes with ranks, its own regex, specials first.

    Ids are ranks shifted by ``config.default_num_special_tokens`` (Tekken puts its special
    tokens at 0..N-1); the vocabulary is cut at ``config.default_vocab_size``, as mistral-common
    does.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cfg = data["config"]
        n_special = int(cfg["default_num_special_tokens"])
        n_inner = int(cfg["default_vocab_size"]) - n_special
        ranks = {
            base64.b64decode(t["token_bytes"]): n_special + int(t["rank"])
            for t in data["vocab"][:n_inner]
        }
        pattern = cfg["pattern"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TokenizerLoadError(f"{path.name}: not a Tekken tokenizer file: {exc}") from exc
    named = {0: "<unk>", 1: "<s>", 2: "</s>"}
    specials = {named.get(i, f"<SPECIAL_{i}>"): i for i in range(n_special)}
    return tokenizer_from_ranks(ranks, pattern, replace(info, pattern=pattern), specials)
