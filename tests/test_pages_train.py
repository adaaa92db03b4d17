"""AppTest runs of the Train page: one tokenizer, a sweep, an extension, bad knobs."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis.compare import COMPARE_COLUMNS


def train_page(corpus: str = "sample:python") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.session_state["td_corpus"] = corpus
    at.switch_page("app_pages/train.py").run()
    assert not at.exception, at.exception
    return at


def test_train_one_tokenizer_end_to_end():
    at = train_page()
    at.number_input(key="tr_vocab").set_value(1000).run()
    at.multiselect(key="tr_baselines").set_value(["llama2", "gpt2"]).run()
    assert not at.exception
    assert any("Estimated training time" in i.value for i in at.info)
    at.button(key="tr_go").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # the new tokenizer is selected in the sidebar's picker, usable on every page
    assert "bpe-1k-gpt4" in at.session_state["td_tokenizers"]
    assert "bpe-1k-gpt4" in at.session_state["td_custom"]
    pivot = at.dataframe[0].value  # bytes/token: a row per tokenizer, ALL first
    assert list(pivot.columns[:2]) == ["tokenizer", "ALL"]
    assert set(pivot["tokenizer"]) == {"bpe-1k-gpt4", "llama2", "gpt2"}
    table = next(d.value for d in at.dataframe if "kind" in d.value.columns)
    assert set(COMPARE_COLUMNS) <= set(table.columns)
    assert len(at.get("plotly_chart")) == 1
    assert set(table["tokenizer"]) == {"bpe-1k-gpt4", "llama2", "gpt2"}
    ours = table[(table["tokenizer"] == "bpe-1k-gpt4") & (table["language"] == "ALL")]
    # 2 training files of Python run out of pairs seen twice just before 1000 tokens
    assert 900 < ours["vocab_size"].item() <= 1000
    assert ours["documents"].item() == 1  # measured on the held-out document only
    assert any("ran out of pairs" in c.value for c in at.caption)
    labels = [m.label for m in at.metric]
    assert "Held-out bytes/token" in labels and "Training time" in labels
    # the same selection works on another page
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception, at.exception
    assert "bpe-1k-gpt4" in set(at.dataframe[0].value["tokenizer"])


def test_bad_knobs_show_errors_not_tracebacks():
    at = train_page()
    at.selectbox(key="tr_regex").set_value("custom").run()
    at.text_input(key="tr_pattern").set_value("(unclosed").run()
    assert not at.exception
    assert any("Invalid regex" in e.value for e in at.error)
    assert at.button(key="tr_go").disabled
    at.text_input(key="tr_pattern").set_value(r"\w+|\s+|[^\w\s]+").run()
    at.text_input(key="tr_mix").set_value("cobol=1").run()
    assert not at.exception
    assert any("cobol" in e.value for e in at.error)


def test_sweep_and_extension():
    at = train_page("sample:all")
    at.multiselect(key="sw_sizes").set_value([500, 1000]).run()
    at.multiselect(key="sw_regexes").set_value(["gpt2", "identity"]).run()
    at.multiselect(key="sw_baselines").set_value(["gpt2"]).run()
    at.text_area(key="sw_mixes").set_value("corpus\npython=70, english=30").run()
    assert any("8 tokenizers to train" in i.value for i in at.info)
    at.button(key="sw_go").click().run()
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    spec = json.loads(charts[0].proto.spec)
    assert spec["layout"]["xaxis"]["type"] == "log"
    assert "vocabulary size" in spec["layout"]["xaxis"]["title"]["text"]
    assert {t["name"] for t in spec["data"]} == {
        "gpt2 regex",
        "identity (no regex)",
        "gpt2 regex · python70-english30",
        "identity (no regex) · python70-english30",
        "gpt2 (baseline)",
    }
    summary = at.dataframe[0].value
    assert len(summary) == 9 and set(summary["kind"]) == {"trained", "baseline"}
    at.selectbox(key="sw_lang").set_value("python").run()
    assert not at.exception
    at.number_input(key="ex_n").set_value(100).run()
    at.button(key="ex_go").click().run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Tokens added" in labels
    assert any(k.startswith("gpt2+") for k in at.session_state["td_custom"])
