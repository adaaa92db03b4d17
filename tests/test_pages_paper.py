"""AppTest runs of the Paper check page (sample corpora; the paper's files from ../shared)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis.compare import run_comparison
from tokdash.corpus import load_sample_corpus
from tokdash.paper import replication
from tokdash.tokenizers.catalog import CATALOG
from tokdash.tokenizers.registry import is_cached

PAGE = "app_pages/paper_check.py"


def open_page(corpus: str = "sample:all") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.session_state["td_corpus"] = corpus
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_paper_check_page_matches_the_library(catalog_tokenizer):
    toks = [catalog_tokenizer(t) for t in replication.check_tokenizer_ids()]
    at = open_page("sample:all")
    findings = at.dataframe[0].value
    assert list(findings.columns) == replication.FINDING_COLUMNS
    assert findings["finding"].tolist() == [1, 2, 3, 4]
    docs = load_sample_corpus("all").documents
    table = run_comparison(toks, docs, toks[0]).table()
    kept = (replication.shared_prefix(toks[0].vocab_bytes(), toks[-1].vocab_bytes()), 32000)
    want, want_points = replication.check_findings(table, kept=kept)
    pd.testing.assert_frame_equal(findings, want)
    pts = at.dataframe[1].value
    assert pts["code_nsl"].tolist() == pytest.approx(want_points["code_nsl"].tolist())
    cards = [m.value for m in at.markdown if m.value.startswith("**Measured here:**")]
    assert len(cards) == 4
    assert "total over total" in at.info[0].value
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["type"] == "log"
    assert "vocabulary size" in spec["layout"]["xaxis"]["title"]["text"]
    groups = {t["name"] for t in spec["data"]}
    assert {"paper: GPT-4 regex, measured", "paper: Identity, measured"} <= groups


def test_paper_check_averaging_switch_and_english_reference(catalog_tokenizer):
    catalog_tokenizer("paper-gpt4-32k")  # skips without the paper's files
    at = open_page("sample:python")
    measured = at.dataframe[0].value.set_index("finding")["measured"]
    assert "reference corpus" in measured[3]
    assert any("reference corpus" in m.value for m in at.markdown)
    at.radio(key="pc_averaging").set_value("paper").run()
    assert not at.exception
    assert "the authors' way" in at.info[0].value
    at.radio(key="pc_chart_column").set_value("english_nsl").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "English" in spec["layout"]["title"]["text"]


def test_paper_check_without_the_paper_folder(monkeypatch, tmp_path):
    """With TOKDASH_PAPER_DIR pointing at an empty folder the page says what is missing and
    how to get it, and still shows the findings it can (n/a for the others)."""
    monkeypatch.setenv("TOKDASH_PAPER_DIR", str(tmp_path))
    if any(is_cached(CATALOG[t]) for t in replication.PAPER_IDS):
        pytest.skip("the paper's files are in the download cache, so they are never missing")
    at = open_page("sample:python")
    warning = at.warning[0].value
    assert "TOKDASH_PAPER_DIR" in warning and "paper-merged-80k" in warning
    holds = at.dataframe[0].value.set_index("finding")["holds"]
    assert holds[1] == holds[2] == holds[4] == "n/a"
    assert holds[3] in {"yes", "partial", "no"}  # cl100k_base against Llama 2 still measured


def test_paper_check_plots_a_tokenizer_trained_in_the_session(tmp_path, catalog_tokenizer):
    """A session tokenizer (as the Train page adds one) becomes a measured point of its own."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from tokdash.tokenizers import load_path

    catalog_tokenizer("paper-gpt4-32k")  # skips without the paper's files
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    bpe.train_from_iterator([d.text for d in load_sample_corpus("python").documents], trainer)
    bpe.save(str(tmp_path / "mine.json"))
    mine = load_path(tmp_path / "mine.json", name="mine-600")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.session_state["td_corpus"] = "sample:python"
    at.session_state["td_custom"] = {mine.id: mine}
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    pts = at.dataframe[1].value.set_index("tokenizer")
    assert pts.loc["mine-600", "group"] == "yours (trained or uploaded)"
    assert pts.loc["mine-600", "vocab_size"] == mine.vocab_size
    assert pts.loc["mine-600", "code_nsl"] > 1  # 600 tokens compress worse than Llama 2's 32k
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "yours (trained or uploaded), measured" in {t["name"] for t in spec["data"]}
