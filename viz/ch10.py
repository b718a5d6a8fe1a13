"""Figures for chapter 10: accuracy by number of digits (direct against scratchpad), and
SmolLM2 asked directly against "let's think step by step".

Plain numbers in, plotly Figures out; all labels arrive translated from the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from viz.style import apply_style
from viz.text import for_plotly

#: One colour per way of answering (colour-blind safe, as chapter 8's).
COLOURS = {"direct": "#E69F00", "scratchpad": "#0072B2", "step": "#0072B2"}
TICK_FONT = 15


def accuracy_figure(
    digits: Sequence[int],
    accuracy: Mapping[str, Sequence[float]],
    labels: Mapping[str, str],
    held_out: int | None = None,
    height: int = 360,
) -> go.Figure:
    """Grouped bars: exact-match accuracy per number of digits, one bar per way of answering.

    ``accuracy``: ``{fmt: [accuracy for each of digits]}`` (0..1); ``labels``: ``title``,
    ``x``, ``y``, one name per fmt, and ``held_out`` (the note over a digit count never trained on)."""
    ticks = [str(n) for n in digits]
    fig = go.Figure()
    for fmt, values in accuracy.items():
        fig.add_bar(
            x=ticks,
            y=[float(v) for v in values],
            name=for_plotly(labels[fmt]),
            marker_color=COLOURS.get(fmt, "#555555"),
            text=[f"{100 * v:.0f}%" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.0%}<extra>" + for_plotly(labels[fmt]) + "</extra>",
        )
    if held_out is not None and str(held_out) in ticks:
        fig.add_vrect(
            x0=ticks.index(str(held_out)) - 0.5,
            x1=ticks.index(str(held_out)) + 0.5,
            fillcolor="#9CA3AF",
            opacity=0.18,
            line_width=0,
            annotation_text=for_plotly(labels.get("held_out", "")),
            annotation_position="top",
        )
    fig.update_layout(
        barmode="group",
        xaxis_title=labels["x"],
        yaxis_title=labels["y"],
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", tickfont={"size": TICK_FONT})
    fig.update_xaxes(type="category", tickfont={"size": TICK_FONT})
    return apply_style(fig, height=height, title=labels.get("title"))


def smollm2_figure(accuracy: Mapping[str, float], labels: Mapping[str, str], height: int = 260) -> go.Figure:
    """Horizontal bars: SmolLM2's accuracy asked directly and asked to think step by step."""
    modes = list(accuracy)
    fig = go.Figure(
        go.Bar(
            y=[for_plotly(labels[mode]) for mode in modes],
            x=[float(accuracy[mode]) for mode in modes],
            orientation="h",
            marker_color=[COLOURS.get(mode, "#555555") for mode in modes],
            text=[f"{100 * accuracy[mode]:.0f}%" for mode in modes],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1.15], tickformat=".0%", title_text=labels["x"])
    fig.update_yaxes(autorange="reversed", tickfont={"size": TICK_FONT})
    return apply_style(fig, height=height, title=labels.get("title"))
