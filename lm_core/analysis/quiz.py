"""Predict, then reveal: the right answer to a chapter's question, computed from the
model's own output for the learner's current input, and the grading of a guess.

Nothing here is canned: every function takes what the chapter just computed (token
lists, vectors, attention weights, logits) and returns an :class:`Answer` naming the
option ids that are right, the case that picks the explanation, and the numbers the
explanation quotes. :func:`grade` compares a guess (one option, or a set of options for
"click every one" questions) with it. The Streamlit side lives in ``ui/predict.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lm_core.analysis.sizes import ParameterCount
from lm_core.data.segment import split_words
from lm_core.decoding.generation import SamplingSettings, choose_token, shape_distribution
from lm_core.embeddings.vectors import WordVectors
from lm_core.tokenizers.lesson import LessonBpeTokenizer, Tokenized, bpe_word_history, symbols_to_text

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Answer:
    """What the model says. ``correct``: the option ids that count as right (several
    when options tie); ``multi``: the learner picks a set, which must equal ``correct``;
    ``case``: which explanation to show (``why_<case>`` in the content files);
    ``facts``: the numbers and words the explanation quotes."""

    correct: frozenset[str]
    case: str = ""
    facts: Mapping[str, object] = field(default_factory=dict)
    multi: bool = False


@dataclass(frozen=True)
class Grade:
    """A guess next to the answer: right or not, and for a set, what was missed or extra."""

    guess: tuple[str, ...]
    correct: bool
    missed: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def grade(guess: str | Iterable[str] | None, answer: Answer) -> Grade:
    """Grade a guess. A single-choice guess is right when it is one of the right options
    (a tie accepts either); a multi-choice guess must name exactly the right set."""
    if guess is None:
        picked: tuple[str, ...] = ()
    elif isinstance(guess, str):
        picked = (guess,)
    else:
        picked = tuple(dict.fromkeys(str(g) for g in guess))
    if answer.multi:
        missed = tuple(sorted(answer.correct - set(picked)))
        extra = tuple(g for g in picked if g not in answer.correct)
        return Grade(picked, not missed and not extra, missed, extra)
    return Grade(picked, len(picked) == 1 and picked[0] in answer.correct)


def _yes_no(flag: bool, **facts: object) -> Answer:
    return Answer(frozenset({YES if flag else NO}), YES if flag else NO, facts)


def _argmax_options(values: Mapping[str, float], largest: bool = True, tolerance: float = 1e-9) -> frozenset[str]:
    """Every option whose value ties with the best one."""
    best = max(values.values()) if largest else min(values.values())
    return frozenset(k for k, v in values.items() if abs(v - best) <= tolerance)


def bucket(value: float, edges: Sequence[float], names: Sequence[str]) -> str:
    """The name of the interval ``value`` falls in: ``edges`` ascending, one name more
    than edges (``value < edges[0]`` -> ``names[0]``)."""
    for edge, name in zip(edges, names, strict=False):
        if value < edge:
            return name
    return names[len(edges)]


# --------------------------------------------------------------------------- chapter 1


def fewest_tokens(results: Mapping[str, Tokenized]) -> Answer:
    """Which tokenizer cuts the text into the fewest tokens (ties: all of them)."""
    counts = {kind: result.count for kind, result in results.items()}
    correct = _argmax_options({k: float(v) for k, v in counts.items()}, largest=False)
    return Answer(correct, "tie" if len(correct) > 1 else "one", {"counts": counts, "fewest": min(counts.values())})


def word_pieces(result: Tokenized) -> dict[str, list[str]]:
    """Each word of the text (first occurrence, as typed) and the tokens that cover it."""
    pieces: dict[str, list[str]] = {}
    for word, start, end in split_words(result.text):
        if word in pieces or not any(ch.isalnum() for ch in word):
            continue
        covering = [t for t in result.tokens if not t.special and t.start < end and t.end > start]
        pieces[word] = [t.shown.strip() or t.shown for t in covering]
    return pieces


def word_split(pieces: Sequence[str]) -> Answer:
    """Is a word cut into more than one piece? ``pieces``: what the tokenizer made of it."""
    return _yes_no(len(pieces) > 1, pieces=" + ".join(pieces), count=len(pieces))


def bpe_word_split(tokenizer: LessonBpeTokenizer, word: str) -> Answer:
    """:func:`word_split` for one word (with its leading space, as inside a sentence)
    under a trained BPE tokenizer, replaying its merges."""
    pieces = bpe_word_history(word, tokenizer)[-1].pieces
    return word_split([symbols_to_text(p).strip() or symbols_to_text(p) for p in pieces])


def split_words_answer(result: Tokenized) -> Answer:
    """Which words of the text the tokenizer cuts into two or more pieces."""
    pieces = word_pieces(result)
    cut = frozenset(word for word, parts in pieces.items() if len(parts) > 1)
    return Answer(cut, "some" if cut else "none", {"pieces": pieces, "count": len(cut)}, multi=True)


def round_trip_answer(result: Tokenized) -> Answer:
    """Does decoding the ids give the text back: ``exact``, ``normalised`` or ``lossy``."""
    verdict = result.round_trip
    return Answer(frozenset({verdict}), verdict, {"decoded": result.decoded, "lost": list(result.lost)})


def more_tokens(count_first: int, count_second: int) -> Answer:
    """Which of two texts needs more tokens: ``first``, ``second`` or ``same``."""
    if count_first == count_second:
        verdict = "same"
    else:
        verdict = "first" if count_first > count_second else "second"
    return Answer(frozenset({verdict}), verdict, {"first": count_first, "second": count_second})


# --------------------------------------------------------------------------- chapter 2


def same_vector(matrix: np.ndarray, first: int = 0, second: int = 1) -> Answer:
    """Are two rows of a document-term matrix identical?"""
    rows = np.asarray(matrix)
    same = bool(np.array_equal(rows[first], rows[second]))
    differing = int(np.count_nonzero(rows[first] != rows[second]))
    return _yes_no(same, dims=int(rows.shape[1]), differing=differing)


def most_similar(similarity: np.ndarray, row: int, labels: Sequence[str]) -> Answer:
    """Which other document is closest to ``row`` by cosine (ties: all of them).
    ``labels`` name the documents (the option ids)."""
    values = {labels[j]: float(similarity[row, j]) for j in range(len(labels)) if j != row}
    correct = _argmax_options(values, tolerance=1e-6)
    best = max(values.values())
    return Answer(correct, "tie" if len(correct) > 1 else "one", {"values": values, "best": best})


# --------------------------------------------------------------------------- chapter 3


def nearest_candidates(vectors: WordVectors, word: str, n: int = 4, pool: int = 300) -> list[str]:
    """Words to choose from for "which is nearest to ``word``": its true nearest
    neighbour, one from further down its list, and far words among the ``pool`` most
    frequent, in a mixed order that depends only on the word (so a shared link shows
    the same choices)."""
    own = vectors.index_of(word)
    ranked = [w for w, _ in vectors.neighbours(word, min(len(vectors) - 1, 12))]
    if len(vectors) <= n or len(ranked) < 2:
        return ranked[:n]
    picks = [ranked[0], ranked[min(len(ranked) - 1, 9)]]
    frequent = [i for i in range(min(pool, len(vectors))) if i != own and vectors.words[i] not in picks]
    far = sorted(frequent, key=lambda i: float(vectors.unit[own] @ vectors.unit[i]))
    picks += [vectors.words[i] for i in far[: n - len(picks)]]
    rotation = sum(ord(ch) for ch in word) % len(picks)
    return picks[rotation:] + picks[:rotation]


def nearest_word(vectors: WordVectors, word: str, candidates: Sequence[str]) -> Answer:
    """Which candidate has the highest cosine similarity to ``word``."""
    values = {c: float(vectors.similarity(word, c)) for c in candidates}
    correct = _argmax_options(values, tolerance=1e-6)
    return Answer(correct, "one", {"values": values, "word": word, "best": max(values.values())})


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    return float(np.dot(a, b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


COSINE_EDGES = (0.5, 0.8, 0.95)
COSINE_BUCKETS = ("low", "mid", "high", "same")


def cosine_bucket(cosine: float) -> Answer:
    """Which range a cosine similarity falls in (``COSINE_BUCKETS``)."""
    name = bucket(cosine, COSINE_EDGES, COSINE_BUCKETS)
    return Answer(frozenset({name}), name, {"cosine": cosine})


# --------------------------------------------------------------------------- chapter 5


def most_attended(weights: np.ndarray, source: int, options: Sequence[int] | None = None) -> Answer:
    """Which token (by position, as a string id) the ``source`` token gives the largest
    attention weight to, in one head's (T, T) weights. ``options``: positions that may
    be answered (default: all)."""
    row = np.asarray(weights)[source]
    positions = list(options) if options is not None else list(range(row.shape[0]))
    values = {str(i): float(row[i]) for i in positions}
    correct = _argmax_options(values, tolerance=1e-6)
    best = int(max(positions, key=lambda i: row[i]))
    return Answer(correct, "self" if best == source else "other",
                  {"values": values, "best": best, "weight": float(row[best])})


def sharpest_head(scores: np.ndarray, layer: int) -> Answer:
    """Which head of ``layer`` has the highest focus score ((L, H) scores)."""
    values = {str(h): float(scores[layer, h]) for h in range(scores.shape[1])}
    correct = _argmax_options(values, tolerance=1e-6)
    best_head = max(range(scores.shape[1]), key=lambda h: float(scores[layer, h]))
    return Answer(correct, "one", {"values": values, "best": max(values.values()), "best_head": best_head})


# --------------------------------------------------------------------------- chapter 7


def greedy_vs_sampled(logits: torch.Tensor, temperature: float, seed: int) -> Answer:
    """Run both: the greedy choice and one draw at ``temperature`` with the learner's
    seed. ``yes`` when they pick the same token."""
    greedy = int(torch.argmax(logits).item())
    distribution = shape_distribution(logits, SamplingSettings(temperature=temperature))
    sampled = choose_token(distribution, torch.Generator().manual_seed(seed))
    return _yes_no(greedy == sampled, greedy=greedy, sampled=sampled,
                   greedy_prob=float(distribution.final[greedy]),
                   greedy_prob_plain=float(torch.softmax(logits.float(), -1)[greedy]))


PROBABILITY_EDGES = (0.25, 0.5, 0.75)
PROBABILITY_BUCKETS = ("under25", "25to50", "50to75", "over75")


def top_probability(logits: torch.Tensor) -> Answer:
    """How sure the model is of its favourite next token: the bucket of its probability."""
    probs = torch.softmax(logits.float(), -1)
    top = int(torch.argmax(probs).item())
    p = float(probs[top])
    name = bucket(p, PROBABILITY_EDGES, PROBABILITY_BUCKETS)
    return Answer(frozenset({name}), name, {"top": top, "prob": p})


# --------------------------------------------------------------------------- chapter 6


def span_restored(expected: Sequence[str], written: Sequence[str]) -> Answer:
    """Did the encoder-decoder write the hidden span back token for token? ``expected``:
    the hidden tokens; ``written``: what its decoder wrote for them."""
    matched = sum(1 for a, b in zip(expected, written, strict=False) if a == b)
    return _yes_no(list(written) == list(expected), expected=" ".join(expected), written=" ".join(written),
                   matched=matched, total=len(expected))


#: The parts of a model the size question asks about.
SIZE_PARTS = ("embeddings", "attention", "feed_forward")


def biggest_part(count: ParameterCount, parts: Sequence[str] = SIZE_PARTS) -> Answer:
    """Which part holds the most parameters of the model counted? Its share in percent and
    every part's share are the facts the reveal quotes."""
    shares = {part: 100.0 * count.share(part) for part in parts}
    best = max(shares, key=shares.get)
    return Answer(frozenset({best}), best, {"values": shares, "share": shares[best]})


# --------------------------------------------------------------------------- chapter 8


def best_method_kind(scores: Mapping[str, float], kinds: Mapping[str, str]) -> Answer:
    """Which kind of method (fine-tuning, prompting the tiny GPT, prompting the LLM)
    reaches the highest score. ``scores``: method -> weighted F1; ``kinds``: method -> kind."""
    best: dict[str, float] = {}
    for method, score in scores.items():
        best[kinds[method]] = max(best.get(kinds[method], float("-inf")), float(score))
    top = max(scores, key=lambda m: float(scores[m]))
    return Answer(_argmax_options(best), "one", {"values": best, "best": float(scores[top]), "method": top})


def surest_method(probabilities: Mapping[str, Sequence[float]], true_index: int) -> Answer:
    """Which method gives one sentence's true label the highest probability.
    ``probabilities``: method -> that sentence's label probabilities."""
    values = {method: float(p[true_index]) for method, p in probabilities.items()}
    top = max(values, key=values.get)
    return Answer(_argmax_options(values, tolerance=1e-6), "one",
                  {"values": values, "best": values[top], "method": top})
