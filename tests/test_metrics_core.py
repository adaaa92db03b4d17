"""Metrics on hand-checkable inputs (every number below is worked out by hand)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.stats_helpers import hand_stats
from tokdash.analysis import metrics
from tokdash.analysis.encode import encode_all


@dataclass
class Doc:
    text: str
    language: str
    source: str = "x"


def enc(doc_tokens, unigram, vocab_size=10) -> tuple:
    """One tokenizer of `hand_stats`: tokens per document, unigram counts per language."""
    return doc_tokens, unigram, vocab_size


DOCS = [
    Doc("aaaaaaaaa\n", "python"),
    Doc("b" * 19 + "\n", "python"),
    Doc("one two three", "english"),
]


def test_per_document_text_numbers():
    docs = encode_all([], DOCS).documents()
    assert list(docs.columns) == ["doc", "language", "source", "bytes", "chars", "lines", "words"]
    assert docs["bytes"].tolist() == [10, 20, 13]
    assert docs["lines"].tolist() == [1, 1, 1]
    assert docs["words"].tolist() == [1, 1, 3]
    multi = encode_all([], [Doc("é\nx", "english")]).documents()
    assert multi.loc[0, "bytes"] == 4 and multi.loc[0, "chars"] == 3 and multi.loc[0, "lines"] == 2


def test_total_over_total_not_mean_of_ratios():
    # python docs: 10 bytes / 5 tokens (2.0) and 20 bytes / 2 tokens (10.0):
    # total over total = 30 / 7, the mean of ratios would be 6.0
    a = enc([5, 2, 4], {"python": [0, 3, 4, 0, 0, 0, 0, 0, 0, 0], "english": [4] + [0] * 9})
    b = enc([10, 4, 2], {"python": [14] + [0] * 9, "english": [0, 2] + [0] * 8})
    table = metrics.compression_table(hand_stats(DOCS, {"A": a, "B": b}), base="B")
    assert list(table.columns) == metrics.TABLE_COLUMNS
    assert table[["tokenizer", "language"]].values.tolist() == [
        ["A", "english"], ["A", "python"], ["A", "ALL"],
        ["B", "english"], ["B", "python"], ["B", "ALL"],
    ]  # fmt: skip
    row = table.iloc[1]
    assert row["bytes_per_token"] == pytest.approx(30 / 7)
    assert row["tokens_per_line"] == pytest.approx(7 / 2)
    assert row["fertility"] == pytest.approx(7 / 2)
    assert row["nsl"] == pytest.approx(7 / 14)
    assert row["vocab_used"] == 2 and row["vocab_utilization"] == pytest.approx(0.2)
    allrow = table.iloc[2]
    assert allrow["tokens"] == 11 and allrow["bytes"] == 43 and allrow["documents"] == 3
    assert allrow["nsl"] == pytest.approx(11 / 16)
    assert allrow["vocab_used"] == 3  # ids 0, 1, 2
    assert table.iloc[5]["nsl"] == 1.0  # base against itself


def test_no_base_gives_nan_nsl():
    stats = hand_stats(DOCS[:1], {"A": enc([5], {"python": [5] + [0] * 9})})
    table = metrics.compression_table(stats, None)
    assert math.isnan(table.iloc[0]["nsl"])


def test_renyi():
    uniform = np.ones(8)
    assert metrics.renyi_efficiency(uniform, 2.5, 8) == pytest.approx(1.0)
    assert metrics.renyi_efficiency(uniform, 1.0, 8) == pytest.approx(1.0)
    # p = (1/2, 1/4, 1/4): Shannon = 1.5 ln 2; order 2 = -ln(1/4 + 1/16 + 1/16) = ln(8/3)
    c = np.array([2, 1, 1, 0])
    assert metrics.renyi_entropy(c, 1) == pytest.approx(1.5 * math.log(2))
    assert metrics.renyi_entropy(c, 2) == pytest.approx(math.log(8 / 3))
    assert metrics.renyi_efficiency(c, 2, 4) == pytest.approx(math.log(8 / 3) / math.log(4))
    assert metrics.renyi_entropy(c, 0) == pytest.approx(math.log(3))
    assert metrics.renyi_entropy(c, math.inf) == pytest.approx(math.log(2))
    assert math.isnan(metrics.renyi_entropy(np.zeros(3), 2.5))


def test_vocab_statistics():
    vb = [b"a", b"  ", b"\n", b"abc", b""]
    c = np.array([3, 2, 1, 0, 0])
    assert metrics.vocab_utilization(c, 5) == pytest.approx(3 / 5)
    assert metrics.whitespace_share(c, vb) == pytest.approx(3 / 6)
    z = metrics.zipf_curve(c)
    assert z["rank"].tolist() == [1, 2, 3] and z["frequency"].tolist() == [3, 2, 1]
    assert z["share"].tolist() == pytest.approx([0.5, 1 / 3, 1 / 6])
    h = metrics.token_length_histogram(c, vb, weighted=True)
    assert dict(zip(h["length_bytes"], h["tokens"], strict=True)) == {1: 4, 2: 2}
    h = metrics.token_length_histogram(c, vb, weighted=False)
    assert dict(zip(h["length_bytes"], h["tokens"], strict=True)) == {0: 1, 1: 2, 2: 1, 3: 1}
    top = metrics.top_tokens(c, vb, 2)
    assert top["id"].tolist() == [0, 1] and top["token"].tolist() == ["a", "··"]
    unused = metrics.unused_tokens(c, vb, special_ids={4})
    assert unused["id"].tolist() == [3]


def test_snippet_stats():
    s = metrics.snippet_stats("ab\ncd\n", 3, 6)
    assert s["bytes"] == 6 and s["lines"] == 2
    assert s["bytes_per_token"] == 2.0 and s["tokens_per_line"] == 1.5 and s["nsl"] == 0.5
    assert metrics.snippet_stats("", 0, None)["nsl"] is None


def test_nsl_paper_average():
    out = metrics.nsl_paper_average(
        {"py": 0.8, "c": 0.6, "en": 1.0}, {"py": "code", "c": "code", "en": "english"}
    )
    assert out["code"] == pytest.approx(0.7)
    assert out["average"] == pytest.approx(0.85)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "bc", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "é"])
    )
    .map("".join)
    .map(lambda s: s * 300)
)
def test_count_words_equals_split(text):
    assert metrics.count_words(text) == len(text.split())
    assert metrics.text_stats(text)["bytes"] == len(text.encode("utf-8"))
