"""Point labels that never pile on each other: the words that matter first, then a few
well-separated ones; every other point keeps its name on hover.

A label's box is estimated from its length (CJK characters are about twice as wide as
Latin ones) in a figure of the given pixel size; each label tries four places around its
point and takes the first that overlaps no label already placed, or stays off.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Where a label may sit around its point, in the order tried.
POSITIONS = ("top center", "bottom center", "middle right", "middle left")


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
) -> list[str | None]:
    """A text position (one of ``POSITIONS``) for each point to label, ``None`` for the
    points left to hover. ``must`` points are tried first (the words a lesson talks
    about), then the rest in the order given (most frequent first), until ``budget``
    labels are placed. Two placed labels never overlap."""
    coords = np.asarray(coords, dtype=float)[:, :2]
    n = len(labels)
    placed: list[str | None] = [None] * n
    if n == 0:
        return placed
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    # Point positions in pixels (y grows upwards, as in the plot).
    pixels = (coords - low) / span * np.array([width_px, height_px])
    boxes: list[tuple[float, float, float, float]] = []
    order = list(dict.fromkeys([i for i in must if 0 <= i < n] + list(range(n))))
    for index in order:
        if len(boxes) >= budget:
            break
        text = str(labels[index])
        if not text:
            continue
        w, h = _text_width(text, font_px), font_px * 1.25
        x, y = pixels[index]
        gap = marker_px / 2 + 2
        lift = max(gap, h / 2 + 1)  # above/below clear of the labels at the sides
        candidates = {
            "top center": (x - w / 2, y + lift, x + w / 2, y + lift + h),
            "bottom center": (x - w / 2, y - lift - h, x + w / 2, y - lift),
            "middle right": (x + gap, y - h / 2, x + gap + w, y + h / 2),
            "middle left": (x - gap - w, y - h / 2, x - gap, y + h / 2),
        }
        for position in POSITIONS:
            box = candidates[position]
            if all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in boxes):
                boxes.append(box)
                placed[index] = position
                break
    return placed
