"""Chapter 1: tokenization. Four tokenizers side by side, BPE learned merge by merge,
two languages compared, and the round trip from ids back to text.

The page holds the controls and the order of the sections; each section is a module of
``ui/chapters/ch1`` (one per header of the page)."""

import contextlib

import streamlit as st

from ui.common import (
    choice_query_param,
    guard,
    int_query_param,
    intro,
    projector_on,
    query_param,
    reset_button,
    seed_widget,
    set_query_param,
    set_text_query_param,
    setup_page,
    t,
    text_query_param,
)

lang = setup_page("ch1")

from lm_core.tokenizers.lesson import CORPUS_CHOICES  # noqa: E402
from ui.chapters.ch1.bpe_steps import bpe_section  # noqa: E402
from ui.chapters.ch1.compare import compare_section  # noqa: E402
from ui.chapters.ch1.roundtrip import round_trip_section  # noqa: E402
from ui.chapters.ch1.side_by_side import side_by_side, smollm2_section  # noqa: E402
from ui.chapters.ch1.tokenizers import VOCAB_DEFAULT, VOCAB_MAX, VOCAB_MIN, tokenizers  # noqa: E402

st.title(t("ch1.title"))
if not projector_on():  # on a projector the first screen goes to the chart; the intro follows it
    intro("ch1/intro")

# ----------------------------------------------------------------------------- controls
# Every control starts from the URL (a shared link opens the same view) and writes back.
corpus_choices = list(CORPUS_CHOICES)
DEFAULTS = {  # URL parameter -> (widget key, the example's value)
    "text": ("ch1_text", t("ch1.input.default_text")),
    "word": ("ch1_word", t("ch1.bpe.default_word")),
    "en": ("ch1_en", t("ch1.compare.default_english")),
    "zh": ("ch1_zh", t("ch1.compare.default_chinese")),
}
for param, (key, example) in DEFAULTS.items():
    seed_widget(key, text_query_param(param, example))
seed_widget("ch1_corpus", choice_query_param("corpus", corpus_choices, "both" if lang == "zh" else "toy_en"))
seed_widget("ch1_ws", query_param("ws", "0") == "1")
seed_widget("ch1_vocab", int_query_param("vocab", VOCAB_DEFAULT, VOCAB_MIN, VOCAB_MAX))
if projector_on():  # the controls in a narrow column, the four tokenizers beside them
    controls_column, chart_column = st.columns([1, 3], gap="medium")
    controls = [controls_column.container() for _ in range(3)]
else:
    controls, chart_column = st.columns([3, 2, 2]), contextlib.nullcontext()
with controls[0]:
    raw_text = st.text_area(t("ch1.input.text"), help=t("ch1.input.text_help"), key="ch1_text", height=90)
with controls[1]:
    corpus_choice = st.selectbox(
        t("ch1.input.corpus"),
        corpus_choices,
        format_func={c: t(f"ch1.corpus_names.{c}") for c in corpus_choices}.get,
        help=t("ch1.input.corpus_help"),
        key="ch1_corpus",
    )
    whitespace = st.toggle(t("ch1.input.whitespace"), help=t("ch1.input.whitespace_help"), key="ch1_ws")
with controls[2]:
    vocab_size = st.slider(
        t("ch1.input.vocab"), VOCAB_MIN, VOCAB_MAX, step=4, help=t("ch1.input.vocab_help"), key="ch1_vocab"
    )
    reset_button(
        [key for key, _ in DEFAULTS.values()] + ["ch1_corpus", "ch1_ws", "ch1_vocab", "ch1_steps"],
        [*DEFAULTS, "corpus", "ws", "vocab", "steps"],
    )
set_query_param("corpus", corpus_choice)
set_query_param("vocab", vocab_size)
set_query_param("ws", int(whitespace))
set_text_query_param("text", raw_text, DEFAULTS["text"][1])

all_tokenizers = {}
with guard(), st.spinner(t("ch1.side.training")):
    all_tokenizers = tokenizers(corpus_choice, vocab_size)
if not all_tokenizers:
    st.stop()

# ----------------------------------------------------------------------------- the sections
with chart_column:
    results, text = side_by_side(all_tokenizers, raw_text, corpus_choice, vocab_size, whitespace)
if projector_on():
    intro("ch1/intro")
if results:
    smollm2_section(text, whitespace)
bpe_section(corpus_choice, vocab_size, results, DEFAULTS["word"][1])
compare_section(all_tokenizers, whitespace, {"en": DEFAULTS["en"][1], "zh": DEFAULTS["zh"][1]})
round_trip_section(results, raw_text, corpus_choice)
