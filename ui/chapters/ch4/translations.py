"""Chapter 4's translations, cached per server, and the sentence the learner picks.

Both shipped models translate the learner's sentence once per (model, sentence, forced
step) inside ``st.cache_data``: plain data, shared by every session."""

from __future__ import annotations

import streamlit as st

from lm_core.core.device import inference_threads
from lm_core.core.errors import InputError
from lm_core.models import seq2seq as s2s
from lm_core.train import seq2seq as s2s_train
from ui import bounded, models
from ui.common import choice_query_param, query_param, set_query_param, show_error, t
from viz import seq2seq as figs

KINDS = ("plain", "attention")
OWN = "__own__"  # the example box's choice for a sentence of the learner's own
URL_TEXT_MAX = 2000


def models_available() -> bool:
    try:
        for kind in KINDS:
            models.translator(kind)
    except (OSError, ValueError, KeyError):
        return False
    return True


def _step_dict(step: s2s.DecodeStep) -> dict:
    return {
        "input": step.input_word,  # "<bos>" is named in the learner's language when drawn
        "output": step.output_word,
        "candidates": step.candidates,
        "attention": step.attention,
        "forced": step.forced,
    }


@st.cache_data(show_spinner=False, max_entries=256)
def cached_translation(kind: str, text: str, force: tuple[int, int] | None = None) -> dict:
    """One greedy translation with its steps; plain data, shared by every session."""
    translator = models.translator(kind)
    with inference_threads():
        result = translator.translate(text, force=force)
    return {
        "source": result.source_words,
        "output": result.output_words,
        "text": result.text,
        "steps": [_step_dict(step) for step in result.steps],
    }


@st.cache_data(show_spinner=False, max_entries=1)
def shipped_bottleneck() -> dict:
    """Both shipped models measured on the held-out pairs (computed here, not read from files)."""
    with inference_threads():
        return {kind: s2s_train.evaluate_by_length(models.translator(kind), s2s_train.heldout_pairs()) for kind in KINDS}


@st.cache_data(show_spinner=False, max_entries=1)
def timing_rows() -> list[dict]:
    with inference_threads():
        return s2s.time_sequential_vs_parallel()


@st.cache_data(show_spinner=False, max_entries=64)
def cached_similarity(sentence_a: str, sentence_b: str, word: str) -> dict:
    with inference_threads():
        return models.translator("attention").same_word_similarity(sentence_a, sentence_b, word)


def choose_sentence() -> str:
    """An example or a sentence of the learner's own; the URL names the example (``example``)
    or carries the text (``text``)."""
    examples = list(s2s.EXAMPLES)
    options = [*examples, OWN]
    wanted_text = query_param("text")
    default_example = choice_query_param("example", [str(i) for i in range(len(examples))], "0")
    if "ch4_example" not in st.session_state:
        st.session_state["ch4_example"] = (
            OWN
            if wanted_text is not None and wanted_text not in examples
            else (wanted_text if wanted_text in examples else examples[int(default_example)])
        )
    if "ch4_text" not in st.session_state:
        choice = st.session_state["ch4_example"]
        st.session_state["ch4_text"] = (wanted_text or "")[:URL_TEXT_MAX] if choice == OWN else choice

    def on_example() -> None:
        if st.session_state["ch4_example"] != OWN:
            st.session_state["ch4_text"] = st.session_state["ch4_example"]

    def on_text() -> None:
        typed = st.session_state["ch4_text"]
        st.session_state["ch4_example"] = typed if typed in examples else OWN

    cols = st.columns([2, 3])
    cols[0].selectbox(
        t("ch4.input.example"),
        options,
        key="ch4_example",
        format_func={**{e: e for e in examples}, OWN: t("ch4.input.own")}.get,  # labels fixed in this run's language
        help=t("ch4.input.example_help"),
        on_change=on_example,
    )
    text = bounded.text_input(
        t("ch4.input.text"),
        key="ch4_text",
        limit=s2s.MAX_INPUT_CHARS,
        container=cols[1],
        help=t("ch4.input.text_help"),
        on_change=on_text,
    )
    example = st.session_state["ch4_example"]
    if example == OWN:
        st.query_params.pop("example", None)
        set_query_param("text", text)
    else:
        set_query_param("example", examples.index(example))
        st.query_params.pop("text", None)
    return text


def translations_section(text: str) -> dict[str, dict] | None:
    """Both models' translations side by side (and the toy grammar's own, when it has one)."""
    results = {}
    try:
        for kind in KINDS:
            results[kind] = cached_translation(kind, text)
    except InputError as exc:
        show_error(exc)
        return None
    reference = s2s_train.reference_for(text)
    cols = st.columns(3 if reference else 2)
    for col, kind, colour in zip(cols, KINDS, (figs.PLAIN_COLOUR, figs.ATTENTION_COLOUR), strict=False):
        col.html(figs.translation_box_html(t(f"ch4.translate.{kind}"), results[kind]["text"], colour))
    if reference:
        cols[2].html(figs.translation_box_html(t("ch4.translate.reference"), reference, "#94a3b8", muted=True))
    return results
