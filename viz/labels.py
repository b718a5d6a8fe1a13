"""Point labels that never pile on each other: the words that matter first, then a few
well-separated ones; every other point keeps its name on hover.

A label's box is estimated from its length (a CJK character is about 1 em wide, a Latin
letter about 0.6 em) in a plot area of the given pixel size; each label tries four places
around its point and takes the first that overlaps no label already placed, or stays off.

The estimate must not be kinder than the screen: a chart is drawn at many widths (a laptop
with the sidebar open, a projector without it) and its labels grow in the projector
layout. :data:`NARROW_PLOT_PX` and :data:`LARGEST_LABEL_PX` are the narrowest plot area
and the largest label type a full-width map is drawn with at 1280 px; a figure that fixes
its axes with :func:`axis_ranges` (the same padding as ``place_labels``) maps points to
pixels exactly as the estimate does. A wider screen only moves the points further apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Where a label may sit around its point, in the order tried.
POSITIONS = ("top center", "bottom center", "middle right", "middle left")
#: The plot area of a full-width chart at 1280 px with the sidebar open and a legend on
#: the right (about 820 px of page, less margins and legend).
NARROW_PLOT_PX = 640
#: Label type in the projector layout (``viz.style.PROJECTOR_MIN_FONT``), the largest a
#: map's labels are drawn with.
LARGEST_LABEL_PX = 16
#: Room kept free around each label box, in pixels (glyphs overhang their estimate a little).
LABEL_GAP_PX = 2


def axis_ranges(coords: np.ndarray, pad: float) -> list[list[float]]:
    """[x range, y range] of a plot whose points fill it with ``pad`` (a fraction of the
    span) to spare on each side: fix a figure's axes to them and give them to :func:`place_labels`."""
    coords = np.asarray(coords, dtype=float)[:, :2]
    if len(coords) == 0:
        return [[-1.0, 1.0], [-1.0, 1.0]]
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    return [[float(low[k] - pad * span[k]), float(high[k] + pad * span[k])] for k in range(2)]


def _text_width(text: str, font_px: float) -> float:
    return sum(font_px * (1.0 if ord(ch) > 0x2E7F else 0.6) for ch in text) + 4


def place_labels(
    coords: np.ndarray,
    labels: Sequence[str],
    *,
    must: Sequence[int] = (),
    budget: int = 30,
    width_px: float = 1000,
    height_px: float = 520,
    font_px: float = 14,
    marker_px: float = 10,
    ranges: Sequence[Sequence[float]] | None = None,
) -> list[str | None]:
    """A text position (one of ``POSITIONS``) for each point to label, ``None`` for the
    points left to hover. ``must`` points are tried first (the words a lesson talks
    about), then the rest in the order given (most frequent first), until ``budget``
    labels are placed. Two placed labels never overlap.

    ``width_px`` × ``height_px`` is the plot area. With ``ranges`` ([x range, y range], the
    figure's fixed axes, e.g. from :func:`axis_ranges`) a label must also fit inside the
    area (it would be clipped at the axis); without them the points span the whole area. A label also keeps off the other points' markers; a
    ``must`` label that finds no such place may cover a marker (never another label).

    The boxes are where Plotly draws ``textposition`` text (measured in Chromium): a line
    1.5 em tall; "top center" starts just above the marker, "bottom center" hangs from the
    point's centre, "middle" sits a little above the centre line."""
    coords = np.asarray(coords, dtype=float)[:, :2]
    n = len(labels)
    placed: list[str | None] = [None] * n
    if n == 0:
        return placed
    if ranges is None:
        low, high = coords.min(axis=0), coords.max(axis=0)
    else:
        low, high = np.array([r[0] for r in ranges], dtype=float), np.array([r[1] for r in ranges], dtype=float)
    span = np.where(high - low > 0, high - low, 1.0)
    # Point positions in pixels (y grows upwards, as in the plot).
    pixels = (coords - low) / span * np.array([width_px, height_px])
    boxes: list[tuple[float, float, float, float]] = []
    radius = marker_px / 2
    markers = np.hstack([pixels - radius, pixels + radius])  # (x0, y0, x1, y1) per point
    must_set = {i for i in must if 0 <= i < n}
    order = list(dict.fromkeys([i for i in must if 0 <= i < n] + list(range(n))))
    for index in order:
        if len(boxes) >= budget:
            break
        text = str(labels[index])
        if not text:
            continue
        w, h = _text_width(text, font_px), font_px * 1.5
        x, y = pixels[index]
        side = radius + 2  # from the point to a label beside it
        candidates = {
            "top center": (x - w / 2, y + radius + 1, x + w / 2, y + radius + 1 + h),
            "bottom center": (x - w / 2, y + 0.5 - h, x + w / 2, y + 0.5),
            "middle right": (x + side, y - 0.56 * font_px, x + side + w, y + 0.94 * font_px),
            "middle left": (x - side - w, y - 0.56 * font_px, x - side, y + 0.94 * font_px),
        }
        others = np.ones(n, dtype=bool)
        others[index] = False
        for keep_off_markers in (True, False) if index in must_set else (True,):
            for position in POSITIONS:
                box = candidates[position]
                if ranges is not None and (box[0] < 0 or box[1] < 0 or box[2] > width_px or box[3] > height_px):
                    continue
                box = (box[0] - LABEL_GAP_PX, box[1] - LABEL_GAP_PX, box[2] + LABEL_GAP_PX, box[3] + LABEL_GAP_PX)
                if any(not (box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]) for b in boxes):
                    continue
                if keep_off_markers and _covers_a_marker(box, markers[others]):
                    continue
                boxes.append(box)
                placed[index] = position
                break
            if placed[index]:
                break
    return placed


def _covers_a_marker(box: tuple[float, float, float, float], markers: np.ndarray) -> bool:
    if len(markers) == 0:
        return False
    return bool(np.any((markers[:, 0] < box[2]) & (markers[:, 2] > box[0]) & (markers[:, 1] < box[3]) & (markers[:, 3] > box[1])))
