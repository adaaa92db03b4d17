"""The Paper check chart: NSL against vocabulary size, the paper's curve and measured points."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tokdash.paper.replication import reference_curve
from tokdash.tokenizers.catalog import PAPER_BASE


def nsl_vocab_figure(points: pd.DataFrame, base: str = PAPER_BASE, column: str = "code_nsl"):
    """NSL vs vocabulary size (log2 x axis): the paper's GPT-4-regex curve and measured points."""
    ref = reference_curve()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=ref["vocab_size"].tolist(),
            y=ref[column].tolist(),
            mode="lines+markers",
            name="paper: GPT-4 regex, reported",
            line={"dash": "dash", "color": "#888"},
            marker={"size": 5},
        )
    )
    pts = points[(points["tokenizer"] != base) & points[column].notna()]
    symbols = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross"]
    for i, (group, sub) in enumerate(pts.groupby("group", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=sub["vocab_size"].tolist(),
                y=sub[column].tolist(),
                mode="markers",
                name=f"{group}, measured",
                text=sub["tokenizer"].tolist(),
                hovertemplate="%{text}<br>vocabulary %{x:,}<br>NSL %{y:.3f}<extra></extra>",
                marker={"size": 12, "symbol": symbols[i % len(symbols)]},
            )
        )
    xs = [*ref["vocab_size"], *pts["vocab_size"]]
    lo, hi = min(xs) / 1.5, max(xs) * 1.5
    ticks = [1000 * 2.0**i for i in range(-6, 12) if lo <= 1000 * 2.0**i <= hi]
    what = {"code_nsl": "code", "english_nsl": "English", "overall_nsl": "all"}.get(column, "")
    fig.update_layout(
        title=f"NSL vs vocabulary size on {what} (lower = fewer tokens than {base})",
        xaxis={
            "type": "log",
            "title": {"text": "vocabulary size (tokens, log2 scale)"},
            "tickvals": ticks,
            "ticktext": [f"{t / 1000:g}k" for t in ticks],
        },
        yaxis={"title": {"text": f"NSL = tokens / {base} tokens"}},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend_title_text="",
    )
    return fig
