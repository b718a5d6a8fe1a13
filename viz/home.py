"""The home page's map of the journey from counting words to LLMs."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from viz.style import PALETTE, apply_style


@dataclass(frozen=True)
class Stage:
    label: str  # short name shown on the map
    year: str  # when the idea took hold
    note: str  # one line shown on hover
    chapter: int | None  # chapter that teaches it


def journey_figure(stages: list[Stage], title: str, chapter_label: str) -> go.Figure:
    """A left-to-right path of milestones; each marker coloured by its chapter."""
    xs = list(range(len(stages)))
    # Alternate labels above and below the line so long names never overlap.
    label_y = [0.55 if i % 2 == 0 else -0.55 for i in xs]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[0] * len(stages),
            mode="lines",
            line={"color": "#9aa5b1", "width": 4},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[0] * len(stages),
            mode="markers",
            marker={
                "size": 30,
                "color": [PALETTE[(s.chapter or 0) % len(PALETTE)] for s in stages],
                "line": {"color": "white", "width": 3},
            },
            customdata=[[s.label, s.year, s.note, s.chapter or "-"] for s in stages],
            hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]})<br>%{customdata[2]}<br>"
            + chapter_label
            + " %{customdata[3]}<extra></extra>",
            showlegend=False,
        )
    )
    for x, y, stage in zip(xs, label_y, stages, strict=True):
        fig.add_annotation(
            x=x,
            y=y,
            text=f"<b>{stage.label}</b><br><span style='font-size:13px'>{stage.year}</span>",
            showarrow=False,
            font={"size": 15, "color": "#1F2933"},
            yanchor="bottom" if y > 0 else "top",
        )
    fig.update_xaxes(visible=False, range=[-0.7, len(stages) - 0.3])
    fig.update_yaxes(visible=False, range=[-1.6, 1.6])
    apply_style(fig, height=300, title=title)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig
