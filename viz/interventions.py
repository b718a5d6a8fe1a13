"""Figures of a model being changed (chapters 5 and 7) and of the key/value cache (chapter 7).

Plain data in, plotly figures out. Token labels may be text a learner typed: every label goes
through :func:`viz.text.for_plotly`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.style import PALETTE, apply_style
from viz.text import for_plotly

BEFORE, AFTER = PALETTE[0], PALETTE[5]


def _shown(token: str) -> str:
    """A token as a label: the word-start marks of BPE tokenizers as a visible space."""
    return for_plotly(str(token).replace("▁", "␣").replace("Ġ", "␣").replace("\n", "⏎"))


def before_after_bars(labels: Sequence[str], before: Sequence[float], after: Sequence[float], title: str,
                      before_name: str, after_name: str, x_title: str, number_format: str = ".0%",
                      marked: int | None = None) -> go.Figure:
    """Pairs of horizontal bars, one pair per label (first on top): before and after a change.
    ``marked``: index of the label that matters (the right answer), drawn in bold."""
    shown = [f"<b>{_shown(label)}</b>" if i == marked else _shown(label) for i, label in enumerate(labels)]
    fig = go.Figure()
    for name, values, colour in ((before_name, before, BEFORE), (after_name, after, AFTER)):
        fig.add_bar(y=shown, x=list(values), name=for_plotly(name), orientation="h", marker_color=colour,
                    text=[f"{v:{number_format}}" for v in values], textposition="outside", cliponaxis=False,
                    hovertemplate="%{y}: %{x:" + number_format.replace("%", "%") + "}<extra>" + for_plotly(name)
                    + "</extra>")
    apply_style(fig, height=max(240, 110 + 44 * len(labels)), title=for_plotly(title))
    top = max([*map(float, before), *map(float, after), 0.0])
    low = min([*map(float, before), *map(float, after), 0.0])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.18})
    fig.update_xaxes(title_text=for_plotly(x_title), range=[low * 1.3, top * 1.3 or 1.0],
                     tickformat=number_format if "%" in number_format else None)
    fig.update_yaxes(autorange="reversed")
    return fig


def importance_heatmap(drops: np.ndarray, title: str, layer_title: str, head_title: str, colour_title: str,
                       marked: tuple[int, int] | None = None, number_format: str = ".3f") -> go.Figure:
    """Layers (rows, numbered from 1) x heads (columns): how much the answer drops without each
    head. Red: the head helped; blue: the answer got better without it. ``marked`` is circled."""
    drops = np.asarray(drops, dtype=float)
    n_layers, n_heads = drops.shape
    limit = float(np.abs(drops).max()) or 1.0
    fig = go.Figure(go.Heatmap(
        z=drops, x=list(range(1, n_heads + 1)), y=list(range(1, n_layers + 1)), zmin=-limit, zmax=limit,
        colorscale="RdBu_r", colorbar={"title": {"text": for_plotly(colour_title)}},
        text=[[f"{v:{number_format}}" for v in row] for row in drops],
        texttemplate="%{text}" if drops.size <= 96 else None,
        hovertemplate=f"{for_plotly(layer_title)} %{{y}}, {for_plotly(head_title)} %{{x}}: %{{z:{number_format}}}"
                      "<extra></extra>",
    ))
    if marked is not None:
        fig.add_scatter(x=[marked[1] + 1], y=[marked[0] + 1], mode="markers", showlegend=False, hoverinfo="skip",
                        marker={"symbol": "circle-open", "size": 30 if drops.size <= 96 else 14,
                                "color": "#000", "line": {"width": 3}})
    apply_style(fig, height=max(280, 120 + min(32, 520 // max(1, n_layers)) * n_layers), title=for_plotly(title))
    fig.update_xaxes(title_text=for_plotly(head_title), dtick=1)
    fig.update_yaxes(title_text=for_plotly(layer_title), autorange="reversed", dtick=1 if n_layers <= 12 else 5)
    return fig


# --------------------------------------------------------------------------- the key/value cache

#: Slot states in :func:`cache_fill_figure`.
EMPTY, KEPT, NEW, RECOMPUTED = 0, 1, 2, 3
_SLOT_COLOURS = [[0.0, "#f3f4f6"], [0.25, "#f3f4f6"], [0.25, PALETTE[0]], [0.5, PALETTE[0]],
                 [0.5, PALETTE[2]], [0.75, PALETTE[2]], [0.75, PALETTE[5]], [1.0, PALETTE[5]]]


def cache_fill_figure(tokens: Sequence[str], steps: Sequence[dict], window: int, title: str, row_names: Sequence[str],
                      step_label: str, legend: Sequence[str]) -> go.Figure:
    """The cache slot by slot, one frame per generation step (a Plotly slider: the browser
    scrubs it without asking the server).

    ``tokens``: the whole text (prompt then generated tokens); ``steps``: per step
    ``{"phase", "fed", "cached", "first", "label"}`` (:class:`lm_core.models.kv_cache.CacheStep`
    as dicts, plus the slider label). Columns are the window's slots; the two rows are the keys
    and the values. ``legend``: names of the states empty, kept, new, recomputed.
    """
    width = min(window, len(tokens))

    def frame_of(step: dict) -> tuple[list[list[int]], list[str]]:
        first, cached, fed, phase = step["first"], step["cached"], step["fed"], step["phase"]
        total = first + (fed if phase == "slide" else cached)  # tokens read in this step
        states, shown = [], []
        for slot in range(width):
            index = first + slot
            if index >= total:
                states.append(EMPTY)
                shown.append("")
                continue
            shown.append(_shown(tokens[index]))
            if phase == "slide":
                states.append(RECOMPUTED)
            elif index >= total - fed:
                states.append(NEW)
            else:
                states.append(KEPT)
        return [states, states], shown

    def heatmap(step: dict) -> go.Heatmap:
        z, shown = frame_of(step)
        hover = [[f"{legend[state]}<br>{label}" for state, label in zip(row, shown, strict=True)] for row in z]
        return go.Heatmap(z=z, x=list(range(1, width + 1)), y=[for_plotly(name) for name in row_names],
                          zmin=-0.5, zmax=3.5, colorscale=_SLOT_COLOURS, showscale=False, xgap=2, ygap=4,
                          text=[shown, shown], texttemplate="%{text}" if width <= 24 else None,
                          customdata=hover, hovertemplate="%{customdata}<extra></extra>")

    frames = [go.Frame(data=[heatmap(step)], name=str(i)) for i, step in enumerate(steps)]
    fig = go.Figure(data=[heatmap(steps[0])] if steps else [], frames=frames)
    apply_style(fig, height=300, title=for_plotly(title))
    fig.update_xaxes(title_text=for_plotly(step_label), dtick=1 if width <= 24 else 8, range=[0.5, width + 0.5])
    fig.update_layout(sliders=[{
        "active": 0, "pad": {"t": 40}, "currentvalue": {"prefix": ""},
        "steps": [{"label": for_plotly(step["label"]), "method": "animate",
                   "args": [[str(i)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                       "transition": {"duration": 0}}]} for i, step in enumerate(steps)],
    }])
    # A legend of the four states, drawn as invisible points.
    for state, name in enumerate(legend):
        fig.add_scatter(x=[None], y=[None], mode="markers", name=for_plotly(name),
                        marker={"size": 14, "symbol": "square", "color": _SLOT_COLOURS[state * 2 + 1][1]})
    fig.update_layout(legend={"orientation": "h", "y": 1.12, "x": 0.0})
    return fig


def bars(labels: Sequence[str], values: Sequence[float], title: str, x_title: str, texts: Sequence[str],
         colours: Sequence[str] | None = None) -> go.Figure:
    """Simple horizontal bars with a written value each (memory per model, time per token)."""
    fig = go.Figure(go.Bar(y=[for_plotly(label) for label in labels], x=list(values), orientation="h",
                           text=[for_plotly(text) for text in texts], textposition="outside", cliponaxis=False,
                           marker_color=list(colours) if colours else PALETTE[0],
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    apply_style(fig, height=max(200, 100 + 46 * len(labels)), title=for_plotly(title))
    fig.update_xaxes(title_text=for_plotly(x_title), range=[0, max([*map(float, values), 0.0]) * 1.4 or 1.0])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(showlegend=False)
    return fig


# --------------------------------------------------------------------------- quantisation


def block_figure(quants: Sequence[int], weights: Sequence[float], title: str, x_title: str, y_title: str) -> go.Figure:
    """The 32 weights of one block: bars at their values, each labelled with its 4-bit number."""
    fig = go.Figure(go.Bar(x=list(range(len(weights))), y=list(weights), text=[str(q) for q in quants],
                           textposition="outside", cliponaxis=False, marker_color=PALETTE[0],
                           hovertemplate="#%{x}: q = %{text} → %{y:.5f}<extra></extra>"))
    apply_style(fig, height=320, title=for_plotly(title))
    fig.update_xaxes(title_text=for_plotly(x_title), dtick=4)
    fig.update_yaxes(title_text=for_plotly(y_title))
    return fig


def error_histogram(histograms: dict, limit: float, title: str, x_title: str, y_title: str, name_of) -> go.Figure:  # noqa: ANN001
    """Share of weights per error bin, one line per number of bits (``name_of(bits)`` names it)."""
    fig = go.Figure()
    for index, (bits, shares) in enumerate(sorted(histograms.items(), key=lambda item: -int(item[0]))):
        edges = np.linspace(-limit, limit, len(shares) + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        fig.add_scatter(x=centres, y=shares, mode="lines", line={"shape": "hvh", "width": 3,
                        "color": PALETTE[index % len(PALETTE)]}, name=for_plotly(name_of(int(bits))))
    apply_style(fig, height=340, title=for_plotly(title))
    fig.update_xaxes(title_text=for_plotly(x_title))
    fig.update_yaxes(title_text=for_plotly(y_title), type="log")
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return fig
