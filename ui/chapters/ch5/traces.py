"""Chapter 5's computations, cached per server: one forward pass per (model, sentence), and
everything the page draws from it (BertViz pages, the explorer's packed numbers, the
curriculum's head search). Models come from ``ui.models``."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import attention_lab as lab
from lm_core.data.curriculum import HEAD_SEARCHES
from ui import models
from viz import attention_explorer as explorer
from viz import bertviz_offline


def cached_trace(model_name: str, text: str) -> lab.AttentionTrace:
    """The one forward pass per (model, sentence); every control reuses it."""
    if model_name == lab.SMOLLM2:
        return cached_smollm2_trace(text)
    if models.is_configured(model_name):
        return cached_configured_trace(model_name, text)
    return cached_small_trace(model_name, text)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_smollm2_trace(text: str) -> lab.AttentionTrace:
    """SmolLM2's trace is 30 layers x 9 heads (a few MB): fewer of them are kept."""
    model, tokenizer = models.smollm2()
    return lab.trace_smollm2(text, model, tokenizer)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_configured_trace(model_name: str, text: str) -> lab.AttentionTrace:
    """A model the administrator added: read like SmolLM2 (its Llama-family forward pass)."""
    model, tokenizer = models.causal_lm(model_name)
    return lab.trace_smollm2(text, model, tokenizer, model_name=model_name)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_small_trace(model_name: str, text: str) -> lab.AttentionTrace:
    if model_name == lab.MINILM:
        tokenizer, model = models.minilm()
        return lab.trace_minilm(text, tokenizer, model)
    model, tokenizer = models.causal_lm(model_name)  # a shipped tiny GPT or this session's own
    return lab.trace_gpt(text, model, tokenizer, model_name=model_name)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_bertviz(model_name: str, text: str, kind: str, layer: int, head: int) -> tuple[str, bool]:
    trace = cached_trace(model_name, text)
    weights = trace.all_weights()
    if kind == "head":
        return bertviz_offline.head_view_html(weights, trace.tokens, layer=layer, heads=[head])
    return bertviz_offline.model_view_html(weights, trace.tokens)


@st.cache_data(show_spinner=False)
def curriculum_search(key: str) -> tuple[str, list[lab.HeadMatch]]:
    """The curriculum's claim ``key`` searched for in MiniLM: (its sentence, the heads found)."""
    sentence_key, source, targets = HEAD_SEARCHES[key]
    sentence = lab.EXAMPLE_SENTENCES[sentence_key]
    return sentence, lab.find_heads(cached_trace(lab.MINILM, sentence), source, targets)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_explorer_numbers(model_name: str, text: str) -> dict[str, dict]:
    """Every head's numbers for one (model, sentence), packed for the browser once per server."""
    return explorer.pack_arrays(lab.explorer_arrays(cached_trace(model_name, text)))
