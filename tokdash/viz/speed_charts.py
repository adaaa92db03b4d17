"""Plotly figures of the Speed page: probe results, the vocabulary cost model, effective context.

Pure functions of DataFrames (no streamlit), like `tokdash.viz.charts`.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "legend_title_text": ""}


def speed_scatter(results: pd.DataFrame) -> go.Figure:
    """Decode tokens/s (x) against characters/s of generated code (y), one point per tokenizer."""
    fig = px.scatter(
        results,
        x="decode_tokens_per_s",
        y="chars_per_s",
        color="tokenizer",
        text="tokenizer",
        size_max=14,
        hover_data=["vocab_size", "chars_per_token", "itl_ms", "ttft_ms"],
        labels={
            "decode_tokens_per_s": "decode speed (tokens/s)",
            "chars_per_s": "generated code (characters/s)",
        },
        title="Tokens/s against characters/s: the same model with each tokenizer's vocabulary",
    )
    fig.update_traces(marker={"size": 12}, textposition="top center")
    fig.update_layout(**_LAYOUT, showlegend=False)
    if len(results):  # headroom for the labels above the points
        fig.update_xaxes(range=[0, float(results["decode_tokens_per_s"].max()) * 1.1])
        fig.update_yaxes(range=[0, float(results["chars_per_s"].max()) * 1.2])
    return fig


def bound_bars(results: pd.DataFrame) -> go.Figure:
    """Measured decode tokens/s next to the memory-bandwidth bound, per tokenizer."""
    data = results.melt(
        id_vars=["tokenizer"],
        value_vars=["decode_tokens_per_s", "bound_tokens_per_s"],
        var_name="series",
        value_name="tokens_per_s",
    )
    data["series"] = data["series"].map(
        {"decode_tokens_per_s": "measured decode", "bound_tokens_per_s": "bandwidth bound"}
    )
    fig = px.bar(
        data,
        x="tokenizer",
        y="tokens_per_s",
        color="series",
        barmode="group",
        labels={"tokens_per_s": "decode speed (tokens/s)", "tokenizer": "tokenizer"},
        title="Measured decode vs the memory-bandwidth bound",
    )
    fig.update_layout(**_LAYOUT)
    return fig


def params_chart(sweep: pd.DataFrame, marks: pd.DataFrame | None = None) -> go.Figure:
    """Parameters (millions) of the vocabulary layers and of the body over vocabulary size."""
    fig = go.Figure()
    fig.add_scatter(
        x=sweep["vocab_size"],
        y=sweep["params_vocab"] / 1e6,
        name="embedding + output",
        mode="lines+markers",
    )
    fig.add_scatter(
        x=sweep["vocab_size"], y=sweep["params_body"] / 1e6, name="body", mode="lines+markers"
    )
    if marks is not None and not marks.empty:
        fig.add_scatter(
            x=marks["vocab_size"],
            y=marks["params_total"] * marks["params_vocab_share"] / 1e6,
            mode="markers+text",
            text=marks["tokenizer"],
            textposition="top left",
            name="selected tokenizers",
            marker={"size": 11, "symbol": "diamond"},
        )
    fig.update_layout(
        **_LAYOUT,
        title="Parameters by part over vocabulary size",
        xaxis_title="vocabulary size (tokens)",
        yaxis_title="parameters (millions)",
    )
    return fig


def share_chart(sweep: pd.DataFrame) -> go.Figure:
    """Share (%) of parameters and of per-token FLOPs spent on the vocabulary layers."""
    fig = go.Figure()
    fig.add_scatter(
        x=sweep["vocab_size"],
        y=100 * sweep["params_vocab_share"],
        name="parameters in embedding + output",
        mode="lines+markers",
    )
    fig.add_scatter(
        x=sweep["vocab_size"],
        y=100 * sweep["flops_output_share"],
        name="forward FLOPs/token in the output layer",
        mode="lines+markers",
    )
    fig.update_layout(
        **_LAYOUT,
        title="What the vocabulary costs, as a share of the model",
        xaxis_title="vocabulary size (tokens)",
        yaxis_title="share (%)",
    )
    return fig


def memory_chart(sweep: pd.DataFrame, context: int) -> go.Figure:
    """Weight memory (vocabulary layers vs the rest) and the KV cache, MiB, over vocab size."""
    fig = go.Figure()
    rest = sweep["weights_mib"] - sweep["vocab_weights_mib"]
    short = [f"{v / 1000:.0f}k" for v in sweep["vocab_size"]]
    # one bar per size: sizes that round alike (100,256 and 100,277) keep their exact value
    labels = [
        lab if short.count(lab) == 1 else f"{v:,}"
        for lab, v in zip(short, sweep["vocab_size"], strict=True)
    ]
    fig.add_bar(x=labels, y=rest, name="body weights")
    fig.add_bar(x=labels, y=sweep["vocab_weights_mib"], name="vocab weights")
    fig.add_bar(
        x=labels,
        y=sweep["kv_cache_mib"],
        name=f"KV cache ({context:,} tokens)",
    )
    fig.update_layout(
        **_LAYOUT,
        barmode="stack",
        title="Memory over vocabulary size",
        xaxis_title="vocabulary size (tokens; k = thousands)",
        xaxis_type="category",
        yaxis_title="memory (MiB)",
    )
    return fig


def compression_chart(table: pd.DataFrame) -> go.Figure:
    """Measured bytes/token (y) of the selected tokenizers against their vocabulary size (x)."""
    fig = px.scatter(
        table,
        x="vocab_size",
        y="bytes_per_token",
        text="tokenizer",
        hover_data=["gain_vs_base", "params_vocab_share"],
        labels={
            "vocab_size": "vocabulary size (tokens)",
            "bytes_per_token": "UTF-8 bytes per token on your corpus",
        },
        title="Compression gained for the vocabulary paid",
    )
    fig.update_traces(marker={"size": 12}, textposition="top center")
    fig.update_layout(**_LAYOUT)
    if len(table):
        fig.update_xaxes(range=[0, float(table["vocab_size"].max()) * 1.2])
    return fig


def context_chart(ctx: pd.DataFrame) -> go.Figure:
    """Lines of the user's code one window holds, per tokenizer."""
    window = int(ctx["window_tokens"].iloc[0]) if len(ctx) else 0
    fig = px.bar(
        ctx,
        x="tokenizer",
        y="window_lines",
        text_auto=".0f",
        labels={"window_lines": "lines of code per window", "tokenizer": "tokenizer"},
        title=f"Lines of your code in a {window:,}-token window",
    )
    fig.update_layout(**_LAYOUT)
    return fig
