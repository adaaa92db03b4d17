"""Streaming corpus encoding: per-document token counts and per-language unigram counts.

Token ids are never all held at once: documents are encoded in batches with the tokenizer's
parallel batch API and folded into counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

Progress = Callable[[int, int], None]


@dataclass
class CorpusEncoding:
    """What metrics need from encoding a corpus with one tokenizer (compact numpy arrays)."""

    tokenizer_id: str
    vocab_size: int
    doc_tokens: np.ndarray
    unigram: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    n_bytes: int = 0

    @property
    def total_tokens(self) -> int:
        """Tokens over the whole corpus."""
        return int(self.doc_tokens.sum())


def encode_corpus(
    tokenizer,
    documents: Iterable,
    *,
    batch_bytes: int = 4_000_000,
    progress: Progress | None = None,
) -> CorpusEncoding:
    """Encode ``documents`` (objects with ``.text`` and ``.language``) with ``tokenizer``."""
    docs = list(documents)
    total = sum(len(d.text.encode("utf-8")) for d in docs)
    vocab = int(tokenizer.vocab_size)
    unigram: dict[str, np.ndarray] = {}
    doc_tokens = np.zeros(len(docs), dtype=np.int64)
    start = time.perf_counter()
    done = 0
    i = 0
    while i < len(docs):
        j, size = i, 0
        while j < len(docs) and (j == i or size + len(docs[j].text) <= batch_bytes):
            size += len(docs[j].text.encode("utf-8"))
            j += 1
        batch = docs[i:j]
        by_lang: dict[str, list[np.ndarray]] = {}
        for k, ids in enumerate(tokenizer.encode_batch([d.text for d in batch])):
            doc_tokens[i + k] = len(ids)
            if ids:
                by_lang.setdefault(batch[k].language, []).append(np.asarray(ids, np.int64))
        for lang, arrays in by_lang.items():
            counts = np.bincount(np.concatenate(arrays), minlength=vocab)
            prev = unigram.get(lang)
            if prev is None:
                unigram[lang] = counts
                continue
            if len(counts) > len(prev):
                prev = np.pad(prev, (0, len(counts) - len(prev)))
            prev[: len(counts)] += counts
            unigram[lang] = prev
        done += size
        i = j
        if progress:
            progress(done, total)
    for d in docs:
        unigram.setdefault(d.language, np.zeros(vocab, dtype=np.int64))
    return CorpusEncoding(
        tokenizer_id=tokenizer.id,
        vocab_size=vocab,
        doc_tokens=doc_tokens,
        unigram=unigram,
        seconds=time.perf_counter() - start,
        n_bytes=total,
    )
