"""tiktoken encodings (OpenAI, Mistral Tekken, user `.tiktoken` rank files) behind `Tokenizer`."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import tiktoken

from tokdash.errors import TokenizerLoadError, is_rust_panic
from tokdash.tokenizers.base import (
    Tokenizer,
    TokenizerInfo,
    check_largest_id,
    encode_threads,
    rust_panics_as_encode_errors,
)


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
        with rust_panics_as_encode_errors(self.id, "tiktoken"):
            return fn(*args, **kwargs)

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


#: The most bytes a rank file may hold (after decompression): o200k's is 3.6 MB, and one of
#: `MAX_VOCAB_IDS` (4M) short tokens about 60 MB.
MAX_RANK_FILE_BYTES = 100_000_000


def _read_rank_file(path: Path) -> bytes:
    """The rank file's bytes (``.gz`` decompressed), at most `MAX_RANK_FILE_BYTES`."""
    import gzip
    import zlib

    try:
        if path.suffix != ".gz":
            with path.open("rb") as fh:
                raw = fh.read(MAX_RANK_FILE_BYTES + 1)
        else:
            with gzip.open(path, "rb") as fh:
                raw = fh.read(MAX_RANK_FILE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        kind = "a readable gzip file" if path.suffix == ".gz" else "readable"
        raise TokenizerLoadError(
            f"{path.name}: not {kind} ({exc}); give a .tiktoken rank file, or re-download it"
        ) from None
    if len(raw) > MAX_RANK_FILE_BYTES:
        raise TokenizerLoadError(
            f"{path.name}: over {MAX_RANK_FILE_BYTES // 1_000_000} MB of ranks, more than any "
            "real vocabulary: is this a rank file?"
        )
    return raw


def load_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    """Read a ``.tiktoken`` rank file (``base64 rank`` per line; ``.gz`` allowed)."""
    raw = _read_rank_file(path)
    ranks: dict[bytes, int] = {}
    try:
        for line in raw.splitlines():
            if not line.strip():
                continue
            tok, rank = line.split()
            ranks[base64.b64decode(tok, validate=True)] = int(rank)
    except ValueError as exc:
        raise TokenizerLoadError(
            f"{path.name}: not a tiktoken rank file (expected 'base64 rank' lines): {exc}"
        ) from exc
    if not ranks:
        raise TokenizerLoadError(f"{path.name}: the tiktoken rank file is empty.")
    return ranks


def check_ranks(ranks: Mapping[bytes, int], special_tokens: Mapping[str, int], label: str) -> None:
    """`TokenizerLoadError` for a rank table tiktoken would panic on or mis-encode with: a
    negative or repeated id, an absurd largest id, a byte value with no token of its own."""
    ids = [*ranks.values(), *special_tokens.values()]
    if min(ids) < 0:
        raise TokenizerLoadError(f"{label}: rank {min(ids)} is negative; ranks start at 0")
    if len(set(ids)) != len(ids):
        seen: dict[int, str] = {}
        for piece, i in [*((repr(k), v) for k, v in ranks.items()), *special_tokens.items()]:
            if i in seen:
                raise TokenizerLoadError(
                    f"{label}: id {i} is given to both {seen[i]} and {piece} "
                    f"({len(ids) - len(set(ids)):,} repeated ids in all); every token needs its "
                    "own id: check the file"
                )
            seen[i] = piece
    check_largest_id(label, max(ids), len(ids))
    missing = 256 - sum(1 for k in ranks if len(k) == 1)
    if missing:
        raise TokenizerLoadError(
            f"{label}: rank file lacks single-byte tokens for {missing} of 256 byte values; a "
            "byte-level BPE needs one token per byte to encode any text: give the complete file"
        )


def tokenizer_from_ranks(
    ranks: dict[bytes, int],
    pattern: str,
    info: TokenizerInfo,
    special_tokens: dict[str, int] | None = None,
) -> TiktokenTokenizer:
    """Build an encoding from mergeable ranks and a pre-tokenization pattern."""
    special_tokens = special_tokens or {}
    check_ranks(ranks, special_tokens, info.name)
    try:
        enc = tiktoken.Encoding(
            name=info.id,
            pat_str=pattern,
            mergeable_ranks=ranks,
            special_tokens=special_tokens,
        )
    except BaseException as exc:  # ValueError for bad patterns; a Rust panic (a BaseException)
        if not (isinstance(exc, Exception) or is_rust_panic(exc)):
            raise
        raise TokenizerLoadError(f"{info.name}: cannot build a tiktoken encoding: {exc}") from None
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
