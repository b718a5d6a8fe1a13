"""Shared look of the figures: readable when projected in a classroom."""

from __future__ import annotations

import plotly.graph_objects as go

FONT_SIZE = 15
FONT_FAMILY = "Inter, 'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
# Okabe-Ito: distinguishable for colour-blind students, legible on a projector.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def apply_style(fig: go.Figure, height: int | None = None, title: str | None = None) -> go.Figure:
    """Large fonts, white background, tight but uncut margins."""
    fig.update_layout(
        template="plotly_white",
        font={"size": FONT_SIZE, "family": FONT_FAMILY},
        margin={"l": 40, "r": 20, "t": 60 if title else 30, "b": 40},
        hoverlabel={"font_size": FONT_SIZE},
    )
    if title is not None:
        fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left"})
    if height is not None:
        fig.update_layout(height=height)
    return fig
