"""Helpers shared by the tests of `tokdash.analysis.stats`: hand-built statistics and equality."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tokdash.analysis.counts import SparseCounts
from tokdash.analysis.metrics import text_stats
from tokdash.analysis.stats import (
    DEFAULT_SAMPLE_SIZE,
    TEXT_FIELDS,
    CorpusStats,
    TokenizerStats,
    bottom_k,
    doc_keys,
    tokens_column,
)


def hand_stats(
    docs: Sequence,
    tokenizers: Mapping[str, tuple[Sequence[int], Mapping[str, Sequence[int]], int]],
    *,
    engine: str = "reference",
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> CorpusStats:
    """`CorpusStats` of ``docs`` (``.text``, ``.language``, optional ``.source``) in one unit,
    built by hand: ``tokenizers`` maps an id to ``(tokens per document, dense unigram counts per
    language, vocabulary size)``. Tokens per language are the sums of the documents' tokens (the
    unigram counts of a language must add up to them). Every document is in the sample."""
    text: dict[str, np.ndarray] = {}
    rows = []
    for d in docs:
        s = text_stats(d.text)
        row = np.array([1, *(s[f] for f in TEXT_FIELDS[1:])], dtype=np.int64)
        text[d.language] = text.get(d.language, np.zeros(len(TEXT_FIELDS), np.int64)) + row
        rows.append({"source": getattr(d, "source", ""), "language": d.language, **s})
    n = len(rows)
    langs = [d.language for d in docs]
    sample = pd.DataFrame(
        {
            "key": doc_keys(0, np.zeros(n, np.int64), np.arange(n)),
            "unit": np.zeros(n, np.int64),
            "pos": np.arange(n, dtype=np.int64),
            "line": np.full(n, -1, np.int64),
            "source": pd.Series([r["source"] for r in rows], dtype=object),
            "language": pd.Series(langs, dtype=object),
            **{f: np.array([r[f] for r in rows], np.int64) for f in TEXT_FIELDS[1:]},
        }
    )
    toks = {}
    for tid, (doc_tokens, unigram, vocab) in tokenizers.items():
        doc_tokens = np.asarray(doc_tokens, dtype=np.int64)
        assert doc_tokens.size == n, f"{tid}: {doc_tokens.size} counts for {n} documents"
        tokens = {lang: int(doc_tokens[[x == lang for x in langs]].sum()) for lang in text}
        sparse = {
            lang: SparseCounts.from_dense(np.asarray(c, np.int64)) for lang, c in unigram.items()
        }
        for lang, c in sparse.items():
            assert c.sum() == tokens[lang], f"{tid}/{lang}: unigram counts != tokens"
        toks[tid] = TokenizerStats(
            tokenizer_id=tid, base_vocab=vocab, tokens=tokens, unigram=sparse, engine=engine
        )
        sample[tokens_column(tid)] = doc_tokens
    return CorpusStats(
        name="hand",
        text=text,
        tokenizers=toks,
        sample=bottom_k(sample, sample_size),
        sample_size=sample_size,
        unit_docs=np.array([n], np.int64),
        unit_lines=np.zeros(1, np.int64),
        unit_first=np.zeros(1, np.int64),
    )


def assert_tokenizer_stats_equal(a: TokenizerStats, b: TokenizerStats) -> None:
    """Everything but ``seconds`` (encoding time) equal."""
    assert a.tokenizer_id == b.tokenizer_id
    assert (a.base_vocab, a.vocab_size, a.engine) == (b.base_vocab, b.vocab_size, b.engine)
    assert a.tokens == b.tokens
    assert sorted(a.unigram) == sorted(b.unigram)
    for lang in a.unigram:
        assert np.array_equal(a.counts(lang), b.counts(lang)), lang
    assert np.array_equal(a.whitespace_ids, b.whitespace_ids)


def assert_stats_equal(a: CorpusStats, b: CorpusStats, *, tokenizer_order: bool = True) -> None:
    """Two statistics hold the same numbers: text sums, tokens, unigram counts, the sample (the
    same rows in the same order), the per-unit counters and the skipped report."""
    assert sorted(a.text) == sorted(b.text)
    for lang in a.text:
        assert np.array_equal(a.text[lang], b.text[lang]), lang
    if tokenizer_order:
        assert list(a.tokenizers) == list(b.tokenizers)
    else:
        assert sorted(a.tokenizers) == sorted(b.tokenizers)
    for tid in a.tokenizers:
        assert_tokenizer_stats_equal(a.tokenizers[tid], b.tokenizers[tid])
    cols = list(a.sample.columns) if tokenizer_order else sorted(a.sample.columns)
    assert sorted(a.sample.columns) == sorted(b.sample.columns)
    pd.testing.assert_frame_equal(
        a.sample[cols].reset_index(drop=True), b.sample[cols].reset_index(drop=True)
    )
    assert (a.sample_size, a.seed) == (b.sample_size, b.seed)
    for attr in ("unit_docs", "unit_lines", "unit_first"):
        assert np.array_equal(getattr(a, attr), getattr(b, attr)), attr
    pd.testing.assert_frame_equal(a.skipped, b.skipped)
    assert a.skipped_total == b.skipped_total
