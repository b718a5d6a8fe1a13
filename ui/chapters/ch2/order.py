"""Chapter 2, "what it forgets": two sentences with the same words in another order."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.embeddings import bow
from ui.chapters.ch2.computed import document_term
from ui.common import chart, guard, md, set_text_query_param, t
from ui.predict import ask
from viz.bow import vectors_figure

SENTENCE_MAX_CHARS = 300


def word_order_section(defaults: dict[str, str]) -> None:
    """``defaults``: the example of each box (``a``, ``b``); the URL keeps only what differs."""
    st.header(t("ch2.order.header"))
    st.markdown(md("ch2/order"))
    pair = st.columns(2)
    raw_a = pair[0].text_input(t("ch2.order.first"), key="ch2_a")
    raw_b = pair[1].text_input(t("ch2.order.second"), key="ch2_b")
    set_text_query_param("a", raw_a, defaults["a"])
    set_text_query_param("b", raw_b, defaults["b"])

    def both() -> tuple[str, str]:
        return clean_text(raw_a, max_chars=SENTENCE_MAX_CHARS), clean_text(raw_b, max_chars=SENTENCE_MAX_CHARS)

    same_vector = ask("ch2.same_vector", (quiz.YES, quiz.NO),
                      lambda: quiz.same_vector(document_term(both(), "count", (1, 1)).matrix),
                      params={"first": raw_a.strip()[:80], "second": raw_b.strip()[:80]}, context=(raw_a, raw_b))
    with guard():
        sentence_a, sentence_b = both()
        _compare_vectors((sentence_a, sentence_b))
    same_vector.end()


def _compare_vectors(sentences: tuple[str, str]) -> None:
    unigrams = document_term(sentences, "count", (1, 1))
    names = (f"A: {sentences[0]}", f"B: {sentences[1]}")
    _vectors_chart(unigrams, names, (1, 1))
    same = bow.rows_equal(unigrams.matrix)
    (st.warning if same else st.info)(t("ch2.order.equal" if same else "ch2.order.different"))
    st.subheader(t("ch2.order.bigram_header"))
    try:
        bigrams = document_term(sentences, "count", (1, 2))
    except InputError:
        bigrams = unigrams
    _vectors_chart(bigrams, names, (1, 2))
    dims = len(bigrams.vocabulary)
    if bow.rows_equal(bigrams.matrix):
        st.info(t("ch2.order.bigram_same", dims=dims))
    else:
        st.success(t("ch2.order.bigram_differ", dims=dims, unigram_dims=len(unigrams.vocabulary)))


def _vectors_chart(result: bow.BagOfWords, names: tuple[str, str], ngram: tuple[int, int]) -> None:
    chart(
        vectors_figure(
            result.vocabulary,
            result.matrix,
            names,
            t("ch2.order.figure", ngram=f"{t('ch2.input.ngram')} {bow.ngram_label(ngram)}"),
            t("ch2.order.x"),
            t("ch2.order.y"),
        ),
        key=f"ch2_order_{'bigrams' if ngram[1] > 1 else 'words'}",
        width="stretch",
    )
