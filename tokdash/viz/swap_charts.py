"""Plotly figures of the Swap page: how the current tokenizer spells the candidate's tokens, and
the candidate's NSL per language.

Pure functions of the tables `tokdash.transfer.planner` returns (DataFrame in, `go.Figure` out).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tokdash.viz.figures import grouped_bars

_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def pieces_figure(hist: pd.DataFrame, current: str, candidate: str) -> go.Figure:
    """Bar chart: candidate tokens by the number of current-tokenizer pieces that spell them."""
    data = hist.assign(pieces=hist["pieces"].astype(str))
    fig = grouped_bars(
        data,
        x="pieces",
        y="candidate_tokens",
        text="candidate_tokens",
        x_title=f"pieces in {current} (1 = shared token, 0 = cannot spell)",
        y_title=f"{candidate} tokens (count)",
        title=f"How {current} spells {candidate}'s tokens",
    )
    fig.update_xaxes(type="category")
    fig.update_layout(margin=_MARGIN)
    return fig


def nsl_figure(gain: pd.DataFrame, current: str, candidate: str) -> go.Figure:
    """Bars: NSL (candidate tokens / current tokens) per language, with 1.0 marked."""
    fig = grouped_bars(
        gain,
        x="language",
        y="nsl",
        text="nsl",
        text_format=".3f",
        y_title=f"NSL vs {current} (ratio)",
    )
    fig.update_layout(
        title={
            "text": f"{candidate} against {current} on your corpus",
            "subtitle": {
                "text": f"NSL = tokens({candidate}) / tokens({current}) on the same text; "
                "below 1 = fewer tokens"
            },
        }
    )
    fig.add_hline(y=1.0, line_dash="dash", annotation_text=f"{current} = 1.0")
    fig.update_layout(margin={**_MARGIN, "t": 70})
    return fig
