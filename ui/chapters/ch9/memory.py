"""Chapter 9, section 6: "does it remember me?". A chat that runs past a small context window:
the oldest tokens fall out (chapter 7's slots, struck through) and the model answers from what
is left. The learner picks the window and their name."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import rag
from lm_core.analysis.quiz import NO, YES
from ui import bounded
from ui.chapters.ch9.common import answer
from ui.common import (
    md,
    number_choice_query_param,
    seed_widget,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)
from ui.models import smollm2_available, smollm2_tokenizer
from ui.predict import ask
from viz.generation import context_slots_html
from viz.text import for_markdown

WINDOWS = (32, 48, 64, 96, 128, 192, 256)
DEFAULT_WINDOW = 64
NAME_LIMIT = 40
TURNS = ("user_1", "assistant_1", "user_2", "assistant_2", "user_3", "assistant_3", "user_4")


def chat(name: str) -> tuple[tuple[str, str], ...]:
    """The scripted chat, the learner's name in its first line."""
    return rag.chat_turns([(turn.split("_")[0], t(f"ch9.memory.chat.{turn}", name=name)) for turn in TURNS])


def section() -> None:
    st.header(t("ch9.memory.header"))
    st.markdown(md("ch9/memory"))
    if not smollm2_available():
        st.info(t("ch9.answers.no_smollm2"))
        return
    cols = st.columns(2)
    default_name = t("ch9.memory.default_name")
    seed_widget("ch9_name", text_query_param("name", default_name, NAME_LIMIT))
    name = bounded.text_input(t("ch9.memory.name"), key="ch9_name", limit=NAME_LIMIT, container=cols[0]).strip() or default_name
    set_text_query_param("name", name, default_name)
    seed_widget("ch9_win", number_choice_query_param("win", WINDOWS, DEFAULT_WINDOW, int))
    window = cols[1].select_slider(t("ch9.memory.window"), WINDOWS, key="ch9_win", help=t("ch9.memory.window_help", window=f"{rag.smollm2_window():,}"))
    set_query_param("win", window)
    messages = chat(name)
    tokens, cropped = rag.window_tokens(smollm2_tokenizer(), messages, window)
    with st.expander(t("ch9.memory.transcript")):
        for role, content in messages:
            st.markdown(f"**{t(f'ch9.memory.role_{role}')}**: {for_markdown(content)}")
    reply = answer(messages, window)
    fell_out = "".join(tokens[:cropped])
    asked = ask("ch9.remembers", (YES, NO), lambda: rag.remembers(reply["text"], name, fell_out),
                params={"window": window}, context=(name, window))
    labels = {"window": t("ch9.memory.slots", used="{used}", size="{size}"), "cropped": t("ch9.memory.cropped", count="{count}"),
              "prompt": t("ch9.memory.prompt"), "generated": t("ch9.memory.generated"), "low": t("ch9.memory.low"),
              "high": t("ch9.memory.high")}
    st.html(context_slots_html(tokens, [False] * len(tokens), [None] * len(tokens), window, labels, max_empty=40))
    st.markdown(t("ch9.memory.reply", reply=for_markdown(reply["text"])))
    inside = name.lower() not in fell_out.lower() and cropped < len(tokens)
    st.caption(t("ch9.memory.name_inside" if inside else "ch9.memory.name_gone", count=cropped, total=len(tokens)))
    asked.end()
