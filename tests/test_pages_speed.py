"""AppTest runs of the Speed page: the tiny preset probed on the CPU, the cost model tabs."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.speed import costmodel


def speed_page(tokenizers: list[str], base: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    if base is not None:  # the base picker offers only selected tokenizers: seed both first
        at.session_state["td_tokenizers"] = tokenizers
        at.session_state["td_base"] = base
    at.run()
    at.session_state["td_tokenizers"] = tokenizers
    at.session_state["td_corpus"] = "sample:python"
    at.switch_page("app_pages/speed.py").run()
    assert not at.exception, at.exception
    return at


def test_probe_tiny_preset_on_cpu():
    at = speed_page(["gpt2", "cl100k_base"])
    at.selectbox(key="sp_preset").set_value("tiny").run()
    at.number_input(key="sp_prompt").set_value(8)
    at.number_input(key="sp_new").set_value(3)
    at.number_input(key="sp_repeats").set_value(1)
    assert at.radio(key="sp_decode").value == "eager"  # no GPU here: eager by default
    run = next(b for b in at.button if b.label == "Run probe")
    run.click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    res = at.dataframe[0].value
    assert res["tokenizer"].tolist() == ["gpt2", "cl100k_base"]
    assert (res["decode_tokens_per_s"] > 0).all() and (res["ttft_ms"] > 0).all()
    assert res["chars_per_s"].tolist() == pytest.approx(
        (res["decode_tokens_per_s"] * res["chars_per_token"]).tolist()
    )
    assert res["params"].iloc[1] > res["params"].iloc[0]
    assert any("framework overhead" in i.value for i in at.info)
    assert [m.label for m in at.metric][:2] == ["gpt2: characters/s", "cl100k_base: characters/s"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "tokens/s" in spec["layout"]["xaxis"]["title"]["text"]
    assert "characters/s" in spec["layout"]["yaxis"]["title"]["text"]
    modes = next(d.value for d in at.dataframe if "compile_s" in d.value.columns)
    assert modes["decode_mode"].tolist() == ["eager", "eager"]
    assert (modes["compile_s"] == 0).all() and (modes["fraction_of_bound"] > 0).all()
    # The results stay on the page after another widget changes.
    at.number_input(key="sp_window").set_value(4096).run()
    assert not at.exception
    assert at.dataframe[0].value["tokenizer"].tolist() == ["gpt2", "cl100k_base"]


def test_probe_compiled_decode_on_cpu():
    at = speed_page(["gpt2"])
    at.selectbox(key="sp_preset").set_value("tiny").run()
    at.number_input(key="sp_prompt").set_value(8)
    at.number_input(key="sp_new").set_value(3)
    at.number_input(key="sp_repeats").set_value(1)
    at.radio(key="sp_decode").set_value("compiled")
    next(b for b in at.button if b.label == "Run probe").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    modes = next(d.value for d in at.dataframe if "compile_s" in d.value.columns)
    assert modes["decode_mode"].tolist() == ["compiled"]  # not fallen back to eager
    assert modes["compile_s"].iloc[0] > 0 and modes["kv_tokens_read"].iloc[0] == 8 + 3
    assert not [w for w in at.warning if "cannot compile" in w.value]
    assert any("compile_s" in c.value for c in at.caption)


def test_cost_and_context_tabs_without_a_run():
    at = speed_page(["llama2", "o200k_base"])
    tables = [d.value for d in at.dataframe]
    sweep = next(t for t in tables if "params_vocab_share" in t.columns and "tokenizer" not in t)
    assert sweep["vocab_size"].min() <= 16_384 and sweep["vocab_size"].max() >= 256_000
    assert {32000, 200019} <= set(sweep["vocab_size"])
    shape = costmodel.PRESETS["125m"]
    row = sweep[sweep["vocab_size"] == 32000].iloc[0]
    assert row["params_total"] == costmodel.param_counts(shape.with_vocab(32000))["total"]
    ctx = next(t for t in tables if "window_lines" in t.columns)
    assert ctx["tokenizer"].tolist() == ["llama2", "o200k_base"]
    assert ctx["window_lines"].iloc[1] > ctx["window_lines"].iloc[0]
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]


def test_compression_gain_is_against_the_sidebar_base():
    at = speed_page(["llama2", "gpt2", "o200k_base"], base="gpt2")
    marks = next(d.value for d in at.dataframe if "gain_vs_base" in d.value.columns)
    assert set(marks["base"]) == {"gpt2"}
    assert marks.set_index("tokenizer").loc["gpt2", "gain_vs_base"] == pytest.approx(0.0)
    assert any("over `gpt2`" in m.value for m in at.markdown)


def test_bad_checkpoint_shows_error():
    at = speed_page(["gpt2"])
    at.radio(key="sp_source").set_value("checkpoint").run()
    at.text_input(key="sp_checkpoint").set_value("/nonexistent/folder")
    next(b for b in at.button if b.label == "Run probe").click().run()
    assert not at.exception
    assert any("not a folder" in e.value for e in at.error)


def test_hosted_mode_hides_checkpoints_and_bounds_inputs(monkeypatch):
    monkeypatch.setenv("TOKDASH_HOSTED", "1")
    at = speed_page(["gpt2"])
    assert not [r for r in at.radio if r.key == "sp_source"]
    assert at.number_input(key="sp_prompt").max == 1024
    assert at.number_input(key="sp_new").max == 128
