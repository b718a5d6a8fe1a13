"""Chapter 6's computations, cached per server by their inputs. The three tiny models
(shared, read-only) come from ``ui.models``; the three share one tokenizer."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import families as fam
from lm_core.core.errors import InputError
from ui import models


def encoder_name(lang: str) -> str:
    return f"encoder_toy_{lang}"


def gpt_name(lang: str) -> str:
    return f"gpt_toy_{lang}"


def encdec_name(lang: str) -> str:
    return f"encdec_toy_{lang}"


def tokenizer(lang: str):  # noqa: ANN201 (SpecialTokenizer)
    """The tokenizer the three tiny models of ``lang`` share."""
    _, shared, _ = models.encoder(encoder_name(lang))
    return shared


def encdec_tokenizer(lang: str):  # noqa: ANN201 (SpecialTokenizer)
    """The encoder-decoder's own tokenizer (the same vocabulary, with its sentinels)."""
    _, shared, _ = models.encoder_decoder(encdec_name(lang))
    return shared


def sentence_ids(text: str, lang: str) -> list[int]:
    """The sentence's tokens; raises InputError."""
    return fam.sentence_ids(tokenizer(lang), text)


@st.cache_data(show_spinner=False, max_entries=256)
def encoder_view(lang: str, text: str, masked: tuple[int, ...]) -> fam.MaskedView:
    model, shared, _ = models.encoder(encoder_name(lang))
    return fam.masked_predictions(model, shared, sentence_ids(text, lang), masked)


@st.cache_data(show_spinner=False, max_entries=128)
def gpt_view(lang: str, text: str) -> fam.NextTokenView:
    model, shared = models.tiny_gpt(gpt_name(lang))
    return fam.gpt_predictions(model, shared, sentence_ids(text, lang))


@st.cache_data(show_spinner=False, max_entries=256)
def encdec_view(lang: str, text: str, first: int, last: int) -> fam.SpanView:
    model, shared, _ = models.encoder_decoder(encdec_name(lang))
    return fam.rebuild_span(model, shared, sentence_ids(text, lang), first, last)


@st.cache_data(show_spinner=False)
def sentiment_vectors(lang: str) -> dict:
    """Texts, labels, and unit vectors from the toy encoder and from MiniLM (test split of
    the sentiment corpus of ``lang``), with their 2-D maps."""
    from lm_core.data.corpora import load_corpus
    from lm_core.embeddings.projection import pca

    examples = load_corpus(f"sentiment_{lang}").split("test")
    texts, labels = [text for text, _ in examples], [label for _, label in examples]
    model, shared, _ = models.encoder(encoder_name(lang))
    own = fam.encoder_vectors(model, shared, texts)
    result = {"texts": texts, "labels": labels, "encoder": own, "encoder_xy": pca(own, 2)}
    try:
        minilm = fam.minilm_vectors(texts)
        result.update(minilm=minilm, minilm_xy=pca(minilm, 2))
    except (InputError, OSError, ValueError):  # MiniLM absent or damaged: the rest of the chapter still works
        result.update(minilm=None, minilm_xy=None)
    return result


@st.cache_data(show_spinner=False, max_entries=64)
def search_hits(lang: str, query: str) -> tuple[list, list]:
    """(index, similarity) of the test sentences nearest ``query``: the toy encoder's, MiniLM's."""
    data = sentiment_vectors(lang)
    model, shared, _ = models.encoder(encoder_name(lang))
    own = fam.search(fam.encoder_vectors(model, shared, [query])[0], data["encoder"])
    mini = fam.search(fam.minilm_vectors([query])[0], data["minilm"]) if data["minilm"] is not None else []
    return own, mini
