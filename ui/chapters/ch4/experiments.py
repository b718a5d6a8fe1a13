"""Chapter 4's experiments: force one step's attention and watch the rest change, one word
in two contexts, and recurrence against parallel attention timed."""

from __future__ import annotations

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.models import seq2seq as s2s
from lm_core.train.seq2seq import speedup, words_changed
from ui import bounded, models
from ui.chapters.ch4.steps import CHART, alignment_chart, eos_label
from ui.chapters.ch4.translations import cached_similarity, cached_translation, timing_rows
from ui.common import chart, guard, int_query_param, md, plain, query_param, set_query_param, show_error, t
from viz import seq2seq as figs

CONTEXT_URL_MAX = 300
TIMING_WIDTH = 128  # the hidden width the timing compares at (see s2s.time_sequential_vs_parallel)


@st.fragment
def context_section() -> None:
    st.subheader(t("ch4.context.header"))
    st.markdown(md("ch4/context"))
    default_a, default_b, default_word = s2s.CONTEXT_EXAMPLE
    st.session_state.setdefault("ch4_ctx_a", (query_param("ctx_a", default_a) or "")[:CONTEXT_URL_MAX])
    st.session_state.setdefault("ch4_ctx_b", (query_param("ctx_b", default_b) or "")[:CONTEXT_URL_MAX])
    cols = st.columns(2)
    sentence_a = bounded.text_input(t("ch4.context.sentence_a"), key="ch4_ctx_a", limit=s2s.MAX_INPUT_CHARS,
                                    container=cols[0])
    sentence_b = bounded.text_input(t("ch4.context.sentence_b"), key="ch4_ctx_b", limit=s2s.MAX_INPUT_CHARS,
                                    container=cols[1])
    set_query_param("ctx_a", sentence_a)
    set_query_param("ctx_b", sentence_b)
    translator = models.translator("attention")
    try:
        words_a, words_b = translator.check(sentence_a), translator.check(sentence_b)
    except InputError as exc:
        show_error(exc)
        return
    common = [w for w in dict.fromkeys(words_a) if w in words_b]
    if not common:
        st.info(t("ch4.context.no_common"))
        return
    wanted = query_param("ctx_word", default_word)
    if st.session_state.get("ch4_ctx_word") not in common:
        st.session_state["ch4_ctx_word"] = wanted if wanted in common else common[0]
    word = st.selectbox(t("ch4.context.word"), common, key="ch4_ctx_word")
    set_query_param("ctx_word", word)
    with guard():
        similarity = cached_similarity(sentence_a, sentence_b, word)
        cols = st.columns(2)
        cols[0].metric(t("ch4.context.state_cos"), f"{similarity['state_cosine']:.2f}")
        cols[1].metric(t("ch4.context.embed_cos"), f"{similarity['embedding_cosine']:.2f}")
        outputs = [cached_translation("attention", s)["text"] for s in (sentence_a, sentence_b)]
        st.caption(
            " · ".join(f"{plain(s)} → **{plain(o)}**" for s, o in zip((sentence_a, sentence_b), outputs, strict=True))
        )


def _force_choices(original: dict) -> tuple[int, int]:
    """The step to force and the source word (from 0; -1 forces nothing), from the URL."""
    source = original["source"]
    n_steps = len(original["steps"])
    st.session_state.setdefault("ch4_force_step", int_query_param("force_step", 1, 1, n_steps))
    st.session_state["ch4_force_step"] = min(max(1, int(st.session_state["ch4_force_step"])), n_steps)
    word_options = [-1, *range(len(source))]
    # The link counts words from 1, as the screen does ("5. horses"); 0 = force nothing.
    wanted_word = int_query_param("force_word", 0, 0, len(source)) - 1
    if st.session_state.get("ch4_force_word") not in word_options:
        st.session_state["ch4_force_word"] = wanted_word
    cols = st.columns(2)
    step_labels = {i + 1: f"{i + 1}: {eos_label(s['output'])}" for i, s in enumerate(original["steps"])}
    step = cols[0].selectbox(t("ch4.force.step"), list(step_labels), key="ch4_force_step", format_func=step_labels.get)
    word = cols[1].selectbox(
        t("ch4.force.word"),
        word_options,
        key="ch4_force_word",
        format_func={-1: t("ch4.force.none"), **{j: f"{j + 1}. {w}" for j, w in enumerate(source)}}.get,
    )
    set_query_param("force_step", step)
    set_query_param("force_word", word + 1)
    return int(step), int(word)


@st.fragment
def force_section(text: str, original: dict) -> None:
    st.subheader(t("ch4.force.header"))
    st.markdown(md("ch4/force"))
    step, word = _force_choices(original)
    if word < 0:
        return
    source = original["source"]
    with guard():
        forced = cached_translation("attention", text, (step - 1, word))
        cols = st.columns(2)
        cols[0].html(figs.translation_box_html(t("ch4.translate.attention"), original["text"], figs.ATTENTION_COLOUR))
        cols[0].caption(t("ch4.force.original"))
        cols[1].html(figs.translation_box_html(t("ch4.translate.attention"), forced["text"], figs.CHOSEN_COLOUR))
        cols[1].caption(t("ch4.force.forced", step=step, word=plain(source[word])))
        differ = words_changed(original["output"], forced["output"])
        st.caption(t("ch4.force.changed", count=differ) if differ else t("ch4.force.unchanged"))
        alignment_chart(forced, "ch4_forced_alignment", t("ch4.force.forced", step=step, word=source[word]))


def timing_section() -> None:
    st.subheader(t("ch4.timing.header"))
    st.markdown(md("ch4/timing"))
    with st.spinner():
        rows = timing_rows()
    labels = {
        "title": t("ch4.timing.title"),
        "x": t("ch4.timing.x"),
        "y": t("ch4.timing.y"),
        "recurrent": t("ch4.timing.recurrent"),
        "parallel": t("ch4.timing.parallel"),
    }
    chart(figs.timing_figure(rows, labels), key="ch4_timing", **CHART)
    last = rows[-1]
    st.caption(
        t(
            "ch4.timing.caption",
            n=last["length"],
            rnn=f"{1000 * last['recurrent_s']:.1f}",
            att=f"{1000 * last['parallel_s']:.2f}",
            ratio=f"{speedup(last['recurrent_s'], last['parallel_s']):.0f}",
            width=TIMING_WIDTH,
        )
    )
