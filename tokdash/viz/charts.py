"""Plotly figures built from the metric tables (pure: DataFrame in, `go.Figure` out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tokdash.viz.figures import DASHES, PALETTE, colour, grouped_bars, grouped_boxes, heatmap
from tokdash.words import plural

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


#: Log axes: one tick per decade (1, 10, 100, 1k, ...), none of plotly's labelled 2s and 5s.
LOG_AXIS = {"type": "log", "dtick": 1, "exponentformat": "SI"}


def zipf_curves(curves: dict[str, pd.DataFrame]) -> go.Figure:
    """Rank-frequency curves (log-log), one line per tokenizer (`ZIPF_POINTS` log-spaced ranks
    each), each in its own colour and dash so overlapping curves stay visible."""
    fig = go.Figure()
    for i, (name, df) in enumerate(curves.items()):
        df = df.iloc[log_spaced(len(df))]
        fig.add_trace(
            go.Scatter(
                x=df["rank"],
                y=df["frequency"],
                mode="lines",
                name=name,
                line={"color": colour(i), "dash": DASHES[i % len(DASHES)], "width": 2.5},
                hovertemplate="rank %{x:,}<br>%{y:,} occurrences<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_xaxes(title="rank of the token (1 = most frequent)", **LOG_AXIS)
    fig.update_yaxes(title="occurrences in the corpus", **LOG_AXIS)
    fig.update_layout(title="Rank-frequency (Zipf) curves", colorway=list(PALETTE), **_LAYOUT)
    return fig


#: Token lengths above this quantile of every tokenizer's occurrences share the last bin.
LENGTH_QUANTILE = 0.995


def clip_length_histogram(
    hist: pd.DataFrame, quantile: float = LENGTH_QUANTILE
) -> tuple[pd.DataFrame, int]:
    """`token_length_histogram` rows of several tokenizers (columns tokenizer, length_bytes,
    tokens), with every length longer than ``cap`` summed into one last bin.

    ``cap`` = the largest, over tokenizers, of the smallest length L whose cumulative share of
    that tokenizer's occurrences reaches ``quantile``: the last bin ("≥cap+1") holds at most
    1 - quantile of any tokenizer's tokens. Returns (table, cap); the table has one row per
    tokenizer and bin from length 1 (zeros filled in), columns tokenizer, length_bytes (the
    bin's lower bound), length (its label), tokens, share (of the tokenizer's occurrences)."""
    cap = 1
    for _name, part in hist.groupby("tokenizer", sort=False):
        part = part.sort_values("length_bytes")
        total = part["tokens"].sum()
        if total <= 0:
            continue
        reached = part["tokens"].cumsum().to_numpy() >= quantile * total
        cap = max(cap, int(part["length_bytes"].to_numpy()[reached.argmax()]))
    longer = bool((hist["length_bytes"] > cap).any())
    lengths = list(range(1, cap + 2 if longer else cap + 1))
    rows = []
    for name, part in hist.groupby("tokenizer", sort=False):
        binned = part["length_bytes"].clip(lower=1, upper=cap + 1)
        sums = part["tokens"].groupby(binned).sum().reindex(lengths, fill_value=0)
        total = part["tokens"].sum()
        for length, n in sums.items():
            rows.append(
                {
                    "tokenizer": name,
                    "length_bytes": length,
                    "length": f"≥{length}" if length > cap else str(length),
                    "tokens": int(n),
                    "share": n / total if total else 0.0,
                }
            )
    columns = ["tokenizer", "length_bytes", "length", "tokens", "share"]
    return pd.DataFrame(rows, columns=columns), cap


def length_note(hist: pd.DataFrame, cap: int) -> str:
    """A line saying how many token occurrences are longer than ``cap`` bytes (in the last bin)."""
    longer = hist.loc[hist["length_bytes"] > cap, "tokens"].sum()
    if not longer:
        return f"No token is longer than {plural(cap, 'byte')}."
    share = longer / hist["tokens"].sum()
    verb = "is" if longer == 1 else "are"
    return (
        f"{plural(int(longer), 'token occurrence')} ({share:.2%}) {verb} longer than "
        f"{plural(cap, 'byte')}: counted in the last bin, ≥{cap + 1}."
    )


def token_length_histogram(hist: pd.DataFrame) -> go.Figure:
    """Share of each tokenizer's token occurrences (y) per token length in bytes (x), one line
    per tokenizer; lengths beyond the `LENGTH_QUANTILE` quantile share a last "≥N" bin, and the
    subtitle says how many tokens that is."""
    binned, cap = clip_length_histogram(hist)
    fig = go.Figure()
    for i, (name, part) in enumerate(binned.groupby("tokenizer", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=part["length"],
                y=part["share"],
                customdata=part["tokens"],
                mode="lines+markers",
                name=str(name),
                line={"color": colour(i), "dash": DASHES[i % len(DASHES)], "width": 2},
                marker={"size": 6},
                hovertemplate="%{x} bytes: %{y:.1%} (%{customdata:,} tokens)"
                "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_xaxes(type="category", title="token length (UTF-8 bytes)")
    fig.update_yaxes(title="share of token occurrences", tickformat=".0%", rangemode="tozero")
    fig.update_layout(
        title={
            "text": "Token length distribution (by occurrences in the corpus)",
            "subtitle": {"text": length_note(hist, cap)},
        },
        colorway=list(PALETTE),
        **{**_LAYOUT, "margin": {**_LAYOUT["margin"], "t": 70}},
    )
    return fig
