"""Chapter 7's controls: the sampling knobs (in the generation fragment) and SmolLM2's chat
mode. Every control is in the URL, so a shared link reproduces the view."""

from __future__ import annotations

import streamlit as st

from lm_core.core.text import clean_text
from lm_core.decoding.generation import SamplingSettings
from lm_core.tokenizers.smol import DEFAULT_SYSTEM
from ui.common import float_query_param, int_query_param, query_param, set_query_param, t
from ui.models import SMOLLM2

MAX_NEW = 60  # the most tokens one "Generate" click (or one comparison) writes
MAX_SYSTEM_CHARS = 500
_N_MOVED = "ch7_n_moved"


def _on_n_change() -> None:
    st.session_state[_N_MOVED] = True


def sampling_controls() -> tuple[SamplingSettings, int]:
    """Greedy, temperature, top-k, top-p and the number of tokens to generate.

    Drawn inside the generation fragment: temperature, top-k and top-p only reshape logits
    the panel already has (and the comparison below it), so moving them reruns the fragment,
    not the page. The number of tokens also sets SmolLM2's scale section outside the
    fragment, so moving it reruns the whole page, as before.
    """
    defaults = {
        "ch7_temp": float_query_param("temp", 1.0, 0.1, 2.0),
        "ch7_topk": int_query_param("top_k", 0, 0, 50),
        "ch7_topp": float_query_param("top_p", 1.0, 0.05, 1.0),
        "ch7_greedy": query_param("greedy", "0") == "1",
        "ch7_n": int_query_param("n", 15, 1, MAX_NEW),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    cols = st.columns(5)
    greedy = cols[0].toggle(t("ch7.controls.greedy"), key="ch7_greedy", help=t("ch7.controls.greedy_help"))
    temperature = cols[1].slider(
        t("ch7.controls.temperature"),
        0.1,
        2.0,
        step=0.05,
        key="ch7_temp",
        help=t("ch7.controls.temperature_help"),
        disabled=greedy,
    )
    top_k = cols[2].slider(
        t("ch7.controls.top_k"), 0, 50, step=1, key="ch7_topk", help=t("ch7.controls.top_k_help"), disabled=greedy
    )
    top_p = cols[3].slider(
        t("ch7.controls.top_p"),
        0.05,
        1.0,
        step=0.05,
        key="ch7_topp",
        help=t("ch7.controls.top_p_help"),
        disabled=greedy,
    )
    n = cols[4].slider(
        t("ch7.controls.n"), 1, MAX_NEW, step=1, key="ch7_n", help=t("ch7.controls.n_help"), on_change=_on_n_change
    )
    for name, value in (("temp", temperature), ("top_k", top_k), ("top_p", top_p), ("greedy", int(greedy)), ("n", n)):
        set_query_param(name, value)
    if st.session_state.pop(_N_MOVED, False):
        st.rerun()  # the whole page: sections outside the fragment depend on it
    settings = SamplingSettings(
        temperature=float(temperature), top_k=int(top_k) or None, top_p=float(top_p), greedy=greedy
    )
    return settings, int(n)


def chat_controls(model_name: str) -> tuple[bool, str]:
    """SmolLM2 only: chat mode (the chat template) and the system message; both in the URL."""
    if model_name != SMOLLM2:
        return False, ""
    st.session_state.setdefault("ch7_chat", query_param("chat", "1") != "0")
    st.session_state.setdefault("ch7_system", str(query_param("system", ""))[:MAX_SYSTEM_CHARS])
    cols = st.columns([1, 4])
    chat = cols[0].toggle(t("ch7.smollm2.chat"), key="ch7_chat", help=t("ch7.smollm2.chat_help"))
    system = cols[1].text_input(
        t("ch7.smollm2.system"),
        key="ch7_system",
        max_chars=MAX_SYSTEM_CHARS,
        placeholder=DEFAULT_SYSTEM,
        help=t("ch7.smollm2.system_help"),
        disabled=not chat,
    )
    set_query_param("chat", int(chat))
    set_query_param("system", system)
    return chat, clean_text(system, MAX_SYSTEM_CHARS) if system.strip() else ""
