"""Point labels never overlap; the lesson's words are labelled first."""

import numpy as np

from viz.labels import place_labels


def _boxes_overlap(a, b):
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def test_crowded_points_get_labels_that_do_not_overlap():
    rng = np.random.default_rng(0)
    coords = np.vstack([rng.normal(0, 0.01, (12, 2)), rng.uniform(-5, 5, (60, 2))])  # a tight cluster + spread
    words = [f"word{i}" for i in range(len(coords))]
    positions = place_labels(coords, words, must=[0, 1, 2], budget=25)
    assert all(positions[i] for i in (0, 1, 2))  # the lesson's words are labelled
    placed = [i for i, p in enumerate(positions) if p]
    assert 3 < len(placed) <= 25
    assert sum(p is not None for p in positions[:12]) < 12  # not every word of the cluster: no pile


def test_identical_points_cannot_both_take_the_same_place():
    coords = np.zeros((6, 2))
    positions = place_labels(coords, ["rain"] * 6, budget=6)
    taken = [p for p in positions if p]
    assert len(taken) == len(set(taken)) <= 4  # four sides of one point, then no more
