"""The one tokenizer interface every backend is wrapped in.

A `Tokenizer` encodes text to ids without special tokens (unless asked), decodes ids, gives the
raw bytes each token stands for, and maps tokens back to byte spans of the UTF-8 input. Spans are
byte offsets, so a byte-level token that holds part of a multi-byte character is representable:
its span simply starts or ends inside the character.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from tokdash.errors import (
    EncodeError,
    TokdashError,
    TokenizerLoadError,
    is_rust_panic,
    regex_engine_gave_up,
)
from tokdash.settings import LOCAL

Span = tuple[int, int]

#: Threads used by batch encoders: the cores, at most 8 (tiktoken would otherwise always use 8).
DEFAULT_THREADS = max(1, min(os.cpu_count() or 1, 8))


#: Ids a loaded vocabulary may reach: 4x the largest vocabulary training may ask for (the largest
#: real ones are ~262k). A file with an id beyond it (a typo, a corrupt or hostile file) would
#: make every per-id table that large (an id of 1.5e9: 8 GB).
MAX_VOCAB_IDS = 4 * LOCAL.max_vocab


def check_largest_id(label: str, largest: int, n_tokens: int) -> None:
    """`TokenizerLoadError` when the largest id of a vocabulary of ``n_tokens`` tokens,
    ``largest``, is `MAX_VOCAB_IDS` or more (the message says how many ids it leaves unused)."""
    if largest < MAX_VOCAB_IDS:
        return
    unused = largest + 1 - n_tokens
    raise TokenizerLoadError(
        f"{label}: its largest token id is {largest:,} for {n_tokens:,} tokens "
        f"({unused:,} ids unused between them); vocabularies with ids of {MAX_VOCAB_IDS:,} or "
        "more are refused: check the file's ids"
    )


@contextmanager
def rust_panics_as_encode_errors(name: str, library: str) -> Iterator[None]:
    """Inside: a Rust panic of a tokenizer library (pyo3's ``PanicException``, a BaseException
    that ``except Exception`` misses and that kills a worker process) becomes an `EncodeError`
    for tokenizer ``name`` saying what gave up and what to do."""
    try:
        yield
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise
        raise EncodeError(_panic_message(name, library, str(exc))) from None


def _panic_message(name: str, library: str, text: str) -> str:
    detail = (text.strip().splitlines() or ["no message"])[0][:160]
    owner = f"{library}'" if library.endswith("s") else f"{library}'s"
    head = f"{name}: {owner} encoder crashed on this text ({detail})."
    if regex_engine_gave_up(detail):
        return (
            f"{head} Its pre-tokenizer regex backtracks catastrophically on this text (a pattern "
            "with nested repetition such as (a+)+ meeting a long run): fix the tokenizer's "
            "Split pattern, or shorten that run."
        )
    if "StackOverflow" in detail:
        return (
            f"{head} It happens on very long runs of spaces or tabs (about 100,000 or more in a "
            "row) with o200k-style patterns: shorten or remove that run."
        )
    return f"{head} Check the tokenizer file, or report the text that triggers it."


def memo(obj, key: str, compute):
    """``compute()`` once per object: kept on ``obj`` (a loaded tokenizer never changes, and
    the pages share one instance per tokenizer), or computed each time for an object that cannot
    hold attributes."""
    store = getattr(obj, "__dict__", None)
    if store is None:
        return compute()
    cache = store.setdefault("_tokdash_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def encode_threads() -> int:
    """Threads a batch encoder may use now: ``TOKDASH_THREADS`` when set (a corpus-scale worker
    sets 1), else `DEFAULT_THREADS`."""
    value = os.environ.get("TOKDASH_THREADS", "")
    return max(1, int(value)) if value.isdigit() else DEFAULT_THREADS


@dataclass(frozen=True)
class TokenizerInfo:
    """Descriptive facts about a loaded tokenizer, shown in tables and CSVs."""

    id: str
    name: str
    backend: str
    source: str = ""
    licence: str = ""
    family: str = ""
    pattern: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


class Tokenizer(ABC):
    """A tokenizer behind the common surface used by every page, metric and CLI command."""

    info: TokenizerInfo

    # ----- identity -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """Short id, e.g. ``cl100k_base`` (the CLI and CSVs use it)."""
        return self.info.id

    @property
    def name(self) -> str:
        """Display name."""
        return self.info.name

    @property
    def pattern(self) -> str | None:
        """The pre-tokenization regex, when the tokenizer has one and it is known."""
        return self.info.pattern

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Number of ids, special tokens included (the size of an embedding matrix)."""

    @property
    def special_ids(self) -> frozenset[int]:
        """Ids of special / control tokens (BOS, EOS, padding, ...)."""
        return frozenset()

    # ----- encoding -------------------------------------------------------------------------
    @abstractmethod
    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        """Token ids of ``text``; no BOS/EOS unless ``add_special_tokens``."""

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> list[list[int]]:
        """Token ids of each text (backends override with their parallel batch API)."""
        return [self.encode(t, add_special_tokens=add_special_tokens) for t in texts]

    def count_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Number of tokens of each text (no special tokens), as an int64 array."""
        return np.fromiter((len(ids) for ids in self.encode_batch(texts)), dtype=np.int64)

    @abstractmethod
    def decode(self, ids: Sequence[int]) -> str:
        """Text of a sequence of ids (invalid UTF-8 becomes U+FFFD)."""

    # ----- vocabulary -----------------------------------------------------------------------
    @abstractmethod
    def token_bytes(self, token_id: int) -> bytes:
        """The raw bytes this token stands for in text (b"" for a special/control token)."""

    def id_to_piece(self, token_id: int) -> str:
        """The token as the vocabulary writes it (readable; for tables)."""
        return self.token_bytes(token_id).decode("utf-8", errors="backslashreplace")

    def vocab_bytes(self) -> list[bytes]:
        """``token_bytes`` of every id, computed once."""
        cached = getattr(self, "_vocab_bytes_cache", None)
        if cached is None:
            cached = [self.token_bytes(i) for i in range(self.vocab_size)]
            self._vocab_bytes_cache = cached
        return cached

    # ----- spans ----------------------------------------------------------------------------
    def token_spans(self, text: str) -> list[Span]:
        """Byte spans ``(start, end)`` in ``text.encode('utf-8')``, one per id of ``encode``."""
        return self.encode_with_spans(text)[1]

    def encode_with_spans(self, text: str) -> tuple[list[int], list[Span]]:
        """Ids and their byte spans; spans tile the input without gaps or overlaps."""
        ids = self.encode(text)
        data = text.encode("utf-8")
        pieces = [self.token_bytes(i) for i in ids]
        spans = spans_from_pieces(data, pieces)
        if spans is None:
            spans = self._fallback_spans(text, ids)
        return ids, spans

    def _fallback_spans(self, text: str, ids: list[int]) -> list[Span]:
        """Spans when token bytes do not spell the input (normalizing tokenizers override)."""
        raise TokdashError(
            f"{self.name}: the tokens do not spell the input bytes and this backend gives no "
            "offsets, so token boundaries cannot be drawn for this text."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r} vocab={self.vocab_size}>"


def spans_from_pieces(data: bytes, pieces: Sequence[bytes]) -> list[Span] | None:
    """Byte spans of ``pieces`` in ``data``, or None when they cannot be aligned.

    Exact when the pieces concatenate to ``data``. When they concatenate to ``prefix + data``
    (SentencePiece's dummy-prefix space), the prefix bytes are assigned to no input byte: spans
    are shifted left by the prefix length and clipped at 0.
    """
    joined = b"".join(pieces)
    shift = 0
    if joined != data:
        if len(joined) > len(data) and joined.endswith(data):
            shift = len(joined) - len(data)
        else:
            return None
    spans: list[Span] = []
    pos = -shift
    for piece in pieces:
        end = pos + len(piece)
        spans.append((max(pos, 0), max(end, 0)))
        pos = end
    return spans


def char_to_byte_offsets(text: str) -> np.ndarray:
    """``out[i]`` is the byte offset of character ``i`` in UTF-8; ``out[len(text)]`` the length."""
    lens = np.fromiter((len(c.encode("utf-8")) for c in text), dtype=np.int64, count=len(text))
    out = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(lens, out=out[1:])
    return out
