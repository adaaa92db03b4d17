"""The Speed page's figures: units on the axes, one bar per vocabulary size, no streamlit."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from tokdash.speed import costmodel
from tokdash.viz import speed_charts


def sweep(vocabs: list[int]) -> pd.DataFrame:
    shape = costmodel.PRESETS["tiny"]
    return pd.DataFrame(costmodel.vocab_sweep(shape, vocabs, 2048, "bfloat16"))


def test_memory_chart_keeps_sizes_that_round_alike_apart():
    fig = speed_charts.memory_chart(sweep([32000, 100256, 100277, 128000]), 2048)
    xs = list(fig.data[0].x)
    assert xs == ["32k", "100,256", "100,277", "128k"]
    assert len(set(xs)) == len(xs)  # stacked bars never add two sizes together
    assert fig.layout.yaxis.title.text == "memory (MiB)"
    names = [t.name for t in fig.data]
    assert names == ["body weights", "vocab weights", "KV cache (2,048 tokens)"]


def test_params_and_share_charts_have_units():
    data = sweep([16000, 64000, 256000])
    params = speed_charts.params_chart(data)
    assert "vocabulary size" in params.layout.xaxis.title.text
    assert "parameters" in params.layout.yaxis.title.text
    share = speed_charts.share_chart(data)
    assert "%" in share.layout.yaxis.title.text


def test_module_imports_no_streamlit_or_torch():
    code = (
        "import sys, tokdash.viz.speed_charts; "
        "print('streamlit' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
