"""Questions to ask a table of word vectors: neighbours, analogies, similarity, export.

Everything here is cosine similarity on unit-length vectors: ``cos(a, b) = a·b / |a||b|``,
1 for the same direction, 0 for unrelated (orthogonal), -1 for opposite. Unknown words
raise :class:`~lm_core.core.errors.InputError` with close matches as suggestions.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from lm_core.core.errors import InputError
from lm_core.core.text import has_cjk


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (0 when either has length 0)."""
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / denominator if denominator > 0 else 0.0


@dataclass
class WordVectors:
    """Word vectors with their vocabulary (most frequent first) and optional groups."""

    words: list[str]
    vectors: np.ndarray  # (V, dim) float32
    counts: np.ndarray | None = None  # (V,) occurrences in the training corpus
    groups: Mapping[str, str] = field(default_factory=dict)  # word -> semantic group
    index: dict[str, int] = field(init=False)
    unit: np.ndarray = field(init=False)  # rows scaled to length 1

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError("vectors must be (len(words), dim)")
        self.index = {w: i for i, w in enumerate(self.words)}
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        self.unit = self.vectors / np.maximum(norms, 1e-12)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and normalise_word(word) in self.index

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    # -- looking words up ----------------------------------------------------------------

    def suggestions(self, word: str, n: int = 5) -> list[str]:
        """Vocabulary words that look like ``word`` (spelling), else the most frequent words
        written the same way (Chinese for a Chinese word: never "the, in, a"); empty when the
        vocabulary has no word written like it."""
        close = difflib.get_close_matches(normalise_word(word), self.words, n=n, cutoff=0.6)
        if close:
            return close
        chinese = has_cjk(word)
        return [w for w in self.words if has_cjk(w) == chinese][:n]

    def index_of(self, word: str) -> int:
        key = normalise_word(word)
        if not key:
            raise InputError("errors.text.empty")
        if key not in self.index:
            suggestions = self.suggestions(key)
            if not suggestions:  # a Chinese word for an English model, or the other way round
                raise InputError("errors.word.other_script", word=word.strip()[:40],
                                 examples=", ".join(self.words[:5]))
            raise InputError("errors.word.unknown", word=word.strip()[:40], suggestions=", ".join(suggestions))
        return self.index[key]

    # -- the questions ---------------------------------------------------------------

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.unit[self.index_of(a)] @ self.unit[self.index_of(b)])

    def similarity_matrix(self, words: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every pair among ``words`` (a square matrix)."""
        rows = self.unit[[self.index_of(w) for w in words]]
        return np.clip(rows @ rows.T, -1.0, 1.0)

    def _ranked(self, query: np.ndarray, exclude: set[int], k: int) -> list[tuple[str, float]]:
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = self.unit @ query
        if exclude:
            scores[list(exclude)] = -np.inf
        k = min(k, len(self.words) - len(exclude))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in top]

    def neighbours(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words most similar to ``word``, best first, never the word itself."""
        i = self.index_of(word)
        return self._ranked(self.unit[i].copy(), {i}, k)

    def analogy(self, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
        """``a - b + c``: "a is to b as ? is to c" (king - man + woman -> queen).

        Uses unit vectors (as gensim's ``most_similar`` does) and leaves out the three
        query words, which would otherwise often win.
        """
        ia, ib, ic = self.index_of(a), self.index_of(b), self.index_of(c)
        query = self.unit[ia] - self.unit[ib] + self.unit[ic]
        return self._ranked(query, {ia, ib, ic}, k)

    def subset(self, words: Sequence[str]) -> WordVectors:
        rows = [self.index_of(w) for w in words]
        counts = self.counts[rows] if self.counts is not None else None
        return WordVectors([self.words[i] for i in rows], self.vectors[rows], counts, self.groups)

    # -- export ------------------------------------------------------------------------

    def to_projector_tsv(self) -> tuple[str, str]:
        """``(vectors.tsv, metadata.tsv)`` as the TensorFlow Embedding Projector loads them.

        vectors.tsv: one row per word, values separated by tabs, no header. metadata.tsv:
        a header row (required by the Projector when there is more than one column), then
        word, group and count per row, in the same order.
        """
        vector_lines = ["\t".join(f"{x:.6g}" for x in row) for row in self.vectors]
        meta_lines = ["word\tgroup\tcount"]
        for i, word in enumerate(self.words):
            count = int(self.counts[i]) if self.counts is not None else 0
            meta_lines.append(f"{_tsv_cell(word)}\t{_tsv_cell(self.groups.get(word, ''))}\t{count}")
        return "\n".join(vector_lines) + "\n", "\n".join(meta_lines) + "\n"


def normalise_word(word: str) -> str:
    """How a typed word is looked up: NFC, trimmed, lowercase."""
    return unicodedata.normalize("NFC", word or "").strip().lower()


def parse_word_list(text: str) -> list[str]:
    """The words of a comma-separated list (Chinese commas ， and 、 too), in order, without
    repeats or blanks; ``InputError("errors.word.none_given")`` when there is none."""
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")]
    found = list(dict.fromkeys(p for p in parts if p))
    if not found:
        raise InputError("errors.word.none_given")
    return found


def _tsv_cell(text: str) -> str:
    return str(text).replace("\t", " ").replace("\n", " ").replace("\r", " ")


def evaluate_analogies(vectors: WordVectors, questions: Sequence[tuple[str, str, str, str]]) -> dict:
    """Top-1 accuracy on ``(a, b, c, expected)`` questions (``a - b + c == expected``).

    Questions with a word outside the vocabulary are counted as skipped, not wrong.
    """
    correct, asked, wrong = 0, 0, []
    for a, b, c, expected in questions:
        if not all(w in vectors for w in (a, b, c, expected)):
            continue
        asked += 1
        best = vectors.analogy(a, b, c, k=1)[0][0]
        if best == expected:
            correct += 1
        else:
            wrong.append((a, b, c, expected, best))
    return {"asked": asked, "correct": correct, "skipped": len(questions) - asked,
            "accuracy": correct / asked if asked else float("nan"), "wrong": wrong}
