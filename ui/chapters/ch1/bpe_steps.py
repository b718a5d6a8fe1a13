"""Chapter 1, second section: BPE learned merge by merge, one word's history, and the
text's token count against the vocabulary size."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.text import clean_text
from lm_core.tokenizers import lesson as tok
from lm_core.tokenizers.lesson import Tokenized
from ui.chapters.ch1.tokenizers import MERGE_STEPS_MAX, VOCAB_MAX, bpe, byte_notes, merge_steps, readable, token_counts
from ui.common import (
    chart,
    guard,
    int_query_param,
    md,
    plain,
    seed_widget,
    set_query_param,
    set_text_query_param,
    t,
)
from ui.predict import ask
from viz.tokens import word_history_figure, word_stages_html

WORD_MAX_CHARS = 40


def bpe_section(corpus_choice: str, vocab_size: int, results: dict[str, Tokenized], default_word: str) -> None:
    st.header(t("ch1.bpe.header"))
    st.markdown(md("ch1/bpe"))
    st.markdown(md("ch1/bytes"))
    merges_table(corpus_choice, vocab_size, results)
    raw_word = st.text_input(t("ch1.bpe.word"), help=t("ch1.bpe.word_help"), key="ch1_word")
    set_text_query_param("word", raw_word, default_word)
    word_history(raw_word, corpus_choice, vocab_size)
    if results:
        count_curve(results["bpe"].text, corpus_choice, vocab_size)


def merges_table(corpus_choice: str, vocab_size: int, results: dict[str, Tokenized]) -> None:
    """The first merges (as many as the vocabulary size allows), and the text after them."""
    steps = []
    with guard():
        steps = [step for step in merge_steps(corpus_choice) if step.vocab_size <= vocab_size]
    if len(steps) <= 1:
        return
    seed_widget("ch1_steps", int_query_param("steps", 10, 1, MERGE_STEPS_MAX))
    st.session_state["ch1_steps"] = min(max(1, int(st.session_state["ch1_steps"])), len(steps))
    shown = st.slider(t("ch1.bpe.steps"), 1, len(steps), key="ch1_steps")
    set_query_param("steps", shown)
    stored = t("ch1.bpe.table_stored")
    st.dataframe(
        [
            {
                t("ch1.bpe.table_rank"): step.rank,
                t("ch1.bpe.table_pair"): f"{readable(step.left)} + {readable(step.right)}",
                t("ch1.bpe.table_count"): step.count,
                t("ch1.bpe.table_new"): readable(step.new_token),
                t("ch1.bpe.table_vocab"): step.vocab_size,
                # The one place that shows the byte symbols as the tokenizer keeps them.
                stored: f"{step.left} + {step.right}",
            }
            for step in steps[:shown]
        ],
        hide_index=True,
        width="stretch",
        column_config={stored: st.column_config.TextColumn(stored, help=t("ch1.bpe.table_stored_help"))},
    )
    st.caption(t("ch1.bpe.steps_caption"))
    if results:
        merges = [(step.left, step.right) for step in steps[:shown]]
        symbols = tok.segment_with_merges(results["bpe"].text, merges)
        st.html(
            word_stages_html(
                [(t("ch1.bpe.after_steps", steps=shown), [tok.symbols_to_text(p) for p in symbols], "")],
                whitespace_visible=True,
                notes=[byte_notes(symbols)],
            )
        )


def _word(raw_word: str) -> str:
    return tok.single_word(clean_text(raw_word, max_chars=WORD_MAX_CHARS))


def word_history(raw_word: str, corpus_choice: str, vocab_size: int) -> None:
    """One word's pieces as the vocabulary grows, after the "is it split?" question."""

    def split_pieces(_answer) -> dict[str, str]:  # noqa: ANN001
        """The pieces the answer names, written as the chips below write them (␣ for the space)."""
        pieces = tok.bpe_word_history(_word(raw_word), bpe(corpus_choice, vocab_size))[-1].pieces
        return {"pieces": " + ".join(readable(p) for p in pieces)}

    split = ask("ch1.split_word", (quiz.YES, quiz.NO),
                lambda: quiz.bpe_word_split(bpe(corpus_choice, vocab_size), _word(raw_word)),
                params={"word": raw_word.strip()[:WORD_MAX_CHARS], "vocab": vocab_size}, facts=split_pieces,
                context=(raw_word, corpus_choice, vocab_size))
    with guard():
        word = _word(raw_word)
        full = bpe(corpus_choice, VOCAB_MAX)
        stages = tok.bpe_word_history(word, full)
        current = tok.bpe_word_history(word, bpe(corpus_choice, vocab_size))[-1]
        st.subheader(t("ch1.bpe.history_header", word=plain(word)))
        rows = [
            (
                t("ch1.bpe.history_vocab", size=stage.vocab_size),
                [tok.symbols_to_text(p) for p in stage.pieces],
                t("ch1.bpe.history_merge", left=readable(stage.merge[0]), right=readable(stage.merge[1]))
                if stage.merge
                else "",
            )
            for stage in stages
        ]
        st.html(word_stages_html(rows, whitespace_visible=True, notes=[byte_notes(list(s.pieces)) for s in stages]))
        now = [tok.symbols_to_text(p) for p in current.pieces]
        st.html(
            word_stages_html(
                [(t("ch1.bpe.history_now", size=vocab_size), now, "")],
                whitespace_visible=True,
                notes=[byte_notes(list(current.pieces))],
            )
        )
        figure = word_history_figure(
            [(s.vocab_size, len(s.pieces)) for s in stages] + [(full.vocab_size, len(stages[-1].pieces))],
            t("ch1.bpe.history_figure", word=word),
            t("ch1.bpe.history_x"),
            t("ch1.bpe.history_y"),
        )
        figure.add_vline(x=vocab_size, line_dash="dot", line_color="#dc2626")
        chart(figure, width="stretch")
    split.end()


def count_curve(bpe_text: str, corpus_choice: str, vocab_size: int) -> None:
    """The whole text's token count for every vocabulary size, the chosen one marked."""
    with guard():
        counts_figure = word_history_figure(
            token_counts(bpe_text, corpus_choice, vocab_size),
            t("ch1.bpe.count_figure"),
            t("ch1.bpe.history_x"),
            t("ch1.bpe.history_y"),
        )
        counts_figure.add_vline(x=vocab_size, line_dash="dot", line_color="#dc2626")
        chart(counts_figure, width="stretch")
        st.caption(t("ch1.bpe.count_caption"))
