"""Figures for chapter 6 (three model families, and what size means).

Plain numbers and strings in, plotly Figures out; no Streamlit, no model. Tokens and
sentences are text a learner typed: every label goes through :func:`label` (``viz.text.for_html``)
before plotly sees it, since plotly reads a few HTML tags in labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.style import FONT_SIZE, PALETTE, apply_style
from viz.text import for_html
from viz.tokens import display_token

ZERO_MARK = "✕"
PART_COLOURS = {
    "embeddings": PALETTE[4],
    "attention": PALETTE[0],
    "feed_forward": PALETTE[1],
    "norms": PALETTE[6],
    "head": PALETTE[3],
}
FAMILY_COLOURS = {"decoder": PALETTE[5], "encoder": PALETTE[0], "encoder_decoder": PALETTE[2]}
LABEL_COLOURS = {"positive": PALETTE[2], "negative": PALETTE[5], "neutral": "#7f7f7f"}


def label(text: object, limit: int = 16) -> str:
    value = str(text)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return for_html(value)


def token_label(token: str, limit: int = 16) -> str:
    """A token for a figure: written the way every page writes tokens (␣ for its space), then :func:`label`."""
    return label(display_token(token), limit)


def human_count(n: float) -> str:
    """1.2 K, 3.4 M, 175 B, 1.5 T (parameters, tokens)."""
    n = float(n)
    for size, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M"), (1e3, " K")):
        if abs(n) >= size:
            value = n / size
            return f"{value:.3g}{suffix}"
    return f"{n:.0f}"


def human_bytes(n: float) -> str:
    n = float(n)
    for size, suffix in ((2**40, " TiB"), (2**30, " GiB"), (2**20, " MiB"), (2**10, " KiB")):
        if n >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:.0f} B"


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def human_flops(n: float) -> str:
    """2.24×10²⁰ (finite, never NaN: 0 for zero or less)."""
    n = float(n)
    if not np.isfinite(n) or n <= 0:
        return "0"
    exponent = int(np.floor(np.log10(n)))
    return f"{n / 10**exponent:.2f}×10{str(exponent).translate(SUPERSCRIPT)}"


# --------------------------------------------------------------------------- sizes


def size_ladder_figure(points: Sequence[dict], title: str, x_title: str, family_names: dict[str, str]) -> go.Figure:
    """Parameters on a log scale, one row per model, smallest at the bottom.

    ``points``: dicts with ``name``, ``params``, ``family`` and ``highlight`` (the model on
    the calculator's sliders, drawn as a black star). Every row has its own label on the
    y axis, so no two labels can overlap.
    """
    ordered = sorted(points, key=lambda p: p["params"])
    names = [label(p["name"], 32) for p in ordered]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=list(range(len(ordered))),
            x=[p["params"] for p in ordered],
            orientation="h",
            marker={"color": ["#000" if p.get("highlight") else FAMILY_COLOURS[p["family"]] for p in ordered]},
            width=0.18,
            hoverinfo="skip",
            showlegend=False,
            base=1e4,
        )
    )
    for family, colour in FAMILY_COLOURS.items():
        idx = [i for i, p in enumerate(ordered) if p["family"] == family and not p.get("highlight")]
        if not idx:
            continue
        fig.add_trace(
            go.Scatter(
                x=[ordered[i]["params"] for i in idx],
                y=idx,
                mode="markers+text",
                name=for_html(family_names[family]),
                marker={"size": 15, "color": colour},
                text=[human_count(ordered[i]["params"]) for i in idx],
                textposition="middle right",
                textfont={"size": 14},
                cliponaxis=False,
                customdata=[names[i] for i in idx],
                hovertemplate="%{customdata}: %{text}<extra></extra>",
            )
        )
    mine = [i for i, p in enumerate(ordered) if p.get("highlight")]
    if mine:
        fig.add_trace(
            go.Scatter(
                x=[ordered[i]["params"] for i in mine],
                y=mine,
                mode="markers+text",
                name=names[mine[0]],
                marker={"size": 24, "symbol": "star", "color": "#000"},
                text=[human_count(ordered[i]["params"]) for i in mine],
                textposition="middle right",
                textfont={"size": 15},
                cliponaxis=False,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    ticks = [10**k for k in range(4, 14)]
    largest = max(p["params"] for p in ordered)
    fig.update_xaxes(
        type="log",
        title={"text": x_title},
        tickvals=ticks,
        ticktext=[human_count(v) for v in ticks],
        tickfont={"size": 14},
        range=[4, max(12, np.log10(max(largest, 1)) + 0.9)],
    )
    fig.update_yaxes(tickvals=list(range(len(ordered))), ticktext=names, tickfont={"size": 14})
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, showlegend=True)
    fig = apply_style(fig, height=max(360, 30 * len(ordered) + 150), title=title)
    fig.update_layout(margin={"t": 90})
    return fig


def parts_figure(
    rows: Sequence[tuple[str, dict[str, int]]], part_names: dict[str, str], title: str, x_title: str
) -> go.Figure:
    """Where the parameters go: one 100 % stacked bar per model (rows: name, {part: count})."""
    names = [label(name, 24) for name, _ in rows]
    fig = go.Figure()
    for part, colour in PART_COLOURS.items():
        totals = [sum(parts.values()) for _, parts in rows]
        shares = [100.0 * parts[part] / total for (_, parts), total in zip(rows, totals, strict=True)]
        fig.add_trace(
            go.Bar(
                y=names,
                x=shares,
                orientation="h",
                name=part_names[part],
                marker={"color": colour},
                text=[f"{s:.0f}%" if s >= 9 else "" for s in shares],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                textfont={"size": 14},
                customdata=[human_count(parts[part]) for _, parts in rows],
                hovertemplate=f"{for_html(part_names[part])}: %{{x:.1f}}% (%{{customdata}})<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0})
    fig.update_xaxes(range=[0, 100], title={"text": x_title}, ticksuffix="%")
    fig.update_yaxes(autorange="reversed", tickfont={"size": 14})
    fig = apply_style(fig, height=max(300, 38 * len(rows) + 260), title=title)
    fig.update_layout(margin={"t": 60, "b": 150})
    return fig


# --------------------------------------------------------------------------- attention and masks


def attention_figure(
    weights: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[str],
    title: str,
    x_title: str,
    y_title: str,
    height: int = 380,
    allowed: np.ndarray | None = None,
) -> go.Figure:
    """A heatmap of attention weights (rows = queries, columns = keys), zeroed cells marked ✕."""
    values = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    text = [["" for _ in columns] for _ in rows]
    if allowed is not None:
        for r, c in zip(*np.nonzero(~np.asarray(allowed, dtype=bool)), strict=True):
            text[r][c] = ZERO_MARK
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=list(range(len(columns))),
            y=list(range(len(rows))),
            colorscale="Blues",
            zmin=0,
            zmax=max(1e-9, float(values.max())),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 13, "color": "#b00"},
            xgap=1,
            ygap=1,
            showscale=False,
            customdata=[[[token_label(r, 20), token_label(c, 20)] for c in columns] for r in rows],
            hovertemplate="%{customdata[0]} → %{customdata[1]}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(
        tickvals=list(range(len(columns))),
        ticktext=[token_label(c) for c in columns],
        tickangle=-50,
        title={"text": x_title},
        tickfont={"size": 14},
    )
    fig.update_yaxes(
        tickvals=list(range(len(rows))),
        ticktext=[token_label(r) for r in rows],
        autorange="reversed",
        title={"text": y_title},
        tickfont={"size": 14},
    )
    fig = apply_style(fig, height=height, title=title)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def thin_ticks(fig: go.Figure, most: int) -> go.Figure:
    """Label at most ``most`` positions on each axis (every second, third...): a third of a
    projector's width cannot hold twenty Chinese characters at a back-row size side by side.
    Every cell keeps its hover, which names both tokens."""
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        values, texts = axis.tickvals, axis.ticktext
        if values is None or texts is None or len(values) <= most:
            continue
        step = -(-len(values) // most)  # ceiling division
        axis.tickvals, axis.ticktext = list(values)[::step], list(texts)[::step]
    return fig


def masks_figure(
    panels: Sequence[tuple[str, np.ndarray, Sequence[str], Sequence[str]]],
    title: str,
    allowed_name: str,
    zero_name: str,
) -> go.Figure:
    """Three mask matrices side by side: 1 = may look (blue), 0 = zeroed (✕)."""
    fig = make_subplots(
        rows=1, cols=len(panels), subplot_titles=[for_html(p[0]) for p in panels], horizontal_spacing=0.07
    )
    for i, (_, allowed, rows, columns) in enumerate(panels, start=1):
        allowed = np.asarray(allowed, dtype=bool)
        fig.add_trace(
            go.Heatmap(
                z=allowed.astype(float),
                x=list(range(len(columns))),
                y=list(range(len(rows))),
                colorscale=[[0, "#f2f2f2"], [1, PALETTE[0]]],
                zmin=0,
                zmax=1,
                showscale=False,
                xgap=2,
                ygap=2,
                text=[["" if a else ZERO_MARK for a in row] for row in allowed],
                texttemplate="%{text}",
                textfont={"size": 13, "color": "#b00"},
                customdata=[
                    [
                        [token_label(r, 20), token_label(c, 20), allowed_name if allowed[ri, ci] else zero_name]
                        for ci, c in enumerate(columns)
                    ]
                    for ri, r in enumerate(rows)
                ],
                hovertemplate="%{customdata[0]} → %{customdata[1]}: %{customdata[2]}<extra></extra>",
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(
            tickvals=list(range(len(columns))),
            ticktext=[token_label(c, 10) for c in columns],
            tickangle=-60,
            tickfont={"size": 13},
            row=1,
            col=i,
        )
        fig.update_yaxes(
            tickvals=list(range(len(rows))),
            ticktext=[token_label(r, 10) for r in rows],
            autorange="reversed",
            tickfont={"size": 13},
            row=1,
            col=i,
        )
    fig = apply_style(fig, height=430, title=title)
    fig.update_annotations(font={"size": FONT_SIZE})
    return fig


def predictions_figure(top: Sequence[tuple[str, float]], title: str, x_title: str, height: int = 260) -> go.Figure:
    """The top candidates of one position as horizontal bars (best on top)."""
    tokens = [token_label(tok, 18) for tok, _ in top]
    probs = [100.0 * p for _, p in top]
    fig = go.Figure(
        go.Bar(
            y=list(range(len(tokens))),
            x=probs,
            orientation="h",
            marker={"color": PALETTE[0]},
            text=[f"{p:.0f}%" for p in probs],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{customdata}: %{x:.1f}%<extra></extra>",
            customdata=tokens,
        )
    )
    fig.update_yaxes(tickvals=list(range(len(tokens))), ticktext=tokens, autorange="reversed", tickfont={"size": 15})
    fig.update_xaxes(range=[0, 118], title={"text": x_title}, ticksuffix="%")
    fig = apply_style(fig, height=height, title=title)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


# --------------------------------------------------------------------------- representations


def embedding_map_figure(
    xy: np.ndarray,
    labels: Sequence[str],
    texts: Sequence[str],
    label_names: dict[str, str],
    title: str,
    highlight: Sequence[int] = (),
) -> go.Figure:
    """Sentence vectors projected to 2-D, one colour per label; ``highlight`` = search hits, circled."""
    xy = np.asarray(xy, dtype=np.float64)
    fig = go.Figure()
    for name, colour in LABEL_COLOURS.items():
        idx = [i for i, lab in enumerate(labels) if lab == name]
        if not idx:
            continue
        fig.add_trace(
            go.Scatter(
                x=xy[idx, 0],
                y=xy[idx, 1],
                mode="markers",
                name=for_html(label_names.get(name, name)),
                marker={"size": 8, "color": colour, "opacity": 0.75},
                customdata=[label(texts[i], 70) for i in idx],
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    if len(highlight):
        hits = list(highlight)
        fig.add_trace(
            go.Scatter(
                x=xy[hits, 0],
                y=xy[hits, 1],
                mode="markers+text",
                text=[str(k + 1) for k in range(len(hits))],
                textposition="top center",
                textfont={"size": 15},
                marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"width": 2.5, "color": "#000"}},
                showlegend=False,
                customdata=[label(texts[i], 70) for i in hits],
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    fig.update_xaxes(showticklabels=False, title={"text": "PC 1"})
    fig.update_yaxes(showticklabels=False, title={"text": "PC 2"})
    fig.update_layout(legend={"orientation": "h", "y": -0.08, "x": 0})
    return apply_style(fig, height=420, title=title)
