"""Chapter 1, first section: four tokenizers on the learner's text, then SmolLM2's own."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.tokenizers.lesson import Tokenized
from ui import models
from ui.chapters.ch1.own_tokenizers import own_chips_section
from ui.chapters.ch1.tokenizers import KINDS, byte_notes
from ui.common import guard, main_chart, md, projector_on, show_error, t
from ui.predict import ask, bar_reveal
from viz.tokens import token_chips_html


def side_by_side(all_tokenizers: dict, raw_text: str, corpus_choice: str, vocab_size: int,
                 whitespace: bool) -> tuple[dict[str, Tokenized], str]:
    """The four tokenizers in a 2×2 grid, after the "which gives fewest tokens?" question.
    Returns each kind's result (empty when the text was refused) and the cleaned text."""
    # On a projector the chart comes first; the question (asked aloud, covering nothing) and
    # the chips' legend follow it.
    chart_box = main_chart() if projector_on() else None
    fewest = ask("ch1.fewest", KINDS,
                 lambda: quiz.fewest_tokens({k: all_tokenizers[k].tokenize(clean_text(raw_text)) for k in KINDS}),
                 bar_reveal("ch1.fewest", "counts", ".0f"), context=(raw_text, corpus_choice, vocab_size))
    if chart_box is None:
        st.header(t("ch1.side.header"))
        st.caption(t("ch1.side.caption"))
        chart_box = main_chart()
    results, text = {}, ""
    with chart_box, guard():
        text = clean_text(raw_text)
        results = {kind: all_tokenizers[kind].tokenize(text) for kind in KINDS}
        for row in (KINDS[:2], KINDS[2:]):
            for column, kind in zip(st.columns(2), row, strict=True):
                with column.container(border=True):
                    _tokenizer_box(kind, results[kind], all_tokenizers[kind].vocab_size, vocab_size, text, whitespace)
    if projector_on():
        st.caption(t("ch1.side.caption"))
    fewest.end()
    return results, text


def _tokenizer_box(kind: str, result: Tokenized, size: int, vocab_size: int, text: str, whitespace: bool) -> None:
    st.subheader(t(f"ch1.kinds.{kind}"))
    summary = t("ch1.side.count", count=result.count)
    if result.unknown_count:
        summary += " · :red[" + t("ch1.side.unknown", count=result.unknown_count) + "]"
    st.markdown(f"**{summary}** · {t('ch1.side.vocab_size', size=size)}")
    notes = byte_notes([token.text for token in result.tokens]) if kind == "bpe" else None
    st.html(token_chips_html(result.tokens, whitespace_visible=whitespace, source_text=text, notes=notes))
    if kind == "bpe" and size < vocab_size:
        st.caption(t("ch1.side.bpe_exhausted", size=size))
    if kind == "wordpiece":
        st.caption(t("ch1.side.added"))


def smollm2_section(text: str, whitespace: bool) -> None:
    """A real LLM's tokenizer on the same text (SmolLM2-135M-Instruct), then the tokenizers of
    the models the administrator added, if any."""
    st.header(t("ch1.smollm2.header"))
    st.markdown(md("ch1/smollm2"))
    _smollm2_box(text, whitespace)
    own_chips_section(text, whitespace)


def _smollm2_box(text: str, whitespace: bool) -> None:
    try:
        with st.spinner(t("ch1.smollm2.loading")):
            real = models.smollm2_tokenizer()
    except InputError as exc:  # the package is not installed: say what to install
        show_error(exc, warning=True)
        return
    result = real.lesson_tokens(text)
    with st.container(border=True):
        st.markdown(t("ch1.smollm2.summary", count=result.count, size=real.vocab_size))
        notes = byte_notes([token.text for token in result.tokens])
        st.html(token_chips_html(result.tokens, whitespace_visible=whitespace, source_text=text, notes=notes))
        if any(token.display and token.display.startswith("⟨") for token in result.tokens):
            st.caption(t("ch1.smollm2.bytes_caption"))
