"""Figures of chapter 3: plain data in, plotly figures out, user words escaped."""

import numpy as np

from viz import embeddings as fig

WORDS = ["king", "queen", "paris", "<b>x</b>", "rain"]
GROUPS = {"king": "person", "queen": "person", "paris": "capital"}


def test_scatter_one_trace_per_group_2d_and_3d():
    coords = np.arange(15, dtype=float).reshape(5, 3)
    two = fig.embedding_scatter(coords[:, :2], WORDS, GROUPS, title="t", axis_titles=["a", "b"],
                                group_names={"person": "people"}, other_name="other", highlight=["king"])
    names = [trace.name for trace in two.data]
    assert names == ["capital", "people", "other"]  # named groups sorted, ungrouped last
    people = two.data[1]
    assert list(people.text) == ["king", "queen"] and list(people.customdata) == ["king", "queen"]
    assert people.marker.size[0] > people.marker.size[1]  # the highlighted word stands out
    assert "&lt;b&gt;x&lt;/b&gt;" in two.data[2].text  # user text escaped
    assert two.layout.xaxis.title.text == "a"
    three = fig.embedding_scatter(coords, WORDS, GROUPS, title="t", axis_titles=["a", "b", "c"])
    assert all(trace.type == "scatter3d" for trace in three.data)
    assert three.layout.scene.zaxis.title.text == "c"
    # Colours differ between groups.
    assert len({trace.marker.color for trace in three.data}) == 3


def test_replay_has_one_frame_per_snapshot_and_fixed_axes():
    rng = np.random.default_rng(0)
    frames = [rng.normal(size=(5, 2)) * scale for scale in (0.1, 1, 2)]
    figure = fig.replay_animation(frames, [0, 10, 20], WORDS, GROUPS, title="t", axis_titles=["a", "b"],
                                  step_label="step", play_label="Play", pause_label="Pause")
    assert len(figure.frames) == 3
    assert [s.label for s in figure.layout.sliders[0].steps] == ["0", "10", "20"]
    assert figure.layout.updatemenus[0].buttons[0].label == "Play"
    # The axes are fixed for the whole animation and hold (nearly) every point of every frame.
    low, high = figure.layout.xaxis.range
    stacked = np.concatenate(frames)
    assert low < np.percentile(stacked[:, 0], 2) and high > np.percentile(stacked[:, 0], 98)
    # ...but one word flung far away does not shrink the picture to a dot.
    many = [rng.normal(size=(200, 2)) for _ in range(3)]
    many[0][0] = [1000.0, 1000.0]
    wide = fig.replay_animation(many, [0, 1, 2], [f"w{i}" for i in range(200)], {}, title="t", axis_titles=["a", "b"],
                                step_label="s", play_label="p", pause_label="q")
    assert wide.layout.xaxis.range[1] < 10
    # The figure opens on the last (trained) frame.
    np.testing.assert_allclose(figure.data[1].x, frames[-1][[0, 1], 0])


def test_small_figures():
    loss = fig.loss_curve([1, 2, 3], [4.0, 3.0, 2.5], title="loss", x_title="step", y_title="loss", total_steps=10)
    assert list(loss.data[0].y) == [4.0, 3.0, 2.5] and list(loss.layout.xaxis.range) == [0, 10]
    heat = fig.similarity_heatmap(np.eye(2), ["a", "<i>b</i>"], title="h", value_name="cos")
    assert list(heat.data[0].x) == ["a", "&lt;i&gt;b&lt;/i&gt;"] and heat.data[0].zmin == -1
    bars = fig.score_bars([("queen", 0.9), ("prince", 0.7)], title="n", x_title="cos")
    assert list(bars.data[0].y) == ["prince", "queen"]  # best on top
    comparison = fig.context_comparison(["static", "contextual"], [1.0, 0.6], title="bank", x_title="cos")
    assert list(comparison.data[0].x) == [1.0, 0.6]
