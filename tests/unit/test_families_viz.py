"""Chapter 6 figures: escaped labels, marked zero cells, readable numbers."""

import math

import numpy as np

from lm_core.analysis import sizes
from lm_core.analysis.families import mask_panels
from viz import families as figs

FAMILIES = {"decoder": "decoder", "encoder": "encoder", "encoder_decoder": "encdec"}


def test_numbers_are_readable_and_never_nan():
    assert figs.human_count(175e9) == "175 B" and figs.human_count(124_439_808) == "124 M"
    assert figs.human_flops(3.14e23) == "3.14×10²³"
    assert figs.human_flops(float("nan")) == "0" and figs.human_flops(0) == "0"
    assert figs.human_bytes(2**30) == "1 GiB"


def test_masks_figure_marks_exactly_the_zeroed_cells():
    panels = mask_panels(["a", "b", "c"], ["<s>", "x", "y"], n_padding=2)
    full, causal, cross = (allowed for _, allowed, _, _ in panels)
    assert full.all() and not np.triu(causal, 1).any() and causal[np.tril_indices(3)].all()
    assert cross.shape == (3, 5) and not cross[:, 3:].any() and cross[:, :3].all()
    fig = figs.masks_figure(panels, "masks", "may", "zeroed")
    marks = [sum(cell == figs.ZERO_MARK for row in trace.text for cell in row) for trace in fig.data]
    assert marks == [0, 3, 6]


def test_learner_text_is_escaped_in_labels():
    fig = figs.attention_figure(np.eye(2), ["<b>x</b>", "y"], ["<b>x</b>", "y"], "t", "k", "q")
    assert "<b>" not in str(fig.layout.yaxis.ticktext) and "&lt;b&gt;" in fig.layout.yaxis.ticktext[0]
    fig = figs.predictions_figure([("<script>", 0.5), ("a", 0.2)], "title", "p")
    assert "<script>" not in str(fig.layout.yaxis.ticktext)


def test_size_figures_sort_models_and_sum_parts_to_100():
    points = [
        {"name": p.name, "params": sizes.count_parameters(p.shape).total, "family": p.shape.family}
        for p in sizes.PRESETS.values()
    ]
    points.append({"name": "yours", "params": 5e5, "family": "decoder", "highlight": True})
    fig = figs.size_ladder_figure(points, "t", "params", FAMILIES)
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[0] == "yours" and labels[-1] == "GPT-3 175B"
    rows = [(p.name, sizes.count_parameters(p.shape).as_dict()) for p in sizes.PRESETS.values()]
    fig = figs.parts_figure(rows, {p: p for p in sizes.PARTS}, "t", "share")
    totals = np.sum([trace.x for trace in fig.data], axis=0)
    assert all(math.isclose(total, 100.0) for total in totals)


def test_thin_ticks_keeps_at_most_the_asked_labels_and_every_cells_hover():
    import numpy as np

    from viz import families as figs

    tokens = list("我的钥匙找了一整天原来它们在面包旁边。我")  # 20 characters
    fig = figs.attention_figure(np.eye(20), tokens, tokens, "t", "x", "y")
    figs.thin_ticks(fig, 10)
    assert list(fig.layout.xaxis.tickvals) == list(range(0, 20, 2))
    assert list(fig.layout.yaxis.ticktext) == [figs.token_label(t) for t in tokens[::2]]
    assert len(fig.data[0].customdata) == 20  # every cell still names its two tokens on hover
    few = figs.attention_figure(np.eye(5), tokens[:5], tokens[:5], "t", "x", "y")
    assert list(figs.thin_ticks(few, 10).layout.xaxis.tickvals) == list(range(5))
