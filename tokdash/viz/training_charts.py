"""Plotly figures of the Train page's sweep: a metric against vocabulary size, gain per doubling.

Pure functions of the tables `tokdash.training.sweep` returns (DataFrame in, `go.Figure` out).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

_METRIC_LABELS = {
    "bytes_per_token": "held-out UTF-8 bytes per token (higher = better)",
    "nsl": "held-out NSL, tokens / base tokens (lower = better)",
    "chars_per_token": "held-out characters per token (higher = better)",
}


def series_name(row: pd.Series) -> str:
    """The legend name of a sweep series: its regex, digit mode and mix (defaults left out)."""
    parts = [f"{row['regex']} regex" if row["regex"] != "identity" else "identity (no regex)"]
    if row["digits"] not in ("", "regex"):
        parts.append(f"digits {row['digits']}")
    if row["mix"] not in ("", "corpus"):
        parts.append(row["mix"])
    return " · ".join(parts)


def sweep_chart(
    table: pd.DataFrame, metric: str = "bytes_per_token", language: str = "ALL"
) -> go.Figure:
    """``metric`` against vocabulary size (log2 axis): a line per regex/mix, baselines as dots."""
    data = table[table["language"] == language]
    fig = go.Figure()
    trained = data[data["kind"] == "trained"].copy()
    trained["series"] = trained.apply(series_name, axis=1) if len(trained) else []
    for name, grp in trained.groupby("series", sort=True):
        grp = grp.sort_values("vocab_target")
        fig.add_trace(
            go.Scatter(
                x=grp["vocab_target"], y=grp[metric], mode="lines+markers", name=str(name),
                text=grp["tokenizer"], hovertemplate="%{text}<br>vocab %{x:,}<br>%{y:.3f}",
            )
        )  # fmt: skip
    for _, row in data[data["kind"] == "baseline"].iterrows():
        fig.add_trace(
            go.Scatter(
                x=[row["vocab_size"]], y=[row[metric]], mode="markers+text",
                name=f"{row['tokenizer']} (baseline)",
                text=[row["tokenizer"]], textposition="top center",
                marker={"symbol": "diamond", "size": 10},
            )
        )  # fmt: skip
    label = _METRIC_LABELS.get(metric, metric)
    fig.update_layout(
        title=f"{label[0].upper()}{label[1:].split(' (')[0]} vs vocabulary size ({language})",
        xaxis={"title": {"text": "vocabulary size (tokens, log2 scale)"}, "type": "log",
               "dtick": math.log10(2)},
        yaxis={"title": {"text": label}},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend_title_text="",
    )  # fmt: skip
    return fig


def doubling_chart(gains: pd.DataFrame, language: str = "ALL") -> go.Figure:
    """Percent gain per vocabulary doubling, at each step, one line per series."""
    data = gains[gains["language"] == language]
    fig = go.Figure()
    for (regex, digits, mix), grp in data.groupby(["regex", "digits", "mix"], sort=True):
        name = series_name(pd.Series({"regex": regex, "digits": digits, "mix": mix}))
        fig.add_trace(
            go.Bar(
                x=[f"{a:,}→{b:,}" for a, b in zip(grp["from_vocab"], grp["to_vocab"], strict=True)],
                y=100 * grp["tokens_saved_per_doubling"], name=name,
            )
        )  # fmt: skip
    fig.update_layout(
        title=f"Marginal gain of doubling the vocabulary ({language})",
        barmode="group",
        xaxis={"title": {"text": "vocabulary size step (tokens)"}},
        yaxis={"title": {"text": "tokens saved per vocabulary doubling (%)"}},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend_title_text="",
    )
    return fig
