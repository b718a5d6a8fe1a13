"""Chapter 7's controls: the sampling knobs (in the generation fragment) and SmolLM2's chat
mode. Every control is in the URL, so a shared link reproduces the view."""

from __future__ import annotations

import secrets

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.decoding.generation import SamplingSettings
from lm_core.tokenizers.smol import DEFAULT_SYSTEM
from ui.common import (
    MAX_SEED,
    current_seed,
    float_query_param,
    int_query_param,
    projector_on,
    query_param,
    set_query_param,
    t,
)
from ui.models import SMOLLM2, causal_lm, configured_tokenizer, is_configured

MAX_NEW = 60  # the most tokens one "Generate" click (or one comparison) writes
MAX_SYSTEM_CHARS = 500
_N_MOVED = "ch7_n_moved"
_KNOBS_MODEL = "_ch7_knobs_model"  # the model whose defaults the knobs were last set to
_OWN_SEED = "_ch7_own_seed"

#: Knob defaults per model. The tiny GPT shows the raw distribution (temperature 1, nothing
#: cut). SmolLM2-135M-Instruct at temperature 1 wanders off within a sentence ("What is the
#: capital of France?" -> perfume and gentlemen); its makers' own example samples with
#: temperature 0.2 and top-p 0.9, which answers and stops, yet still varies between students.
DEFAULT_KNOBS = {"temp": 1.0, "top_k": 0, "top_p": 1.0}
MODEL_KNOBS = {SMOLLM2: {"temp": 0.2, "top_k": 0, "top_p": 0.9}}


def knob_defaults(model_name: str | None) -> dict[str, float]:
    """A model the administrator added that chats (an instruct model) starts where SmolLM2
    does: low temperature and top-p, as instruct models are usually run."""
    if model_name in MODEL_KNOBS:
        return MODEL_KNOBS[model_name]
    return MODEL_KNOBS[SMOLLM2] if model_name and _chats_without_loading(model_name) else DEFAULT_KNOBS


def _chats_without_loading(model_name: str) -> bool:
    """Whether a configured model has a chat template, from its tokenizer alone (no weights)."""
    if not is_configured(model_name):
        return False
    try:
        return bool(getattr(configured_tokenizer(model_name), "has_chat", False))
    except InputError:
        return False


def sampling_seed() -> int:
    """The seed of this learner's own generation: the link's when it names one (or the
    sidebar's once moved, which writes it into the link), else one drawn for this learner, so
    a class pressing Generate together sees that sampling differs. The tokens generated are
    in the link (``gen``), so a shared link still shows the same text."""
    if query_param("seed") is not None:
        return current_seed()
    return st.session_state.setdefault(_OWN_SEED, secrets.randbelow(MAX_SEED))


def _apply_model_defaults(model_name: str | None) -> None:
    """Switching model moves the knobs to the new model's defaults, unless the learner (or the
    link) set them to something else."""
    previous = st.session_state.get(_KNOBS_MODEL)
    st.session_state[_KNOBS_MODEL] = model_name
    if previous is None or previous == model_name or "ch7_temp" not in st.session_state:
        return
    old, new = knob_defaults(previous), knob_defaults(model_name)
    knobs = {"ch7_temp": "temp", "ch7_topk": "top_k", "ch7_topp": "top_p"}
    if all(abs(float(st.session_state.get(key, old[name])) - old[name]) < 1e-9 for key, name in knobs.items()):
        for key, name in knobs.items():
            st.session_state[key] = new[name]


def _on_n_change() -> None:
    st.session_state[_N_MOVED] = True


def sampling_controls(model_name: str | None = None) -> tuple[SamplingSettings, int]:
    """Greedy, temperature, top-k, top-p and the number of tokens to generate.

    Drawn inside the generation fragment: temperature, top-k and top-p only reshape logits
    the panel already has (and the comparison below it), so moving them reruns the fragment,
    not the page. The number of tokens also sets SmolLM2's scale section outside the
    fragment, so moving it reruns the whole page, as before.
    """
    model_name = model_name or st.session_state.get("ch7_model")
    _apply_model_defaults(model_name)
    knob = knob_defaults(model_name)
    defaults = {
        "ch7_temp": float_query_param("temp", knob["temp"], 0.1, 2.0),
        "ch7_topk": int_query_param("top_k", int(knob["top_k"]), 0, 50),
        "ch7_topp": float_query_param("top_p", knob["top_p"], 0.05, 1.0),
        "ch7_greedy": query_param("greedy", "0") == "1",
        "ch7_n": int_query_param("n", 15, 1, MAX_NEW),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    cols = [st.container() for _ in range(5)] if projector_on() else st.columns(5)  # projector: a narrow column
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
    if model_name in MODEL_KNOBS:
        st.caption(t("ch7.controls.model_defaults", temp=knob["temp"], top_p=knob["top_p"]))
    elif knob is not DEFAULT_KNOBS:
        st.caption(t("ch7.controls.chat_model_defaults", temp=knob["temp"], top_p=knob["top_p"]))
    if st.session_state.pop(_N_MOVED, False):
        st.rerun()  # the whole page: sections outside the fragment depend on it
    settings = SamplingSettings(
        temperature=float(temperature), top_k=int(top_k) or None, top_p=float(top_p), greedy=greedy
    )
    return settings, int(n)


def has_chat(model_name: str) -> bool:
    """A model the administrator added whose tokenizer brings a chat template (SmolLM2 has one too)."""
    return is_configured(model_name) and bool(getattr(causal_lm(model_name)[1], "has_chat", False))


def chat_controls(model_name: str) -> tuple[bool, str]:
    """SmolLM2 only: chat mode (the chat template) and the system message; both in the URL."""
    if model_name != SMOLLM2 and not has_chat(model_name):
        return False, ""
    st.session_state.setdefault("ch7_chat", query_param("chat", "1") != "0")
    st.session_state.setdefault("ch7_system", str(query_param("system", ""))[:MAX_SYSTEM_CHARS])
    cols = st.columns([1, 4])
    chat = cols[0].toggle(t("ch7.smollm2.chat"), key="ch7_chat", help=t("ch7.smollm2.chat_help"))
    system = cols[1].text_input(
        t("ch7.smollm2.system"),
        key="ch7_system",
        max_chars=MAX_SYSTEM_CHARS,
        placeholder=DEFAULT_SYSTEM if model_name == SMOLLM2 else "",
        help=t("ch7.smollm2.system_help"),
        disabled=not chat,
    )
    set_query_param("chat", int(chat))
    set_query_param("system", system)
    return chat, clean_text(system, MAX_SYSTEM_CHARS) if system.strip() else ""
