"""Chapter 2: bag-of-words. The three steps, similarity, what it forgets (order), what
it costs (sparsity), and sentence vectors in 2D.

The page holds the controls and the order of the sections; each section is a module of
``ui/chapters/ch2``."""

import streamlit as st

from ui.common import (
    choice_query_param,
    int_query_param,
    intro,
    projector_first,
    projector_on,
    reset_button,
    seed_widget,
    set_query_param,
    set_text_query_param,
    setup_page,
    t,
    text_query_param,
)

lang = setup_page("ch2")

from lm_core.embeddings.bow import MODES, ngram_label  # noqa: E402
from ui.chapters.ch2.corpus import CORPORA, PCA_SAMPLE, pca_section, sparsity_section  # noqa: E402
from ui.chapters.ch2.order import word_order_section  # noqa: E402
from ui.chapters.ch2.steps import MAX_CHARS, similarity_section, three_steps  # noqa: E402

NGRAM_CHOICES = ((1, 1), (1, 2), (2, 2), (1, 3))

st.title(t("ch2.title"))
if not projector_on():  # on a projector the first screen goes to the chart; the intro follows it
    intro("ch2/intro")
chart_area = projector_first()

# ----------------------------------------------------------------------------- controls
# Every control starts from the URL (a shared link opens the same view) and writes back.
modes = list(MODES)
ngram_keys = {f"{a}-{b}": (a, b) for a, b in NGRAM_CHOICES}
TEXTS = {  # URL parameter -> (widget key, the example's value)
    "text": ("ch2_sentences", t("ch2.input.default_sentences")),
    "a": ("ch2_a", t("ch2.order.default_first")),
    "b": ("ch2_b", t("ch2.order.default_second")),
}
for param, (key, example) in TEXTS.items():
    seed_widget(key, text_query_param(param, example, max_chars=MAX_CHARS))
seed_widget("ch2_mode", choice_query_param("mode", modes, "count"))
seed_widget("ch2_ngram", ngram_keys[choice_query_param("ngram", list(ngram_keys), "1-1")])
seed_widget("ch2_corpus", choice_query_param("corpus", CORPORA, "toy_zh" if lang == "zh" else "toy_en"))
seed_widget("ch2_pca", int_query_param("sample", PCA_SAMPLE[2], PCA_SAMPLE[0], PCA_SAMPLE[1]) // 20 * 20)
left, right = st.columns([3, 2])
with left:
    raw_sentences = st.text_area(
        t("ch2.input.sentences"), height=110 if projector_on() else 230, help=t("ch2.input.sentences_help"), key="ch2_sentences"
    )
with right:
    mode = st.radio(
        t("ch2.input.mode"),
        modes,
        format_func={m: t(f"ch2.modes.{m}") for m in modes}.get,
        horizontal=True,
        key="ch2_mode",
    )
    ngram = st.selectbox(
        t("ch2.input.ngram"), NGRAM_CHOICES, format_func=ngram_label, help=t("ch2.input.ngram_help"), key="ch2_ngram"
    )
    if mode == "tfidf":
        st.caption(t("ch2.steps.tfidf_note"))
    reset_button(
        [key for key, _ in TEXTS.values()] + ["ch2_mode", "ch2_ngram", "ch2_corpus", "ch2_pca", "ch2_first", "ch2_second"],
        [*TEXTS, "mode", "ngram", "corpus", "sample", "first", "second"],
    )
set_query_param("mode", mode)
set_query_param("ngram", f"{ngram[0]}-{ngram[1]}")
set_text_query_param("text", raw_sentences, TEXTS["text"][1])

# ----------------------------------------------------------------------------- the sections
result = three_steps(raw_sentences, mode, ngram, chart_area)
if projector_on():
    intro("ch2/intro")
if result is not None and len(result.sentences) >= 2:
    similarity_section(result, mode, ngram)
word_order_section({"a": TEXTS["a"][1], "b": TEXTS["b"][1]})
corpus = sparsity_section(ngram)
pca_section(corpus, result)
