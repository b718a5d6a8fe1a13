"""One segmenter for English, Chinese and Dutch text: what is Chinese, where words and
sentences end.

Alphabetic scripts (English, Dutch) write spaces between words, so a regular expression
finds them. Chinese writes none, so runs of Chinese characters go through jieba (an
offline dictionary), taught the toy world's words once, here, for every chapter.

Two granularities, for two lessons:

* :func:`split_words` - every piece with its character span, punctuation and emoji
  included, apostrophes split off ("don't" -> don ' t): what chapter 1 draws as chips
  and chapter 2 counts (:func:`lesson_words`);
* :func:`words` - the lower-case words a model trains on, punctuation dropped and inner
  apostrophes kept ("king's" stays one word): word2vec and the corpora statistics.

Sentences: :func:`split_sentences`.
"""

from __future__ import annotations

import re
import unicodedata

from lm_core.core.once import once
from lm_core.core.text import CJK_RANGES, has_cjk, is_cjk  # the one CJK test

# Chapter 1's pieces: a run of Chinese characters, a run of other letters/digits, or one mark.
_PIECE = re.compile(rf"[{CJK_RANGES}]+|[^\W{CJK_RANGES}]+|[^\w\s]")
# A trained-on word: letters/digits, with inner apostrophes (don't, king's).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Dutch also keeps the free-standing "'s" of "'s avonds" (in the evening) as a word.
_DUTCH_WORD = re.compile(r"(?<!\w)['’]s(?!\w)|[^\W_]+(?:['’][^\W_]+)*")
# Split after ., !, ? followed by a space (English, Dutch) or right after 。！？；(Chinese), and
# at line breaks. "e.g. this" splits too: good enough for a teaching tool.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；!?])|\n+")

# Frequency given to the toy world's words, so jieba keeps them whole where its own
# dictionary would prefer another cut (河岸 in 河岸边, not 岸边).
WORLD_WORD_FREQ = 100_000


def detect_language(text: str) -> str:
    """ "zh" when at least a fifth of the letters are Chinese characters, else "en"."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    cjk = sum(1 for ch in letters if is_cjk(ch))
    return "zh" if cjk / len(letters) >= 0.2 else "en"


@once(maxsize=1)
def _configured_jieba():
    """This module's own jieba dictionary, taught the toy world's words.

    Its own ``jieba.Tokenizer``, not jieba's process-wide one: ``add_word`` adds to the
    dictionary's total every time it is called, so teaching a shared dictionary again (as a
    second import of this module does: the fault tests import a copy of the app) would
    shift every word's probability and, after a few times, cut "很亮" as one word."""
    import logging

    import jieba

    from lm_core.data import toyworld

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in toyworld.world_words_zh():
        tokenizer.add_word(word, freq=WORLD_WORD_FREQ)
    for compound in toyworld.JIEBA_SPLIT_ZH:
        # Entries of jieba's dictionary that would swallow a world word ("首都北京" hides 北京).
        tokenizer.del_word(compound)
    return tokenizer


def jieba():
    """This module's jieba tokenizer, taught the toy world's words (once per process,
    thread-safe).

    Use it only through this module's functions, with ``HMM=False``: jieba's HMM guesser
    glues unknown neighbours such as 雨来 or 王子笑 into one false "word".
    """
    return _configured_jieba()


def split_words(text: str) -> list[tuple[str, int, int]]:
    """Cut text into words and punctuation marks, with character spans.

    Latin-script words are runs of letters/digits; every punctuation mark or emoji is its
    own piece; runs of Chinese characters are segmented by jieba. Whitespace is dropped.
    """
    pieces: list[tuple[str, int, int]] = []
    for match in _PIECE.finditer(text):
        chunk, start = match.group(), match.start()
        if is_cjk(chunk[0]):
            for word, word_start, word_end in jieba().tokenize(chunk, HMM=False):
                pieces.append((word, start + word_start, start + word_end))
        else:
            pieces.append((chunk, start, match.end()))
    return pieces


def lesson_words(text: str, lowercase: bool = True) -> list[str]:
    """Just the pieces of :func:`split_words` (lower-cased by default)."""
    return [word.lower() if lowercase else word for word, _, _ in split_words(text)]


def words(sentence: str, lang: str | None = None) -> list[str]:
    """The lower-case words of one sentence, punctuation and emoji dropped.

    ``lang`` ``"zh"`` segments with jieba (Latin words inside keep the alphabetic rule);
    ``"en"``/``"nl"`` use the alphabetic rule; ``None`` or ``"auto"`` pick jieba when the
    sentence has any Chinese character.
    """
    sentence = unicodedata.normalize("NFC", sentence)
    if lang == "zh" or (lang in (None, "auto") and has_cjk(sentence)):
        return [w.lower() for w in jieba().lcut(sentence, HMM=False) if _WORD.fullmatch(w)]
    return [w.lower() for w in (_DUTCH_WORD if lang == "nl" else _WORD).findall(sentence)]


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; pieces without any letter or digit are dropped."""
    pieces = (piece.strip() for piece in _SENTENCE_END.split(text))
    return [piece for piece in pieces if piece and any(ch.isalnum() for ch in piece)]
