"""tokdash.analysis.metrics as a spec: every expected number below is worked out by hand."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.stats_helpers import hand_stats
from tokdash.analysis import metrics
from tokdash.analysis.encode import encode_all
from tokdash.analysis.stats import CorpusStats
from tokdash.errors import TokdashError


@dataclass
class Doc:
    text: str
    language: str
    source: str = ""


# d0: "def f():\n" (9) + "    return 1\n" (13) = 22 bytes = 22 chars, 2 lines,
#     words def / f(): / return / 1 = 4
# d1: "print('héllo')": 14 chars, 15 bytes (é is 2 bytes), 1 line (no final newline), 1 word
# d2: "the cat sat\n": 12 bytes, 12 chars, 1 line, 3 words
DOCS = [
    Doc("def f():\n    return 1\n", "python", "a.py"),
    Doc("print('héllo')", "python", "b.py"),
    Doc("the cat sat\n", "english", "c.txt"),
]


# One tokenizer of `hand_stats`: (tokens per document, unigram counts per language, vocab size).
# Tokenizer A (vocab 6): documents give 2, 10 and 3 tokens.
A = ([2, 10, 3], {"python": [5, 4, 3, 0, 0, 0], "english": [0, 0, 1, 2, 0, 0]}, 6)
# Tokenizer B (vocab 8), the base: 4, 12 and 6 tokens.
B = ([4, 12, 6], {"python": [16] + [0] * 7, "english": [0, 6] + [0] * 6}, 8)


@pytest.fixture()
def stats() -> CorpusStats:
    # B first: tokenizers keep the statistics' order, they are not sorted
    return hand_stats(DOCS, {"B": B, "A": A})


@pytest.fixture()
def table(stats) -> pd.DataFrame:
    return metrics.compression_table(stats, base="B")


def row(table, tokenizer, language):
    sel = table[(table["tokenizer"] == tokenizer) & (table["language"] == language)]
    assert len(sel) == 1
    return sel.iloc[0]


# ----- per-document text numbers (CorpusStats.documents) -----------------------------------------
def test_per_document_text_numbers():
    docs = encode_all([], DOCS).documents()
    assert list(docs.columns) == ["doc", "language", "source", "bytes", "chars", "lines", "words"]
    assert docs["doc"].tolist() == [0, 1, 2]
    assert docs["language"].tolist() == ["python", "python", "english"]
    assert docs["source"].tolist() == ["a.py", "b.py", "c.txt"]
    assert docs["bytes"].tolist() == [22, 15, 12]
    assert docs["chars"].tolist() == [22, 14, 12]
    assert docs["lines"].tolist() == [2, 1, 1]
    assert docs["words"].tolist() == [4, 1, 3]


def test_line_and_word_definitions():
    texts = ["", "a", "a\n", "a\nb", "\n\n", "a\r\nb", "  x  y\tz\n", "a\u00a0b"]
    stats = encode_all([], [Doc(t, "x") for t in texts])
    docs = stats.documents()
    assert docs["lines"].tolist() == [0, 1, 1, 2, 2, 2, 1, 1]
    # str.split(): Unicode whitespace, so the no-break space separates "a" and "b"
    assert docs["words"].tolist() == [0, 1, 1, 2, 0, 2, 3, 2]
    # the per-language sums are the sums of the documents' numbers
    assert stats.text_totals("x") == {
        "documents": 8,
        **{f: int(docs[f].sum()) for f in ("bytes", "chars", "lines", "words")},
    }


def test_documents_without_source_attribute():
    @dataclass
    class Bare:
        text: str
        language: str

    docs = encode_all([], [Bare("hi", "english")]).documents()
    assert docs.loc[0, "source"] == "" and docs.loc[0, "bytes"] == 2


# ----- compression_table -------------------------------------------------------------------------
def test_compression_table_columns_and_row_order(table):
    assert list(table.columns) == [
        "tokenizer", "language", "documents", "bytes", "chars", "lines", "tokens",
        "bytes_per_token", "chars_per_token", "tokens_per_line", "fertility", "nsl",
        "vocab_size", "vocab_used", "vocab_utilization", "renyi_efficiency", "engine",
    ]  # fmt: skip
    assert table[["tokenizer", "language"]].values.tolist() == [
        ["B", "english"], ["B", "python"], ["B", "ALL"],
        ["A", "english"], ["A", "python"], ["A", "ALL"],
    ]  # fmt: skip


def test_ratios_are_total_over_total(table):
    py = row(table, "A", "python")
    # python: 22 + 15 = 37 bytes over 2 + 10 = 12 tokens. The mean of the per-document ratios
    # would be (22/2 + 15/10) / 2 = 6.25: the table must give 37/12.
    assert py["bytes"] == 37 and py["tokens"] == 12 and py["documents"] == 2
    assert py["bytes_per_token"] == pytest.approx(37 / 12)
    assert py["bytes_per_token"] != pytest.approx(6.25)
    assert py["chars_per_token"] == pytest.approx(36 / 12)  # 22 + 14 chars
    assert py["tokens_per_line"] == pytest.approx(12 / 3)  # 2 + 1 lines
    assert py["fertility"] == pytest.approx(12 / 5)  # 4 + 1 words
    en = row(table, "A", "english")
    assert en["bytes_per_token"] == pytest.approx(12 / 3)
    assert en["fertility"] == pytest.approx(3 / 3)


def test_nsl(table):
    # A vs B: python 12 / 16, english 3 / 6, ALL 15 / 22 (not the mean of document NSLs)
    assert row(table, "A", "python")["nsl"] == pytest.approx(0.75)
    assert row(table, "A", "english")["nsl"] == pytest.approx(0.5)
    assert row(table, "A", "ALL")["nsl"] == pytest.approx(15 / 22)
    # the base against itself
    assert table[table["tokenizer"] == "B"]["nsl"].tolist() == [1.0, 1.0, 1.0]


def test_nsl_is_nan_without_a_base():
    for base in (None, "not-encoded"):
        table = metrics.compression_table(hand_stats(DOCS, {"A": A}), base=base)
        assert table["nsl"].isna().all()


def test_all_row_equals_sums(table):
    for tid in ("A", "B"):
        part = table[(table["tokenizer"] == tid) & (table["language"] != "ALL")]
        total = row(table, tid, "ALL")
        for col in ("documents", "bytes", "chars", "lines", "tokens"):
            assert total[col] == part[col].sum(), col
    total = row(table, "A", "ALL")
    assert total["bytes"] == 49 and total["tokens"] == 15
    assert total["bytes_per_token"] == pytest.approx(49 / 15)


def test_vocabulary_columns(table):
    # A python counts [5, 4, 3, 0, 0, 0]: 3 of 6 ids used; ALL = [5, 4, 4, 2, 0, 0]: 4 of 6
    py, en, total = (row(table, "A", lang) for lang in ("python", "english", "ALL"))
    assert py["vocab_size"] == 6 and py["vocab_used"] == 3
    assert py["vocab_utilization"] == pytest.approx(0.5)
    assert total["vocab_used"] == 4 and total["vocab_utilization"] == pytest.approx(4 / 6)
    # english: p = (1/3, 2/3); H_2.5 = ln((1/3)^2.5 + (2/3)^2.5) / (1 - 2.5); / ln 6
    h = math.log((1 / 3) ** 2.5 + (2 / 3) ** 2.5) / (1 - 2.5)
    assert en["renyi_efficiency"] == pytest.approx(h / math.log(6))
    # B uses one id per language: entropy 0
    assert row(table, "B", "python")["renyi_efficiency"] == pytest.approx(0.0)


def test_renyi_normalisation_by_observed_types():
    table = metrics.compression_table(hand_stats(DOCS, {"A": A}), None, renyi_vocab="observed")
    h = math.log((1 / 3) ** 2.5 + (2 / 3) ** 2.5) / (1 - 2.5)
    assert row(table, "A", "english")["renyi_efficiency"] == pytest.approx(h / math.log(2))


def test_alpha_is_passed_through():
    table = metrics.compression_table(hand_stats(DOCS, {"A": A}), None, alpha=1.0)
    shannon = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3))
    assert row(table, "A", "english")["renyi_efficiency"] == pytest.approx(shannon / math.log(6))


def test_statistics_of_other_documents_cannot_be_joined(stats):
    short = hand_stats(DOCS[:2], {"S": ([1, 2], {"python": [0, 3, 0, 0]}, 4)})
    with pytest.raises(TokdashError, match="same documents"):
        stats.join(short)
    with pytest.raises(TokdashError, match="same tokenizers"):
        stats.merge(short)


def test_empty_corpus_gives_an_all_row_of_nans():
    table = metrics.compression_table(hand_stats([], {"A": ([], {}, 4)}), None)
    assert table["language"].tolist() == ["ALL"]
    assert table.iloc[0]["tokens"] == 0 and math.isnan(table.iloc[0]["bytes_per_token"])


# ----- document_metrics, nsl_matrix --------------------------------------------------------------
def test_document_metrics():
    per_doc = metrics.document_metrics(hand_stats(DOCS, {"A": A, "B": B}), base="B")
    assert list(per_doc.columns) == metrics.DOCUMENT_COLUMNS
    a = per_doc[per_doc["tokenizer"] == "A"]
    assert a["doc"].tolist() == [0, 1, 2] and a["tokens"].tolist() == [2, 10, 3]
    assert a["bytes_per_token"].tolist() == pytest.approx([11.0, 1.5, 4.0])
    assert a["chars_per_token"].tolist() == pytest.approx([11.0, 1.4, 4.0])
    assert a["tokens_per_line"].tolist() == pytest.approx([1.0, 10.0, 3.0])
    assert a["nsl"].tolist() == pytest.approx([0.5, 10 / 12, 0.5])
    assert per_doc[per_doc["tokenizer"] == "B"]["nsl"].tolist() == [1.0, 1.0, 1.0]
    assert a["source"].tolist() == ["a.py", "b.py", "c.txt"]
    assert metrics.document_metrics(hand_stats(DOCS, {"A": A}), None)["nsl"].isna().all()


def test_document_metrics_cover_the_sample_in_corpus_order():
    full = metrics.document_metrics(hand_stats(DOCS, {"A": A, "B": B}), base="B")
    part = metrics.document_metrics(hand_stats(DOCS, {"A": A, "B": B}, sample_size=2), base="B")
    assert len(part) == 4 and part["tokenizer"].tolist() == ["A", "A", "B", "B"]
    docs = part[part["tokenizer"] == "A"]["doc"].tolist()
    assert docs == sorted(docs) and len(set(docs)) == 2
    # a sampled document's row is the same as in the full table
    merged = part.merge(full, on=["tokenizer", "doc"], suffixes=("", "_full"))
    for col in ("tokens", "bytes", "bytes_per_token", "nsl"):
        assert merged[col].tolist() == merged[f"{col}_full"].tolist()


def test_document_metrics_zero_tokens_give_nan():
    stats = hand_stats([Doc("", "x"), Doc("ab", "x")], {"Z": ([0, 1], {"x": [0, 1]}, 2)})
    per_doc = metrics.document_metrics(stats, "Z")
    assert np.isnan(per_doc.loc[0, "bytes_per_token"]) and np.isnan(per_doc.loc[0, "nsl"])
    assert np.isnan(per_doc.loc[0, "tokens_per_line"]) and per_doc.loc[1, "nsl"] == 1.0


def test_nsl_matrix(table):
    m = metrics.nsl_matrix(table)
    assert m.index.tolist() == ["B", "A"]
    assert m.columns.tolist() == ["english", "python", "ALL"]
    assert m.loc["A"].tolist() == pytest.approx([0.5, 0.75, 15 / 22])


# ----- Rényi -------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0, 2.5, 3.0, math.inf])
def test_uniform_distribution_has_efficiency_one(alpha):
    assert metrics.renyi_efficiency(np.full(8, 7), alpha, 8) == pytest.approx(1.0)
    assert metrics.renyi_entropy(np.full(8, 7), alpha) == pytest.approx(math.log(8))


def test_alpha_one_is_shannon():
    c = np.array([2, 1, 1, 0])  # p = (1/2, 1/4, 1/4): Shannon = 1.5 ln 2
    assert metrics.renyi_entropy(c, 1) == pytest.approx(1.5 * math.log(2))
    # the order-1 limit: H_a -> Shannon as a -> 1 from either side
    assert metrics.renyi_entropy(c, 1 + 1e-7) == pytest.approx(1.5 * math.log(2), rel=1e-5)
    assert metrics.renyi_entropy(c, 1 - 1e-7) == pytest.approx(1.5 * math.log(2), rel=1e-5)


def test_renyi_by_hand():
    c = np.array([2, 1, 1, 0])
    # order 2: -ln(1/4 + 1/16 + 1/16) = -ln(3/8) = ln(8/3)
    assert metrics.renyi_entropy(c, 2) == pytest.approx(math.log(8 / 3))
    # order 3: -1/2 ln(1/8 + 1/64 + 1/64) = -1/2 ln(10/64)
    assert metrics.renyi_entropy(c, 3) == pytest.approx(-0.5 * math.log(10 / 64))
    assert metrics.renyi_entropy(c, 0) == pytest.approx(math.log(3))
    assert metrics.renyi_entropy(c, math.inf) == pytest.approx(math.log(2))
    assert metrics.renyi_efficiency(c, 2, 4) == pytest.approx(math.log(8 / 3) / math.log(4))
    # two ids used equally out of 4: H = ln 2 for every order; ln 2 / ln 4 = 0.5
    assert metrics.renyi_efficiency([5, 5, 0, 0], 2.5, 4) == pytest.approx(0.5)
    assert metrics.renyi_efficiency([5, 5, 0, 0], 2.5, None) == pytest.approx(1.0)


def test_renyi_degenerate_inputs():
    assert math.isnan(metrics.renyi_entropy(np.zeros(3), 2.5))
    assert math.isnan(metrics.renyi_efficiency(np.zeros(3), 2.5, 3))
    assert math.isnan(metrics.renyi_efficiency([4], 2.5, 1))
    with pytest.raises(ValueError):
        metrics.renyi_entropy([1, 2], -1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=2, max_size=30))
def test_renyi_is_non_increasing_in_alpha_and_efficiency_in_unit_interval(counts):
    c = np.asarray(counts)
    if c.sum() == 0:
        return
    hs = [metrics.renyi_entropy(c, a) for a in (0, 0.5, 1, 2, 2.5, 5, math.inf)]
    assert all(x >= y - 1e-9 for x, y in zip(hs, hs[1:], strict=False))
    eff = metrics.renyi_efficiency(c, 2.5, len(c))
    assert -1e-12 <= eff <= 1 + 1e-9


# ----- vocabulary statistics ---------------------------------------------------------------------
VB = [b"a", b"  ", b"\n", b"abc", b"", b"\xe2\x82", b"\tx"]
COUNTS = np.array([3, 2, 1, 0, 0, 0, 4])  # 10 occurrences


def test_vocab_utilization():
    assert metrics.vocab_utilization(COUNTS, 7) == pytest.approx(4 / 7)
    assert metrics.vocab_utilization(np.zeros(5), 5) == 0.0


def test_zipf_curve():
    z = metrics.zipf_curve(COUNTS)
    assert list(z.columns) == ["rank", "frequency", "share"]
    assert z["rank"].tolist() == [1, 2, 3, 4]
    assert z["frequency"].tolist() == [4, 3, 2, 1]
    assert z["share"].tolist() == pytest.approx([0.4, 0.3, 0.2, 0.1])
    assert metrics.zipf_curve(np.zeros(3)).empty


def test_token_length_histogram():
    # lengths: a 1, "  " 2, \n 1, abc 3, "" 0, \xe2\x82 2, \tx 2
    h = metrics.token_length_histogram(COUNTS, VB, weighted=True)
    assert list(h.columns) == ["length_bytes", "tokens"]
    # occurrences: length 1 -> 3 + 1, length 2 -> 2 + 0 + 4
    assert dict(zip(h["length_bytes"], h["tokens"], strict=True)) == {1: 4, 2: 6}
    h = metrics.token_length_histogram(COUNTS, VB, weighted=False)
    assert dict(zip(h["length_bytes"], h["tokens"], strict=True)) == {0: 1, 1: 2, 2: 3, 3: 1}


def test_whitespace_share():
    # "  " (2) and "\n" (1) are whitespace; "\tx" is not; "" is not: 3 / 10
    assert metrics.whitespace_share(COUNTS, VB) == pytest.approx(0.3)
    assert math.isnan(metrics.whitespace_share(np.zeros(7), VB))


def test_top_tokens():
    top = metrics.top_tokens(COUNTS, VB, 3)
    assert list(top.columns) == ["id", "token", "count", "share"]
    assert top["id"].tolist() == [6, 0, 1]
    assert top["token"].tolist() == ["→x", "a", "··"]
    assert top["count"].tolist() == [4, 3, 2]
    assert top["share"].tolist() == pytest.approx([0.4, 0.3, 0.2])
    # never more than the ids actually seen
    assert metrics.top_tokens(COUNTS, VB, 100)["id"].tolist() == [6, 0, 1, 2]
    assert metrics.top_tokens(COUNTS, VB, 100)["token"].tolist()[-1] == "↵"


def test_unused_tokens():
    unused = metrics.unused_tokens(COUNTS, VB, special_ids={4})
    assert list(unused.columns) == ["id", "token", "length_bytes"]
    # ids 3 (abc), 5 (partial UTF-8 made visible), longest first; 4 is special
    assert unused["id"].tolist() == [3, 5]
    assert unused["token"].tolist() == ["abc", "\\xe2\\x82"]
    assert unused["length_bytes"].tolist() == [3, 2]
    assert metrics.unused_tokens(COUNTS, VB)["id"].tolist() == [3, 5, 4]


# ----- the authors' average ----------------------------------------------------------------------
def test_nsl_paper_average():
    nsl = {"py": 0.8, "c": 0.6, "java": 0.7, "en": 1.0, "fr": 0.9, "de": 1.1}
    cat = {"py": "code", "c": "code", "java": "code", "en": "english"}
    cat |= {"fr": "multilingual", "de": "multilingual"}
    out = metrics.nsl_paper_average(nsl, cat)
    # code (0.8 + 0.6 + 0.7) / 3 = 0.7, english 1.0, multilingual 1.0; average 2.7 / 3 = 0.9
    # (a mean over the 6 datasets would be 5.1 / 6 = 0.85)
    assert out == pytest.approx({"code": 0.7, "english": 1.0, "multilingual": 1.0, "average": 0.9})
    skip = metrics.nsl_paper_average({"a": 0.5, "b": float("nan")}, {"a": "code", "b": "code"})
    assert skip == pytest.approx({"code": 0.5, "average": 0.5})


# ----- import purity -----------------------------------------------------------------------------
def test_import_metrics_leaves_out_streamlit_and_torch():
    code = (
        "import tokdash.analysis.metrics, tokdash.analysis.encode, sys; "
        "assert 'streamlit' not in sys.modules and 'torch' not in sys.modules, "
        "[m for m in ('streamlit', 'torch') if m in sys.modules]"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
