"""Chapter 7's per-server caches of pure computations (keyed by their inputs).

A classroom asks the same questions: one forward pass per (model, context) serves every
learner. The models come from ``ui.models`` (one loader per model); nothing here loads one.
"""

from __future__ import annotations

import streamlit as st

from lm_core.analysis.logit_lens import LogitLens, logit_lens
from lm_core.core.device import inference_threads
from lm_core.decoding.continuation import continuation
from lm_core.decoding.generation import SamplingSettings, next_token_logits
from ui.models import causal_lm


@st.cache_data(show_spinner=False, max_entries=512)
def logits_after(name: str, ids: tuple[int, ...]):  # noqa: ANN201 - (torch logits (V,), window, cropped)
    """Logits of the token after ``ids`` (one forward pass per context, then reused)."""
    model, _ = causal_lm(name)
    with inference_threads():
        return next_token_logits(model, list(ids))


def next_logits(name: str, ids) -> object:  # noqa: ANN001
    """Just the logits (V,) of the token after ``ids``, from the cache."""
    return logits_after(name, tuple(ids))[0]


@st.cache_data(show_spinner=False, max_entries=128)
def continuation_of(name: str, ids: tuple[int, ...], settings: SamplingSettings, n: int, seed: int):  # noqa: ANN201
    """(token id, model probability) of a whole continuation, for greedy vs sampled."""
    model, tokenizer = causal_lm(name)
    return continuation(model, ids, settings, n, seed, end_id=tokenizer.eos_id)


@st.cache_data(show_spinner=False, max_entries=64)
def lens_of(name: str, ids: tuple[int, ...]) -> LogitLens:
    """Top-3 guesses after every layer for this context (one step-by-step forward pass)."""
    model, _ = causal_lm(name)
    return logit_lens(model, list(ids), k=3)
