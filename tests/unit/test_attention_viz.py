"""Chapter 5's figures: honest axes, escaped tokens, frames for the temperature slider."""

import json

import numpy as np

from lm_core.analysis import attention_lab as lab
from viz import attention as figs

XSS = "<img src=x onerror=alert(1)>"
TOKENS = ["[CLS]", "the", XSS, "the", "[SEP]"]


def _weights(n=5, heads=4, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.random((heads, n, n))
    return w / w.sum(-1, keepdims=True)


def _json(fig):
    return fig.to_json()


def test_token_label_escapes_and_shortens():
    assert figs.token_label(XSS).startswith("&lt;img")
    assert "<" not in figs.token_label(XSS)
    assert len(figs.token_label("x" * 50, limit=10)) <= 10


def test_no_figure_carries_raw_html_from_tokens():
    w = _weights()
    built = [
        figs.matrix_heatmap(w[0], TOKENS, "t", "x", "y", column_tokens=TOKENS, show_values=True),
        figs.matrix_heatmap(np.ones((5, 8)), TOKENS, "t", "x", "y"),
        figs.vectors_figure([("Q", np.ones((5, 4))), ("K", -np.ones((5, 4)))], TOKENS, "x", "y", "t"),
        figs.temperature_figure([w[0], w[1]], (1.0, 2.0), TOKENS, "t", "temp", "x", "y"),
        figs.heads_grid_figure(w, TOKENS, "t", "head", selected=1),
        figs.lines_figure(w[0], TOKENS, focus=2, title="t"),
    ]
    for fig in built:
        text = _json(fig)
        assert "<img" not in text and "\\u003cimg" not in text, text[:200]
        assert "&lt;img" in text


def test_repeated_tokens_keep_their_own_rows():
    fig = figs.matrix_heatmap(_weights()[0], TOKENS, "t", "x", "y", column_tokens=TOKENS)
    spec = json.loads(_json(fig))
    assert spec["layout"]["yaxis"]["tickvals"] == [0, 1, 2, 3, 4]
    assert spec["layout"]["yaxis"]["ticktext"].count("the") == 2


def test_masked_cells_are_gaps_not_numbers():
    masked = lab.apply_mask(np.zeros((4, 4), dtype=np.float32), causal=True)
    fig = figs.matrix_heatmap(masked, list("abcd"), "t", "x", "y", column_tokens=list("abcd"))
    z = fig.data[0].z
    assert z[0][1] is None and z[1][0] == 0.0


def test_temperature_figure_has_one_frame_per_temperature_starting_at_one():
    masked = lab.apply_mask(np.random.default_rng(1).normal(size=(5, 5)).astype(np.float32), causal=False)
    frames = lab.temperature_frames(masked)
    fig = figs.temperature_figure(frames, lab.TEMPERATURES, TOKENS, "t", "temperature", "x", "y")
    assert len(fig.frames) == len(lab.TEMPERATURES)
    slider = fig.layout.sliders[0]
    assert slider.steps[slider.active].label == "1"
    np.testing.assert_allclose(np.asarray(fig.data[0].z), np.round(lab.softmax(masked), 4), atol=1e-4)


def test_overview_marks_the_selected_head_and_is_clickable():
    scores = np.random.default_rng(2).random((6, 12))
    fig = figs.overview_figure(scores, "t", "layer", "head", "w", selected=(3, 1))
    assert len(fig.data[0].x) == 72
    assert list(fig.data[1].x) == [1] and list(fig.data[1].y) == [3]
    assert fig.layout.clickmode == "event+select"


def test_lines_width_follows_weight():
    weights = np.array([[1.0, 0.0, 0.0], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    fig = figs.lines_figure(weights, ["a", "b", "c"], focus=1, title="t")
    lines = [trace for trace in fig.data if trace.mode == "lines"]
    by_target = {trace.y[1]: trace.line.width for trace in lines}
    assert by_target[1] > by_target[2] > by_target[0]


def test_unvalidated_figures_are_valid_plotly():
    # The factories skip plotly's validation for speed; prove the result would pass it.
    import plotly.graph_objects as go

    w = _weights()
    masked = lab.apply_mask(np.zeros((5, 5), dtype=np.float32), causal=True)
    built = [
        figs.matrix_heatmap(masked, TOKENS, "t", "x", "y", column_tokens=TOKENS, show_values=True),
        figs.matrix_heatmap(np.ones((5, 8)), TOKENS, "t", "x", "y"),
        figs.vectors_figure([("Q", np.ones((5, 4))), ("K", -np.ones((5, 4)))], TOKENS, "x", "y", "t",
                            shared_scale=False),
        figs.temperature_figure([w[0], w[1]], (1.0, 2.0), TOKENS, "t", "temp", "x", "y"),
        figs.heads_grid_figure(w, TOKENS, "t", "head", selected=1),
        figs.overview_figure(np.random.default_rng(0).random((2, 4)), "t", "l", "h", "v", selected=(1, 1)),
        figs.lines_figure(w[0], TOKENS, focus=2, title="t", causal=True),
    ]
    for fig in built:
        go.Figure(fig.to_dict())  # raises ValueError on any invalid property


def test_colour_scales_are_explicit_and_point_the_right_way():
    # Unvalidated figures must carry colour lists: plotly.js has no "RdBu_r".
    fig = figs.matrix_heatmap(np.ones((2, 3)), ["a", "b"], "t", "x", "y")
    scale = fig.to_dict()["data"][0]["colorscale"]
    assert isinstance(scale[0], (list, tuple)) and len(scale) > 2
    weights = figs.temperature_figure([np.eye(2)], (1.0,), ["a", "b"], "t", "s", "x", "y")
    blues = weights.to_dict()["data"][0]["colorscale"]
    assert blues[0][1] in ("rgb(247,251,255)", "#f7fbff")  # weight 0 is near white


def test_margins_are_fixed_up_front_so_plotly_draws_once():
    """No axis asks plotly.js for automargin (a second draw per figure, on every slider
    move); the margins leave room for token labels, colour bars and the slider."""
    w = _weights()
    long_tokens = ["[CLS]", "extraordinarily", "下雨", "[SEP]", "x"]
    built = [
        figs.matrix_heatmap(w[0], long_tokens, "t", "x", "y", column_tokens=long_tokens, show_values=True),
        figs.matrix_heatmap(np.ones((5, 8)), long_tokens, "t", "x", "y"),
        figs.vectors_figure([("Q", np.ones((5, 4))), ("K", -np.ones((5, 4)))], long_tokens, "x", "y", "t"),
        figs.score_panels_figure([("a", w[0]), ("b", w[1])], long_tokens, "t", "x", "y"),
        figs.temperature_figure([w[0], w[1]], (1.0, 2.0), long_tokens, "t", "temp", "x", "y"),
        figs.heads_grid_figure(w, long_tokens, "t", "head", selected=1),
        figs.overview_figure(np.ones((6, 12)), "t", "layer", "head", "v", selected=(0, 1)),
    ]
    for fig in built:
        layout = fig.to_plotly_json()["layout"]
        axes = {name: axis for name, axis in layout.items() if name.startswith(("xaxis", "yaxis"))}
        assert axes and all(axis["automargin"] is False for axis in axes.values())
        if any(a.get("ticktext") == [figs.token_label(t) for t in long_tokens] and a.get("showticklabels", True)
               for name, a in axes.items() if name.startswith("yaxis")):
            assert layout["margin"]["l"] >= 90  # "extraordinar…" at 15 px plus the axis title
        shows_scale = any(trace.get("showscale", trace["type"] == "heatmap") or
                          trace.get("marker", {}).get("showscale") for trace in fig.to_plotly_json()["data"])
        if shows_scale:
            assert layout["margin"]["r"] >= figs.COLORBAR_ROOM
    slider_fig = built[4].to_plotly_json()["layout"]
    assert slider_fig["margin"]["b"] >= slider_fig["sliders"][0]["pad"]["t"] + figs.SLIDER_ROOM


def test_heads_flipbook_has_a_frame_per_layer_and_head():
    import plotly.graph_objects as go

    rng = np.random.default_rng(3)
    weights = rng.random((3, 4, 5, 5))
    weights /= weights.sum(-1, keepdims=True)
    fig = figs.heads_flipbook_figure(weights, TOKENS, "t", "layer · head", "x", "y", start=(2, 1))
    assert len(fig.frames) == 3 * 4
    slider = fig.layout.sliders[0]
    labels = [step.label for step in slider.steps]
    assert labels == [f"L{layer}·H{head}" for layer in range(3) for head in range(4)]
    assert slider.active == 2 * 4 + 1 and labels[slider.active] == "L2·H1"
    for frame in fig.frames:
        layer, head = (int(part[1:]) for part in frame.name.split("·"))
        np.testing.assert_allclose(np.asarray(frame.data[0].z), weights[layer, head], atol=1e-3)
        assert frame.data[0].zmin == 0.0 and frame.data[0].zmax == 1.0
    np.testing.assert_allclose(np.asarray(fig.data[0].z), weights[2, 1], atol=1e-3)
    assert fig.data[0].zmin == 0.0 and fig.data[0].zmax == 1.0
    text = _json(fig)
    assert "<img" not in text and "\\u003cimg" not in text and "&lt;img" in text
    layout = fig.to_plotly_json()["layout"]
    assert layout["xaxis"]["automargin"] is False and layout["yaxis"]["automargin"] is False
    assert layout["margin"]["b"] >= layout["sliders"][0]["pad"]["t"] + figs.SLIDER_ROOM
    go.Figure(fig.to_dict())  # raises ValueError on any invalid property
