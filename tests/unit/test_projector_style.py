"""The projector's type: no figure text below the size a back row reads, bar labels included."""

import plotly.graph_objects as go

from viz.style import PROJECTOR_MIN_FONT, apply_style, projector_style


def test_a_thin_bars_label_keeps_the_projectors_size():
    figure = apply_style(go.Figure(go.Bar(x=[0.9, 0.01], y=["a", "b"], orientation="h", text=["90%", "1%"],
                                          textposition="outside")), height=200)
    projector_style(figure)
    bar = figure.data[0]
    assert bar.textfont.size >= PROJECTOR_MIN_FONT
    assert bar.constraintext == "none"  # Plotly would shrink it to the bar's thickness
    inside = projector_style(go.Figure(go.Bar(x=[1], y=["a"], text=["x"], textposition="inside")))
    assert inside.data[0].constraintext is None  # a label inside its bar still fits the bar
