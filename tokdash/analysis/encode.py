"""Streaming corpus encoding: per-document token counts and per-language unigram counts.

Token ids are never all held at once: documents are encoded in batches of about
``batch_bytes`` UTF-8 bytes with the tokenizer's (parallel) ``encode_batch`` and each batch is
folded into counts before the next one is encoded. The result is small: per-document token counts
and, per language, the ids that occur with their counts (`SparseCounts`), cheap to pickle
(``st.cache_data`` copies what it caches on every hit).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from tokdash.analysis.counts import SparseCounts
from tokdash.errors import TokdashError
from tokdash.tokenizers.engines import FATAL_ERRORS, flatten

#: ``progress(done_bytes, total_bytes)``, called after every batch (the last call has
#: ``done_bytes == total_bytes``).
Progress = Callable[[int, int], None]


@dataclass
class CorpusEncoding:
    """What the metrics need from encoding one corpus with one tokenizer.

    - ``doc_tokens[i]``: tokens of document ``i`` (corpus order, no special tokens), int64.
    - ``unigram[lang]``: occurrences of each id over the documents of ``lang``, as `SparseCounts`
      of length ``vocab_size`` (``np.asarray`` or ``counts(lang)`` gives the dense int64 array);
      every language of the corpus has one (empty when its documents gave no token). Dense
      arrays passed in are stored sparsely.
    - ``vocab_size``: the tokenizer's ``vocab_size``, grown to ``max id + 1`` if the tokenizer
      emitted ids at or past it (``beyond_vocab`` then counts those occurrences; 0 normally).
    - ``seconds``: wall time of the encoding; ``n_bytes``: UTF-8 bytes of the corpus.
    - ``engine``: what produced the ids: ``reference``, a fast engine's ``name version``, or
      ``reference (fallback: ...)`` when the run-time guard caught a difference.
    """

    tokenizer_id: str
    vocab_size: int
    doc_tokens: np.ndarray
    unigram: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    n_bytes: int = 0
    beyond_vocab: int = 0
    engine: str = "reference"

    def __post_init__(self) -> None:
        self.unigram = {
            lang: c if isinstance(c, SparseCounts) else SparseCounts.from_dense(c)
            for lang, c in self.unigram.items()
        }

    @property
    def total_tokens(self) -> int:
        """Tokens over the whole corpus: ``sum(doc_tokens)``."""
        return int(self.doc_tokens.sum())

    @property
    def languages(self) -> list[str]:
        """The corpus's languages, sorted."""
        return sorted(self.unigram)

    def counts(self, language: str | None = None) -> np.ndarray:
        """Dense unigram counts (int64, length ``vocab_size``) of one language, or summed over
        all languages when ``None``."""
        if language is not None:
            return self.unigram[language].dense(self.vocab_size)
        total = np.zeros(self.vocab_size, dtype=np.int64)
        for c in self.unigram.values():
            total[c.ids] += c.values
        return total

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (what a cache stores)."""
        return int(self.doc_tokens.nbytes + sum(c.nbytes for c in self.unigram.values()))


def _batches(sizes: list[int], batch_bytes: int) -> Iterable[tuple[int, int]]:
    """``(start, stop)`` document ranges of at most ``batch_bytes`` bytes (at least one doc)."""
    i = 0
    while i < len(sizes):
        j, size = i + 1, sizes[i]
        while j < len(sizes) and size + sizes[j] <= batch_bytes:
            size += sizes[j]
            j += 1
        yield i, j
        i = j


def _add(unigram: dict[str, np.ndarray], lang: str, counts: np.ndarray) -> None:
    """``unigram[lang] += counts``, growing the stored array when ``counts`` is longer."""
    prev = unigram.get(lang)
    if prev is None:
        unigram[lang] = counts
        return
    if counts.size > prev.size:
        prev, counts = counts, prev
    prev[: counts.size] += counts
    unigram[lang] = prev


class EngineMismatch(TokdashError):
    """A fast engine gave other ids than the reference on a checked document."""


def _reference_flat(tokenizer, batch: list) -> tuple[np.ndarray, np.ndarray]:
    """The reference's ``(lengths, ids)`` for the documents' texts; a failure names the document
    that caused it."""
    try:
        encoded = tokenizer.encode_batch([d.text for d in batch])
    except TokdashError as exc:
        culprit = batch[0]
        for doc in batch:
            try:
                tokenizer.encode(doc.text)
            except TokdashError:
                culprit = doc
                break
        source = getattr(culprit, "source", "?")
        raise type(exc)(f"{exc} (document: {source})") from None
    if len(encoded) != len(batch):
        raise TokdashError(
            f"{tokenizer.id}: encode_batch returned {len(encoded)} results for {len(batch)} texts."
        )
    return flatten(encoded)


def _engine_flat(
    tokenizer, engine, batch: list, checked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The fast engine's ``(lengths, ids)``; the documents flagged in ``checked`` are encoded by
    the reference too and must agree (else `EngineMismatch` naming the first that differs)."""
    try:
        lengths, ids = engine.encode_flat([d.text for d in batch])
    except BaseException as exc:  # a failing engine (a Rust panic too) means fall back
        if isinstance(exc, FATAL_ERRORS):
            raise
        raise EngineMismatch(f"{engine.label} failed ({type(exc).__name__}: {exc})") from None
    if lengths.size != len(batch) or int(lengths.sum()) != ids.size:
        raise EngineMismatch(f"{engine.label} returned malformed output")
    picks = np.flatnonzero(checked)
    if picks.size:
        ref_lengths, ref_ids = _reference_flat(tokenizer, [batch[k] for k in picks])
        ends = np.cumsum(lengths)
        ref_ends = np.cumsum(ref_lengths)
        for n, k in enumerate(picks.tolist()):
            mine = ids[ends[k] - lengths[k] : ends[k]]
            ref = ref_ids[ref_ends[n] - ref_lengths[n] : ref_ends[n]]
            if not np.array_equal(mine, ref):
                source = getattr(batch[k], "source", "?")
                raise EngineMismatch(f"{engine.label} differed from the reference on {source}")
    return lengths, ids


def guard_sample(n_docs: int, fraction: float, seed: int = 0) -> np.ndarray:
    """Which documents the run-time guard re-encodes with the reference: a seeded sample of
    about ``fraction`` of them, at least one when there are any (fraction 0: none)."""
    if n_docs == 0 or fraction <= 0:
        return np.zeros(n_docs, dtype=bool)
    rng = np.random.default_rng(seed)
    picked = rng.random(n_docs) < fraction
    if not picked.any():
        picked[int(rng.integers(n_docs))] = True
    return picked


def _fold(
    tokenizer,
    docs: list,
    sizes: list[int],
    batch_bytes: int,
    flat_of: Callable[[list, slice], tuple[np.ndarray, np.ndarray]],
    progress: Progress | None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-document token counts and dense per-language unigram counts, batch by batch."""
    vocab = int(tokenizer.vocab_size)
    doc_tokens = np.zeros(len(docs), dtype=np.int64)
    unigram: dict[str, np.ndarray] = {}
    total, done = sum(sizes), 0
    for i, j in _batches(sizes, batch_bytes):
        batch = docs[i:j]
        lengths, ids = flat_of(batch, slice(i, j))
        if ids.size and ids.min() < 0:
            raise TokdashError(f"{tokenizer.id} produced a negative token id.")
        doc_tokens[i:j] = lengths
        langs = [d.language for d in batch]
        if len(set(langs)) == 1:
            if ids.size:
                _add(unigram, langs[0], np.bincount(ids, minlength=vocab))
        else:
            codes = {lang: c for c, lang in enumerate(dict.fromkeys(langs))}
            per_token = np.repeat(np.asarray([codes[lang] for lang in langs]), lengths)
            for lang, c in codes.items():
                mine = ids[per_token == c]
                if mine.size:
                    _add(unigram, lang, np.bincount(mine, minlength=vocab))
        done += sum(sizes[i:j])
        if progress is not None:
            progress(done, total)
    return doc_tokens, unigram


def encode_corpus(
    tokenizer,
    documents: Iterable,
    *,
    batch_bytes: int = 4_000_000,
    progress: Progress | None = None,
    engine=None,
    guard_fraction: float = 0.01,
    guard_seed: int = 0,
) -> CorpusEncoding:
    """Encode ``documents`` (objects with ``.text`` and ``.language``) with ``tokenizer``.

    ``tokenizer`` needs ``id``, ``vocab_size`` and ``encode_batch(texts) -> list[list[int]]``
    (a `tokdash.tokenizers.Tokenizer`): that is the reference. ``engine`` (a
    `tokdash.tokenizers.engines.Engine`) encodes instead when given and not the reference;
    a seeded sample of about ``guard_fraction`` of the documents is then encoded by the
    reference as well, and any difference (or a failure of the engine) drops the engine for
    this run: the whole corpus is encoded again by the reference and ``engine`` in the result
    says so, naming the document. Batches hold consecutive documents up to ``batch_bytes``
    UTF-8 bytes (a larger document is a batch of its own), so the results do not depend on
    ``batch_bytes``.
    """
    if batch_bytes < 1:
        raise ValueError("batch_bytes must be at least 1")
    docs = list(documents)
    sizes = [len(d.text.encode("utf-8")) for d in docs]
    start = time.perf_counter()
    label = "reference"
    folded = None
    if engine is not None and engine.name != "reference":
        checked = guard_sample(len(docs), guard_fraction, guard_seed)
        try:
            folded = _fold(
                tokenizer,
                docs,
                sizes,
                batch_bytes,
                lambda batch, where: _engine_flat(tokenizer, engine, batch, checked[where]),
                progress,
            )
            label = engine.label
        except EngineMismatch as exc:
            label = f"reference (fallback: {exc})"
    if folded is None:
        folded = _fold(
            tokenizer,
            docs,
            sizes,
            batch_bytes,
            lambda batch, _where: _reference_flat(tokenizer, batch),
            progress,
        )
    doc_tokens, unigram = folded
    if progress is not None and not docs:
        progress(0, 0)
    vocab = int(tokenizer.vocab_size)
    size = max([vocab, *(c.size for c in unigram.values())])
    beyond = sum(int(c[vocab:].sum()) for c in unigram.values())
    for d in docs:
        unigram.setdefault(d.language, np.zeros(size, dtype=np.int64))
    sparse = {
        lang: SparseCounts.from_dense(c if c.size == size else np.pad(c, (0, size - c.size)))
        for lang, c in unigram.items()
    }
    return CorpusEncoding(
        tokenizer_id=tokenizer.id,
        vocab_size=size,
        doc_tokens=doc_tokens,
        unigram=sparse,
        seconds=time.perf_counter() - start,
        n_bytes=sum(sizes),
        beyond_vocab=beyond,
        engine=label,
    )
