"""Figures and small results built once per server and handed to every session.

Building a Plotly figure validates every trace, frame and the template in Python (chapter 8's
confusion matrix: about 80 ms, most of it ``template="plotly_white"``; chapter 3's training
replay, 27 frames of about 120 words: most of a page run). A class of 30 opening a page built
the same figures 30 times in the server's one Python process, one after another.

``figure(factory, *args)`` builds ``factory(*args)`` once per server for the same arguments
(they are the key: everything the figure shows must come in through them) and hands each
caller its own copy, made without validating again (about 5 ms instead of 80). The copy goes
to ``ui.common.chart`` as before: the same look, the same projector restyling, the same JSON
for the browser (a test compares them).

    chart(shared.figure(figs.confusion_figure, matrix, names, labels, height=300), key="ch8_cm")

The store keeps each figure as its JSON text (learner text in it made literal once, as
``ui.common.chart`` does), bounded by entries and by bytes (``FIGURE_BUDGET_BYTES``): the
oldest-used go first. Nothing in it belongs to a session, so nothing a class leaves behind
stays but the figures of the views it opened, within the budget.

``shared_figure(key, build)`` / ``shared_chart`` are the older form (an explicit key and a
builder; chapter 3's map and replay use it), now on the same bounded store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.common import projector_on, safe_figure_text
from viz.style import projector_style

FIGURE_BUDGET_BYTES = 24 * 2**20  # JSON text of every stored figure together
FIGURE_MAX_ENTRIES = 512


class FigureStore:
    """A bounded, thread-safe LRU of figures as JSON text; each key built once even when
    thirty sessions ask for it in the same second (the others wait for the first)."""

    def __init__(self, budget_bytes: int = FIGURE_BUDGET_BYTES, max_entries: int = FIGURE_MAX_ENTRIES) -> None:
        self.budget_bytes, self.max_entries = budget_bytes, max_entries
        self._texts: OrderedDict[Hashable, str] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        self.builds = 0  # how many figures were built (for tests and the bench)

    def text(self, key: Hashable, build: Callable[[], go.Figure]) -> str:
        """The figure's JSON for ``key``, built by ``build()`` if the store has none."""
        found = self._get(key)
        if found is not None:
            return found
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one builder per key; the others find its result
            found = self._get(key)
            if found is None:
                figure = build()
                safe_figure_text(figure)
                found = pio.to_json(figure, validate=False)
                self._put(key, found)
        with self._lock:
            self._building.pop(key, None)
        return found

    def _get(self, key: Hashable) -> str | None:
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
            return found

    def _put(self, key: Hashable, text: str) -> None:
        with self._lock:
            self.builds += 1
            if len(text) > self.budget_bytes:
                return  # larger than the whole budget: shown, never kept
            self._texts[key] = text
            self._bytes += len(text)
            while self._bytes > self.budget_bytes or len(self._texts) > self.max_entries:
                _, dropped = self._texts.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._texts)

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()
            self._bytes = 0


STORE = FigureStore()


def _typed_array(obj: dict) -> object:
    """Plotly writes numpy arrays as ``{"dtype", "bdata"[, "shape"]}`` (base64) in JSON: back to
    the array, so the copy holds what the built figure held (and is sent as the same JSON)."""
    if "bdata" in obj and "dtype" in obj and len(obj) <= 3:
        array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=_NUMPY_TYPES[obj["dtype"]])
        if "shape" in obj:
            array = array.reshape([int(n) for n in str(obj["shape"]).split(",")])
        return array
    return obj


# plotly.js short type names (``_plotly_utils.utils.plotlyjsShortTypes``, reversed)
_NUMPY_TYPES = {"i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16", "i4": "int32", "u4": "uint32",
                "f4": "float32", "f8": "float64"}


def copy_of(text: str) -> go.Figure:
    """A session's own figure from stored JSON, without validating it again (it was valid
    when built): ``chart`` may restyle it for the projector without touching the store."""
    return go.Figure(json.loads(text, object_hook=_typed_array), _validate=False)


def freeze(value: object) -> Hashable:
    """A hashable key for a factory's argument: lists, tuples, dicts and numpy arrays by
    content (an array by its dtype, shape and a digest of its bytes)."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ("ndarray", data.dtype.str, data.shape, hashlib.blake2b(data.tobytes(), digest_size=16).hexdigest())
    if isinstance(value, Mapping):
        return ("dict", tuple((freeze(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    if isinstance(value, (np.generic,)):
        return value.item()
    if callable(value) and hasattr(value, "__qualname__"):
        return ("callable", value.__module__, value.__qualname__)
    hash(value)  # anything else must be hashable as it is (str, numbers, None, frozen dataclasses)
    return value


def figure(factory: Callable[..., go.Figure], *args: object, **kwargs: object) -> go.Figure:
    """``factory(*args, **kwargs)``, built once per server for these arguments; the caller's own copy.

    ``factory`` must be a pure figure factory (``viz``): the same arguments draw the same figure."""
    try:
        key = ("figure", factory.__module__, factory.__qualname__, freeze(args), freeze(kwargs))
    except TypeError:  # an argument that cannot be a key: drawn for this caller alone, as before
        return factory(*args, **kwargs)
    return copy_of(STORE.text(key, lambda: factory(*args, **kwargs)))


def shared_figure(key: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    """The figure for ``key``, built by ``_build()`` the first time; the caller's own copy.
    ``key`` must name everything the figure shows (model, words, language, settings)."""
    return copy_of(STORE.text(("keyed", key), _build))


def shared_chart(figure: go.Figure, key: str | None = None, where=None, **kwargs):  # noqa: ANN001, ANN201
    """``ui.common.chart`` for a shared figure: the same look (the figure's text is literal already).

    ``where``: a container or ``st.empty()`` slot to draw in (default: the page)."""
    if projector_on():  # the teacher's screen
        figure = projector_style(figure)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("config", {"displaylogo": False})
    return (where or st).plotly_chart(figure, key=key, **kwargs)


# --------------------------------------------------------------------------- small results


_RESULTS: OrderedDict[Hashable, object] = OrderedDict()
_RESULTS_LOCK = threading.Lock()
RESULT_MAX_ENTRIES = 256


def result(key: Hashable, compute: Callable[[], object]) -> object:
    """A small, read-only result for ``key`` (chapter 8's scores of one method), computed once per
    server (at most ``RESULT_MAX_ENTRIES`` kept, the oldest-used dropped). Never change it in place."""
    with _RESULTS_LOCK:
        if key in _RESULTS:
            _RESULTS.move_to_end(key)
            return _RESULTS[key]
    value = compute()  # two sessions may compute the same at once: cheap results only
    with _RESULTS_LOCK:
        _RESULTS[key] = value
        while len(_RESULTS) > RESULT_MAX_ENTRIES:
            _RESULTS.popitem(last=False)
    return value
