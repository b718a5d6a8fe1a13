"""Chapter 2, last sections: what bag-of-words costs on a whole corpus (sparsity) and the
corpus's sentence vectors in 2D, the learner's own sentences placed among them."""

from __future__ import annotations

import streamlit as st

from lm_core.embeddings import bow
from ui.chapters.ch2.computed import corpus_map, sparsity
from ui.common import chart, guard, set_query_param, t
from viz.bow import pca_scatter, sparsity_figure

CORPORA = ("toy_en", "toy_zh")
PCA_SAMPLE = (60, 600, 240)  # slider min, max, default


def sparsity_section(ngram: tuple[int, int]) -> str:
    """The corpus chooser and its sparsity curve; returns the corpus chosen."""
    st.header(t("ch2.sparsity.header"))
    corpus = st.selectbox(
        t("ch2.sparsity.corpus"),
        CORPORA,
        format_func={c: t(f"ch2.corpus_names.{c}") for c in CORPORA}.get,
        key="ch2_corpus",
    )
    set_query_param("corpus", corpus)
    with guard():
        curve = sparsity(corpus, tuple(ngram))
        chart(
            sparsity_figure(
                [p.documents for p in curve],
                [p.vocabulary_size for p in curve],
                [p.zero_share for p in curve],
                t("ch2.sparsity.figure") + f" · {t('ch2.input.ngram')} {bow.ngram_label(ngram)}",
                t("ch2.sparsity.x"),
                t("ch2.sparsity.vocab"),
                t("ch2.sparsity.zeros"),
            ),
            key="ch2_sparsity",
            width="stretch",
        )
        last = curve[-1]
        st.caption(
            t(
                "ch2.sparsity.caption",
                documents=last.documents,
                vocab=last.vocabulary_size,
                words=last.mean_words_per_document,
                zeros=last.zero_share,
            )
        )
    return corpus


def pca_section(corpus: str, result: bow.BagOfWords | None) -> None:
    st.header(t("ch2.pca.header"))
    size = st.slider(t("ch2.pca.sample"), *PCA_SAMPLE[:2], step=20, key="ch2_pca")
    set_query_param("sample", size)
    with guard():
        own = result.sentences if result is not None else ()
        mapped = corpus_map(corpus, size, own)
        topic_names = {topic: t(f"ch2.topics.{topic}") for topic in set(mapped.topics)}
        chart(
            pca_scatter(
                mapped.projection.coordinates,
                mapped.sample,
                mapped.topics,
                topic_names,
                mapped.projection.explained_variance,
                t("ch2.pca.figure"),
                t("ch2.pca.axis"),
                mapped.projection.extra,
                own,
                t("ch2.pca.yours"),
            ),
            key="ch2_pca_map",
            width="stretch",
        )
        st.caption(t("ch2.pca.caption"))
        if own:
            st.caption(t("ch2.pca.yours_caption"))
        st.info(t("ch2.pca.agreement", **mapped.agreement))
