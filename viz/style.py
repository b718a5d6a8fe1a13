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


#: Projector layout: the smallest type a back row can read, and the base size.
PROJECTOR_MIN_FONT = 16
PROJECTOR_FONT = 19


def _at_least(font, size: int) -> None:
    if font is not None and (font.size is None or font.size < size):
        font.size = size


def projector_style(fig: go.Figure) -> go.Figure:
    """Larger type for a projected figure: base font, titles, tick labels, axis titles,
    cell numbers, legends, annotations and slider labels all at least
    ``PROJECTOR_MIN_FONT`` px. Works on any figure a factory returns."""
    layout = fig.layout
    layout.font.size = max(layout.font.size or 0, PROJECTOR_FONT)
    _at_least(layout.title.font, PROJECTOR_FONT + 3)
    _at_least(layout.legend.font, PROJECTOR_MIN_FONT)
    _at_least(layout.hoverlabel.font, PROJECTOR_MIN_FONT)
    for name in [n for n in layout if n.startswith(("xaxis", "yaxis"))]:
        axis = layout[name]
        _at_least(axis.tickfont, PROJECTOR_MIN_FONT)
        _at_least(axis.title.font, PROJECTOR_MIN_FONT + 1)
    if layout.scene:
        for axis in (layout.scene.xaxis, layout.scene.yaxis, layout.scene.zaxis):
            _at_least(axis.tickfont, PROJECTOR_MIN_FONT)
            _at_least(axis.title.font, PROJECTOR_MIN_FONT + 1)
    for annotation in layout.annotations or ():
        _at_least(annotation.font, PROJECTOR_MIN_FONT)
    for slider in layout.sliders or ():
        _at_least(slider.font, PROJECTOR_MIN_FONT)
        _at_least(slider.currentvalue.font, PROJECTOR_MIN_FONT)
    for menu in layout.updatemenus or ():
        _at_least(menu.font, PROJECTOR_MIN_FONT)
    for trace in fig.data:
        if hasattr(trace, "textfont"):
            _at_least(trace.textfont, PROJECTOR_MIN_FONT)
        if trace.type == "bar" and trace.textposition == "outside" and trace.constraintext is None:
            # Plotly shrinks a label outside its bar to the bar's thickness: a thin bar's
            # number would fall below the projector's size.
            trace.constraintext = "none"
        # Only colour bars a factory drew (touching an absent one would make Plotly draw it).
        spec = trace.to_plotly_json()
        if "colorbar" in spec:
            _at_least(trace.colorbar.tickfont, PROJECTOR_MIN_FONT)
        if "colorbar" in (spec.get("marker") or {}):
            _at_least(trace.marker.colorbar.tickfont, PROJECTOR_MIN_FONT)
    for frame in fig.frames or ():
        for trace in frame.data:
            if hasattr(trace, "textfont"):
                _at_least(trace.textfont, PROJECTOR_MIN_FONT)
    return fig
