"""Figures built once per server and sent to every session.

Building a Plotly figure validates every trace and frame in Python: chapter 3's training
replay (27 frames of about 120 words) took most of a page run, and a class of 30 opening the
page built the same figure 30 times. ``shared_figure`` builds it once per ``key`` (learner text
in it already made literal, as ``ui.common.chart`` does) and hands the same object to every
session; ``shared_chart`` shows it without changing it (``st.plotly_chart`` only reads it; the
projector layout restyles a copy of its own).

    figure = shared_figure(("ch3.replay", model_id, words, lang), lambda: viz.replay_animation(...))
    shared_chart(figure, key="w2v_replay")

``key`` must name everything the figure shows (model, words, language, settings): two calls
with the same key get the same figure. Never update a shared figure in place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import plotly.graph_objects as go
import streamlit as st

from ui.common import projector_on, safe_figure_text
from viz.style import projector_style


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_figure(key: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    """The figure for ``key``, built by ``_build()`` the first time (read-only: never update it)."""
    figure = _build()
    safe_figure_text(figure)
    return figure


def shared_chart(figure: go.Figure, key: str | None = None, where=None, **kwargs):
    """``ui.common.chart`` for a shared figure: the same look, the shared object untouched.

    ``where``: a container or ``st.empty()`` slot to draw in (default: the page)."""
    if projector_on():  # the teacher's screen: a restyled copy, never the shared figure
        figure = projector_style(go.Figure(figure))
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("config", {"displaylogo": False})
    return (where or st).plotly_chart(figure, key=key, **kwargs)
