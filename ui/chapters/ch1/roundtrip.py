"""Chapter 1, last section: from ids back to text, and what each tokenizer lost on the way."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.tokenizers.lesson import Tokenized
from ui.chapters.ch1.tokenizers import KINDS
from ui.common import md, plain, t
from ui.predict import ask


def round_trip_section(results: dict[str, Tokenized], raw_text: str, corpus_choice: str) -> None:
    st.header(t("ch1.roundtrip.header"))
    st.markdown(md("ch1/roundtrip"))
    if not results:
        return
    round_trip = ask("ch1.round_trip", ("exact", "normalised", "lossy"), lambda: quiz.round_trip_answer(results["word"]),
                     context=(raw_text, corpus_choice))
    for kind in KINDS:
        with st.container(border=True):
            _round_trip_box(kind, results[kind])
    round_trip.end()


def _round_trip_box(kind: str, result: Tokenized) -> None:
    st.markdown(f"**{t(f'ch1.kinds.{kind}')}**")
    st.code(f"{t('ch1.roundtrip.ids')}: {result.ids}", language=None, wrap_lines=True)
    st.code(f"{t('ch1.roundtrip.decoded')}: {result.decoded}", language=None, wrap_lines=True)
    verdict = result.round_trip
    if verdict == "exact":
        st.success(t("ch1.roundtrip.exact"), icon=":material/check_circle:")
    elif verdict == "normalised":
        st.info(t("ch1.roundtrip.normalised"), icon=":material/info:")
    elif result.lost:
        pieces = ", ".join(f"“{plain(p)}”" for p in dict.fromkeys(result.lost))
        st.warning(t("ch1.roundtrip.lossy", pieces=pieces), icon=":material/warning:")
    else:
        st.warning(t("ch1.roundtrip.lossy_other"), icon=":material/warning:")
