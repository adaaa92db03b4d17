"""AppTest runs of the Compression and Vocabulary pages on the shipped sample corpus."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis.compare import COMPARE_COLUMNS, run_comparison
from tokdash.corpus import load_sample_corpus


def page(path: str, tokenizers: list[str], corpus: str = "sample:all") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.session_state["td_tokenizers"] = tokenizers
    at.session_state["td_corpus"] = corpus
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def test_compression_page_matches_library(catalog_tokenizer):
    at = page("app_pages/compression.py", ["gpt2", "cl100k_base"], "sample:python")
    df = at.dataframe[0].value
    assert list(df.columns) == COMPARE_COLUMNS
    toks = [catalog_tokenizer("gpt2"), catalog_tokenizer("cl100k_base")]
    direct = run_comparison(
        toks, load_sample_corpus("python").documents, catalog_tokenizer("llama2")
    )
    want = direct.table()
    assert df["tokens"].tolist() == want["tokens"].tolist()
    assert df["nsl"].tolist() == pytest.approx(want["nsl"].tolist())
    labels = [m.label for m in at.metric]
    assert labels == ["gpt2: bytes/token", "cl100k_base: bytes/token"]
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # bars, NSL heatmap, per-document boxes
    spec = json.loads(charts[0].proto.spec)
    assert "bytes per token" in spec["layout"]["yaxis"]["title"]["text"]


def test_compression_metric_switch_and_alpha():
    at = page("app_pages/compression.py", ["gpt2"], "sample:all")
    at.radio(key="cmp_metric").set_value("tokens_per_line").run()
    assert not at.exception
    at.number_input(key="cmp_alpha").set_value(1.0).run()
    assert not at.exception
    df = at.dataframe[0].value
    assert set(df["language"]) >= {"python", "go", "english", "ALL"}


def test_vocabulary_page():
    at = page("app_pages/vocabulary.py", ["gpt2", "llama2"], "sample:all")
    vocab = at.dataframe[0].value
    assert {"vocab_used", "vocab_utilization", "whitespace_share"} <= set(vocab.columns)
    assert (vocab["vocab_utilization"] <= 1).all()
    top = at.dataframe[1].value
    assert top["count"].is_monotonic_decreasing
    at.selectbox(key="voc_language").set_value("python").run()
    assert not at.exception
    at.selectbox(key="voc_tok").set_value("llama2").run()
    assert not at.exception
    unused = at.dataframe[2].value
    assert len(unused) == 2000  # the page shows 2,000 rows; the caption says how many in all
    shown = [c.value for c in at.caption if "Showing the first 2,000 of" in c.value]
    total = int(shown[0].split(" of ")[1].split(" rows")[0].replace(",", ""))
    assert total > 20000  # a small corpus leaves most of Llama 2's 32k tokens unused
