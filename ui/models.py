"""The shipped models, one cached loader each, shared read-only by every session of the server.

Every page gets its models here and nowhere else (a test fails if a page defines a cached
model loader). Each loader returns the model in eval mode with gradients off; never move,
train or hook it (a session that trains works on its own copy, see chapter 8).

    model, tokenizer = ui.models.tiny_gpt("gpt_toy_en")
    model, tokenizer = ui.models.causal_lm(choice)   # a tiny GPT, SmolLM2 or this session's own
    translator = ui.models.translator("attention")

Loading raises ``lm_core.core.errors.InputError`` (a message for the learner) or ``OSError``
/ ``ValueError`` when a shipped file is missing or damaged; pages show those through
``ui.common``'s error helpers.
"""

from __future__ import annotations

import streamlit as st

#: The name pages and links use for the real LLM (SmolLM2-135M-Instruct).
SMOLLM2 = "smollm2"


def _read_only(model):  # noqa: ANN001, ANN202
    model.eval()
    model.requires_grad_(False)
    return model


@st.cache_resource(show_spinner=False, max_entries=16)
def tiny_gpt(name: str):  # noqa: ANN201
    """``(model, tokenizer)``: a shipped tiny GPT by checkpoint name (``gpt_toy_en``, ...)."""
    from lm_core.models.checkpoints import load_gpt

    model, tokenizer = load_gpt(name)
    return _read_only(model), tokenizer


def gpt_meta(name: str) -> dict:
    """The shipped tiny GPT's training facts (corpus, steps, ...), read from its folder."""
    from lm_core.models.checkpoints import gpt_meta as read_meta

    return read_meta(name)


def smollm2_available() -> bool:
    """Whether SmolLM2's package is installed (its first load may still take a while)."""
    try:
        from lm_core.models import smollm2 as smol

        return bool(smol.smollm2_available())
    except Exception:  # noqa: BLE001 - a broken optional install means "not available"
        return False


@st.cache_resource(show_spinner=False, max_entries=1)
def smollm2():  # noqa: ANN201
    """``(model, tokenizer)`` of SmolLM2-135M-Instruct (InputError naming the package when absent)."""
    from lm_core.models.smollm2 import load_smollm2

    model, tokenizer = load_smollm2()
    return _read_only(model), tokenizer


@st.cache_resource(show_spinner=False, max_entries=1)
def smollm2_tokenizer():  # noqa: ANN201
    """SmolLM2's own byte-level BPE tokenizer alone (chapter 1)."""
    from lm_core.models.smollm2 import load_smollm2_tokenizer

    return load_smollm2_tokenizer()


def causal_lm(name: str):  # noqa: ANN201
    """``(model, tokenizer)`` for a page's model choice: SmolLM2, a shipped tiny GPT, or this
    session's own model from chapter 8 (``name`` is then its private key, see ui.own_model)."""
    from ui import own_model

    if own_model.is_own(name):
        return own_model.resolve(name)
    if name == SMOLLM2:
        return smollm2()
    return tiny_gpt(name)


@st.cache_resource(show_spinner=False, max_entries=4)
def encoder(name: str):  # noqa: ANN201
    """``(model, tokenizer, meta)``: a shipped tiny encoder (chapter 6)."""
    from lm_core.models.encoder import load_encoder

    model, tokenizer, meta = load_encoder(name)
    return _read_only(model), tokenizer, meta


@st.cache_resource(show_spinner=False, max_entries=4)
def encoder_decoder(name: str):  # noqa: ANN201
    """``(model, tokenizer, meta)``: a shipped tiny encoder-decoder (chapter 6)."""
    from lm_core.models.encoder_decoder import load_encoder_decoder

    model, tokenizer, meta = load_encoder_decoder(name)
    return _read_only(model), tokenizer, meta


@st.cache_resource(show_spinner=False, max_entries=4)
def translator(kind: str):  # noqa: ANN201
    """A shipped GRU encoder-decoder of chapter 4 (``kind``: "bottleneck" or "attention")."""
    from lm_core.models.seq2seq import load_shipped

    return load_shipped(f"seq2seq_{kind}")


@st.cache_resource(show_spinner=False, max_entries=4)
def ch8_base(lang: str):  # noqa: ANN201
    """``(model, tokenizer)``: chapter 8's base GPT for ``lang`` (the one every method starts from)."""
    from lm_core.analysis.ch8_lab import load_base

    model, tokenizer = load_base(lang)
    return _read_only(model), tokenizer


@st.cache_resource(show_spinner=False, max_entries=4)
def word2vec_corpus(name: str):  # noqa: ANN201
    """A toy-world training corpus of chapter 3 (its sentences and word groups)."""
    from lm_core.embeddings.word2vec import load_toy_corpus

    return load_toy_corpus(name)


@st.cache_resource(show_spinner=False, max_entries=4)
def word2vec(name: str):  # noqa: ANN201
    """The shipped word2vec model trained on ``name``'s corpus (chapter 3)."""
    from lm_core.embeddings.word2vec import Word2VecModel

    return Word2VecModel.from_checkpoint(name, word2vec_corpus(name).word_groups)


@st.cache_resource(show_spinner=False, max_entries=1)
def wordpiece():  # noqa: ANN201
    """MiniLM's WordPiece tokenizer as chapter 1's lesson tokenizer."""
    from lm_core.tokenizers.lesson import load_wordpiece

    return load_wordpiece()


def minilm():  # noqa: ANN201
    """``(tokenizer, model)`` of MiniLM (lm_core keeps one per process, thread-safe)."""
    from lm_core.models.minilm import load_minilm

    return load_minilm()
