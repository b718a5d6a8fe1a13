"""A learner's uploaded text keeps its N most frequent distinct words, and says what it dropped.

Why: a word's vectors cost memory for every word of the vocabulary (two matrices of
``dimensions`` floats each, the projector export, each session's copy of the model). A 1.9 MB
upload with 236,747 distinct words took a classroom server from 0.87 GB to 3.9 GB, and most of
those words occur once: no model learns anything about them. gensim's ``max_final_vocab`` and
word2vec.c's ``-max-vocab`` do the same thing for the same reason.

Dropped words leave the sentences, as words below ``min_count`` do: context windows reach past
them. Ties at the boundary are broken alphabetically, so the same text always keeps the same
words.

    corpus, cap = cap_vocabulary(w2v.corpus_from_upload(text))
    if cap.capped:
        show(cap.dropped_words, cap.dropped_share, cap.dropped_examples)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lm_core.core.errors import InputError
from lm_core.embeddings.word2vec import TrainingCorpus

#: Distinct words an uploaded corpus keeps (the most frequent ones). 20,000 words x 200
#: dimensions x 2 matrices of float32 is 32 MB; an English novel uses about 10,000 to 20,000.
MAX_UPLOAD_VOCABULARY = 20_000


@dataclass(frozen=True)
class VocabularyCap:
    """What :func:`cap_vocabulary` kept and dropped (numbers a page can show as they are)."""

    kept_words: int  # distinct words kept
    dropped_words: int  # distinct words dropped
    kept_occurrences: int  # running words left in the corpus
    dropped_occurrences: int  # running words removed from it
    rarest_kept_count: int  # how often the least frequent kept word occurs (0 for an empty corpus)
    dropped_examples: tuple[str, ...]  # the most frequent dropped words (up to five)

    @property
    def capped(self) -> bool:
        return self.dropped_words > 0

    @property
    def dropped_share(self) -> float:
        """Share of the running words that were dropped (0 to 1)."""
        total = self.kept_occurrences + self.dropped_occurrences
        return self.dropped_occurrences / total if total else 0.0


def cap_vocabulary(corpus: TrainingCorpus, max_words: int = MAX_UPLOAD_VOCABULARY) -> tuple[TrainingCorpus, VocabularyCap]:
    """``corpus`` with only its ``max_words`` most frequent distinct words, and what was dropped.

    The corpus given is not changed; when nothing needs dropping it is returned as it is.
    """
    if max_words < 1:
        raise InputError("errors.setting.impossible", name="max_words", value=max_words)
    counts = Counter(word for sentence in corpus.sentences for word in sentence)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept, dropped = ranked[:max_words], ranked[max_words:]
    report = VocabularyCap(
        kept_words=len(kept),
        dropped_words=len(dropped),
        kept_occurrences=sum(count for _, count in kept),
        dropped_occurrences=sum(count for _, count in dropped),
        rarest_kept_count=kept[-1][1] if kept else 0,
        dropped_examples=tuple(word for word, _ in dropped[:5]),
    )
    if not dropped:
        return corpus, report
    keep = {word for word, _ in kept}
    sentences = [kept_words for sentence in corpus.sentences if (kept_words := [w for w in sentence if w in keep])]
    groups = {word: group for word, group in corpus.word_groups.items() if word in keep}
    return TrainingCorpus(corpus.name, corpus.lang, sentences, groups), report
