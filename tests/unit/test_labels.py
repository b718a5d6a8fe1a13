"""Point labels never overlap; the lesson's words are labelled first."""

import numpy as np

from viz.labels import axis_ranges, place_labels


def _boxes_overlap(a, b):
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def test_crowded_points_get_labels_that_do_not_overlap():
    rng = np.random.default_rng(0)
    # a tight cluster (neighbours some 25 px apart: room for a label each, not for all 12) + spread
    coords = np.vstack([rng.normal(0, 0.5, (12, 2)), rng.uniform(-5, 5, (60, 2))])
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


def _drawn_box(x, y, text, position, font=16.0, marker=10.0):
    """Where Chromium draws Plotly's ``textposition`` text, measured on chapter 3's map
    (16 px labels, 9 px markers): a 1.5 em line, CJK 1 em and Latin about 0.58 em a character."""
    w = sum(font * (1.0 if ord(ch) > 0x2E7F else 0.58) for ch in text)
    h, r = 1.5 * font, marker / 2
    return {
        "top center": (x - w / 2, y + r + 1, x + w / 2, y + r + 1 + h),
        "bottom center": (x - w / 2, y + 0.4 - h, x + w / 2, y + 0.4),
        "middle right": (x + r + 2, y - 0.56 * font, x + r + 2 + w, y + 0.94 * font),
        "middle left": (x - r - 2 - w, y - 0.56 * font, x - r - 2, y + 0.94 * font),
    }[position]


def test_chinese_neighbours_do_not_touch_where_latin_ones_would_fit():
    # Two points 36 px apart on one line: two Latin letters fit side by side above them,
    # two Chinese characters (1 em each, 32 px) would touch: one of them goes elsewhere.
    coords = np.array([[0.0, 0.0], [36.0, 0.0], [0.0, 400.0], [500.0, 400.0]])
    kw = dict(width_px=500, height_px=400, font_px=16, budget=2)
    latin = place_labels(coords, ["ab", "cd", "", ""], **kw)
    chinese = place_labels(coords, ["傍晚", "早上", "", ""], **kw)
    assert latin[:2] == ["top center", "top center"]
    assert chinese[0] == "top center" and chinese[1] != "top center"
    assert chinese[1] is not None  # it found another side
    boxes = [_drawn_box(36.0 * i, 0.0, w, spot) for i, (w, spot) in enumerate(zip(["傍晚", "早上"], chinese[:2], strict=True))]
    assert not _boxes_overlap(*boxes)


def test_labels_as_drawn_never_overlap_each_other_or_other_points():
    rng = np.random.default_rng(3)
    coords = np.vstack([rng.normal(0, 0.4, (40, 2)), rng.uniform(-5, 5, (80, 2))])
    words = [("早上", "傍晚", "日出", "king", "queen", "暴风雨")[i % 6] + str(i) for i in range(len(coords))]
    width, height, pad = 640, 470, 0.06
    (x0, x1), (y0, y1) = ranges = axis_ranges(coords, pad)
    spots = place_labels(coords, words, must=[0, 1], budget=40, width_px=width, height_px=height,
                         font_px=16, ranges=ranges)
    pixels = (coords - [x0, y0]) / [x1 - x0, y1 - y0] * [width, height]
    drawn = {i: _drawn_box(*pixels[i], words[i], spot) for i, spot in enumerate(spots) if spot}
    assert len(drawn) >= 10 and spots[0] and spots[1]
    items = list(drawn.items())
    for a in range(len(items)):
        box = items[a][1]
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height  # not cut at the axes
        for b in range(a + 1, len(items)):
            assert not _boxes_overlap(box, items[b][1]), (words[items[a][0]], words[items[b][0]])
        if items[a][0] not in (0, 1):  # only a lesson word may sit on a point
            others = [j for j in range(len(coords)) if j != items[a][0]]
            assert not any(_boxes_overlap(box, (*(pixels[j] - 4.5), *(pixels[j] + 4.5))) for j in others)
