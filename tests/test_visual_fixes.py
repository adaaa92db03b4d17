"""The visual fixes: readable token-length and Zipf charts, small groups drawn as points, counted
nouns, the Swap tables' display formats, the regex table's widths and the app-wide CSS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tokdash.viz.charts import clip_length_histogram, length_note, token_length_histogram
from tokdash.words import plural


def lengths() -> pd.DataFrame:
    # a: 999 of its 1,000 occurrences have <= 3 bytes (its 99.5% point is 3), one has 40;
    # b: half at 1 byte, half at 5 (its 99.5% point is 5). The cap is the larger: 5.
    return pd.DataFrame(
        {
            "tokenizer": ["a", "a", "a", "a", "b", "b"],
            "length_bytes": [1, 2, 3, 40, 1, 5],
            "tokens": [500, 300, 199, 1, 10, 10],
        }
    )


def test_plural_counts_nouns():
    assert plural(1, "document") == "1 document"
    assert plural(0, "language") == "0 languages"
    assert plural(1200, "language") == "1,200 languages"
    assert plural(2, "entry", "entries") == "2 entries"


def test_clip_length_histogram_caps_at_the_quantile_and_fills_zeros():
    table, cap = clip_length_histogram(lengths())
    assert cap == 5
    a = table[table["tokenizer"] == "a"]
    assert a["length"].tolist() == ["1", "2", "3", "4", "5", "≥6"]
    assert a["tokens"].tolist() == [500, 300, 199, 0, 0, 1]
    assert a["share"].sum() == pytest.approx(1.0) and a["share"].iloc[0] == 0.5
    b = table[table["tokenizer"] == "b"]
    assert b["tokens"].tolist() == [10, 0, 0, 0, 10, 0]
    assert length_note(lengths(), cap) == (
        "1 token occurrence (0.10%) is longer than 5 bytes: counted in the last bin, ≥6."
    )
    # nothing beyond the cap: no "≥" bin
    short = lengths()[lengths()["length_bytes"] < 10]
    table, cap = clip_length_histogram(short)
    assert cap == 5 and "≥" not in "".join(table["length"]) and "No token" in length_note(short, 5)


def test_token_length_chart_lines_share_axis_and_subtitle():
    fig = token_length_histogram(lengths())
    assert [t.name for t in fig.data] == ["a", "b"]
    assert fig.data[0].mode == "lines+markers" and fig.data[0].line.color != fig.data[1].line.color
    assert list(fig.data[0].x)[-1] == "≥6" and fig.layout.xaxis.type == "category"
    assert "bytes" in fig.layout.xaxis.title.text and "share" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.tickformat == ".0%"
    assert "longer than 5 bytes" in fig.layout.title.subtitle.text


def test_zipf_axes_have_decade_ticks_and_distinct_lines():
    from tokdash.viz.charts import zipf_curves

    df = pd.DataFrame({"rank": np.arange(1, 101), "frequency": np.arange(100, 0, -1)})
    fig = zipf_curves({"t1": df, "t2": df, "t3": df})
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.type == "log" and axis.dtick == 1 and axis.exponentformat == "SI"
    styles = {(t.line.color, t.line.dash) for t in fig.data}
    assert len(styles) == 3 and len({t.line.color for t in fig.data}) == 3


def test_grouped_boxes_draw_small_groups_as_points():
    from tokdash.viz.figures import MIN_BOX_POINTS, grouped_boxes

    n = MIN_BOX_POINTS
    per_doc = pd.DataFrame(
        {
            "language": ["py"] * n + ["sh"] * 2 + ["py"] * 3,
            "tokenizer": ["a"] * (n + 2) + ["b"] * 3,
            "x": list(range(n)) + [10, 11] + [1, 2, 3],
        }
    )
    fig = grouped_boxes(per_doc, "language", "x", "tokenizer")
    # a: a box for py (5 docs) and points for sh (2); b: points only for py (3 docs)
    boxes = [t for t in fig.data if t.type == "box"]
    kinds = [(t.name, t.boxpoints, tuple(t.x)) for t in boxes]
    assert kinds == [
        ("a", False, ("py",) * n),
        ("a", "all", ("sh", "sh")),
        ("b", "all", ("py",) * 3),
    ]
    assert boxes[0].offsetgroup == boxes[1].offsetgroup == "a"
    assert boxes[0].marker.color == boxes[1].marker.color != boxes[2].marker.color
    # one legend entry per tokenizer: a's box, and b's square marker (its points have none)
    legend = [(t.type, t.name) for t in fig.data if t.showlegend is not False]
    assert legend == [("box", "a"), ("scatter", "b")]
    assert fig.data[-1].marker.color == boxes[2].marker.color
    assert fig.layout.boxmode == "group"


def test_swap_nsl_axis_title_is_short_and_defined_in_the_subtitle():
    from tokdash.viz.swap_charts import nsl_figure

    gain = pd.DataFrame({"language": ["ALL"], "nsl": [0.9]})
    fig = nsl_figure(gain, "llama2", "gpt2")
    assert len(fig.layout.yaxis.title.text) <= 25 and "NSL" in fig.layout.yaxis.title.text
    assert "tokens(gpt2) / tokens(llama2)" in fig.layout.title.subtitle.text


def test_swap_tables_format_for_display_only():
    from tokdash.ui import swap_ui

    size = swap_ui.SIZE_COLUMNS
    assert size["total_params"]["type_config"]["format"] == "compact"
    assert size["vocab_size"]["type_config"]["format"] == "%,d"
    assert size["vocab_share"]["type_config"]["format"] == "percent"
    assert swap_ui.BUDGET_ORDER == ("what", "readable")


def test_regex_table_fits_1400_px():
    import json

    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from tokdash.viz.views import PATTERN_COLUMNS

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.run()
    at.switch_page("app_pages/regex_splits.py").run()
    assert not at.exception, at.exception
    table = next(df for df in at.dataframe if "unmatched_chunks" in df.value.columns)
    config = json.loads(table.proto.columns)
    assert list(table.value.columns) == PATTERN_COLUMNS  # the data (and CSV) keep their names
    widths = [config[c]["width"] for c in PATTERN_COLUMNS]
    assert sum(widths) <= 930  # the main column is ~940 px at 1,400 px with the sidebar open


def test_inject_css_makes_text_areas_monospace():
    from tokdash.ui.style import CSS

    assert ".stTextArea textarea" in CSS and "monospace" in CSS


def test_count_columns_are_integer_counts_not_ids():
    import pandas as pd

    from tokdash.ui.widgets import count_columns

    df = pd.DataFrame(
        {
            "id": [1, 2],
            "token_id": [3, 4],
            "seed": [0, 0],
            "tokens": [3780, 12],
            "bytes": [8961, 10],
            "share": [0.5, 0.5],
            "ok": [True, False],
            "language": ["c", "go"],
        }
    )
    assert count_columns(df) == ["tokens", "bytes"]
