"""Figures for chapter 10's bias probe and responsibility sections.

Plain numbers in, plotly Figures out; every label arrives translated from the caller
(``labels`` dicts), so nothing here knows a language. Sentences in hover text are made
literal with :func:`viz.text.for_html` (a learner's own pair reaches these figures too).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from viz.style import PALETTE, apply_style
from viz.text import for_html

CONTROL_COLOUR = "#7f7f7f"
CATEGORY_COLOURS = (PALETTE[0], PALETTE[1], PALETTE[2])


def _hover(texts: Sequence[tuple[str, str]]) -> list[str]:
    return [f"a: {for_html(a)}<br>b: {for_html(b)}" for a, b in texts]


def probe_control_figure(groups: Sequence[dict], control: dict, spread: float, labels: Mapping[str, str],
                         height: int = 430) -> go.Figure:
    """One box with every pair as a dot per category, the control's box beside them, and a
    grey band where the control's differences fall (± its spread).

    ``groups``: ``{"name", "values", "pairs": [(a, b), ...]}`` per category; ``control`` the same."""
    fig = go.Figure()
    if spread == spread:  # not NaN: there are controls to draw a band from
        fig.add_hrect(y0=-spread, y1=spread, fillcolor=CONTROL_COLOUR, opacity=0.15, line_width=0)
        fig.add_scatter(x=[None], y=[None], mode="markers", name=labels["band"], showlegend=True,
                        marker={"symbol": "square", "size": 14, "color": CONTROL_COLOUR, "opacity": 0.3})
    for colour, group in zip(CATEGORY_COLOURS, groups, strict=False):
        fig.add_box(y=list(group["values"]), x=[group["name"]] * len(group["values"]), name=group["name"],
                    boxpoints="all", jitter=0.45, pointpos=0, marker={"color": colour, "size": 8},
                    line={"color": colour}, fillcolor="rgba(0,0,0,0)", hovertext=_hover(group["pairs"]),
                    hoverinfo="y+text")
    fig.add_box(y=list(control["values"]), x=[control["name"]] * len(control["values"]), name=control["name"],
                boxpoints="all", jitter=0.45, pointpos=0, marker={"color": CONTROL_COLOUR, "size": 8},
                line={"color": CONTROL_COLOUR}, fillcolor="rgba(0,0,0,0)", hovertext=_hover(control["pairs"]),
                hoverinfo="y+text")
    fig.add_hline(y=0, line={"color": "#000000", "width": 1})
    fig.update_yaxes(title=labels["y"], zeroline=False)
    fig.update_xaxes(title=labels["x"], type="category")
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1,
                                               "xanchor": "right"})
    for trace in fig.data[1:] if spread == spread else fig.data:
        trace.showlegend = False
    return apply_style(fig, height, labels["title"])


def own_pair_figure(control: Sequence[float], own: float, spread: float, labels: Mapping[str, str],
                    height: int = 230) -> go.Figure:
    """The learner's difference (a diamond) against the control pairs' differences (dots)."""
    fig = go.Figure()
    if spread == spread:
        fig.add_vrect(x0=-spread, x1=spread, fillcolor=CONTROL_COLOUR, opacity=0.15, line_width=0)
    fig.add_scatter(x=list(control), y=[labels["control"]] * len(control), mode="markers", name=labels["control"],
                    marker={"color": CONTROL_COLOUR, "size": 9, "opacity": 0.7})
    fig.add_scatter(x=[own], y=[labels["own"]], mode="markers", name=labels["own"],
                    marker={"color": PALETTE[5], "size": 16, "symbol": "diamond"})
    fig.add_vline(x=0, line={"color": "#000000", "width": 1})
    fig.update_xaxes(title=labels["x"])
    fig.update_layout(showlegend=False)
    return apply_style(fig, height, labels["title"])


def recall_figure(rows: Sequence[tuple[str, float, float]], labels: Mapping[str, str], height: int = 340) -> go.Figure:
    """Exact-match rate and per-token accuracy (in %) for each set of lines."""
    names = [name for name, _, _ in rows]
    fig = go.Figure()
    fig.add_bar(x=names, y=[100 * exact for _, exact, _ in rows], name=labels["exact"], marker_color=PALETTE[5],
                text=[f"{100 * exact:.0f} %" for _, exact, _ in rows], textposition="outside")
    fig.add_bar(x=names, y=[100 * tokens for _, _, tokens in rows], name=labels["tokens"], marker_color=PALETTE[0],
                text=[f"{100 * tokens:.0f} %" for _, _, tokens in rows], textposition="outside")
    fig.update_yaxes(title=labels["y"], range=[0, 110])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1,
                                               "xanchor": "right"})
    return apply_style(fig, height, labels["title"])


def kwh_label(kwh: float) -> str:
    """Two significant digits, in plain numbers from 1 kWh up (280,000 kWh, not 2.8e+05)."""
    return f"{float(f'{kwh:.2g}'):,.0f} kWh" if kwh >= 1 else f"{kwh:.1e} kWh"


def energy_figure(rows: Sequence[tuple[str, float]], labels: Mapping[str, str], height: int = 320) -> go.Figure:
    """kWh of training per model on a logarithmic axis (the bars span many powers of ten)."""
    fig = go.Figure()
    values = [kwh for _, kwh in rows]
    fig.add_bar(y=[name for name, _ in rows], x=values, orientation="h", cliponaxis=False,
                marker_color=PALETTE[2], text=[kwh_label(kwh) for kwh in values], textposition="outside")
    low, high = math.log10(min(values)), math.log10(max(values))
    fig.update_xaxes(title=labels["x"], type="log", range=[math.floor(low) - 1, high + 0.25 * (high - low) + 1])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(showlegend=False)
    return apply_style(fig, height, labels["title"])
