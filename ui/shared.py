"""Figures built once per server and sent to every session.

Building a Plotly figure validates every trace and frame in Python: chapter 3's training
replay (27 frames of about 120 words) took most of a page run, and a class of 30 opening the
page built the same figure 30 times. ``shared_figure`` builds it once per ``key`` and hands the
same object to every session; ``st.plotly_chart`` only reads it (it serialises a copy), so
sharing is safe as long as nobody changes a figure after this returns it.

    figure = shared_figure(("ch3.replay", model_id, words, lang), lambda: viz.replay_animation(...))

``key`` must name everything the figure shows (model, words, language, settings): two calls
with the same key get the same figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st


@st.cache_resource(show_spinner=False, max_entries=64)
def shared_figure(key: Hashable, _build: Callable[[], object]) -> object:
    """The figure for ``key``, built by ``_build()`` the first time (read-only: never update it)."""
    return _build()
