"""Chapter 5's attention explorer as one self-contained HTML page that runs in the browser.

The server computes every head's numbers once (:func:`lm_core.analysis.attention_lab.explorer_arrays`)
and this module packs them into the page: float16, base64, with their shapes. The page's
script (``explorer/explorer.js``) then answers the layer, head and token controls, the view
switch, the causal what-if and the softmax temperature without asking the server, and
writes the view into the page's address so a copied link opens it.

Learner text (the tokens) only travels inside JSON, escaped for a ``<script>`` element,
and the script sets it with ``textContent`` or draws it on a canvas: it is never markup.
No Streamlit here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from viz.attention import VALUE_SCALE, WEIGHT_SCALE
from viz.text import visible
from viz.tokens import display_token

HERE = Path(__file__).resolve().parent / "explorer"
CSV_SCRIPT = HERE.parent / "csv.js"
#: The longest token label drawn (longer ones end in "…"; the full token is in the hover).
LABEL_LIMIT = 14


def pack(array: np.ndarray) -> dict:
    """An array as little-endian float16 bytes in base64, with its shape."""
    half = np.ascontiguousarray(np.asarray(array, dtype=np.float32).astype("<f2"))
    return {"shape": list(half.shape), "data": base64.b64encode(half.tobytes()).decode("ascii")}


def token_labels(tokens: Sequence[str], limit: int = LABEL_LIMIT) -> list[str]:
    """Tokens as a learner reads them on every page (␣ for a space that belongs to the
    token), control characters written out, long ones cut."""
    labels = []
    for token in tokens:
        text = visible(display_token(token))
        labels.append(text if len(text) <= limit else text[: limit - 1] + "…")
    return labels


def view_id(model_name: str, tokens: Sequence[str]) -> str:
    """Names one (model, sentence): the browser restores a view moved away from only for it."""
    return hashlib.sha1(json.dumps([model_name, list(tokens)]).encode("utf-8")).hexdigest()[:16]


def _script_json(value: object) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, whatever the tokens say."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def pack_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, dict]:
    """Every array :func:`pack` ed (cache this: it is the bulk of the page)."""
    return {name: pack(values) for name, values in arrays.items()}


def explorer_html(trace, packed: Mapping[str, dict], labels: Mapping[str, object], init: Mapping[str, object],
                  temperatures: Sequence[float], projector: bool = False) -> str:
    """The explorer page for one trace; ``packed`` from :func:`pack_arrays`.

    ``labels``: the page's words (templates keep their ``{placeholders}``; the script fills
    them). ``init``: the view the server opens (``layer``/``head`` 0-based, ``token``,
    ``view``, ``causal``, ``temperature``, ``metric``), from the link or the head search.
    """
    payload = {
        "id": view_id(trace.model_name, trace.tokens),
        "tokens": [visible(display_token(token)) for token in trace.tokens],
        "token_labels": token_labels(trace.tokens),
        "n_layers": int(trace.n_layers),
        "n_heads": int(trace.n_heads),
        "n_kv_heads": int(trace.n_kv_heads),
        "head_dim": int(trace.head_dim),
        "causal": bool(trace.causal),
        "rope": bool(trace.rope),
        "special": [int(i) for i in trace.special],
        "temperatures": [float(t) for t in temperatures],
        "projector": bool(projector),
        "init": dict(init),
        "labels": dict(labels),
        "scales": {"weight": WEIGHT_SCALE, "value": VALUE_SCALE},  # the colours of every other chart
        "arrays": dict(packed),
    }
    # viz/csv.js first: the explorer's CSV download writes its cells (formulas disarmed).
    script = CSV_SCRIPT.read_text(encoding="utf-8") + (HERE / "explorer.js").read_text(encoding="utf-8")
    style = (HERE / "explorer.css").read_text(encoding="utf-8")
    classes = "projector" if projector else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>{style}</style></head><body>"
        f"<div id='explorer' class='{classes}'></div>"
        f"<script type='application/json' id='payload'>{_script_json(payload)}</script>"
        f"<script>{script}</script></body></html>"
    )

