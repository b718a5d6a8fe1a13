"""Figures for training at scale (chapter 8): loss curves of one and two processes, what each
tensor-parallel worker holds, the pipeline's measured schedule, the bubble against its formula,
and the plan's memory per device.

Plain numbers in, plotly Figures out; every label arrives translated from the caller
(``labels`` dicts), so nothing here knows a language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from viz.style import PALETTE, apply_style

WORKER_COLOURS = (PALETTE[0], PALETTE[1])
PHASE_COLOURS = {"forward": PALETTE[0], "backward": PALETTE[5]}
PART_COLOURS = {"weights": PALETTE[0], "gradients": PALETTE[4], "optimizer": PALETTE[1], "activations": PALETTE[2]}
GB = 1e9


def loss_curves_figure(one: Sequence[float], two: Sequence[float], labels: Mapping[str, str], height: int = 380) -> go.Figure:
    """One process's loss (a thick line) with the two processes' loss drawn on top (dots):
    when they are equal the dots sit on the line."""
    steps = list(range(1, len(one) + 1))
    fig = go.Figure()
    fig.add_scatter(x=steps, y=list(one), mode="lines", name=labels["one"],
                    line={"color": PALETTE[7], "width": 6}, opacity=0.35)
    fig.add_scatter(x=steps, y=list(two), mode="markers", name=labels["two"],
                    marker={"color": PALETTE[1], "size": 8, "symbol": "circle"})
    fig.update_xaxes(title=labels["x"])
    fig.update_yaxes(title=labels["y"])
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    return apply_style(fig, height, labels["title"])


def time_split_figure(rows: Sequence[tuple[str, float, float]], labels: Mapping[str, str], height: int = 220) -> go.Figure:
    """Milliseconds per step spent computing and communicating, one bar per run."""
    fig = go.Figure()
    names = [name for name, _, _ in rows]
    fig.add_bar(y=names, x=[1000 * c for _, c, _ in rows], name=labels["compute"], orientation="h",
                marker_color=PALETTE[0])
    fig.add_bar(y=names, x=[1000 * m for _, _, m in rows], name=labels["communicate"], orientation="h",
                marker_color=PALETTE[5])
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.35, "traceorder": "normal"})
    fig.update_xaxes(title=labels["x"])
    return apply_style(fig, height, labels["title"])


def holdings_figure(holdings: Sequence[dict], labels: Mapping[str, str], height: int = 420) -> go.Figure:
    """Each weight matrix as a bar along the dimension that is split, coloured by the worker
    that holds each part ("rows" = output features, "columns" = input features)."""
    fig = go.Figure()
    names = [f"{row['matrix']} ({row['shape'][0]}×{row['shape'][1]})" for row in holdings]
    for worker in range(len(holdings[0]["parts"]) if holdings else 0):
        fig.add_bar(
            y=names,
            x=[row["parts"][worker][1] - row["parts"][worker][0] for row in holdings],
            orientation="h",
            name=labels["worker"].format(rank=worker),
            marker_color=WORKER_COLOURS[worker % 2],
            text=[labels[row["split"]].format(start=row["parts"][worker][0], end=row["parts"][worker][1] - 1)
                  for row in holdings],
            textposition="inside",
            insidetextanchor="middle",
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "traceorder": "normal"})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=labels["x"])
    return apply_style(fig, height, labels["title"])


def pipeline_figure(events: Sequence[dict], stages: int, labels: Mapping[str, str], height: int = 300) -> go.Figure:
    """The measured schedule: one row per worker, a box per micro-batch's forward or backward
    from its measured start to its end; the gaps are the bubble."""
    fig = go.Figure()
    for phase in ("forward", "backward"):
        mine = [e for e in events if e["phase"] == phase]
        fig.add_bar(
            y=[labels["stage"].format(stage=e["stage"]) for e in mine],
            x=[1000 * (e["end"] - e["start"]) for e in mine],
            base=[1000 * e["start"] for e in mine],
            orientation="h",
            name=labels[phase],
            marker={"color": PHASE_COLOURS[phase], "line": {"color": "white", "width": 1}},
            text=[str(e["micro"] + 1) for e in mine],
            textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{y}<br>" + labels[phase] + " %{text}: %{base:.1f}–%{x:.1f} ms<extra></extra>",
        )
    order = [labels["stage"].format(stage=s) for s in range(stages)]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_xaxes(title=labels["x"])
    fig.update_layout(barmode="overlay", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1,
                                                 "xanchor": "right"})
    return apply_style(fig, height, labels["title"])


def bubble_figure(formula: Sequence[tuple[int, float]], measured: Mapping[int, float], labels: Mapping[str, str],
                  scheduled: Mapping[int, float] | None = None, height: int = 320) -> go.Figure:
    """The bubble (p - 1) / (m + p - 1) as a line over the number of micro-batches, the
    fractions measured so far as dots, and (``scheduled``) the measured compute times replayed
    with free messages as diamonds."""
    fig = go.Figure()
    fig.add_scatter(x=[m for m, _ in formula], y=[b for _, b in formula], mode="lines+markers",
                    name=labels["formula"], line={"color": PALETTE[7], "dash": "dash"})
    points = sorted(measured.items())
    fig.add_scatter(x=[m for m, _ in points], y=[b for _, b in points], mode="markers", name=labels["measured"],
                    marker={"color": PALETTE[5], "size": 14})
    if scheduled:
        points = sorted(scheduled.items())
        fig.add_scatter(x=[m for m, _ in points], y=[b for _, b in points], mode="markers", name=labels["scheduled"],
                        marker={"color": PALETTE[2], "size": 12, "symbol": "diamond"})
    fig.update_xaxes(title=labels["x"], type="log", tickvals=[m for m, _ in formula], ticktext=[str(m) for m, _ in formula])
    fig.update_yaxes(title=labels["y"], range=[0, 1], tickformat=".0%")
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    return apply_style(fig, height, labels["title"])


def memory_figure(rows: Sequence[tuple[str, Mapping[str, float]]], memory_gb: float, labels: Mapping[str, str],
                  height: int = 420) -> go.Figure:
    """Memory per device of each strategy, stacked by part, with the device's memory as a line.
    Bars far above the line are cut at three times it and carry their total as a label."""
    fig = go.Figure()
    names = [name for name, _ in rows]
    for part, colour in PART_COLOURS.items():
        fig.add_bar(x=names, y=[memory[part] / GB for _, memory in rows], name=labels[part], marker_color=colour,
                    hovertemplate="%{x}<br>" + labels[part] + ": %{y:,.1f} GB<extra></extra>")
    top = 3 * memory_gb
    fitting = [memory["total"] / GB for _, memory in rows if memory["total"] / GB <= top]
    ceiling = max([top * 0.6, *[1.15 * v for v in fitting]])
    for name, memory in rows:
        total = memory["total"] / GB
        fig.add_annotation(x=name, y=min(total, ceiling), text=f"{total:,.1f} GB" + (" ↑" if total > ceiling else ""),
                           showarrow=False, yshift=12, bgcolor="rgba(255,255,255,0.85)")
    fig.add_hline(y=memory_gb, line={"color": PALETTE[5], "dash": "dash", "width": 3},
                  annotation_text=labels["limit"].format(gb=f"{memory_gb:g}"), annotation_position="top left")
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.25, "traceorder": "normal"})
    fig.update_yaxes(title=labels["y"], range=[0, ceiling * 1.12])
    return apply_style(fig, height, labels["title"])
