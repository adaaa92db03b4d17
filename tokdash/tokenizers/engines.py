"""Encoding engines: the reference (the tokenizer's own library) and fast candidates.

A fast engine is used for a tokenizer only where it is proven to give the reference's ids
(`tokdash.tokenizers.proofs`); counting needs only flat ids, so an engine returns one flat id
array and the per-text lengths (no per-token Python objects where the engine allows it).

Candidates:
- ``riptoken``: a Rust reimplementation of tiktoken's byte-pair encoder. Built from a tiktoken
  encoding's own ranks, pattern and specials; or from an HF byte-level BPE whose vocabulary,
  pre-tokenizer and normalizer convert exactly to ranks + one regex (`tokdash.tokenizers.hf_ranks`).
  Texts that may hold a pre-token piece of 500+ bytes go to the reference (`long_piece_risk`):
  riptoken 0.2.4 merges such pieces in another order.
- ``tokie``: a Rust reimplementation of HF ``tokenizers`` reading ``tokenizer.json``.
"""

from __future__ import annotations

import importlib.metadata
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from tokdash.errors import EngineUnavailable, TokdashError
from tokdash.tokenizers.base import Tokenizer, encode_threads

REFERENCE = "reference"
#: Fast candidates, fastest first (the first proven one is used).
CANDIDATES = ("riptoken", "tokie")

Flat = tuple[np.ndarray, np.ndarray]

#: Errors never taken for an engine's failure (everything else, a Rust panic included, is).
FATAL_ERRORS = (KeyboardInterrupt, SystemExit, MemoryError)


def flatten(lists: Sequence[Sequence[int]]) -> Flat:
    """``(lengths, ids)`` (int64) of id lists: every list's ids concatenated in order."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    ids = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
    return lengths, ids


__all__ = [
    "BUILDERS",
    "CANDIDATES",
    "REFERENCE",
    "Engine",
    "EngineUnavailable",
    "FATAL_ERRORS",
    "build_engine",
    "flatten",
    "engine_version",
    "long_piece_risk",
    "reference_engine",
]

#: riptoken 0.2.4 merges a pre-token piece of 500 bytes or more in another order than tiktoken
#: (found by the differential suite: ``"x" + "a" * 499`` with cl100k). Documents that may hold
#: such a piece go to the reference instead; see `long_piece_risk`.
LONG_RUN_BYTES = 256


@dataclass(frozen=True)
class Engine:
    """One way to encode with a tokenizer: ids per text without special tokens.

    ``name`` is ``reference`` or a candidate's name, ``version`` its package version.
    ``batch(texts)`` gives a list of id lists; ``flat(texts)``, when the engine has it, gives
    ``(lengths, ids)`` directly.
    """

    name: str
    version: str
    batch: Callable[[list[str]], list[list[int]]]
    flat: Callable[[list[str]], Flat] | None = None

    @property
    def label(self) -> str:
        """``name version`` (``reference`` alone)."""
        return self.name if self.name == REFERENCE else f"{self.name} {self.version}"

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of each text."""
        return self.batch(list(texts))

    def encode_flat(self, texts: Sequence[str]) -> Flat:
        """``(lengths int64, ids int64)``: every text's ids concatenated in order."""
        texts = list(texts)
        if self.flat is not None:
            lengths, ids = self.flat(texts)
            return np.asarray(lengths, dtype=np.int64), np.asarray(ids, dtype=np.int64)
        return flatten(self.batch(texts))


def package_version(name: str) -> str:
    """The installed version of a package ('' when it is not installed)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


#: tokdash's own part of each engine (the riptoken guard, the HF-to-ranks converter): bump it
#: when that code changes, so that every proof made with the old code stops counting.
REVISIONS = {"riptoken": "tokdash2", "tokie": "tokdash1"}


def engine_version(name: str) -> str:
    """What a proof record names: the package version and tokdash's revision of the wrapper
    (``0.2.4+tokdash2``); '' when the package is not installed."""
    version = package_version(name)
    return f"{version}+{REVISIONS[name]}" if version and name in REVISIONS else version


def reference_engine(tok: Tokenizer) -> Engine:
    """The tokenizer's own library (what every number is defined by)."""
    return Engine(REFERENCE, tok.info.backend, lambda texts: tok.encode_batch(texts))


def _max_runs(mask: np.ndarray, starts: np.ndarray, threshold: int) -> np.ndarray:
    """Per text (``starts``: its first byte in the joined buffer), whether ``mask`` holds a run
    of ``threshold`` or more True bytes in it (``mask`` is False on the separators)."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    run_starts, run_ends = edges[0::2], edges[1::2]
    long_starts = run_starts[(run_ends - run_starts) >= threshold]
    risky = np.zeros(starts.size, dtype=bool)
    if long_starts.size:
        risky[np.searchsorted(starts, long_starts, side="right") - 1] = True
    return risky


def _byte_classes() -> np.ndarray:
    """Per byte value, the run kinds it may extend: 1 letters, 2 digits, 4 other (bit mask);
    a non-ASCII byte may be any of them."""
    lut = np.full(256, 4, dtype=np.uint8)
    for lo, hi in ((ord("a"), ord("z")), (ord("A"), ord("Z"))):
        lut[lo : hi + 1] = 1
    lut[ord("0") : ord("9") + 1] = 2
    lut[0x80:] = 7
    return lut


_CLASSES = _byte_classes()


def _exact_risk(data: bytes, threshold: int) -> bool:
    """Whether ``data`` has a run of ``threshold`` bytes that all share one kind."""
    cls = _CLASSES[np.frombuffer(data, dtype=np.uint8)]
    starts = np.zeros(1, dtype=np.int64)
    return any(bool(_max_runs((cls & bit) > 0, starts, threshold)[0]) for bit in (1, 2, 4))


def long_piece_risk(texts: Sequence[str], threshold: int = LONG_RUN_BYTES) -> np.ndarray:
    """Which texts may hold a pre-token piece of about ``2 * threshold`` bytes or more.

    In the regex families riptoken serves (GPT-2/4, o200k, Llama 3, Qwen2, Punct, StarCoder2), a
    long piece is, but for a character or two at its ends, all letters (``\\p{L}``/``\\p{M}``),
    all digits, or all whitespace and punctuation. In bytes: a run of ASCII letters and
    non-ASCII bytes, of ASCII digits and non-ASCII bytes, or of ASCII punctuation, whitespace and
    non-ASCII bytes. A text with any such run of ``threshold`` bytes is flagged (sound: a longer
    piece always leaves one; cautious: a long run of CJK text is flagged too).

    Fast path: texts are joined with one separator byte and cut into aligned blocks of
    ``threshold // 2`` bytes; a run of ``threshold`` bytes always covers a whole block of one
    kind, so only texts holding such a block are scanned exactly.
    """
    if not texts:
        return np.zeros(0, dtype=bool)
    raw = [t.encode("utf-8", "surrogatepass") for t in texts]
    starts = np.cumsum([0] + [len(r) + 1 for r in raw[:-1]])
    cls = _CLASSES[np.frombuffer(b"\0".join(raw), dtype=np.uint8)]
    cls[starts[1:] - 1] = 0  # the separators extend no run
    block = max(1, threshold // 2)
    whole = cls.size // block * block
    full = np.bitwise_and.reduce(cls[:whole].reshape(-1, block), axis=1)
    hot = np.flatnonzero(full) * block
    risky = np.zeros(len(texts), dtype=bool)
    for k in np.unique(np.searchsorted(starts, hot, side="right") - 1).tolist():
        risky[k] = _exact_risk(raw[k], threshold)
    return risky


def _guarded(fast: Callable[[list[str]], list[list[int]]], reference) -> Callable:
    """``fast`` for every text but those `long_piece_risk` flags, which ``reference`` encodes."""

    def batch(texts: list[str]) -> list[list[int]]:
        risky = long_piece_risk(texts)
        if not risky.any():
            return fast(texts)
        out: list[list[int] | None] = [None] * len(texts)
        safe = np.flatnonzero(~risky).tolist()
        for k, ids in zip(safe, fast([texts[k] for k in safe]) if safe else [], strict=True):
            out[k] = ids
        hard = np.flatnonzero(risky).tolist()
        for k, ids in zip(hard, reference([texts[k] for k in hard]), strict=True):
            out[k] = ids
        return out  # type: ignore[return-value]

    return batch


def _riptoken_core(ranks: dict[bytes, int], specials: dict[str, int], pattern: str):
    os.environ.setdefault("RAYON_NUM_THREADS", str(encode_threads()))
    import riptoken

    try:
        return riptoken.CoreBPE(ranks, specials, pattern)
    except BaseException as exc:  # a pattern fancy-regex rejects, a bad table (a Rust panic)
        if isinstance(exc, FATAL_ERRORS):
            raise
        raise EngineUnavailable(f"riptoken cannot build this encoder: {exc}") from None


def riptoken_engine(tok: Tokenizer) -> Engine:
    """riptoken for a tiktoken encoding, or for an HF byte-level BPE that converts to ranks."""
    from tokdash.tokenizers.hf_backend import HFTokenizer
    from tokdash.tokenizers.tiktoken_backend import TiktokenTokenizer, encoding_parts

    version = engine_version("riptoken")
    if not version:
        raise EngineUnavailable("riptoken is not installed")
    reference = tok.encode_batch
    if isinstance(tok, TiktokenTokenizer):
        parts = encoding_parts(tok.encoding)
        core = _riptoken_core(dict(parts.ranks), dict(parts.special_tokens), parts.pattern)
        return Engine("riptoken", version, _guarded(core.encode_ordinary_batch, reference))
    if isinstance(tok, HFTokenizer):
        from tokdash.tokenizers.hf_ranks import byte_level_ranks

        spec = byte_level_ranks(tok)  # raises EngineUnavailable with the reason
        core = _riptoken_core(spec.ranks, {}, spec.pattern)
        if spec.normalize is None:
            return Engine("riptoken", version, _guarded(core.encode_ordinary_batch, reference))
        normalize = spec.normalize

        def normalized(texts: list[str]) -> list[list[int]]:
            return core.encode_ordinary_batch([normalize(t) for t in texts])

        return Engine("riptoken", version, _guarded(normalized, reference))
    raise EngineUnavailable(f"riptoken does not read {type(tok).__name__} tokenizers")


def tokie_engine(tok: Tokenizer) -> Engine:
    """tokie for a tokenizer defined by a ``tokenizer.json``."""
    from tokdash.tokenizers.hf_backend import HFTokenizer

    version = engine_version("tokie")
    if not version:
        raise EngineUnavailable("tokie is not installed")
    if not isinstance(tok, HFTokenizer):
        raise EngineUnavailable(f"tokie reads tokenizer.json only, not {type(tok).__name__}")
    import tokie

    with tempfile.TemporaryDirectory(prefix="tokdash-tokie-") as tmp:
        path = Path(tmp) / "tokenizer.json"
        path.write_text(tok.raw.to_str(), encoding="utf-8")
        try:
            fast = tokie.Tokenizer.from_json(str(path))
        except BaseException as exc:  # its own TokieError, ValueError, a Rust panic
            if isinstance(exc, FATAL_ERRORS):
                raise
            raise EngineUnavailable(f"tokie cannot load this tokenizer.json: {exc}") from None
    fast.no_truncation()
    fast.no_padding()

    def flat(texts: list[str]) -> Flat:
        ids, lengths = fast.encode_batch_flat(texts, add_special_tokens=False)
        return lengths, ids

    def batch(texts: list[str]) -> list[list[int]]:
        lengths, ids = flat(texts)
        ends = np.cumsum(lengths)
        return [
            ids[e - n : e].tolist() for n, e in zip(lengths.tolist(), ends.tolist(), strict=True)
        ]

    return Engine("tokie", version, batch, flat)


BUILDERS: dict[str, Callable[[Tokenizer], Engine]] = {
    "riptoken": riptoken_engine,
    "tokie": tokie_engine,
}


def build_engine(name: str, tok: Tokenizer) -> Engine:
    """The engine ``name`` for ``tok`` (``reference`` always builds); `EngineUnavailable` when a
    candidate cannot read this tokenizer."""
    if name == REFERENCE:
        return reference_engine(tok)
    if name not in BUILDERS:
        known = ", ".join([REFERENCE, *BUILDERS])
        raise TokdashError(f"unknown engine {name!r}; choose one of {known} (or auto)")
    return BUILDERS[name](tok)
