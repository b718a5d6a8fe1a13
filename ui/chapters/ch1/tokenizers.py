"""Chapter 1's tokenizers and the page's pure computations on them, shared by its sections.

The self-trained tokenizers are built once per process in ``lm_core`` (read-only, shared by
every session); MiniLM's WordPiece comes from ``ui.models``.
"""

from __future__ import annotations

import streamlit as st

from lm_core.tokenizers import lesson as tok
from ui import models
from ui.common import template
from viz.tokens import byte_note, display_token

KINDS = ("word", "char", "bpe", "wordpiece")
VOCAB_MIN, VOCAB_MAX, VOCAB_DEFAULT = tok.BYTE_ALPHABET_SIZE, 2000, 500
MERGE_STEPS_MAX = 40
#: Vocabulary sizes of the "tokens against vocabulary size" curve.
COUNT_CURVE_SIZES = tuple(range(VOCAB_MIN, VOCAB_MAX + 1, 32))


def bpe(choice: str, vocab_size: int) -> tok.LessonBpeTokenizer:
    """One BPE training per (corpus, vocabulary size), shared by every session."""
    return tok.lesson_bpe(choice, vocab_size)


def tokenizers(choice: str, vocab_size: int) -> dict[str, object]:
    word, char = tok.lesson_word_and_char(choice)
    return {"word": word, "char": char, "bpe": bpe(choice, vocab_size), "wordpiece": models.wordpiece()}


@st.cache_data(show_spinner=False, max_entries=32)
def token_counts(text: str, choice: str, shown_size: int | None = None) -> list[tuple[int, int]]:
    """The curve's points, every 32 sizes and at ``shown_size`` exactly (the vocabulary the
    page shows beside it), so the curve at the marked size reads the count the page states."""
    sizes = sorted(set(COUNT_CURVE_SIZES) | ({shown_size} if shown_size is not None else set()))
    return tok.bpe_token_counts(text, bpe(choice, VOCAB_MAX), sizes)


@st.cache_data(show_spinner=False, max_entries=16)
def merge_steps(choice: str) -> list[tok.MergeStep]:
    """The first merges, replayed once per corpus: BPE is greedy, so a smaller
    vocabulary's merges are the start of a larger one's (a unit test checks it)."""
    return tok.bpe_merge_steps(tok.corpus_sentences(choice), bpe(choice, VOCAB_MAX), MERGE_STEPS_MAX)


def byte_notes(symbol_pieces: list[str]) -> list[str]:
    """Under each byte-level piece (as the tokenizer stores it, "ä¸"), the character it is
    part of ("下 1–2/3"); nothing under a piece of whole characters."""
    labels = {k: template(f"ch1.bpe.piece_{k}") for k in ("whole", "part", "one")}
    return [byte_note(parts, labels) for parts in tok.byte_parts(symbol_pieces)]


def readable(symbols: str) -> str:
    """A stored byte-level piece as this page shows it: ␣ for a space, ⟨e4 b8⟩ for part of a character."""
    return display_token(tok.symbols_to_text(symbols))  # display_token leaves ⟨e4 b8⟩ as it is
