"""AppTest runs of the Swap page: overlap, gain, and FVT embeddings of a tiny random-init model."""

from __future__ import annotations

import json

import pytest
from safetensors import safe_open
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis.compare import run_comparison
from tokdash.corpus import load_sample_corpus
from tokdash.transfer import fvt, planner


def swap_page(current: str = "llama2", candidate: str = "gpt2") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.session_state["td_tokenizers"] = [current, candidate]
    at.session_state["td_corpus"] = "sample:python"
    at.session_state["swap_current"] = current
    at.session_state["swap_candidate"] = candidate
    at.switch_page("app_pages/swap.py").run()
    assert not at.exception, at.exception
    return at


def frame(at: AppTest, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


def test_swap_page_overlap_gain_and_fvt(catalog_tokenizer, tmp_path):
    at = swap_page()
    old, new = catalog_tokenizer("llama2"), catalog_tokenizer("gpt2")
    plan = fvt.build_plan(old, new)

    hist = frame(at, "pieces")
    want = planner.pieces_histogram(plan)
    assert hist["candidate_tokens"].tolist() == want["candidate_tokens"].tolist()
    metrics = {m.label: m.value for m in at.metric}
    shared = planner.overlap_table(plan).iloc[2]["tokens"]
    assert metrics["Shared tokens"] == f"{shared:,}"

    gain = frame(at, "chars_per_s_gain")
    direct = run_comparison([old, new], load_sample_corpus("python").documents, old).table()
    want_gain = planner.gain_table(direct, "llama2", "gpt2", 4096)
    assert gain["tokens_candidate"].tolist() == want_gain["tokens_candidate"].tolist()
    assert gain["nsl"].tolist() == pytest.approx(want_gain["nsl"].tolist())
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    spec = json.loads(charts[1].proto.spec)
    assert "NSL" in spec["layout"]["yaxis"]["title"]["text"]
    examples = frame(at, "current_spelling")
    assert (examples["uses_in_corpus"] > 0).all() and examples["bytes"].is_monotonic_decreasing
    size = frame(at, "embedding_params")
    assert size.iloc[2]["embedding_params"] == (50257 - 32000) * 4096

    # Build FVT embeddings for a tiny random-init model on the CPU.
    at.selectbox(key="swap_preset").set_value("tiny")
    at.radio(key="swap_mode").set_value("fvt")
    at.button(key="swap_build_btn").click().run()
    assert not at.exception, at.exception
    summary = at.session_state["swap_result"]
    rows = dict(zip(summary["sources"]["source"], summary["sources"]["rows"], strict=True))
    assert rows == plan.counts()
    assert summary["input_shape"] == (new.vocab_size, 64)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows: exact"] == f"{plan.counts()['exact']:,}"
    with safe_open(summary["path"], framework="np") as f:
        assert f.get_tensor("model.embed_tokens.weight").shape == (new.vocab_size, 64)
        assert f.get_tensor("lm_head.weight").shape == (new.vocab_size, 64)


def test_swap_page_checkpoint_extend_and_bad_path(tmp_path):
    import torch
    from safetensors.torch import save_file

    weights = torch.randn(32000, 8).to(torch.bfloat16)
    save_file({"model.embed_tokens.weight": weights}, str(tmp_path / "model.safetensors"))
    at = swap_page("llama2", "gpt2")
    at.radio(key="swap_source").set_value("checkpoint")
    at.radio(key="swap_mode").set_value("extend")
    at.text_input(key="swap_checkpoint").set_value(str(tmp_path))
    at.button(key="swap_build_btn").click().run()
    assert not at.exception, at.exception
    summary = at.session_state["swap_result"]
    assert summary["tied"] and summary["dtype"] == "bfloat16" and summary["mode"] == "extend"
    with safe_open(summary["path"], framework="pt") as f:
        got = f.get_tensor("model.embed_tokens.weight")
        assert got.dtype == torch.bfloat16 and torch.equal(got[:32000], weights)
        mapping = f.get_tensor("tokdash.candidate_to_row")
        assert mapping.shape == (50257,) and int(mapping.max()) == got.shape[0] - 1

    at.text_input(key="swap_checkpoint").set_value("/nonexistent/ckpt")
    at.button(key="swap_build_btn").click().run()
    assert not at.exception
    assert any("no such checkpoint" in e.value for e in at.error)
    assert at.session_state["swap_result"]["mode"] == "extend"  # the earlier result stays


def test_swap_page_same_tokenizer_is_a_message():
    at = swap_page("gpt2", "gpt2")
    assert any("two different" in i.value for i in at.info)
