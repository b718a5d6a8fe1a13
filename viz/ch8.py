"""Figures for chapter 8: the story chart, loss curves, confusion matrices, per-sentence
probabilities and the scaling plots.

Plain numbers in, plotly Figures out; all labels arrive translated from the page.
Sentences a learner uploads or picks are escaped (``viz.text.for_plotly``) before they reach
a title or a label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.style import PALETTE, apply_style
from viz.text import for_plotly

TICK_FONT = 15
GPT_COLOUR, LLM_COLOUR, FINETUNE_COLOUR = "#0072B2", "#E69F00", "#009E73"


def _label(text: str) -> str:
    """Escaped, with line breaks kept as breaks (tick labels on two lines)."""
    return for_plotly(text).replace("\n", "<br>")


def _axes(fig: go.Figure) -> go.Figure:
    fig.update_xaxes(tickfont={"size": TICK_FONT}, title_font={"size": TICK_FONT + 1})
    fig.update_yaxes(tickfont={"size": TICK_FONT}, title_font={"size": TICK_FONT + 1})
    return fig


def story_figure(
    names: Sequence[str],
    scores: Sequence[float],
    kinds: Sequence[str],
    labels: Mapping[str, str],
    chance: float | None = None,
    height: int = 480,
    calibrated: Sequence[float | None] | None = None,
) -> go.Figure:
    """Weighted F1 of every method as horizontal bars (long names stay whole), coloured by how
    the model was adapted; with ``calibrated``, each prompted method's calibrated score as a
    hatched bar beside its raw one (``None`` where a method has no calibration).

    ``kinds``: "prompt_gpt" (tiny GPT prompted), "finetune" (tiny GPT fine-tuned),
    "prompt_llm" (instruction model prompted).
    """
    colours = {"prompt_gpt": GPT_COLOUR, "finetune": FINETUNE_COLOUR, "prompt_llm": LLM_COLOUR}
    rows_shown = [_label(n).replace("<br>", " ") for n in names]
    fig = go.Figure()
    for kind in ("finetune", "prompt_gpt", "prompt_llm"):
        rows = [i for i, k in enumerate(kinds) if k == kind]
        if rows:
            fig.add_bar(**_story_bars(rows_shown, scores, rows, labels[kind], colours[kind], "raw"))
    first_calibrated = True
    for kind in ("prompt_gpt", "prompt_llm") if calibrated is not None else ():
        rows = [i for i, k in enumerate(kinds) if k == kind and calibrated[i] is not None]
        if rows:
            bars = _story_bars(rows_shown, calibrated, rows, labels.get("calibrated", ""), colours[kind], "calibrated")
            fig.add_bar(**bars, marker_pattern_shape="/", opacity=0.75, showlegend=first_calibrated)
            first_calibrated = False
    if chance is not None:  # a dotted line with its own legend entry (no label over the bars)
        fig.add_scatter(
            x=[chance, chance],
            y=[rows_shown[0], rows_shown[-1]],
            mode="lines",
            name=labels["chance"],
            line={"color": "#6b7280", "dash": "dot", "width": 2},
            hoverinfo="skip",
        )
    fig.update_layout(
        xaxis={"title": labels["y"], "range": [0, 1]},
        yaxis={"title": None, "categoryorder": "array", "categoryarray": rows_shown, "autorange": "reversed"},
        legend={"orientation": "h", "y": -0.24, "yanchor": "top", "x": 0, "xanchor": "left", "font": {"size": 14}},
        barmode="group",
        bargap=0.2,
    )
    apply_style(fig, height=height, title=labels["title"])
    fig.update_layout(margin={"l": 10, "r": 50, "t": 50, "b": 150})
    fig.update_yaxes(automargin=True)
    return _axes(fig)


def _story_bars(rows_shown: Sequence[str], scores: Sequence, rows: Sequence[int], name: str, colour: str,
                group: str) -> dict:
    """One trace of the story chart: the bars of ``rows``, their scores written beside them."""
    return {
        "y": [rows_shown[i] for i in rows],
        "x": [scores[i] for i in rows],
        "orientation": "h",
        "name": name,
        "offsetgroup": group,
        "marker_color": colour,
        "text": [f"{scores[i]:.2f}" for i in rows],
        "textposition": "outside",
        "textfont": {"size": 14},
        "constraintext": "none",  # thin bars would shrink the numbers to unreadable
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:.3f}<extra></extra>",
    }


def loss_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]], labels: Mapping[str, str], height: int = 340
) -> go.Figure:
    """Loss curves: {name: (steps, losses)}."""
    fig = go.Figure()
    for i, (name, (steps, losses)) in enumerate(series.items()):
        fig.add_scatter(
            x=list(steps),
            y=list(losses),
            mode="lines+markers" if len(steps) < 40 else "lines",
            name=for_plotly(name),
            line={"color": PALETTE[i % len(PALETTE)], "width": 3},
        )
    fig.update_layout(
        xaxis_title=labels["x"],
        yaxis_title=labels["y"],
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    apply_style(fig, height=height, title=labels["title"])
    return _axes(fig)


def confusion_figure(
    matrix: Sequence[Sequence[int]], class_names: Sequence[str], labels: Mapping[str, str], height: int = 340
) -> go.Figure:
    """Rows: true label; columns: predicted label; each cell its count."""
    z = [[int(v) for v in row] for row in matrix]  # plain lists: readable in the page's JSON
    names = [for_plotly(n) for n in class_names]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            colorscale="Blues",
            showscale=False,
            text=z,
            texttemplate="%{text}",
            textfont={"size": 20},
            hovertemplate=labels["hover"] + "<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis={"title": labels["x"], "side": "bottom"}, yaxis={"title": labels["y"], "autorange": "reversed"}
    )
    apply_style(fig, height=height, title=labels["title"])
    fig.update_layout(margin={"l": 90, "r": 10, "t": 60, "b": 60})
    return _axes(fig)


def sentence_probs_figure(
    methods: Sequence[str],
    probs: Sequence[Sequence[float]],
    class_names: Sequence[str],
    gold: int,
    labels: Mapping[str, str],
    height: int = 380,
) -> go.Figure:
    """Each method's probabilities of the three labels for one sentence (gold label outlined)."""
    fig = go.Figure()
    colours = ("#009E73", "#D55E00", "#6b7280")
    for j, name in enumerate(class_names):
        fig.add_bar(
            y=[for_plotly(m) for m in methods],
            x=[p[j] for p in probs],
            name=for_plotly(name) + (" ✓" if j == gold else ""),
            orientation="h",
            marker_color=colours[j % 3],
            marker_line={"width": 3 if j == gold else 0, "color": "#111827"},
            text=[f"{100 * p[j]:.0f}%" for p in probs],
            textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{y}: %{x:.1%}<extra>" + for_plotly(name) + "</extra>",
        )
    fig.update_layout(
        barmode="stack",
        xaxis={"title": labels["x"], "range": [0, 1], "tickformat": ".0%"},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    apply_style(fig, height=height, title=labels["title"])
    fig.update_layout(margin={"l": 40, "r": 20, "t": 90, "b": 40})
    return _axes(fig)


def scaling_compute_figure(
    runs: Sequence[Mapping],
    frontier: Sequence[Sequence[float]],
    fit: Mapping[str, float],
    labels: Mapping[str, str],
    height: int = 520,
) -> go.Figure:
    """Validation loss against training compute, log-log, one line per size, with the fit."""
    fig = go.Figure()
    for i, run in enumerate(runs):
        xs = [p[0] for p in run["points"]]
        fig.add_scatter(
            x=xs,
            y=[p[1] for p in run["points"]],
            mode="lines+markers",
            name=for_plotly(run["name"]),
            line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            marker={"size": 7},
        )
    if frontier:
        _add_power_law(fig, [p[0] for p in frontier], fit, labels["fit"])
    return _log_log(fig, labels, height, legend_font={"size": 13})


def _add_power_law(fig: go.Figure, xs: Sequence[float], fit: Mapping[str, float], name: str) -> None:
    """The fitted law ``a * x^-b`` as a dashed line across the measured range."""
    grid = np.logspace(np.log10(min(xs)), np.log10(max(xs)), 50)
    fig.add_scatter(
        x=grid,
        y=fit["a"] * grid ** (-fit["b"]),
        mode="lines",
        name=name,
        line={"color": "#111827", "dash": "dash", "width": 3},
    )


def _log_log(fig: go.Figure, labels: Mapping[str, str], height: int, legend_font: dict | None = None) -> go.Figure:
    """Both scaling charts: log-log axes, the legend under the chart, the house style."""
    legend = {"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0}
    if legend_font:
        legend["font"] = legend_font
    fig.update_layout(
        xaxis={"type": "log", "title": labels["x"], "dtick": 1, "exponentformat": "power"},
        yaxis={"type": "log", "title": labels["y"]},
        legend=legend,
    )
    apply_style(fig, height=height, title=labels["title"])
    fig.update_layout(margin={"l": 70, "r": 20, "t": 60, "b": 170})
    return _axes(fig)


def scaling_params_figure(
    params: Sequence[int],
    losses: Sequence[float],
    names: Sequence[str],
    fit: Mapping[str, float],
    labels: Mapping[str, str],
    height: int = 520,
) -> go.Figure:
    """Final validation loss against parameters (same compute for all), log-log, with the fit."""
    fig = go.Figure()
    fig.add_scatter(
        x=list(params),
        y=list(losses),
        mode="markers+text",
        text=[for_plotly(n) for n in names],
        textposition="top center",
        textfont={"size": 15},
        marker={"size": 14, "color": GPT_COLOUR},
        name=labels["points"],
    )
    _add_power_law(fig, params, fit, labels["fit"])
    return _log_log(fig, labels, height)
