"""Figures for chapter 3 (word2vec). Plain data in, plotly Figure out; no Streamlit.

Words may come from an uploaded text, so every word is HTML-escaped before it reaches a
label or hover text (plotly renders a few tags there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.labels import LARGEST_LABEL_PX, NARROW_PLOT_PX, axis_ranges, place_labels
from viz.style import PALETTE, apply_style
from viz.text import for_html

OTHER_COLOUR = "#9CA3AF"
# Up to 16 semantic groups stay distinguishable: the shared palette first, then more.
#: Room around the points of a word map, a fraction of their span on each side.
MAP_PAD = 0.06
#: Pixels of a map's height taken by its title, axis titles and tick labels.
MAP_CHROME_PX = 150

GROUP_PALETTE = (*PALETTE[:6], "#7C3AED", "#0F766E", "#B91C1C", "#65A30D", "#1E3A8A", "#C2410C",
                 "#DB2777", "#4B5563", "#A16207", "#0891B2")


def _group_order(words: Sequence[str], groups: Mapping[str, str]) -> list[str | None]:
    order: list[str | None] = []
    for w in words:
        g = groups.get(w)
        if g not in order:
            order.append(g)
    # Named groups first (alphabetical, stable colours), the ungrouped words last.
    named = sorted(g for g in order if g is not None)
    return [*named, None] if None in order else named


def _colour(position: int, group: str | None) -> str:
    return OTHER_COLOUR if group is None else GROUP_PALETTE[position % len(GROUP_PALETTE)]


def embedding_scatter(
    coords: np.ndarray,
    words: Sequence[str],
    groups: Mapping[str, str],
    *,
    title: str,
    axis_titles: Sequence[str],
    group_names: Mapping[str, str] | None = None,
    other_name: str = "other",
    highlight: Sequence[str] = (),
    labelled: Sequence[str] = (),
    label_budget: int = 30,
    show_labels: bool = True,
    height: int = 620,
) -> go.Figure:
    """Words as points in 2D or 3D (``coords`` has 2 or 3 columns), one colour per group.

    ``group_names`` translates group ids for the legend; ``highlight`` words are drawn
    larger with a black outline (the word whose neighbours are listed, say). Labels never
    overlap: the ``highlight`` and ``labelled`` words (the lesson's) are labelled first,
    then well-separated others up to ``label_budget``; every point names itself on hover.
    """
    coords = np.asarray(coords)
    dims = coords.shape[1]
    group_names = group_names or {}
    fig = go.Figure()
    highlight_set = set(highlight)
    index = {w: i for i, w in enumerate(words)}
    must = [index[w] for w in (*highlight, *labelled) if w in index]
    # Estimated for the narrowest plot and the largest labels the map is drawn with (a laptop
    # at 1280 px, the projector layout): the figure is shared by both, and its axes are fixed
    # to the ranges the estimate assumes.
    positions = place_labels(coords, list(words), must=must, budget=label_budget if show_labels else 0,
                             width_px=NARROW_PLOT_PX, height_px=height - MAP_CHROME_PX,
                             font_px=LARGEST_LABEL_PX, marker_px=10, ranges=axis_ranges(coords, MAP_PAD))
    for position, group in enumerate(_group_order(words, groups)):
        rows = [i for i, w in enumerate(words) if groups.get(w) == group]
        labels = [for_html(words[i]) if positions[i] else "" for i in rows]
        sizes = [16 if words[i] in highlight_set else 9 for i in rows]
        lines = [2.5 if words[i] in highlight_set else 0.5 for i in rows]
        name = other_name if group is None else group_names.get(group, group)
        common = dict(
            mode="markers+text" if show_labels else "markers",
            name=for_html(str(name)),
            text=labels,
            hovertext=[for_html(words[i]) for i in rows],
            customdata=[words[i] for i in rows],  # the raw word, for click selection
            textposition=[positions[i] or "top center" for i in rows],
            hovertemplate="<b>%{hovertext}</b><extra>" + for_html(str(name)) + "</extra>",
            marker=dict(color=_colour(position, group), size=sizes,
                        line=dict(color="black", width=lines), opacity=0.9),
        )
        if dims == 3:
            # scatter3d takes one outline width per trace, not one per point.
            common["marker"] = dict(color=_colour(position, group), size=[s * 0.6 for s in sizes],
                                    line=dict(color="black", width=0.5), opacity=0.9)
            fig.add_trace(go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2],
                                       textfont=dict(size=12), **common))
        else:
            fig.add_trace(go.Scatter(x=coords[rows, 0], y=coords[rows, 1], textfont=dict(size=13), **common))
    apply_style(fig, height=height, title=title)
    fig.update_layout(legend=dict(itemsizing="constant"))
    if dims == 3:
        fig.update_layout(scene=dict(xaxis_title=axis_titles[0], yaxis_title=axis_titles[1],
                                     zaxis_title=axis_titles[2]))
    else:
        x_range, y_range = axis_ranges(coords, MAP_PAD)
        fig.update_xaxes(title=axis_titles[0], zeroline=False, range=x_range)
        fig.update_yaxes(title=axis_titles[1], zeroline=False, range=y_range)
    return fig


def replay_animation(
    frames: Sequence[np.ndarray],
    steps: Sequence[int],
    words: Sequence[str],
    groups: Mapping[str, str],
    *,
    title: str,
    axis_titles: Sequence[str],
    step_label: str,
    play_label: str,
    pause_label: str,
    group_names: Mapping[str, str] | None = None,
    other_name: str = "other",
    labelled: Sequence[str] = (),
    label_budget: int = 30,
    show_labels: bool = True,
    height: int = 620,
) -> go.Figure:
    """The training replayed in the browser: one Plotly frame per snapshot (2D), with a
    play button and a slider. No server round trip: all frames travel with the figure.
    Labels are placed (never overlapping) on the last frame, where the groups have
    formed; the others name themselves on hover."""
    group_names = group_names or {}
    order = _group_order(words, groups)
    members = [[i for i, w in enumerate(words) if groups.get(w) == g] for g in order]
    index = {w: i for i, w in enumerate(words)}
    stacked = np.concatenate([np.asarray(f) for f in frames]) if frames else np.zeros((1, 2))
    # Fixed axes for the whole animation, from the 1st to 99th percentile of all frames: a
    # few words flung far out early on would otherwise shrink every other frame to a dot.
    low, high = np.percentile(stacked, 1, axis=0), np.percentile(stacked, 99, axis=0)
    pad = 0.12 * (high - low + 1e-6)
    low, high = low - pad, high + pad
    ranges = [[float(low[0]), float(high[0])], [float(low[1]), float(high[1])]]
    # As on the map: estimated for the narrowest plot and the projector's labels.
    positions = place_labels(np.asarray(frames[-1]), list(words), must=[index[w] for w in labelled if w in index],
                             budget=label_budget if show_labels else 0, width_px=NARROW_PLOT_PX,
                             height_px=height - MAP_CHROME_PX - 80, font_px=LARGEST_LABEL_PX,
                             ranges=ranges) if len(frames) else []

    def traces(coords: np.ndarray) -> list[go.Scatter]:
        out = []
        for position, (group, rows) in enumerate(zip(order, members, strict=True)):
            name = other_name if group is None else group_names.get(group, group)
            out.append(go.Scatter(
                x=coords[rows, 0], y=coords[rows, 1],
                mode="markers+text" if show_labels else "markers",
                text=[for_html(words[i]) if positions[i] else "" for i in rows],
                textposition=[positions[i] or "top center" for i in rows],
                hovertext=[for_html(words[i]) for i in rows],
                textfont=dict(size=12), name=for_html(str(name)),
                hovertemplate="<b>%{hovertext}</b><extra>" + for_html(str(name)) + "</extra>",
                marker=dict(color=_colour(position, group), size=9, opacity=0.9),
            ))
        return out

    last = len(frames) - 1
    fig = go.Figure(
        data=traces(np.asarray(frames[last])),
        frames=[go.Frame(data=traces(np.asarray(f)), name=str(k)) for k, f in enumerate(frames)],
    )
    slider_steps = [
        dict(method="animate", label=str(step),
             args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                  transition=dict(duration=0))])
        for k, step in enumerate(steps)
    ]
    fig.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=-0.14, xanchor="left", yanchor="top",
            buttons=[
                dict(label=play_label, method="animate",
                     args=[None, dict(frame=dict(duration=450, redraw=False), fromcurrent=False,
                                      transition=dict(duration=350, easing="cubic-in-out"))]),
                dict(label=pause_label, method="animate",
                     args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))]),
            ],
        )],
        sliders=[dict(active=last, steps=slider_steps, x=0.25, len=0.75, y=-0.08,
                      currentvalue=dict(prefix=f"{step_label}: "))],
    )
    apply_style(fig, height=height, title=title)
    fig.update_layout(margin=dict(b=120))
    fig.update_xaxes(title=axis_titles[0], range=ranges[0], zeroline=False)
    fig.update_yaxes(title=axis_titles[1], range=ranges[1], zeroline=False)
    return fig


def loss_curve(steps: Sequence[int], losses: Sequence[float], *, title: str, x_title: str,
               y_title: str, total_steps: int | None = None, height: int = 320) -> go.Figure:
    fig = go.Figure(go.Scatter(x=list(steps), y=list(losses), mode="lines+markers",
                               line=dict(color=PALETTE[0], width=3), marker=dict(size=5),
                               hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    apply_style(fig, height=height, title=title)
    fig.update_xaxes(title=x_title, range=[0, total_steps] if total_steps else None)
    fig.update_yaxes(title=y_title, rangemode="tozero")
    return fig


def similarity_heatmap(matrix: np.ndarray, words: Sequence[str], *, title: str,
                       value_name: str, height: int | None = None) -> go.Figure:
    labels = [for_html(w) for w in words]
    n = len(words)
    fig = go.Figure(go.Heatmap(
        z=matrix, x=labels, y=labels, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
        text=[[f"{v:.2f}" for v in row] for row in matrix], texttemplate="%{text}" if n <= 15 else None,
        colorbar=dict(title=value_name),
        hovertemplate="%{y} · %{x}<br>" + for_html(value_name) + ": %{z:.3f}<extra></extra>",
        xgap=1, ygap=1,
    ))
    apply_style(fig, height=height or max(360, 60 + 42 * n), title=title)
    fig.update_yaxes(autorange="reversed")
    return fig


def score_bars(pairs: Sequence[tuple[str, float]], *, title: str, x_title: str,
               height: int | None = None, colour: str = PALETTE[0]) -> go.Figure:
    """Horizontal bars for ranked (word, score) lists: neighbours, analogy answers."""
    words = [for_html(w) for w, _ in pairs][::-1]
    scores = [s for _, s in pairs][::-1]
    fig = go.Figure(go.Bar(x=scores, y=words, orientation="h", marker_color=colour,
                           text=[f"{s:.3f}" for s in scores], textposition="auto",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    apply_style(fig, height=height or max(260, 70 + 34 * len(pairs)), title=title)
    fig.update_xaxes(title=x_title, range=[min(0.0, min(scores, default=0.0)), 1.0])
    return fig


def context_comparison(labels: Sequence[str], values: Sequence[float], *, title: str,
                       x_title: str, height: int = 300) -> go.Figure:
    """Cosine similarity of "the same word" under two models, side by side."""
    colours = [PALETTE[1], PALETTE[0], PALETTE[2], PALETTE[3]][: len(values)]
    fig = go.Figure(go.Bar(x=list(values), y=[for_html(s) for s in labels], orientation="h",
                           marker_color=colours, text=[f"{v:.3f}" for v in values],
                           textposition="auto", hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    apply_style(fig, height=height, title=title)
    fig.update_xaxes(title=x_title, range=[0, 1.05])
    fig.update_yaxes(autorange="reversed")
    return fig
