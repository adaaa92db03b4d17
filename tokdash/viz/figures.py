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

#: Ten distinct mid-saturation colours readable on a white background (Tableau 10), in order.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#7f7f7f",
)
#: Line dashes cycled with the colours, so lines that overlap stay distinguishable.
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: A box needs at least this many points to mean anything; smaller groups are drawn as points.
MIN_BOX_POINTS = 5


def colour(i: int) -> str:
    """The ``i``-th series colour (`PALETTE`, cycled)."""
    return PALETTE[i % len(PALETTE)]


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
        colorway=list(PALETTE),
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
    """Box plots of ``y`` per ``x``, one colour per value of ``color`` (grouped side by side).

    A box of 1-4 values is a flat line that hides how few there are: an (``x``, ``color``) group
    with fewer than `MIN_BOX_POINTS` values is drawn as its points instead (a second trace in the
    same offset group and legend entry), larger groups as boxes without points. A colour with
    points only gets its legend entry from an empty square-marker trace."""
    fig = go.Figure()
    for i, (name, part) in enumerate(_groups(data, color)):
        label = str(name)
        sizes = part.groupby(x, sort=False)[y].transform("size")
        boxes, points = part[sizes >= MIN_BOX_POINTS], part[sizes < MIN_BOX_POINTS]
        common = {"name": label, "offsetgroup": label, "legendgroup": label}
        if not boxes.empty:
            fig.add_trace(
                go.Box(
                    x=boxes[x].to_numpy(),
                    y=boxes[y].to_numpy(),
                    boxpoints=False,
                    marker_color=colour(i),
                    **common,
                )
            )
        if not points.empty:
            fig.add_trace(
                go.Box(
                    x=points[x].to_numpy(),
                    y=points[y].to_numpy(),
                    boxpoints="all",
                    jitter=0.3,
                    pointpos=0,
                    fillcolor="rgba(0,0,0,0)",
                    line_width=0,
                    hoveron="points",
                    marker={"color": colour(i), "size": 7},
                    showlegend=False,
                    **common,
                )
            )
            if boxes.empty:  # an invisible box's legend icon is blank: a square marker instead
                fig.add_trace(
                    go.Scatter(
                        x=[None],
                        y=[None],
                        mode="markers",
                        marker={"color": colour(i), "size": 12, "symbol": "square"},
                        name=label,
                        legendgroup=label,
                        hoverinfo="skip",
                    )
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
