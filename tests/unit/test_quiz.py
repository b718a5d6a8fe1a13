"""Predict, then reveal: answers computed from live outputs, and grading."""

import numpy as np
import pytest
import torch

from lm_core.analysis import quiz
from lm_core.embeddings.vectors import WordVectors
from lm_core.tokenizers import lesson as tok


def test_grade_single_choice_accepts_any_tied_option():
    answer = quiz.Answer(frozenset({"word", "wordpiece"}))
    assert quiz.grade("word", answer).correct
    assert quiz.grade("wordpiece", answer).correct
    assert not quiz.grade("char", answer).correct
    assert not quiz.grade(None, answer).correct
    assert not quiz.grade(["word", "char"], answer).correct  # one pick only


def test_grade_multi_choice_needs_the_exact_set():
    answer = quiz.Answer(frozenset({"rained", "morning"}), multi=True)
    assert quiz.grade(["morning", "rained"], answer).correct
    partial = quiz.grade(["rained", "this"], answer)
    assert not partial.correct
    assert partial.missed == ("morning",) and partial.extra == ("this",)
    assert quiz.grade([], quiz.Answer(frozenset(), multi=True)).correct  # "none of them" can be right


def test_bucket_edges():
    names = ("a", "b", "c")
    assert [quiz.bucket(v, (0.5, 0.8), names) for v in (0.0, 0.5, 0.79, 0.8, 1.0)] == ["a", "b", "b", "c", "c"]


# --------------------------------------------------------------------------- chapter 1


@pytest.fixture(scope="module")
def tokenizers():
    sentences = tok.corpus_sentences("toy_en")
    return {"word": tok.build_word_tokenizer(sentences), "char": tok.build_char_tokenizer(sentences),
            "small": tok.train_bpe(sentences, 260), "large": tok.train_bpe(sentences, 1500)}


def test_fewest_tokens_follows_the_counts(tokenizers):
    text = "It rained this morning"
    results = {k: tokenizers[k].tokenize(text) for k in ("word", "char", "small")}
    answer = quiz.fewest_tokens(results)
    fewest = min(r.count for r in results.values())
    assert answer.correct == {k for k, r in results.items() if r.count == fewest}
    assert "char" not in answer.correct  # 22 characters vs 4 words
    assert answer.facts["fewest"] == fewest


def test_bpe_word_split_depends_on_the_vocabulary(tokenizers):
    small = quiz.bpe_word_split(tokenizers["small"], "rained")
    assert small.correct == {quiz.YES}
    assert small.facts["count"] == len(small.facts["pieces"].split(" + ")) > 1
    large = quiz.bpe_word_split(tokenizers["large"], "the")
    assert large.correct == {quiz.NO} and large.facts["pieces"] == "the"


def test_split_words_answer_lists_the_words_cut_into_pieces(tokenizers):
    result = tokenizers["small"].tokenize("It rained zzqx")
    answer = quiz.split_words_answer(result)
    pieces = quiz.word_pieces(result)
    assert answer.multi and answer.correct == {w for w, p in pieces.items() if len(p) > 1}
    assert "zzqx" in answer.correct  # a made-up word is never one learned piece


def test_round_trip_answer_is_the_tokenizers_own_verdict(tokenizers):
    assert quiz.round_trip_answer(tokenizers["word"].tokenize("it rained this morning")).correct == {"exact"}
    lossy = quiz.round_trip_answer(tokenizers["word"].tokenize("it rained on zzqx"))
    assert lossy.correct == {"lossy"} and lossy.facts["lost"]


def test_more_tokens():
    assert quiz.more_tokens(5, 3).correct == {"first"}
    assert quiz.more_tokens(3, 5).correct == {"second"}
    assert quiz.more_tokens(4, 4).correct == {"same"}


# --------------------------------------------------------------------------- chapter 2


def test_same_vector_for_reordered_words():
    from lm_core.embeddings import bow

    reordered = bow.bag_of_words(("dog bites man", "man bites dog"), "count", (1, 1))
    assert quiz.same_vector(reordered.matrix).correct == {quiz.YES}
    bigrams = bow.bag_of_words(("dog bites man", "man bites dog"), "count", (1, 2))
    answer = quiz.same_vector(bigrams.matrix)
    assert answer.correct == {quiz.NO} and answer.facts["differing"] > 0


def test_most_similar_takes_the_highest_cosine_and_keeps_ties():
    similarity = np.array([[1.0, 0.2, 0.7, 0.7], [0.2, 1, 0, 0], [0.7, 0, 1, 0], [0.7, 0, 0, 1]])
    answer = quiz.most_similar(similarity, 0, ["S1", "S2", "S3", "S4"])
    assert answer.correct == {"S3", "S4"} and answer.case == "tie"
    assert "S1" not in answer.facts["values"]


# --------------------------------------------------------------------------- chapter 3


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)] + ["morning", "sunrise"]
    matrix = rng.normal(size=(len(words), 8)).astype(np.float32)
    matrix[-1] = matrix[-2] + 0.01  # sunrise right next to morning
    return WordVectors(words, matrix)


def test_nearest_candidates_hold_the_true_neighbour_and_are_stable(vectors):
    candidates = quiz.nearest_candidates(vectors, "morning")
    assert len(candidates) == len(set(candidates)) == 4 and "morning" not in candidates
    assert "sunrise" in candidates
    assert candidates == quiz.nearest_candidates(vectors, "morning")
    answer = quiz.nearest_word(vectors, "morning", candidates)
    assert answer.correct == {"sunrise"}
    assert answer.facts["best"] == pytest.approx(vectors.similarity("morning", "sunrise"))


def test_cosine_bucket():
    a = np.array([1.0, 0.0])
    assert quiz.cosine_bucket(quiz.cosine(a, a)).correct == {"same"}
    assert quiz.cosine_bucket(quiz.cosine(a, np.array([0.0, 1.0]))).correct == {"low"}
    assert quiz.cosine_bucket(quiz.cosine(a, np.array([1.0, 0.6]))).correct == {"high"}


# --------------------------------------------------------------------------- chapter 5


def test_most_attended_reads_the_row_of_the_source_token():
    weights = np.array([[1.0, 0, 0], [0.1, 0.2, 0.7], [0.3, 0.6, 0.1]])
    answer = quiz.most_attended(weights, 1)
    assert answer.correct == {"2"} and answer.case == "other" and answer.facts["weight"] == pytest.approx(0.7)
    assert quiz.most_attended(weights, 0).case == "self"
    assert quiz.most_attended(weights, 2, options=[0, 2]).correct == {"0"}


def test_sharpest_head():
    scores = np.array([[0.1, 0.9, 0.3], [0.8, 0.2, 0.1]])
    assert quiz.sharpest_head(scores, 0).correct == {"1"}
    assert quiz.sharpest_head(scores, 1).facts["best_head"] == 0


# --------------------------------------------------------------------------- chapter 7


def test_greedy_vs_sampled_runs_both():
    peaked = torch.tensor([10.0, 0.0, 0.0, 0.0])
    same = quiz.greedy_vs_sampled(peaked, 1.5, seed=1)
    assert same.correct == {quiz.YES} and same.facts["greedy"] == same.facts["sampled"] == 0
    flat = torch.zeros(50)
    flat[3] = 0.01
    outcomes = {quiz.greedy_vs_sampled(flat, 1.5, seed=s).correct for s in range(6)}
    assert frozenset({quiz.NO}) in outcomes  # a nearly flat distribution rarely lands on the favourite
    assert all(quiz.greedy_vs_sampled(flat, 1.5, seed=s).facts["greedy"] == 3 for s in range(3))


def test_top_probability_bucket():
    logits = torch.log(torch.tensor([0.6, 0.3, 0.1]))
    answer = quiz.top_probability(logits)
    assert answer.correct == {"50to75"} and answer.facts["top"] == 0
    assert answer.facts["prob"] == pytest.approx(0.6, abs=1e-5)


def test_span_restored_compares_token_for_token():
    right = quiz.span_restored(["de", "kat"], ["de", "kat"])
    assert right.correct == {"yes"} and right.facts["matched"] == 2
    wrong = quiz.span_restored(["de", "kat"], ["de", "hond"])
    assert wrong.correct == {"no"} and wrong.facts == {"expected": "de kat", "written": "de hond",
                                                       "matched": 1, "total": 2}
    assert quiz.span_restored(["de", "kat"], ["de", "kat", "zit"]).correct == {"no"}  # one token too many


def test_best_method_kind_takes_each_kinds_best_method():
    kinds = {"gpt:finetuned": "finetune", "gpt:zero": "prompt_gpt", "gpt:few": "prompt_gpt", "smollm2:few": "prompt_llm"}
    answer = quiz.best_method_kind({"gpt:finetuned": 0.71, "gpt:zero": 0.2, "gpt:few": 0.4, "smollm2:few": 0.8}, kinds)
    assert answer.correct == {"prompt_llm"} and answer.facts["method"] == "smollm2:few"
    assert answer.facts["values"] == {"finetune": 0.71, "prompt_gpt": 0.4, "prompt_llm": 0.8}
    tie = quiz.best_method_kind({"gpt:finetuned": 0.5, "gpt:zero": 0.5}, kinds)
    assert tie.correct == {"finetune", "prompt_gpt"}


def test_surest_method_reads_the_true_labels_column():
    probs = {"a": [0.7, 0.2, 0.1], "b": [0.1, 0.6, 0.3], "c": [0.3, 0.3, 0.4]}
    assert quiz.surest_method(probs, 0).correct == {"a"}
    answer = quiz.surest_method(probs, 2)
    assert answer.correct == {"c"} and answer.facts["best"] == pytest.approx(0.4)


def test_biggest_part_is_the_largest_share_of_the_count():
    from lm_core.analysis import sizes

    count = sizes.count_parameters(sizes.PRESETS["gpt3"].shape)
    answer = quiz.biggest_part(count)
    assert answer.correct == {"feed_forward"} and answer.case == "feed_forward"
    assert set(answer.facts["values"]) == set(quiz.SIZE_PARTS)
    assert answer.facts["share"] == max(answer.facts["values"].values()) == 100 * count.share("feed_forward")
    small = sizes.with_changes(sizes.PRESETS["gpt2_small"].shape, n_layers=1)  # a wide vocabulary, one layer
    assert quiz.biggest_part(sizes.count_parameters(small)).correct == {"embeddings"}
