"""Chapter 2's computations, cached per server: pure functions of their inputs, so 30
students with the same sentences cost one computation."""

from __future__ import annotations

import streamlit as st

from lm_core.embeddings import bow
from lm_core.tokenizers.lesson import corpus_sentences, corpus_word_groups


@st.cache_data(show_spinner=False, max_entries=32)
def document_term(sentences: tuple[str, ...], mode: str, ngram: tuple[int, int]) -> bow.BagOfWords:
    return bow.bag_of_words(sentences, mode, ngram)


@st.cache_data(show_spinner=False, max_entries=8)
def sparsity(corpus: str, ngram: tuple[int, int]) -> list[bow.SparsityPoint]:
    return bow.sparsity_curve(corpus_sentences(corpus), steps=14, ngram_range=ngram)


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_map(corpus: str, size: int, own: tuple[str, ...]) -> bow.CorpusMap:
    return bow.corpus_map(corpus_sentences(corpus), corpus_word_groups(corpus), size, own)
