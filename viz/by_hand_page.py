"""Chapter 5's "by hand" model as one self-contained HTML page that runs in the browser.

The server sends the words, the shipped weights and the weights the link names (a few hundred
numbers, as JSON) once; the page's scripts (``by_hand/by_hand_math.js``, the arithmetic, and
``by_hand/by_hand.js``, the tables and controls) recompute everything after an edit, undo, reset,
a new sentence or a training step without asking the server, and write the edited model into
the page's address. Words travel only inside JSON escaped for a ``<script>`` element and are
set with ``textContent``. No Streamlit here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from lm_core.models import by_hand

HERE = Path(__file__).resolve().parent / "by_hand"
#: The learning rates the training step offers (the first is the one it opens on: a step at
#: it lowers the loss for every target of the shipped models' example sentences).
RATES = (0.01, 0.003, 0.03, 0.1, 0.3)


def _script_json(value: object) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _plain(weights: Mapping[str, np.ndarray]) -> dict[str, list]:
    return {name: np.asarray(value, dtype=np.float64).tolist() for name, value in weights.items()}


def by_hand_html(base: by_hand.ByHandModel, opened: by_hand.ByHandModel, init: Mapping[str, object],
                 defaults: Mapping[str, object], labels: Mapping[str, object], titles: Mapping[str, str],
                 real_model: Mapping[str, str], projector: bool = False) -> str:
    """The page. ``base``: the shipped model (edits are written into the link against it);
    ``opened``: the model the link names; ``init``: ``ids``, ``target``, ``rate`` the page opens
    on; ``defaults``: the same for the example (left out of the link); ``labels``/``titles``:
    the page's words; ``real_model``: ``model`` and ``example`` of chapter 5's explorer."""
    payload = {
        "id": hashlib.sha1(json.dumps([base.lang, list(base.words)]).encode("utf-8")).hexdigest()[:16],
        "lang": base.lang,
        "words": list(base.words),
        "shapes": {name: list(shape) for name, shape in by_hand.shapes(len(base.words)).items()},
        "max_words": by_hand.MAX_WORDS,
        "limit": by_hand.LIMIT,
        "base": _plain(base.weights),
        "weights": _plain(opened.weights),
        "init": {"ids": list(init["ids"]), "target": int(init["target"]), "rate": float(init["rate"]),
                 "edits": by_hand.encode_edits(base, opened)},
        "default_ids": list(defaults["ids"]),
        "default_target": int(defaults["target"]),
        "default_rate": float(defaults["rate"]),
        "rates": list(RATES),
        "labels": dict(labels),
        "titles": dict(titles),
        "real_model": real_model["model"],
        "real_example": real_model["example"],
        "projector": bool(projector),
    }
    scripts = "".join((HERE / name).read_text(encoding="utf-8") for name in ("by_hand_math.js", "by_hand.js"))
    style = (HERE / "by_hand.css").read_text(encoding="utf-8")
    classes = "projector" if projector else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>{style}</style></head><body>"
        f"<div id='by-hand' class='{classes}'></div>"
        f"<script type='application/json' id='by-hand-payload'>{_script_json(payload)}</script>"
        f"<script>{scripts}</script></body></html>"
    )


def step_names() -> Sequence[str]:
    """The steps the page groups its tables under (keys of the labels' ``steps``)."""
    return ("embed", "qkv", "scores", "softmax", "output", "ffn", "logits")
