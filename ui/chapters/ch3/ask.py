"""Chapter 3, questions to the vectors: nearest neighbours, analogies, a similarity heatmap
(one fragment), and the curriculum's example pairs."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.text import clean_text
from lm_core.data.curriculum import WORD_EXAMPLES
from lm_core.embeddings.vectors import WordVectors, parse_word_list
from ui import shared
from ui.common import (
    chart,
    guard,
    int_query_param,
    md,
    plain,
    reset_button,
    seed_widget,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)
from ui.predict import ask, bar_reveal
from viz import embeddings as fig

HEATMAP_MAX_WORDS = 20


@st.fragment
def ask_the_vectors(wv: WordVectors, examples: dict) -> None:
    """A fragment: typing a word redraws these charts only, not the maps above."""
    st.header(t("ch3.ask.header"))
    asked = st.session_state.get("w2v_word", examples["word"]).strip()
    nearest = ask("ch3.nearest", lambda: quiz.nearest_candidates(wv, asked), lambda: quiz.nearest_word(wv, asked, quiz.nearest_candidates(wv, asked)),
                  bar_reveal("ch3.nearest"), params={"word": asked[:60]}, context=(asked, len(wv), wv.dim, float(wv.vectors[0, 0])))
    tab_nb, tab_an, tab_sim = st.tabs([t("ch3.ask.tab_neighbours"), t("ch3.ask.tab_analogy"), t("ch3.ask.tab_similarity")])
    example_word = examples["word"] if examples["word"] in wv else wv.words[0]
    a_default, b_default, c_default = examples["analogy"]
    boxes = {  # URL parameter -> (widget key, the example's value, longest accepted)
        "word": ("w2v_word", example_word, 60), "a": ("w2v_a", a_default, 60), "b": ("w2v_b", b_default, 60),
        "c": ("w2v_c", c_default, 60), "words": ("w2v_heat_words", examples["heatmap"], 400),
    }
    for param, (key, example, _) in boxes.items():
        seed_widget(key, text_query_param(param, example))
    seed_widget("w2v_k", int_query_param("k", 10, 3, 20))
    reset_button([key for key, _, _ in boxes.values()] + ["w2v_k"], [*boxes, "k"])
    with tab_nb:
        word = st.text_input(t("ch3.ask.word"), key="w2v_word", help=t("ch3.ask.word_help"))
        k = st.slider(t("ch3.ask.k"), 3, 20, key="w2v_k")
        set_query_param("k", k)
        for param, (key, example, _) in boxes.items():
            set_text_query_param(param, st.session_state[key], example)
        with guard():
            _neighbours(wv, clean_text(word, max_chars=boxes["word"][2], require_words=False), k)
    with tab_an:
        st.markdown(md("ch3/analogy"))
        ca, cb, cc = st.columns(3)
        a = ca.text_input(t("ch3.ask.a"), key="w2v_a")
        b = cb.text_input(t("ch3.ask.b"), key="w2v_b")
        c = cc.text_input(t("ch3.ask.c"), key="w2v_c")
        with guard():
            _analogy(wv, *(clean_text(x, max_chars=boxes["a"][2], require_words=False) for x in (a, b, c)))
    with tab_sim:
        words_text = st.text_input(t("ch3.ask.heatmap_words"), key="w2v_heat_words")
        with guard():
            words = parse_word_list(clean_text(words_text, max_chars=boxes["words"][2], require_words=False))
            words = words[:HEATMAP_MAX_WORDS]
            matrix = wv.similarity_matrix(words)
            chart(shared.figure(fig.similarity_heatmap, matrix, [w.lower() for w in words], title=t("ch3.ask.heatmap_title"),
                                         value_name=t("ch3.ask.cosine")), width="stretch", key="w2v_heatmap")
    nearest.end()


def _neighbours(wv: WordVectors, word: str, k: int) -> None:
    neighbours = wv.neighbours(word, k)
    st.session_state["w2v_focus"] = word.strip().lower()
    chart(shared.figure(fig.score_bars, neighbours, title=t("ch3.ask.neighbours_title", word=word.strip()), x_title=t("ch3.ask.cosine")),
          width="stretch", key="w2v_neighbours")


def _analogy(wv: WordVectors, a: str, b: str, c: str) -> None:
    answers = wv.analogy(a, b, c, k=5)
    st.markdown(t("ch3.ask.analogy_answer", a=plain(a), b=plain(b), c=plain(c), best=plain(answers[0][0]),
                  score=f"{answers[0][1]:.3f}"))
    chart(shared.figure(fig.score_bars, answers, title=t("ch3.ask.analogy_title"), x_title=t("ch3.ask.cosine"), colour="#009E73"),
          width="stretch", key="w2v_analogy")


def examples_section(wv: WordVectors, examples: dict) -> None:
    """The similarity of the lesson's word pairs (the English ones for an upload)."""
    st.header(t("ch3.examples.header"))
    st.markdown(md("ch3/examples"))
    pairs = examples["pairs"] or WORD_EXAMPLES["en"]["pairs"]
    for column, (x, y) in zip(st.columns(len(pairs)), pairs, strict=True):
        with column:
            if x in wv and y in wv:
                st.metric(t("ch3.examples.pair", a=x, b=y), f"{wv.similarity(x, y):.2f}")
            else:
                st.metric(t("ch3.examples.pair", a=x, b=y), "—", help=t("ch3.examples.missing"))
