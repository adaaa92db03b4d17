"""Fold a stream of documents into `CorpusStats`: all tokenizers in one pass, in bounded batches.

Documents are buffered until they hold ``batch_bytes`` characters, each tokenizer encodes the
batch (its fast engine when one is proven exact, else the reference) and it is folded into sums and
per-language unigram counts before the next is read; the per-document sample keeps only the rows
that can still enter it. Nothing grows with the corpus but the unigram counts (bounded by the
vocabulary) and the per-unit counters.

Run-time guard: a seeded ~``guard_fraction`` of the documents (and the first of each part) is
also encoded by the reference; a difference, or a failing engine, drops that tokenizer from the
pass and `fold` encodes the documents again with the reference for it alone (the result's engine
label says so and names the document).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from tokdash.analysis.counts import SparseCounts
from tokdash.analysis.metrics import text_stats
from tokdash.analysis.stats import (
    DEFAULT_SAMPLE_SIZE,
    MAX_SKIPPED_LISTED,
    SAMPLE_COLUMNS,
    TEXT_FIELDS,
    CorpusStats,
    TokenizerStats,
    bottom_k,
    doc_keys,
    first_skipped,
    skipped_frame,
    tokens_column,
)
from tokdash.analysis.vocab_metrics import whitespace_ids
from tokdash.corpus.records import DocRef, SkipRef, UnitLines
from tokdash.errors import TokdashError
from tokdash.tokenizers.base import memo
from tokdash.tokenizers.engines import FATAL_ERRORS, flatten

#: ``progress(documents, bytes)`` after each batch: what that batch held.
BatchProgress = Callable[[int, int], None]
_GUARD_SALT = 0x5EED_6A2D
_U64 = float(2**64)


class EngineMismatch(TokdashError):
    """A fast engine gave other ids than the reference on a checked document."""


def _reference_flat(tokenizer, texts: list[str], sources: list[str]):
    """The reference's ``(lengths, ids)``; a failure names the document that caused it."""
    try:
        encoded = tokenizer.encode_batch(texts)
    except TokdashError as exc:
        culprit = sources[0]
        for text, source in zip(texts, sources, strict=True):
            try:
                tokenizer.encode(text)
            except TokdashError:
                culprit = source
                break
        raise type(exc)(f"{exc} (document: {culprit})") from None
    if len(encoded) != len(texts):
        raise TokdashError(
            f"{tokenizer.id}: encode_batch returned {len(encoded)} results for {len(texts)} texts."
        )
    return flatten(encoded)


def _engine_flat(tokenizer, engine, texts: list[str], sources: list[str], checked: np.ndarray):
    """The fast engine's ``(lengths, ids)``; documents flagged in ``checked`` must agree with
    the reference (else `EngineMismatch` naming the first that differs)."""
    try:
        lengths, ids = engine.encode_flat(texts)
    except BaseException as exc:  # a failing engine (a Rust panic too) means fall back
        if isinstance(exc, FATAL_ERRORS):
            raise
        raise EngineMismatch(f"{engine.label} failed ({type(exc).__name__}: {exc})") from None
    if lengths.size != len(texts) or int(lengths.sum()) != ids.size:
        raise EngineMismatch(f"{engine.label} returned malformed output")
    picks = np.flatnonzero(checked).tolist()
    if picks:
        ref_lengths, ref_ids = _reference_flat(
            tokenizer, [texts[k] for k in picks], [sources[k] for k in picks]
        )
        ends, ref_ends = np.cumsum(lengths), np.cumsum(ref_lengths)
        for n, k in enumerate(picks):
            mine = ids[ends[k] - lengths[k] : ends[k]]
            ref = ref_ids[ref_ends[n] - ref_lengths[n] : ref_ends[n]]
            if not np.array_equal(mine, ref):
                raise EngineMismatch(f"{engine.label} differed from the reference on {sources[k]}")
    return lengths, ids


def _grow_add(acc: dict[str, np.ndarray], lang: str, counts: np.ndarray) -> None:
    prev = acc.get(lang)
    if prev is None:
        acc[lang] = counts
        return
    if counts.size > prev.size:
        prev, counts = counts, prev
    prev[: counts.size] += counts
    acc[lang] = prev


def _whitespace_ids(tok) -> np.ndarray:
    """The tokenizer's pure-whitespace ids (none when it cannot list its vocabulary)."""
    vocab_bytes = getattr(tok, "vocab_bytes", None)
    if vocab_bytes is None:
        return np.zeros(0, np.int64)
    return memo(tok, "whitespace_ids", lambda: whitespace_ids(vocab_bytes()))


class StatsBuilder:
    """Accumulates one part of a corpus (see the module's doc); `result` gives its stats."""

    def __init__(
        self,
        tokenizers: Sequence,
        engines: dict[str, object] | None = None,
        *,
        name: str = "corpus",
        n_units: int = 1,
        unit_first: np.ndarray | None = None,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        seed: int = 0,
        guard_fraction: float = 0.01,
        batch_bytes: int = 4_000_000,
        progress: BatchProgress | None = None,
    ) -> None:
        if batch_bytes < 1:
            raise ValueError("batch_bytes must be at least 1")
        self.tokenizers = list(tokenizers)
        self.engines = {t.id: (engines or {}).get(t.id) for t in self.tokenizers}
        self.name, self.seed, self.sample_size = name, seed, sample_size
        self.guard_fraction, self.batch_bytes, self.progress = guard_fraction, batch_bytes, progress
        self.unit_docs = np.zeros(n_units, np.int64)
        self.unit_lines = np.zeros(n_units, np.int64)
        self.unit_first = np.zeros(n_units, np.int64) if unit_first is None else unit_first
        self.text: dict[str, np.ndarray] = {}
        self.tokens: dict[str, dict[str, int]] = {t.id: {} for t in self.tokenizers}
        self.dense: dict[str, dict[str, np.ndarray]] = {t.id: {} for t in self.tokenizers}
        self.seconds = {t.id: 0.0 for t in self.tokenizers}
        self.failed: dict[str, str] = {}
        self.sample = pd.DataFrame()
        self.skipped: list[SkipRef] = []
        self.skipped_total = 0
        self._buffer: list[DocRef] = []
        self._buffer_bytes = 0
        self._checked_first = False

    def feed(self, items: Iterable[DocRef | SkipRef | UnitLines]) -> StatsBuilder:
        """Add every item of a stream (documents, skipped records, unit line counts)."""
        for item in items:
            if isinstance(item, DocRef):
                self._buffer.append(item)
                self._buffer_bytes += len(item.text)  # chars: a cheap bound on the batch
                if self._buffer_bytes >= self.batch_bytes:
                    self.flush()
            elif isinstance(item, SkipRef):
                self.skipped_total += 1
                if len(self.skipped) < MAX_SKIPPED_LISTED:  # a part reads in corpus order
                    self.skipped.append(item)
            elif isinstance(item, UnitLines):
                self.unit_lines[item.unit] += item.lines
            else:
                raise TypeError(f"unexpected item {type(item).__name__}")
        self.flush()
        return self

    def _guard(self, units: np.ndarray, pos: np.ndarray) -> np.ndarray:
        if self.guard_fraction <= 0 or not units.size:
            return np.zeros(units.size, bool)
        keys = doc_keys(self.seed ^ _GUARD_SALT, units, pos)
        checked = keys.astype(np.float64) < self.guard_fraction * _U64
        if not self._checked_first:
            checked[0] = self._checked_first = True
        return checked

    def flush(self) -> None:
        """Encode and fold the buffered documents."""
        batch, self._buffer, self._buffer_bytes = self._buffer, [], 0
        if not batch:
            return
        texts = [d.text for d in batch]
        sources = [d.source for d in batch]
        langs = [d.language for d in batch]
        units = np.fromiter((d.unit for d in batch), np.int64, len(batch))
        pos = np.fromiter((d.pos for d in batch), np.int64, len(batch))
        stats = np.array([[1, *text_stats(t).values()] for t in texts], dtype=np.int64)
        for lang in dict.fromkeys(langs):
            rows = stats[[i for i, x in enumerate(langs) if x == lang]]
            self.text[lang] = self.text.get(lang, np.zeros(len(TEXT_FIELDS), np.int64)) + rows.sum(
                axis=0
            )
        np.add.at(self.unit_docs, units, 1)
        keep = self._sample_candidates(batch, units, pos, stats)
        checked = self._guard(units, pos)
        for tok in self.tokenizers:
            if tok.id in self.failed:
                continue
            start = time.perf_counter()
            engine = self.engines[tok.id]
            try:
                if engine is not None and engine.name != "reference":
                    lengths, ids = _engine_flat(tok, engine, texts, sources, checked)
                else:
                    lengths, ids = _reference_flat(tok, texts, sources)
            except EngineMismatch as exc:
                self.failed[tok.id] = str(exc)
                continue
            self._fold_ids(tok, langs, lengths, ids)
            if keep is not None:
                keep[tokens_column(tok.id)] = lengths[keep.index.to_numpy()]
            self.seconds[tok.id] += time.perf_counter() - start
        if keep is not None:
            self._add_sample(keep.reset_index(drop=True))
        if self.progress is not None:
            self.progress(len(batch), int(stats[:, 1].sum()))

    def _fold_ids(self, tok, langs: list[str], lengths: np.ndarray, ids: np.ndarray) -> None:
        if ids.size and ids.min() < 0:
            raise TokdashError(f"{tok.id} produced a negative token id.")
        vocab = int(tok.vocab_size)
        tokens, dense = self.tokens[tok.id], self.dense[tok.id]
        codes = {lang: c for c, lang in enumerate(dict.fromkeys(langs))}
        if len(codes) == 1:
            groups = {langs[0]: ids}
            tokens[langs[0]] = tokens.get(langs[0], 0) + int(lengths.sum())
        else:
            doc_code = np.asarray([codes[lang] for lang in langs])
            per_token = np.repeat(doc_code, lengths)
            groups = {lang: ids[per_token == c] for lang, c in codes.items()}
            for lang, c in codes.items():
                tokens[lang] = tokens.get(lang, 0) + int(lengths[doc_code == c].sum())
        for lang, mine in groups.items():
            if mine.size:
                _grow_add(dense, lang, np.bincount(mine, minlength=vocab))

    def _threshold(self) -> int | None:
        if len(self.sample) < self.sample_size:
            return None
        return int(self.sample["key"].iloc[self.sample_size - 1])

    def _sample_candidates(self, batch, units, pos, stats) -> pd.DataFrame | None:
        if self.sample_size <= 0:
            return None
        keys = doc_keys(self.seed, units, pos)
        limit = self._threshold()
        idx = np.arange(len(batch)) if limit is None else np.flatnonzero(keys <= limit)
        if not idx.size:
            return None
        frame = {
            "key": keys[idx],
            "unit": units[idx],
            "pos": pos[idx],
            "line": np.fromiter((batch[i].line for i in idx), np.int64, idx.size),
            "source": [batch[i].source for i in idx],
            "language": [batch[i].language for i in idx],
        }
        for j, f in enumerate(TEXT_FIELDS[1:], start=1):
            frame[f] = stats[idx, j]
        return pd.DataFrame(frame, index=idx)

    def _add_sample(self, rows: pd.DataFrame) -> None:
        merged = rows if self.sample.empty else pd.concat([self.sample, rows], ignore_index=True)
        self.sample = bottom_k(merged, self.sample_size)

    def result(self) -> CorpusStats:
        """The part's statistics (tokenizers that failed their guard are left out)."""
        self.flush()
        toks = {}
        for tok in self.tokenizers:
            if tok.id in self.failed:
                continue
            dense = self.dense[tok.id]
            size = max([int(tok.vocab_size), *(c.size for c in dense.values())])
            engine = self.engines[tok.id]
            toks[tok.id] = TokenizerStats(
                tokenizer_id=tok.id,
                base_vocab=int(tok.vocab_size),
                tokens={lang: self.tokens[tok.id].get(lang, 0) for lang in self.text},
                unigram={
                    lang: SparseCounts.from_dense(dense[lang])
                    if lang in dense
                    else SparseCounts.empty(size)
                    for lang in self.text
                },
                engine=engine.label if engine is not None else "reference",
                seconds=self.seconds[tok.id],
                vocab_size=size,
                whitespace_ids=_whitespace_ids(tok),
            )
        sample = self.sample if not self.sample.empty else None
        skipped = skipped_frame(self.skipped)
        stats = CorpusStats(
            name=self.name,
            text=dict(self.text),
            tokenizers=toks,
            sample_size=self.sample_size,
            seed=self.seed,
            # copies: the builder keeps counting into its own arrays after `result`
            unit_docs=self.unit_docs.copy(),
            unit_lines=self.unit_lines.copy(),
            unit_first=np.array(self.unit_first, dtype=np.int64),
            skipped=first_skipped(skipped),
            skipped_total=self.skipped_total,
        )
        if sample is not None:
            cols = [*SAMPLE_COLUMNS, *(tokens_column(t) for t in toks)]
            stats.sample = sample[cols].reset_index(drop=True)
        else:
            for t in toks:
                stats.sample[tokens_column(t)] = np.zeros(0, np.int64)
        return stats


def fold(
    tokenizers: Sequence,
    read: Callable[[], Iterable[DocRef | SkipRef | UnitLines]],
    engines: dict[str, object] | None = None,
    **options,
) -> CorpusStats:
    """Statistics of the stream ``read()`` under every tokenizer (see `StatsBuilder` for the
    options). A tokenizer whose engine failed the guard is measured again by its reference on a
    second ``read()``."""
    builder = StatsBuilder(tokenizers, engines, **options).feed(read())
    stats = builder.result()
    if builder.failed:
        redo = [t for t in tokenizers if t.id in builder.failed]
        again = StatsBuilder(redo, None, **options).feed(read()).result()
        for tid, why in builder.failed.items():
            again.tokenizers[tid].engine = f"reference (fallback: {why})"
        stats = stats.join(again) if stats.tokenizers else again
        stats = stats.select([t.id for t in tokenizers])
    return stats


def documents_stream(documents: Sequence) -> Callable[[], Iterable[DocRef]]:
    """A re-readable stream of in-memory documents (``.text``, ``.language``, ``.source``):
    one unit, positions in list order."""

    def read() -> Iterable[DocRef]:
        for i, d in enumerate(documents):
            yield DocRef(d.text, d.language, getattr(d, "source", ""), 0, i, -1)

    return read
