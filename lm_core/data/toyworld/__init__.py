"""The toy world: a small, seeded grammar that writes the app's teaching corpora.

Every corpus the app ships (``assets/corpora/``) is generated here, from a seed, by
plain Python (``random.Random``), so the same seed gives the same bytes on every machine
and ``scripts/make_corpora.py`` can rebuild the files at any time.

Why a grammar and not real text? The lessons need a corpus small enough to train on in
seconds that still shows the classic effects: word2vec analogies (king - man + woman
-> queen, paris - france + japan -> tokyo), clusters (morning near sunrise, rain near
thunder), one word with two senses ("bank" of a river and "bank" with money), a pronoun
with an antecedent ("I lost my keys ... but they were in my coat") and the sentence
"It rained this morning." that the tokenization chapter splits into "rain" + "ed".

How the analogies are made to hold (see ``STACK-FACTS.md``, "Toy-world corpora"): the
contexts are *factored*. A person word gets role contexts (royal / common, adult / young)
and gender contexts (he / his, she / her) in separate sentences, so each factor adds its
own direction to the vector. A country and its capital each get their shared contexts
("X is a country", "the streets of Y") plus context words of their own pair (a language,
a river, a dish) seen with both of them.

The package: ``en.json`` / ``zh.json`` (the world's words and templates, per language),
:mod:`.world` (one generator that reads them), :mod:`.dutch` (English -> Dutch pairs: a
grammar, so code), :mod:`.sentiment` (financial-news sentences with labels).
"""

from __future__ import annotations

from collections.abc import Sequence

from lm_core.data.toyworld.dutch import generate_toy_en_nl
from lm_core.data.toyworld.sentiment import SENTIMENT_LABELS, generate_sentiment
from lm_core.data.toyworld.world import World, world_data, world_words

__all__ = [
    "CORPUS_FILES", "JIEBA_SPLIT_ZH", "SENTIMENT_LABELS", "WORD_GROUPS_EN", "WORD_GROUPS_ZH", "World",
    "generate_sentiment", "generate_toy_en", "generate_toy_en_nl", "generate_toy_zh", "render_corpus_files",
    "world_data", "world_words", "world_words_zh",
]

#: word -> semantic group (used to colour plots), per language.
WORD_GROUPS_EN: dict[str, str] = dict(world_data("en")["word_groups"])
WORD_GROUPS_ZH: dict[str, str] = dict(world_data("zh")["word_groups"])
#: Entries of jieba's own dictionary that would swallow a world word ("首都北京" as one
#: token hides 北京); the segmenter deletes them (see lm_core.data.segment).
JIEBA_SPLIT_ZH: tuple[str, ...] = tuple(world_data("zh")["jieba_split"])


def generate_toy_en(seed: int = 1, n_sentences: int = 10000) -> list[str]:
    """English toy-world sentences, one per item; the canonical ones always come first."""
    return World("en").sentences(seed, n_sentences)


def generate_toy_zh(seed: int = 2, n_sentences: int = 10000) -> list[str]:
    """Chinese toy-world sentences (unsegmented); the canonical ones come first."""
    return World("zh").sentences(seed, n_sentences)


def world_words_zh() -> list[str]:
    """Every multi-character word of the Chinese toy world, longest first."""
    return world_words("zh")


# The shipped files, rendered to bytes (scripts/make_corpora.py writes them; a test
# regenerates them and compares byte for byte).
CORPUS_FILES: dict[str, str] = {
    "toy_en": "toy_en.txt",
    "toy_zh": "toy_zh.txt",
    "toy_en_nl": "toy_en_nl.tsv",
    "sentiment_en": "sentiment_en.tsv",
    "sentiment_zh": "sentiment_zh.tsv",
}


def _lines(rows: Sequence[str]) -> bytes:
    for row in rows:
        if "\n" in row or "\r" in row:
            raise ValueError(f"line break inside a row: {row!r}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def render_corpus_files() -> dict[str, bytes]:
    """File name -> exact bytes of every shipped corpus file (deterministic)."""
    sentiment = {lang: _lines(["\t".join(row) for row in generate_sentiment(lang)]) for lang in ("en", "zh")}
    return {
        CORPUS_FILES["toy_en"]: _lines(generate_toy_en()),
        CORPUS_FILES["toy_zh"]: _lines(generate_toy_zh()),
        CORPUS_FILES["toy_en_nl"]: _lines([f"{en}\t{nl}" for en, nl in generate_toy_en_nl()]),
        CORPUS_FILES["sentiment_en"]: sentiment["en"],
        CORPUS_FILES["sentiment_zh"]: sentiment["zh"],
    }
