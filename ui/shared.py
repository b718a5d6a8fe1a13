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

The store keeps each built figure (learner text in it made literal once, as
``ui.common.chart`` does), bounded by entries and by bytes (``FIGURE_BUDGET_BYTES``, each figure
counted by what it holds in memory: its JSON size, times ``OBJECT_COST_FACTOR`` for a figure
kept as a Plotly object): the oldest-used go first. Nothing in it belongs to a session, so
nothing a class leaves behind stays but the figures of the views it opened, within the budget.

``shared_figure(key, build)`` / ``shared_chart`` hand every session the very same object (no
copy): for figures with animation frames (chapter 3's replay), which a copy would validate
again frame by frame.

``result(key, compute)``: the same for small computed results (chapter 8's scores).
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

from ui.common import projector_on, safe_figure_text, with_export
from viz.style import projector_style

FIGURE_BUDGET_BYTES = 16 * 2**20  # what the stored figures hold in memory, all together (estimated)
FIGURE_MAX_ENTRIES = 256
#: A figure kept as a Plotly object (``shared_figure``), with the dict it hands Streamlit, holds
#: several times its JSON size in memory: chapter 3's replay, 0.24 MB of JSON, held 1.28 MB
#: (measured with tracemalloc, 7 December 2026). Kept as JSON text it holds about its size.
OBJECT_COST_FACTOR = 6


class FigureStore:
    """A bounded, thread-safe LRU of built figures (read-only); each key built once even when
    thirty sessions ask for it in the same second (the others wait for the first). A figure
    costs what it holds in memory against the byte budget: its JSON size (measured once, when
    built), times :data:`OBJECT_COST_FACTOR` when it is kept as a Plotly object."""

    def __init__(self, budget_bytes: int = FIGURE_BUDGET_BYTES, max_entries: int = FIGURE_MAX_ENTRIES) -> None:
        self.budget_bytes, self.max_entries = budget_bytes, max_entries
        self._figures: OrderedDict[Hashable, tuple[go.Figure | str, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        self.builds = 0  # how many figures were built (for tests and the bench)

    def get(self, key: Hashable, build: Callable[[], go.Figure]) -> go.Figure:
        """The shared figure for ``key`` (never change it), built by ``build()`` if the store has none."""
        return self._kept(key, build, as_text=False)

    def text(self, key: Hashable, build: Callable[[], go.Figure]) -> str:
        """The figure for ``key`` as JSON text (what is kept: compact, and nothing to change)."""
        return self._kept(key, build, as_text=True)

    def _kept(self, key: Hashable, build: Callable[[], go.Figure], as_text: bool):  # noqa: ANN202
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
                text = pio.to_json(figure, validate=False)
                found = text if as_text else figure
                self._put(key, found, len(text) * (1 if as_text else OBJECT_COST_FACTOR))
        with self._lock:
            self._building.pop(key, None)
        return found

    def _get(self, key: Hashable) -> go.Figure | str | None:
        with self._lock:
            found = self._figures.get(key)
            if found is None:
                return None
            self._figures.move_to_end(key)
            return found[0]

    def _put(self, key: Hashable, figure: go.Figure | str, cost: int) -> None:
        with self._lock:
            self.builds += 1
            if cost > self.budget_bytes:
                return  # larger than the whole budget: shown, never kept
            self._figures[key] = (figure, cost)
            self._bytes += cost
            while self._bytes > self.budget_bytes or len(self._figures) > self.max_entries:
                _, (_, dropped) = self._figures.popitem(last=False)
                self._bytes -= dropped

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._figures)

    def clear(self) -> None:
        with self._lock:
            self._figures.clear()
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


class StoredFigure(go.Figure):
    """A session's own copy of a stored figure, made a Plotly object only when it is needed.

    Making a ``go.Figure`` from JSON, even unvalidated, copies its template and every property
    (chapter 3's small bar charts: about 8 ms each), and ``st.plotly_chart`` then asks it for
    ``to_dict()``, which copies them all again: with thirty students after one Train, these copies
    were a quarter of the server's time. ``ui.common.chart`` needs none of it outside the
    projector: Streamlit only asks for ``to_dict()`` and the export options read the title and
    the height. So the copy holds the stored JSON text and answers those from it
    (:meth:`to_dict`, :meth:`peek_layout`). The first read or change of anything else
    (``fig.layout``, ``update_layout``, the projector's restyle, ``projector_fit``) builds the real
    figure in place from that text, exactly as a copy was always built, and from then on it is
    an ordinary ``go.Figure``: the caller's own, the store untouched."""

    def __init__(self, data: object = None, **kwargs: object) -> None:
        if isinstance(data, str) and not kwargs:  # the stored JSON text: built when first needed
            self.__dict__["_stored"] = data
        else:  # a dict or figure (a pickle or deep copy of a built one): an ordinary Figure
            go.Figure.__init__(self, data, **kwargs)

    def __getattr__(self, name: str):  # noqa: ANN204
        # Reached only when ordinary lookup fails: a Figure's own state is missing until built.
        if name.startswith("__") or "_stored" not in self.__dict__:
            raise AttributeError(name)
        self._build()
        return getattr(self, name)

    def _build(self) -> None:
        self.__dict__.pop("_peeked", None)
        text = self.__dict__.pop("_stored", None)
        if text is not None:
            go.Figure.__init__(self, json.loads(text, object_hook=_typed_array), _validate=False)

    def to_dict(self) -> dict:
        """What a built copy's ``to_dict()`` gives (arrays as Plotly's base64 objects), read from
        the stored text; a new dict on each call."""
        text = self.__dict__.get("_stored")
        return json.loads(text) if text is not None else super().to_dict()

    def peek_layout(self) -> dict | None:
        """The layout as JSON while the figure is not built (read it, never change it); None once
        it is (read ``fig.layout`` then)."""
        text = self.__dict__.get("_stored")
        if text is None:
            return None
        if "_peeked" not in self.__dict__:
            self.__dict__["_peeked"] = json.loads(text).get("layout", {})
        return self.__dict__["_peeked"]

    def __reduce__(self):  # noqa: ANN204 - a copy or a pickle of an unbuilt figure stays unbuilt
        text = self.__dict__.get("_stored")
        return (StoredFigure, (text,)) if text is not None else super().__reduce__()


def copy_of(text: str) -> go.Figure:
    """A session's own figure from stored JSON, made without validating it again (it was
    valid when built), and only when something needs more than its JSON (:class:`StoredFigure`):
    ``chart`` may restyle it for the projector without touching the store.
    Animation frames are validated all the same: a figure with frames goes through
    ``shared_figure`` and ``shared_chart`` instead (no copy)."""
    return StoredFigure(text)


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
    if isinstance(value, np.generic):
        return value.item()
    if callable(value) and hasattr(value, "__qualname__"):
        return ("callable", value.__module__, value.__qualname__)
    hash(value)  # anything else must be hashable as it is (str, numbers, None, frozen dataclasses)
    return value


def figure(factory: Callable[..., go.Figure], *args: object, **kwargs: object) -> go.Figure:
    """``factory(*args, **kwargs)``, built once per server for these arguments; the caller's own
    copy, for ``ui.common.chart``.

    ``factory`` must be a pure figure factory (``viz``): the same arguments draw the same figure."""
    try:
        key = ("figure", factory.__module__, factory.__qualname__, freeze(args), freeze(kwargs))
    except TypeError:  # an argument that cannot be a key: drawn for this caller alone, as before
        return factory(*args, **kwargs)
    return copy_of(STORE.text(key, lambda: factory(*args, **kwargs)))


def keyed_figure(key: Hashable, build: Callable[[], go.Figure]) -> go.Figure:
    """``build()``, built once per server for ``key``; the caller's own copy (as :func:`figure`).

    For a figure whose inputs are not plain values (a model's logits: ``key`` names the model and
    the context they came from instead). ``key`` must name everything the figure shows, the
    learner's language included."""
    return copy_of(STORE.text(("keyed-copy", key), build))


class SharedFigure(go.Figure):
    """A built figure that nobody changes any more: its dict is made once.

    Why: ``st.plotly_chart`` asks a figure for ``to_dict()`` on every show, which copies every
    trace and frame and base64-encodes each array again: for chapter 3's replay (27 frames),
    thirty sessions drawing the same shared figure spent a third of the server's time there."""

    def to_dict(self) -> dict:
        made = self.__dict__.get("_made_dict")
        if made is None:
            made = self.__dict__["_made_dict"] = super().to_dict()
        return made  # read-only: plotly.io.to_json and st.plotly_chart only read it


def _frozen(build: Callable[[], go.Figure]) -> Callable[[], go.Figure]:
    def build_frozen() -> go.Figure:
        figure = build()
        figure.__class__ = SharedFigure  # the same object, one method more (no copy, no validation)
        return figure

    return build_frozen


def shared_figure(key: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    """The figure for ``key``, built by ``_build()`` the first time; the same object for every
    caller (read-only: show it with ``shared_chart``). ``key`` must name everything the figure
    shows (model, words, language, settings). For figures with animation frames, which a copy
    would validate again."""
    return STORE.get(("keyed", key), _frozen(_build))


def shared_chart(figure: go.Figure, key: str | None = None, where=None, **kwargs):  # noqa: ANN001, ANN201
    """``ui.common.chart`` for a shared figure: the same look, the shared object untouched.

    ``where``: a container or ``st.empty()`` slot to draw in (default: the page)."""
    if projector_on():  # the teacher's screen: a restyled copy, never the shared figure (nor its dict)
        figure = projector_style(go.Figure(go.Figure.to_dict(figure)))
    kwargs.setdefault("width", "stretch")
    kwargs["config"] = with_export(figure, key, dict(kwargs.get("config") or {"displaylogo": False}))
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
