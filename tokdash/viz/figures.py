"""Figure builders shared by the chart modules, on `plotly.graph_objects` directly.

plotly.express costs ~30 ms of server time per figure (its data wrangling), ~6x what the same
traces cost built here; a page draws up to four figures per run, and a hosted server runs many
sessions' pages at once. The look is express's: one trace per colour group, in the order the
groups first appear, the default colourway.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go


def _groups(data: pd.DataFrame, color: str | None):
    if color is None:
        yield None, data
        return
    yield from data.groupby(color, sort=False)


def grouped_bars(
    data: pd.DataFrame,
    x: str,
    y: str,
    color: str | None = None,
    *,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    hover: Sequence[str] = (),
    text: str | None = None,
    text_format: str | None = None,
) -> go.Figure:
    """Bars of ``y`` against ``x``, one trace per value of ``color`` (grouped side by side).

    ``hover``: extra columns shown on hover; ``text``: a column printed on the bars (formatted
    with ``text_format``, a d3 format such as ``.3f``)."""
    fig = go.Figure()
    y_label = y_title if y_title is not None else y
    x_label = x_title if x_title is not None else x
    for name, part in _groups(data, color):
        lines = [f"{x_label}=%{{x}}", f"{y_label}=%{{y}}"]
        custom = None
        if hover:
            custom = np.column_stack([part[c].to_numpy() for c in hover])
            lines += [f"{c}=%{{customdata[{i}]}}" for i, c in enumerate(hover)]
        bar = go.Bar(
            x=part[x].to_numpy(),
            y=part[y].to_numpy(),
            name=None if name is None else str(name),
            customdata=custom,
            hovertemplate="<br>".join(lines) + "<extra>%{fullData.name}</extra>",
            showlegend=color is not None,
        )
        if text is not None:
            bar.text = part[text].to_numpy()
            bar.texttemplate = f"%{{text:{text_format}}}" if text_format else "%{text}"
            bar.textposition = "auto"
        fig.add_trace(bar)
    fig.update_layout(
        barmode="group",
        title=title,
        xaxis_title=x_label,
        yaxis_title=y_label,
        legend_title_text=color or "",
    )
    return fig


def grouped_boxes(
    data: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
) -> go.Figure:
    """Box plots of ``y`` per ``x``, one trace per value of ``color`` (grouped, no points)."""
    fig = go.Figure()
    for name, part in _groups(data, color):
        fig.add_trace(
            go.Box(x=part[x].to_numpy(), y=part[y].to_numpy(), name=str(name), boxpoints=False)
        )
    fig.update_layout(
        boxmode="group",
        title=title,
        xaxis_title=x_title if x_title is not None else x,
        yaxis_title=y_title if y_title is not None else y,
        legend_title_text=color,
    )
    return fig


def heatmap(
    matrix: pd.DataFrame,
    *,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    color_title: str = "",
    text_format: str = ".3f",
    colorscale: str = "RdBu_r",
    midpoint: float | None = None,
) -> go.Figure:
    """A labelled heatmap of ``matrix`` (rows on y, top row first), each cell's value printed."""
    values = matrix.to_numpy(dtype=float)
    trace = go.Heatmap(
        z=values,
        x=[str(c) for c in matrix.columns],
        y=[str(i) for i in matrix.index],
        colorscale=colorscale,
        zmid=midpoint,
        texttemplate=f"%{{z:{text_format}}}",
        colorbar={"title": {"text": color_title}},
        hovertemplate=f"{x_title}=%{{x}}<br>{y_title}=%{{y}}<br>{color_title}=%{{z}}<extra></extra>",
    )
    fig = go.Figure(trace)
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title)
    fig.update_yaxes(autorange="reversed")
    return fig
