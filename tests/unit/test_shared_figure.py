"""ui.shared.shared_figure: one build per key, the same object for every caller, learner text
made literal once."""

import plotly.graph_objects as go

from ui.shared import shared_figure


def test_a_figure_is_built_once_per_key_and_shared():
    builds = []

    def build(name):
        builds.append(name)
        return go.Figure(go.Bar(x=[1], y=[2]), layout={"title": {"text": f"<b>{name}</b>"}})

    first = shared_figure(("test", "a"), lambda: build("a"))
    again = shared_figure(("test", "a"), lambda: build("a"))
    other = shared_figure(("test", "b"), lambda: build("b"))
    assert again is first and other is not first
    assert builds == ["a", "b"]
    # A typed <b> shows as text, escaped once however many sessions get the figure.
    title = first.layout.title.text
    assert "<b>" not in title and "a" in title and "&amp;" not in title
