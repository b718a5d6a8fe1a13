"""Chapter 2, first sections: the three steps (tokens, vocabulary, document-term matrix)
and the similarity of two sentences."""

from __future__ import annotations

import contextlib

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.text import clean_text
from lm_core.embeddings import bow
from ui.chapters.ch2.computed import document_term
from ui.common import (
    chart,
    folded,
    guard,
    int_query_param,
    main_chart,
    plain,
    projector_on,
    seed_widget,
    set_query_param,
    t,
)
from ui.predict import ask, bar_reveal
from viz.bow import cosine_heatmap, dtm_heatmap

MAX_CHARS = 6000


def three_steps(raw_sentences: str, mode: str, ngram: tuple[int, int], chart_area=None) -> bow.BagOfWords | None:
    """Tokens, vocabulary and the matrix of the learner's sentences (None when refused).
    ``chart_area``: where the matrix goes when not here (the projector's place above the controls)."""
    if not projector_on():
        st.header(t("ch2.steps.header"))
    result = None
    with guard():
        lines = bow.sentence_lines(clean_text(raw_sentences, max_chars=MAX_CHARS))
        with st.spinner(t("ch2.steps.computing")):
            result = document_term(lines, mode, tuple(ngram))
        labels = [f"S{k + 1}" for k in range(len(result.sentences))]
        rows, columns = result.shape
        with folded(f"{t('ch2.steps.step1')} · {t('ch2.steps.step2')}"):
            st.subheader(t("ch2.steps.step1"))
            st.dataframe(
                {"#": labels, t("ch2.steps.tokens_column"): [" | ".join(words) for words in result.tokens]},
                hide_index=True,
                width="stretch",
            )
            st.subheader(t("ch2.steps.step2"))
            st.caption(t("ch2.steps.step2_caption", size=len(result.vocabulary)))
            st.code("  ".join(f"{k}:{word}" for k, word in enumerate(result.vocabulary)), language=None, wrap_lines=True)
        if chart_area is None:  # a chart drawn elsewhere has its own title there
            st.subheader(t("ch2.steps.step3"))
        with chart_area if chart_area is not None else contextlib.nullcontext(), main_chart():
            chart(
                dtm_heatmap(
                    result.matrix,
                    result.vocabulary,
                    result.sentences,
                    t("ch2.steps.heatmap", mode=t(f"ch2.modes.{mode}")),
                    t(f"ch2.steps.value_{mode}"),
                    t("ch2.steps.heatmap_x"),
                ),
                key="ch2_document_term",
                width="stretch",
            )
        st.caption(t("ch2.steps.step3_caption", rows=rows, columns=columns, zeros=result.zero_share))
    return result


def similarity_section(result: bow.BagOfWords, mode: str, ngram: tuple[int, int]) -> None:
    """Every pair's cosine, then one pair explained word by word (needs two sentences)."""
    st.header(t("ch2.similarity.header"))
    st.markdown(t("ch2.similarity.intro"))
    names = {f"S{k + 1}": f"S{k + 1}: {sentence[:60]}" for k, sentence in enumerate(result.sentences)}
    closest = ask("ch2.most_similar", list(names)[1:], lambda: quiz.most_similar(bow.cosine_matrix(result.matrix), 0, list(names)),
                  bar_reveal("ch2.most_similar", labels=names), labels=names, context=(result.sentences, mode, ngram))
    with guard():
        chart(
            cosine_heatmap(bow.cosine_matrix(result.matrix), result.sentences, t("ch2.similarity.figure")),
            key="ch2_cosine_similarity",
            width="stretch",
        )
        first, second = _pick_pair(result.sentences)
        _explain_pair(bow.explain_similarity(result, first, second))
    closest.end()


def _pick_pair(sentences: tuple[str, ...]) -> tuple[int, int]:
    options = list(range(len(sentences)))
    seed_widget("ch2_first", int_query_param("first", 1, 1, len(options)) - 1)
    seed_widget("ch2_second", int_query_param("second", 2, 1, len(options)) - 1)
    for key, fallback in (("ch2_first", 0), ("ch2_second", 1)):
        if st.session_state[key] not in options:  # fewer sentences than before
            st.session_state[key] = fallback
    pick = st.columns(2)
    first = pick[0].selectbox(
        t("ch2.similarity.first"), options, format_func=lambda i: f"S{i + 1}: {sentences[i]}", key="ch2_first"
    )
    second = pick[1].selectbox(
        t("ch2.similarity.second"), options, format_func=lambda i: f"S{i + 1}: {sentences[i]}", key="ch2_second"
    )
    set_query_param("first", first + 1)
    set_query_param("second", second + 1)
    return first, second


def _explain_pair(closeness: bow.Closeness) -> None:
    st.markdown(f"#### {t('ch2.similarity.cosine', value=closeness.cosine)}")
    if closeness.shared:
        st.markdown(f"**{t('ch2.similarity.shared')}**")
        st.dataframe(
            [
                {
                    t("ch2.similarity.shared_word"): s.word,
                    t("ch2.similarity.shared_a"): round(s.value_a, 3),
                    t("ch2.similarity.shared_b"): round(s.value_b, 3),
                    t("ch2.similarity.shared_product"): round(s.product, 3),
                }
                for s in closeness.shared
            ],
            hide_index=True,
        )
    else:
        st.info(t("ch2.similarity.no_shared"))
    none = t("ch2.similarity.none")
    st.caption(t("ch2.similarity.only_a", words=", ".join(map(plain, closeness.only_a)) or none))
    st.caption(t("ch2.similarity.only_b", words=", ".join(map(plain, closeness.only_b)) or none))
