"""Figures for chapter 4: an encoder-decoder translating step by step, its alignment, the
bottleneck measured by sentence length, and recurrence against parallel attention.

Plain data in (words, probabilities, weights, rows of numbers), a plotly Figure out; no
Streamlit, no model. Labels come in translated from the page. Words can come from what a
student typed, so every word that reaches a title or a tick goes through :func:`safe`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.style import PALETTE, apply_style
from viz.text import for_html_text

PLAIN_COLOUR = PALETTE[1]  # orange: one context vector
ATTENTION_COLOUR = PALETTE[0]  # blue: attention
CHOSEN_COLOUR = PALETTE[5]
OTHER_COLOUR = "#cbd5e1"
TICK_FONT = {"size": 15}


def safe(text: str) -> str:
    """Text for a Plotly label: HTML-escaped (Plotly renders a subset of HTML)."""
    return for_html_text(text)


def _bars(words: Sequence[str], values: Sequence[float], colours: Sequence[str]) -> go.Bar:
    return go.Bar(
        x=list(values),
        y=[safe(w) for w in words],
        orientation="h",
        marker={"color": list(colours)},
        # Small shares stay unlabelled (they are on hover): a column of "0%" says nothing.
        text=[f"{100 * v:.0f}%" if v >= 0.05 else "" for v in values],
        textposition="outside",
        textfont={"size": 14},
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        showlegend=False,
    )


def step_labels(plain_steps: Sequence[Mapping], attention_steps: Sequence[Mapping]) -> list[str]:
    """One label per output step, numbered from 1: "2: hou" (the attention model's word, or
    the plain model's where the attention model has already finished)."""
    n_steps = max(len(plain_steps), len(attention_steps), 1)
    labels = []
    for t in range(n_steps):
        steps = attention_steps if t < len(attention_steps) else plain_steps
        labels.append(f"{t + 1}: {steps[t]['output']}" if t < len(steps) else str(t + 1))
    return labels


def steps_figure(
    source_words: Sequence[str],
    plain_steps: Sequence[Mapping],
    attention_steps: Sequence[Mapping],
    labels: Mapping[str, str],
    active: int = 0,
    top: int = 5,
    height: int | None = None,
) -> go.Figure:
    """Three panels for one output step (``active``, 0-based): the plain model's top
    candidates, the attention model's, and the attention model's weights over the input
    words. The page's step slider picks the step (and writes it into the link).

    A step is a mapping with ``input`` (word read), ``output`` (word chosen),
    ``candidates`` [(word, p)] and ``attention`` (weights or None).
    """
    n_steps = max(len(plain_steps), len(attention_steps), 1)
    t = min(max(0, active), n_steps - 1)
    source_ticks = [f"{i + 1}. {w}" for i, w in enumerate(source_words)]  # escaped by _bars

    titles = []
    for key, steps in (("plain", plain_steps), ("attention", attention_steps)):
        if t < len(steps):
            titles.append(labels[f"{key}_title"].format(step=t + 1, input=safe(steps[t]["input"])))
        else:
            titles.append(labels[f"{key}_done"])
    titles.append(labels["weights_title"].format(step=t + 1))

    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.12)
    for col, (steps, colour) in enumerate(((plain_steps, PLAIN_COLOUR), (attention_steps, ATTENTION_COLOUR)), start=1):
        if t < len(steps):
            cands = list(steps[t]["candidates"])[:top][::-1]  # most likely on top
            chosen = steps[t]["output"]
            colours = [colour if w == chosen else OTHER_COLOUR for w, _ in cands]
            fig.add_trace(_bars([w for w, _ in cands], [p for _, p in cands], colours), row=1, col=col)
        else:
            fig.add_trace(_bars([], [], []), row=1, col=col)
    weights = attention_steps[t]["attention"] if t < len(attention_steps) else None
    if weights:
        strongest = max(range(len(weights)), key=weights.__getitem__)
        colours = [CHOSEN_COLOUR if i == strongest else ATTENTION_COLOUR for i in range(len(weights))]
        fig.add_trace(_bars(source_ticks[::-1], list(weights)[::-1], colours[::-1]), row=1, col=3)
    else:
        zeros = [0.0] * len(source_ticks)
        fig.add_trace(_bars(source_ticks[::-1], zeros, [OTHER_COLOUR] * len(source_ticks)), row=1, col=3)
    for col in (1, 2, 3):
        fig.update_xaxes(range=[0, 1.25], tickformat=".0%", tickfont=TICK_FONT, row=1, col=col, dtick=0.5)
        fig.update_yaxes(tickfont=TICK_FONT, automargin=True, row=1, col=col)
    apply_style(fig, height=height or max(380, 150 + 22 * len(source_words)))
    fig.update_layout(margin={"l": 10, "r": 20, "t": 50, "b": 10})
    fig.update_annotations(font_size=15)
    return fig


def alignment_figure(
    source_words: Sequence[str],
    output_words: Sequence[str],
    weights: Sequence[Sequence[float]],
    labels: Mapping[str, str],
    height: int | None = None,
) -> go.Figure:
    """Heatmap: one row per output word (top to bottom), one column per input word; each row
    is where that output step looked (it sums to 1). Cells show the weight in percent."""
    rows = [safe(w) for w in output_words]
    cols = [f"{i + 1}. {safe(w)}" for i, w in enumerate(source_words)]
    # Plotly needs unique category names: number the output rows too.
    rows = [f"{i + 1}. {w}" for i, w in enumerate(rows)]
    values = [list(row) for row in weights]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=cols,
            y=rows,
            zmin=0,
            zmax=1,
            colorscale="Blues",
            text=[[f"{100 * v:.0f}" for v in row] for row in values],
            texttemplate="%{text}",
            textfont={"size": 16},
            hovertemplate=labels["hover"] + "<extra></extra>",
            colorbar={"title": {"text": "%"}, "tickformat": ".0%", "thickness": 14},
        )
    )
    apply_style(fig, height=height or max(320, 60 + 34 * len(rows)), title=labels["title"])
    fig.update_yaxes(autorange="reversed", tickfont=TICK_FONT)
    # The title names both axes; the input words sit on top, under the title.
    fig.update_xaxes(tickfont=TICK_FONT, side="top", tickangle=-30 if len(cols) > 8 else 0)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 90, "b": 20})
    return fig


def length_accuracy_figure(
    runs: Mapping[str, Sequence[Mapping]], labels: Mapping[str, str], height: int = 420
) -> go.Figure:
    """Accuracy against source length: one colour per model, word accuracy solid, exact match
    dashed. ``runs``: model key (``plain`` / ``attention``) -> rows of
    :func:`lm_core.train.seq2seq.evaluate_by_length`."""
    fig = go.Figure()
    colours = {"plain": PLAIN_COLOUR, "attention": ATTENTION_COLOUR}
    for key, rows in runs.items():
        x = [f"{row['low']}–{row['high']}" for row in rows]
        counts = [row["n"] for row in rows]
        for metric, dash, symbol in (("word_accuracy", "solid", "circle"), ("exact_match", "dash", "square")):
            y = [None if row[metric] is None else 100 * row[metric] for row in rows]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=f"{labels[key]} · {labels[metric]}",
                    line={"color": colours.get(key, PALETTE[2]), "dash": dash, "width": 3},
                    marker={"size": 9, "symbol": symbol},
                    customdata=counts,
                    hovertemplate="%{x}: %{y:.1f}% (n=%{customdata})<extra>" + safe(labels[key]) + "</extra>",
                )
            )
    apply_style(fig, height=height, title=labels["title"])
    fig.update_yaxes(title=labels["y"], range=[0, 104], ticksuffix="%", tickfont=TICK_FONT)
    fig.update_xaxes(title=labels["x"], tickfont=TICK_FONT, type="category")
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0}, margin={"b": 110})
    return fig


def timing_figure(rows: Sequence[Mapping], labels: Mapping[str, str], height: int = 400) -> go.Figure:
    """Milliseconds to read n tokens: a recurrence (one step after another) against one
    parallel self-attention pass. Log-scaled axes: both grow, at very different rates."""
    lengths = [row["length"] for row in rows]
    fig = go.Figure()
    for key, colour, symbol in (("recurrent", PLAIN_COLOUR, "circle"), ("parallel", ATTENTION_COLOUR, "square")):
        fig.add_trace(
            go.Scatter(
                x=lengths,
                y=[1000 * row[f"{key}_s"] for row in rows],
                mode="lines+markers",
                name=labels[key],
                line={"color": colour, "width": 3},
                marker={"size": 9, "symbol": symbol},
                hovertemplate="n=%{x}: %{y:.2f} ms<extra></extra>",
            )
        )
    apply_style(fig, height=height, title=labels["title"])
    fig.update_xaxes(
        type="log", title=labels["x"], tickvals=lengths, ticktext=[str(n) for n in lengths], tickfont=TICK_FONT
    )
    fig.update_yaxes(type="log", title=labels["y"], tickfont=TICK_FONT, dtick=1)  # 0.1, 1, 10: no minor labels
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0}, margin={"b": 100})
    return fig
