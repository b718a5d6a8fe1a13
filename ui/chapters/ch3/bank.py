"""Chapter 3, the limit of one vector per word: "bank" in two sentences, word2vec's single
vector against MiniLM's contextual ones."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.text import clean_text
from lm_core.data.curriculum import BANK_SENTENCES
from lm_core.embeddings.vectors import WordVectors, cosine
from ui import shared
from ui.chapters.ch3.computed import contextual_vector
from ui.common import chart, guard, md, plain, seed_widget, set_text_query_param, t, text_query_param
from ui.predict import ask
from viz import embeddings as fig

SENTENCE_MAX_CHARS = 300
WORD_MAX_CHARS = 40


@st.fragment
def one_vector_per_word(wv: WordVectors) -> None:
    """A fragment: editing the sentences reruns MiniLM and this chart only."""
    st.header(t("ch3.bank.header"))
    st.markdown(md("ch3/bank"))
    bank_boxes = {"s1": ("w2v_bank_s1", BANK_SENTENCES[0]), "s2": ("w2v_bank_s2", BANK_SENTENCES[1]),
                  "bank": ("w2v_bank_word", "bank")}
    for param, (key, example) in bank_boxes.items():
        seed_widget(key, text_query_param(param, example))
    s1 = st.text_input(t("ch3.bank.sentence_river"), key="w2v_bank_s1")
    s2 = st.text_input(t("ch3.bank.sentence_money"), key="w2v_bank_s2")
    bank_word = st.text_input(t("ch3.bank.word"), key="w2v_bank_word")
    for param, (_, example), value in zip(bank_boxes, bank_boxes.values(), (s1, s2, bank_word), strict=True):
        set_text_query_param(param, value, example)

    def contextual_pair() -> list:
        return [contextual_vector(clean_text(x, max_chars=SENTENCE_MAX_CHARS), bank_word) for x in (s1, s2)]

    bank = ask("ch3.bank", quiz.COSINE_BUCKETS, lambda: quiz.cosine_bucket(quiz.cosine(*contextual_pair())),
               params={"word": bank_word.strip()}, context=(s1, s2, bank_word))
    with guard():
        s1c, s2c = clean_text(s1, max_chars=SENTENCE_MAX_CHARS), clean_text(s2, max_chars=SENTENCE_MAX_CHARS)
        bank_word = clean_text(bank_word, max_chars=WORD_MAX_CHARS)  # the question's answer reads it too
        with st.spinner(t("ch3.bank.loading")):
            v1, v2 = contextual_vector(s1c, bank_word), contextual_vector(s2c, bank_word)
        _compare(wv, bank_word, cosine(v1, v2))
    bank.end()


def _compare(wv: WordVectors, word: str, contextual: float) -> None:
    in_vocabulary = word.lower() in wv
    # One static vector per word: its similarity with itself is 1 (drawn only when
    # the word has a vector here at all).
    labels = ([t("ch3.bank.static_label")] if in_vocabulary else []) + [t("ch3.bank.contextual_label")]
    values = ([1.0] if in_vocabulary else []) + [contextual]
    chart(shared.figure(fig.context_comparison, labels, values, title=t("ch3.bank.title", word=word),
                                 x_title=t("ch3.ask.cosine")), width="stretch", key="w2v_bank")
    if in_vocabulary:
        st.caption(t("ch3.bank.static_in_vocab", word=plain(word),
                     neighbours=plain(", ".join(w for w, _ in wv.neighbours(word, 5)))))
    else:
        st.caption(t("ch3.bank.static_not_in_vocab", word=plain(word)))
    st.markdown(t("ch3.bank.result", value=f"{contextual:.3f}"))
