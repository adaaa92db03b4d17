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
from itertools import chain

import numpy as np

from tokdash.analysis.counts import SparseCounts
from tokdash.errors import TokdashError

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
    """

    tokenizer_id: str
    vocab_size: int
    doc_tokens: np.ndarray
    unigram: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    n_bytes: int = 0
    beyond_vocab: int = 0

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


def _encode_batch(tokenizer, batch: list) -> list[list[int]]:
    """``encode_batch`` of the documents' texts; a failure names the document that caused it."""
    try:
        return tokenizer.encode_batch([d.text for d in batch])
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


def encode_corpus(
    tokenizer,
    documents: Iterable,
    *,
    batch_bytes: int = 4_000_000,
    progress: Progress | None = None,
) -> CorpusEncoding:
    """Encode ``documents`` (objects with ``.text`` and ``.language``) with ``tokenizer``.

    ``tokenizer`` needs ``id``, ``vocab_size`` and ``encode_batch(texts) -> list[list[int]]``
    (a `tokdash.tokenizers.Tokenizer`). Batches hold consecutive documents up to
    ``batch_bytes`` UTF-8 bytes (a larger document is a batch of its own), so the results do
    not depend on ``batch_bytes``.
    """
    if batch_bytes < 1:
        raise ValueError("batch_bytes must be at least 1")
    docs = list(documents)
    sizes = [len(d.text.encode("utf-8")) for d in docs]
    total = sum(sizes)
    vocab = int(tokenizer.vocab_size)
    doc_tokens = np.zeros(len(docs), dtype=np.int64)
    unigram: dict[str, np.ndarray] = {}
    start = time.perf_counter()
    done = 0
    for i, j in _batches(sizes, batch_bytes):
        batch = docs[i:j]
        encoded = _encode_batch(tokenizer, batch)
        if len(encoded) != len(batch):
            raise TokdashError(
                f"{tokenizer.id}: encode_batch returned {len(encoded)} results for "
                f"{len(batch)} texts."
            )
        by_lang: dict[str, list[int]] = {}
        for k, ids in enumerate(encoded):
            doc_tokens[i + k] = len(ids)
            if len(ids):
                by_lang.setdefault(batch[k].language, []).append(k)
        for lang, ks in by_lang.items():
            n = int(doc_tokens[i + np.asarray(ks)].sum())
            flat = np.fromiter(chain.from_iterable(encoded[k] for k in ks), np.int64, count=n)
            if flat.min() < 0:
                raise TokdashError(f"{tokenizer.id} produced a negative token id.")
            _add(unigram, lang, np.bincount(flat, minlength=vocab))
        done += sum(sizes[i:j])
        if progress is not None:
            progress(done, total)
    if progress is not None and not docs:
        progress(0, 0)
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
        n_bytes=total,
        beyond_vocab=beyond,
    )
