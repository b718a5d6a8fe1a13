"""The chart that settles a prediction: one bar per option, the right one(s) in green,
the learner's guess outlined."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import plotly.graph_objects as go

from viz.style import apply_style
from viz.text import for_html

RIGHT = "#009E73"
OTHER = "#B8C4D0"
GUESS = "#D55E00"


def answer_bars(
    labels: Sequence[str],
    values: Sequence[float],
    correct: Collection[int],
    guessed: Collection[int],
    title: str,
    x_title: str,
    guess_label: str,
    number_format: str = ".2f",
) -> go.Figure:
    """Horizontal bars (first option on top); ``correct`` and ``guessed`` are indices.
    Labels may be words a learner typed: they are escaped (plotly reads some HTML)."""
    labels = [for_html(str(label)) for label in labels]
    title, x_title, guess_label = for_html(title), for_html(x_title), for_html(guess_label)
    colours = [RIGHT if i in correct else OTHER for i in range(len(labels))]
    outline = [GUESS if i in guessed else "rgba(0,0,0,0)" for i in range(len(labels))]
    texts = [f"{v:{number_format}}" + (f"  ← {guess_label}" if i in guessed else "") for i, v in enumerate(values)]
    fig = go.Figure(
        go.Bar(
            x=list(values),
            y=list(range(len(labels))),
            orientation="h",
            marker={"color": colours, "line": {"color": outline, "width": 4}},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{customdata}: %{x:" + number_format + "}<extra></extra>",
            customdata=list(labels),
        )
    )
    bar = 46 if len(labels) <= 12 else max(20, 560 // len(labels))
    apply_style(fig, height=max(180, 90 + bar * len(labels)), title=title)
    top = max([float(v) for v in values] + [0.0])
    fig.update_xaxes(title_text=x_title, range=[min(0.0, min(values, default=0.0)), top * 1.35 or 1.0], tickfont={"size": 14})
    fig.update_yaxes(tickvals=list(range(len(labels))), ticktext=list(labels), autorange="reversed",
                     tickfont={"size": 15, "color": "#1f2937"})
    fig.update_layout(showlegend=False, margin={"l": 20, "r": 30})
    return fig
