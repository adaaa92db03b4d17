"""Plotly figures built from the metric tables (pure: DataFrame in, `go.Figure` out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tokdash.viz.figures import grouped_bars, grouped_boxes, heatmap

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
    label = labels.get(metric, metric)
    fig = grouped_bars(
        data,
        x="language",
        y=metric,
        color="tokenizer",
        y_title=label,
        hover=["documents", "bytes", "tokens"],
        title=f"{label.split(' (')[0]} by language",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def nsl_heatmap(matrix: pd.DataFrame, base: str) -> go.Figure:
    """Heatmap of NSL (tokenizer x language); 1.0 = as many tokens as the base."""
    fig = heatmap(
        matrix,
        midpoint=1.0,
        x_title="language",
        y_title="tokenizer",
        color_title=f"NSL vs {base}",
        title=f"Normalized sequence length vs {base} (tokens / {base} tokens; < 1 is shorter)",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def document_box(per_doc: pd.DataFrame, metric: str = "bytes_per_token") -> go.Figure:
    """Spread over documents of ``metric``: one box per tokenizer, split by language."""
    fig = grouped_boxes(
        per_doc,
        x="language",
        y=metric,
        color="tokenizer",
        y_title=metric.replace("_", " "),
        title=f"{metric.replace('_', ' ')} per document",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def utilization_bars(vocab: pd.DataFrame) -> go.Figure:
    """Share of each vocabulary used at least once, per language."""
    fig = grouped_bars(
        vocab,
        x="language",
        y="vocab_utilization",
        color="tokenizer",
        y_title="share of the vocabulary used",
        hover=["vocab_used", "vocab_size"],
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
    fig = grouped_bars(
        hist,
        x="length_bytes",
        y="tokens",
        color="tokenizer",
        x_title="token length (UTF-8 bytes)",
        y_title="token occurrences",
        title="Token length distribution (by occurrences in the corpus)",
    )
    fig.update_layout(**_LAYOUT)
    return fig
