"""Chapter 2: bag-of-words, in the three steps a course draws on the board.

1. tokenize every sentence (:func:`lm_core.data.segment.lesson_words`: regex for alphabetic
   scripts, jieba for Chinese);
2. build one vocabulary from all sentences;
3. count each vocabulary word in each sentence: one vector per sentence, the rows of
   the document-term matrix (raw counts, or TF-IDF weights).

The counting is scikit-learn's ``CountVectorizer`` / ``TfidfVectorizer`` fed with our
tokenizer, so n-grams come for free. Also here: cosine similarity and why two sentences
are close, the sparsity curve over a growing corpus, and a 2D PCA of the sentence vectors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lm_core.core.errors import InputError
from lm_core.data.segment import lesson_words as words

MODES = ("count", "tfidf")
MAX_SENTENCES = 60
MAX_NGRAM = 3


def sentence_words(sentence: str, keep_punctuation: bool = False) -> list[str]:
    """Step 1 for one sentence: its lower-cased words (punctuation dropped by default)."""
    pieces = words(sentence)
    if keep_punctuation:
        return pieces
    return [w for w in pieces if any(ch.isalnum() for ch in w)]


@dataclass(frozen=True)
class BagOfWords:
    """Everything the page shows: the three steps and the resulting matrix."""

    sentences: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]  # step 1: words of each sentence
    vocabulary: tuple[str, ...]  # step 2: the columns (sorted; n-grams joined by spaces)
    matrix: np.ndarray  # step 3: shape (n_sentences, len(vocabulary)), float
    mode: str  # "count" or "tfidf"
    ngram_range: tuple[int, int]
    idf: np.ndarray | None = None  # tfidf only: the inverse document frequency of each column

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def zero_share(self) -> float:
        """Fraction of the matrix cells that are zero (how sparse the vectors are)."""
        return float((self.matrix == 0).mean()) if self.matrix.size else 0.0

    def vector(self, i: int) -> np.ndarray:
        return self.matrix[i]


def _validate_sentences(sentences: Sequence[str], max_sentences: int) -> list[str]:
    kept = [s.strip() for s in sentences if s and s.strip()]
    if not kept:
        raise InputError("errors.text.empty")
    if len(kept) > max_sentences:
        raise InputError("errors.text.too_many_sentences", limit=max_sentences, count=len(kept))
    return kept


def _vectorizer(mode: str, ngram_range: tuple[int, int]):
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    if mode not in MODES:
        raise InputError("errors.setting.weighting", mode=mode)
    low, high = ngram_range
    if not 1 <= low <= high <= MAX_NGRAM:
        raise InputError("errors.setting.ngram_range", low=low, high=high, limit=MAX_NGRAM)
    cls = CountVectorizer if mode == "count" else TfidfVectorizer
    # Our own tokenizer (so Chinese works), no lower-casing or stop words of sklearn's.
    return cls(tokenizer=sentence_words, lowercase=False, token_pattern=None, ngram_range=(low, high))


def bag_of_words(
    sentences: Sequence[str],
    mode: str = "count",
    ngram_range: tuple[int, int] = (1, 1),
    max_sentences: int = MAX_SENTENCES,
) -> BagOfWords:
    """Tokenize, build the vocabulary and the document-term matrix of ``sentences``.

    ``max_sentences`` guards what a student types; a corpus sample may pass a larger one.

    Raises ``errors.text.empty`` when there is nothing to count, ``errors.text.no_words``
    when the sentences hold no word at all (only punctuation or emoji).
    """
    kept = _validate_sentences(sentences, max_sentences)
    tokens = tuple(tuple(sentence_words(s)) for s in kept)
    if not any(tokens):
        raise InputError("errors.text.no_words")
    vectorizer = _vectorizer(mode, ngram_range)
    try:
        matrix = vectorizer.fit_transform(kept)
    except ValueError as exc:  # "empty vocabulary": every sentence shorter than the n-grams
        raise InputError("errors.corpus.empty_vocabulary") from exc
    vocabulary = tuple(vectorizer.get_feature_names_out())
    idf = np.asarray(vectorizer.idf_, dtype=float) if mode == "tfidf" else None
    return BagOfWords(tuple(kept), tokens, vocabulary, matrix.toarray().astype(float), mode, tuple(ngram_range), idf)


def cosine_matrix(matrix: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows (a row of zeros is similar to nothing)."""
    from sklearn.metrics.pairwise import cosine_similarity

    return cosine_similarity(matrix)


@dataclass(frozen=True)
class SharedWord:
    word: str
    value_a: float
    value_b: float

    @property
    def product(self) -> float:
        """This word's share of the dot product (the numerator of the cosine)."""
        return self.value_a * self.value_b


@dataclass(frozen=True)
class Closeness:
    """Why two sentences are as close as they are."""

    cosine: float
    shared: tuple[SharedWord, ...]  # words in both, biggest contribution first
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]


def explain_similarity(bow: BagOfWords, i: int, j: int) -> Closeness:
    """The cosine of sentences ``i`` and ``j`` and the words behind it.

    The cosine is (sum over shared words of a_w * b_w) / (|a| |b|): only words present
    in both sentences add to it; words in one only make the vectors longer.
    """
    n = len(bow.sentences)
    if not (0 <= i < n and 0 <= j < n):
        raise InputError("errors.sentences.pick_two", count=n)
    a, b = bow.matrix[i], bow.matrix[j]
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    cosine = float(a @ b / norms) if norms else 0.0
    shared = [SharedWord(w, float(a[k]), float(b[k])) for k, w in enumerate(bow.vocabulary) if a[k] and b[k]]
    shared.sort(key=lambda s: (-s.product, s.word))
    only_a = tuple(w for k, w in enumerate(bow.vocabulary) if a[k] and not b[k])
    only_b = tuple(w for k, w in enumerate(bow.vocabulary) if b[k] and not a[k])
    return Closeness(cosine, tuple(shared), only_a, only_b)


@dataclass(frozen=True)
class SparsityPoint:
    documents: int
    vocabulary_size: int
    zero_share: float  # fraction of zeros in the document-term matrix
    mean_words_per_document: float


def sparsity_curve(
    sentences: Sequence[str], steps: int = 12, ngram_range: tuple[int, int] = (1, 1)
) -> list[SparsityPoint]:
    """Vocabulary size and share of zeros as the corpus grows from a few sentences to all.

    Computed with a sparse matrix, so thousands of sentences are fine: the more
    documents, the longer every vector gets, while each sentence still uses only a
    handful of its dimensions.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    kept = [s for s in sentences if s and s.strip()]
    if len(kept) < 2:
        raise InputError("errors.sentences.need_two")
    sizes = sorted({max(1, round(x)) for x in np.geomspace(2, len(kept), num=max(2, steps))})
    points = []
    for size in sizes:
        vectorizer = CountVectorizer(
            tokenizer=sentence_words, lowercase=False, token_pattern=None, ngram_range=tuple(ngram_range)
        )
        try:
            matrix = vectorizer.fit_transform(kept[:size])
        except ValueError:
            continue
        cells = matrix.shape[0] * matrix.shape[1]
        nonzero = matrix.nnz
        points.append(SparsityPoint(size, matrix.shape[1], 1.0 - nonzero / cells, nonzero / matrix.shape[0]))
    if not points:
        raise InputError("errors.text.no_words")
    return points


@dataclass(frozen=True)
class Projection:
    coordinates: np.ndarray  # (n_sentences, 2)
    explained_variance: tuple[float, float]  # share of the variance on each axis
    extra: np.ndarray | None = None  # (n_extra, 2): other sentences placed on the same map


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def pca_2d(matrix: np.ndarray, extra: np.ndarray | None = None) -> Projection:
    """Project the sentence vectors to 2D with PCA (each row scaled to unit length
    first, so long sentences do not dominate; that makes it the picture cosine sees).

    ``extra`` rows (same columns) are placed on the map the PCA learned from ``matrix``,
    without changing it.
    """
    from sklearn.decomposition import PCA

    if matrix.shape[0] < 3:
        raise InputError("errors.sentences.need_three")
    unit = _unit_rows(matrix)
    components = min(2, unit.shape[1], unit.shape[0])
    pca = PCA(n_components=components, random_state=0)
    coords = pca.fit_transform(unit)
    placed = pca.transform(_unit_rows(extra)) if extra is not None and len(extra) else None
    ratio = list(pca.explained_variance_ratio_)
    if components < 2:  # a single word in the whole vocabulary: a flat line
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - components))])
        if placed is not None:
            placed = np.hstack([placed, np.zeros((placed.shape[0], 2 - components))])
        ratio += [0.0] * (2 - components)
    return Projection(coords, (float(ratio[0]), float(ratio[1])), placed)


def vectors_in_vocabulary(bow: BagOfWords, sentences: Sequence[str]) -> np.ndarray:
    """Vectors of new ``sentences`` over the vocabulary of ``bow``, weighted the same way
    (counts, or TF-IDF with the corpus's IDF and unit rows). Words it does not know are
    simply not counted: a bag-of-words cannot grow a new dimension."""
    index = {word: k for k, word in enumerate(bow.vocabulary)}
    low, high = bow.ngram_range
    rows = np.zeros((len(sentences), len(bow.vocabulary)))
    for i, sentence in enumerate(sentences):
        tokens = sentence_words(sentence)
        for n in range(low, high + 1):
            for start in range(len(tokens) - n + 1):
                k = index.get(" ".join(tokens[start : start + n]))
                if k is not None:
                    rows[i, k] += 1
    if bow.idf is not None:
        rows = _unit_rows(rows * bow.idf)
    return rows


def sentence_topics(
    tokens: Sequence[Sequence[str]],
    word_groups: Mapping[str, str],
    default: str = "other",
    ignore: Collection[str] = ("pronoun", "ambiguous"),
) -> list[str]:
    """A topic per sentence: the semantic group most of its words belong to
    (``word_groups`` maps word -> group, from the corpus); ties go to the group of the
    earliest such word; ``default`` when none of its words has a group. Groups in
    ``ignore`` (pronouns, words with two senses) say little about the topic."""
    topics = []
    for sentence in tokens:
        groups = [word_groups[w] for w in sentence if w in word_groups and word_groups[w] not in ignore]
        if not groups:
            topics.append(default)
            continue
        counts = Counter(groups)
        best = max(counts.values())
        topics.append(next(g for g in groups if counts[g] == best))
    return topics


def neighbour_agreement(points: np.ndarray, topics: Sequence[str], k: int = 5) -> float:
    """How often a sentence's ``k`` nearest neighbours (Euclidean, in ``points``) have
    its topic: a number to compare the 2D picture with the full vectors."""
    from sklearn.neighbors import NearestNeighbors

    labels = np.asarray(topics)
    k = min(k, len(labels) - 1)
    if k < 1:
        raise InputError("errors.sentences.need_three")
    _, index = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
    return float((labels[index[:, 1:]] == labels[:, None]).mean())


def chance_agreement(topics: Sequence[str]) -> float:
    """The agreement two random sentences would have: sum of squared topic shares."""
    counts = Counter(topics)
    total = len(topics)
    return float(sum((n / total) ** 2 for n in counts.values())) if total else 0.0


# --------------------------------------------------------------------------- chapter 2's page, as plain functions


def sentence_lines(text: str) -> tuple[str, ...]:
    """One sentence per non-empty line of ``text``, stripped (the page's text box)."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def ngram_label(ngram: tuple[int, int]) -> str:
    """An n-gram range as the page writes it: ``(1, 2)``."""
    return f"({ngram[0]}, {ngram[1]})"


def rows_equal(matrix: np.ndarray, first: int = 0, second: int = 1) -> bool:
    """Whether two sentences got the very same vector (rows of a document-term matrix)."""
    rows = np.asarray(matrix)
    return bool(np.array_equal(rows[first], rows[second]))


def spread_sample(sentences: Sequence[str], size: int) -> list[str]:
    """``size`` sentences spread evenly over a corpus, not just its start."""
    step = max(1, len(sentences) // size)
    return list(sentences[::step][:size])


@dataclass(frozen=True)
class CorpusMap:
    """A corpus sample's TF-IDF vectors in 2D, with the learner's own sentences placed on it."""

    sample: list[str]
    topics: list[str]  # one per sampled sentence (its words' most common group)
    projection: Projection
    agreement: dict[str, float]  # in_2d, in_full, chance (neighbour topic agreement), dims


def corpus_map(sentences: Sequence[str], word_groups: Mapping[str, str], size: int,
               own: Sequence[str] = ()) -> CorpusMap:
    """PCA of ``size`` sentences spread over the corpus, and how much of the topic
    neighbourhood the 2D picture keeps compared with the full vectors."""
    sample = spread_sample(sentences, size)
    result = bag_of_words(sample, "tfidf", max_sentences=len(sample))
    topics = sentence_topics(result.tokens, word_groups)
    projection = pca_2d(result.matrix, vectors_in_vocabulary(result, own))
    agreement = {
        "in_2d": neighbour_agreement(projection.coordinates, topics),
        "in_full": neighbour_agreement(result.matrix, topics),
        "chance": chance_agreement(topics),
        "dims": len(result.vocabulary),
    }
    return CorpusMap(sample, topics, projection, agreement)
