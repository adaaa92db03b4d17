"""Spec for the Train and Swap figures in tokdash.viz: series, axes and titles from the tables."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT
from tokdash.viz.swap_charts import nsl_figure, pieces_figure
from tokdash.viz.training_charts import doubling_chart, series_name, sweep_chart


def sweep_table() -> pd.DataFrame:
    rows = []
    for regex, mix in [("gpt2", ""), ("identity", "python70-english30")]:
        for vocab, bpt in [(500, 2.0), (1000, 2.5)]:
            rows.append({"tokenizer": f"bpe-{vocab}-{regex}", "kind": "trained", "regex": regex,
                         "digits": "regex", "mix": mix, "vocab_target": vocab, "vocab_size": vocab,
                         "language": "ALL", "bytes_per_token": bpt, "nsl": 1.0})  # fmt: skip
    rows.append({"tokenizer": "gpt2", "kind": "baseline", "regex": "", "digits": "", "mix": "",
                 "vocab_target": 0, "vocab_size": 50257, "language": "ALL",
                 "bytes_per_token": 3.0, "nsl": 0.8})  # fmt: skip
    return pd.DataFrame(rows)


def test_series_name_leaves_defaults_out():
    row = pd.Series({"regex": "gpt4", "digits": "single", "mix": "corpus"})
    assert series_name(row) == "gpt4 regex · digits single"
    row = pd.Series({"regex": "identity", "digits": "", "mix": "python70"})
    assert series_name(row) == "identity (no regex) · python70"


def test_sweep_chart_lines_per_series_and_baseline_dots():
    fig = sweep_chart(sweep_table(), "bytes_per_token", "ALL")
    names = [t.name for t in fig.data]
    assert names == ["gpt2 regex", "identity (no regex) · python70-english30", "gpt2 (baseline)"]
    assert list(fig.data[0].x) == [500, 1000] and list(fig.data[0].y) == [2.0, 2.5]
    assert fig.layout.xaxis.type == "log"
    assert "bytes per token" in fig.layout.yaxis.title.text
    assert fig.layout.title.text.endswith("vs vocabulary size (ALL)")


def test_doubling_chart_bars_in_percent():
    step = {
        "language": "ALL",
        "from_vocab": 500,
        "to_vocab": 1000,
        "tokens_saved_per_doubling": 0.25,
    }
    gains = pd.DataFrame([{"regex": "gpt2", "digits": "regex", "mix": "", **step}])
    fig = doubling_chart(gains, "ALL")
    assert [t.name for t in fig.data] == ["gpt2 regex"]
    assert list(fig.data[0].x) == ["500→1,000"] and list(fig.data[0].y) == [25.0]
    assert "%" in fig.layout.yaxis.title.text


def test_swap_figures_name_both_tokenizers():
    hist = pd.DataFrame({"pieces": [0, 1, 2], "candidate_tokens": [3, 40, 7]})
    fig = pieces_figure(hist, "llama2", "gpt2")
    assert list(fig.data[0].x) == ["0", "1", "2"] and list(fig.data[0].y) == [3, 40, 7]
    assert fig.layout.xaxis.type == "category" and "llama2" in fig.layout.xaxis.title.text
    gain = pd.DataFrame({"language": ["ALL", "python"], "nsl": [0.9, 1.1]})
    fig = nsl_figure(gain, "llama2", "gpt2")
    assert list(fig.data[0].y) == pytest.approx([0.9, 1.1])
    assert "NSL" in fig.layout.yaxis.title.text and fig.layout.shapes[0].y0 == 1.0


def test_library_modules_no_longer_build_figures():
    code = (
        "import sys, tokdash.training.sweep, tokdash.transfer.planner; "
        "assert 'plotly' not in sys.modules, 'plotly imported'; "
        "assert not hasattr(tokdash.training.sweep, 'sweep_chart'); "
        "assert not hasattr(tokdash.transfer.planner, 'pieces_figure')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_zipf_curves_draw_log_spaced_ranks_with_both_ends():
    import numpy as np
    import pandas as pd

    from tokdash.viz.charts import ZIPF_POINTS, log_spaced, zipf_curves

    idx = log_spaced(200_000)
    assert idx[0] == 0 and idx[-1] == 199_999 and len(idx) <= ZIPF_POINTS
    assert np.all(np.diff(idx) > 0)
    assert log_spaced(10).tolist() == list(range(10))
    df = pd.DataFrame({"rank": np.arange(1, 50_001), "frequency": np.arange(50_000, 0, -1)})
    fig = zipf_curves({"t": df})
    assert len(fig.data[0].x) <= ZIPF_POINTS and fig.data[0].x[-1] == 50_000


def test_grouped_bars_one_trace_per_group_in_first_seen_order():
    from tokdash.viz.figures import grouped_bars

    df = pd.DataFrame(
        {
            "language": ["py", "c", "py", "c"],
            "tokenizer": ["b", "b", "a", "a"],
            "v": [1.0, 2.0, 3.0, 4.0],
            "tokens": [10, 20, 30, 40],
        }
    )
    fig = grouped_bars(df, "language", "v", "tokenizer", y_title="bytes", hover=["tokens"])
    assert [t.name for t in fig.data] == ["b", "a"]
    assert list(fig.data[1].x) == ["py", "c"] and list(fig.data[1].y) == [3.0, 4.0]
    assert [row[0] for row in fig.data[1].customdata] == [30, 40]
    assert "tokens=%{customdata[0]}" in fig.data[0].hovertemplate
    assert fig.layout.barmode == "group" and fig.layout.yaxis.title.text == "bytes"
    single = grouped_bars(df.head(2), "language", "v", text="v", text_format=".3f")
    assert len(single.data) == 1 and single.data[0].texttemplate == "%{text:.3f}"
    assert single.data[0].showlegend is False


def test_heatmap_keeps_rows_top_down_and_prints_values():
    from tokdash.viz.figures import grouped_boxes, heatmap

    m = pd.DataFrame([[1.0, 0.5], [1.25, 0.75]], index=["t1", "t2"], columns=["py", "c"])
    fig = heatmap(m, midpoint=1.0, color_title="NSL")
    assert list(fig.data[0].y) == ["t1", "t2"] and fig.layout.yaxis.autorange == "reversed"
    assert fig.data[0].z[1][0] == 1.25 and fig.data[0].zmid == 1.0
    assert fig.data[0].texttemplate == "%{z:.3f}"
    per_doc = pd.DataFrame({"language": ["py"] * 3, "tokenizer": ["a", "b", "a"], "x": [1, 2, 3]})
    box = grouped_boxes(per_doc, "language", "x", "tokenizer")
    boxes = [t for t in box.data if t.type == "box"]  # 1-2 documents each: drawn as points
    assert [t.name for t in boxes] == ["a", "b"] and list(boxes[0].y) == [1, 3]
    assert box.layout.boxmode == "group" and boxes[0].boxpoints == "all"
