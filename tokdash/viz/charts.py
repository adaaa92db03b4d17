"""Plotly figures built from the metric tables (pure: DataFrame in, `go.Figure` out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "legend_title_text": ""}


def bytes_per_token_bars(table: pd.DataFrame, metric: str = "bytes_per_token") -> go.Figure:
    """Grouped bars: ``metric`` per language (x), one bar per tokenizer."""
    data = table[table["language"] != "ALL"]
    if data.empty:
        data = table
    labels = {
        "bytes_per_token": "UTF-8 bytes per token (higher = better compression)",
        "chars_per_token": "characters per token (higher = better compression)",
        "tokens_per_line": "tokens per line (lower = better)",
        "nsl": "normalized sequence length (lower = fewer tokens than the base)",
    }
    fig = px.bar(
        data,
        x="language",
        y=metric,
        color="tokenizer",
        barmode="group",
        labels={metric: labels.get(metric, metric), "language": "language"},
        hover_data=["documents", "bytes", "tokens"],
        title=f"{labels.get(metric, metric).split(' (')[0]} by language",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def nsl_heatmap(matrix: pd.DataFrame, base: str) -> go.Figure:
    """Heatmap of NSL (tokenizer x language); 1.0 = as many tokens as the base."""
    fig = px.imshow(
        matrix,
        text_auto=".3f",
        color_continuous_scale="RdBu_r",
        color_continuous_midpoint=1.0,
        aspect="auto",
        labels={"color": f"NSL vs {base}", "x": "language", "y": "tokenizer"},
        title=f"Normalized sequence length vs {base} (tokens / {base} tokens; < 1 is shorter)",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def document_box(per_doc: pd.DataFrame, metric: str = "bytes_per_token") -> go.Figure:
    """Spread over documents of ``metric``: one box per tokenizer, split by language."""
    fig = px.box(
        per_doc,
        x="language",
        y=metric,
        color="tokenizer",
        points=False,
        labels={metric: metric.replace("_", " "), "language": "language"},
        title=f"{metric.replace('_', ' ')} per document",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def utilization_bars(vocab: pd.DataFrame) -> go.Figure:
    """Share of each vocabulary used at least once, per language."""
    fig = px.bar(
        vocab,
        x="language",
        y="vocab_utilization",
        color="tokenizer",
        barmode="group",
        labels={"vocab_utilization": "share of the vocabulary used"},
        hover_data=["vocab_used", "vocab_size"],
        title="Vocabulary utilization",
    )
    fig.update_layout(**_LAYOUT)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


#: Points drawn per Zipf curve: log-spaced ranks (a log-log line needs no more; the full curve
#: of a 200k vocabulary made the chart the page's slowest part).
ZIPF_POINTS = 600


def log_spaced(n: int, points: int = ZIPF_POINTS) -> np.ndarray:
    """Up to ``points`` distinct indices in ``[0, n)``, evenly spaced in log(rank), first and last
    included."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.geomspace(1, n, points).astype(np.int64) - 1)


def zipf_curves(curves: dict[str, pd.DataFrame]) -> go.Figure:
    """Rank-frequency curves (log-log), one line per tokenizer (`ZIPF_POINTS` log-spaced ranks
    each)."""
    fig = go.Figure()
    for name, df in curves.items():
        df = df.iloc[log_spaced(len(df))]
        fig.add_trace(go.Scatter(x=df["rank"], y=df["frequency"], mode="lines", name=name))
    fig.update_xaxes(type="log", title="rank of the token (1 = most frequent)")
    fig.update_yaxes(type="log", title="occurrences in the corpus")
    fig.update_layout(title="Rank-frequency (Zipf) curves", **_LAYOUT)
    return fig


def token_length_histogram(hist: pd.DataFrame) -> go.Figure:
    """Token length in bytes (x) against count (y), one colour per tokenizer."""
    fig = px.bar(
        hist,
        x="length_bytes",
        y="tokens",
        color="tokenizer",
        barmode="group",
        labels={"length_bytes": "token length (UTF-8 bytes)", "tokens": "token occurrences"},
        title="Token length distribution (by occurrences in the corpus)",
    )
    fig.update_layout(**_LAYOUT)
    return fig
