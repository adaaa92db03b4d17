"""Plotly figures of the code-structure table and the vocabulary audit (pure: tables in,
`go.Figure` out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tokdash.viz.figures import grouped_bars

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "legend_title_text": ""}

#: The share metrics, in the order drawn, with their axis labels.
SHARE_METRICS: dict[str, str] = {
    "lexeme_integrity": "lexemes kept whole ↑",
    "identifier_integrity": "identifiers kept whole ↑",
    "boundary_alignment": "boundaries between<br>lexemes ↑",
    "indent_single_share": "indentation<br>in one token ↑",
    "crossing_rate": "tokens crossing<br>2+ leaves ↓",
    "partial_utf8_share": "tokens not<br>valid UTF-8 ↓",
}
#: The per-lexeme token counts, with their axis labels.
COUNT_METRICS: dict[str, str] = {
    "identifier_tokens_mean": "per identifier",
    "number_tokens_mean": "per number",
    "indent_tokens_mean": "per indentation",
}
DIGIT_COLUMNS: dict[str, str] = {
    "digit_group_1": "1",
    "digit_group_2": "2",
    "digit_group_3": "3",
    "digit_group_4plus": "4+",
}


def _long(table: pd.DataFrame, language: str, columns: dict[str, str], scale: float = 1.0):
    rows = table[table["language"] == language]
    out = rows.melt(id_vars=["tokenizer"], value_vars=list(columns), var_name="metric")
    out["value"] = out["value"] * scale
    out["metric"] = out["metric"].map(columns)
    return out


def _grouped(data: pd.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """Grouped bars: metric on x, one bar per tokenizer."""
    return grouped_bars(
        data,
        x="metric",
        y="value",
        color="tokenizer",
        x_title=labels.get("metric", "metric"),
        y_title=labels.get("value", "value"),
        title=title,
    )


def share_bars(table: pd.DataFrame, language: str = "ALL") -> go.Figure:
    """Grouped bars: each share metric (x) in %, one bar per tokenizer, for one language."""
    fig = _grouped(
        _long(table, language, SHARE_METRICS, 100.0),
        {"value": "share (%)", "metric": ""},
        f"How tokens respect the code: {language} (↑ higher is better, ↓ lower is better)",
    )
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    fig.update_xaxes(tickangle=0)
    fig.update_traces(hovertemplate="%{x}: %{y:.1f}%")
    fig.update_layout(**_LAYOUT)
    return fig


def tokens_per_lexeme_bars(table: pd.DataFrame, language: str = "ALL") -> go.Figure:
    """Grouped bars: mean tokens per identifier, number and indentation, per tokenizer."""
    fig = _grouped(
        _long(table, language, COUNT_METRICS),
        {"value": "tokens (mean)", "metric": ""},
        f"Tokens per lexeme: {language} (1 = never split)",
    )
    fig.update_traces(hovertemplate="%{x}: %{y:.2f} tokens")
    fig.update_layout(**_LAYOUT)
    return fig


def digit_group_bars(table: pd.DataFrame, language: str = "ALL") -> go.Figure:
    """Grouped bars: share of digit groups (digits of a number held by one token) by length."""
    fig = _grouped(
        _long(table, language, DIGIT_COLUMNS, 100.0),
        {"value": "share of digit groups (%)", "metric": "digits in one token"},
        f"How numbers split: {language}",
    )
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    fig.update_xaxes(type="category")
    fig.update_traces(hovertemplate="%{x} digit(s): %{y:.1f}%")
    fig.update_layout(**_LAYOUT)
    return fig


def audit_bars(summary: pd.DataFrame) -> go.Figure:
    """Grouped bars on a log axis: ids per audit category (and never seen), per tokenizer."""
    cats = ["special", "partial_utf8", "unreachable", "ok"]
    if summary["never_seen"].notna().any():
        cats.append("never_seen")
    data = summary.melt(id_vars=["tokenizer"], value_vars=cats, var_name="category")
    fig = grouped_bars(
        data,
        x="category",
        y="value",
        color="tokenizer",
        x_title="",
        y_title="ids (log scale)",
        title="Vocabulary audit: ids per category",
    )
    fig.update_yaxes(type="log", dtick=1, tickformat=",")
    fig.update_traces(hovertemplate="%{x}: %{y:,} ids")
    fig.update_layout(**_LAYOUT)
    return fig
