"""Encoding an in-memory corpus: `encode_corpus` (one tokenizer) and `encode_all` (several in
one pass), both folding into `CorpusStats` (`tokdash.analysis.fold`); token ids are never all
held at once, and what is returned is small (sums, sparse unigram counts, a bounded sample).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tokdash.analysis.fold import EngineMismatch, documents_stream, fold
from tokdash.analysis.stats import DEFAULT_SAMPLE_SIZE, CorpusStats

__all__ = ["EngineMismatch", "encode_all", "encode_corpus"]

#: ``progress(done_bytes, total_bytes)``, called after every batch (the last call has
#: ``done_bytes == total_bytes``).
Progress = Callable[[int, int], None]


def encode_all(
    tokenizers: Sequence,
    documents: Sequence,
    *,
    engines: dict | None = None,
    name: str = "corpus",
    batch_bytes: int = 4_000_000,
    progress: Progress | None = None,
    guard_fraction: float = 0.01,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    seed: int = 0,
) -> CorpusStats:
    """Statistics of ``documents`` (objects with ``.text``, ``.language``, ``.source``) under
    every tokenizer, in one pass (see `tokdash.analysis.fold.StatsBuilder`). ``engines`` maps a
    tokenizer id to the engine that encodes for it (absent or None: the reference)."""
    if not isinstance(documents, Sequence):
        # a one-shot iterable (a generator) would be spent by the byte count below, and the
        # fold reads the documents again when an engine falls back
        documents = list(documents)
    total = sum(len(d.text.encode("utf-8")) for d in documents)
    done = 0

    def on_batch(_docs: int, n_bytes: int) -> None:
        nonlocal done
        done += n_bytes
        if progress is not None:
            progress(done, total)

    stats = fold(
        tokenizers,
        documents_stream(documents),
        engines,
        name=name,
        batch_bytes=batch_bytes,
        progress=on_batch,
        guard_fraction=guard_fraction,
        sample_size=sample_size,
        seed=seed,
    )
    if progress is not None and not documents:
        progress(0, 0)
    return stats


def encode_corpus(
    tokenizer,
    documents: Sequence,
    *,
    engine=None,
    **options,
) -> CorpusStats:
    """`encode_all` with one tokenizer; ``engine`` (a `tokdash.tokenizers.engines.Engine`)
    encodes instead of the reference when given and not the reference itself."""
    return encode_all([tokenizer], documents, engines={tokenizer.id: engine}, **options)
