"""What chapters 1-4's pages compute, now in lm_core: the lesson tokenizers' process cache,
byte parts, the corpus map, example words, and the training jobs (picklable, plain data out)."""

import functools
import pickle

import numpy as np
import pytest
import torch

from lm_core.core.errors import InputError
from lm_core.embeddings import bow
from lm_core.embeddings import word2vec as w2v
from lm_core.embeddings.vectors import parse_word_list
from lm_core.tokenizers import lesson as tok
from lm_core.train import seq2seq as s2s_train

torch.set_num_threads(1)

# --- chapter 1 -----------------------------------------------------------------------------


def test_lesson_tokenizers_are_trained_once_per_process():
    assert tok.lesson_bpe("toy_en", 300) is tok.lesson_bpe("toy_en", 300)
    assert tok.lesson_bpe("toy_en", 300).vocab_size <= 300
    word, char = tok.lesson_word_and_char("toy_en")
    assert (word, char) == tok.lesson_word_and_char("toy_en")
    assert word.kind != char.kind
    with pytest.raises(InputError):
        tok.lesson_bpe("nonsense", 300)


def test_byte_parts_name_the_character_each_stored_piece_belongs_to():
    symbols = tok.text_to_symbols("下")  # three bytes, stored as three symbols
    parts = tok.byte_parts([symbols[:2], symbols[2:]])
    assert parts == [(("下", 1, 2, 3),), (("下", 3, 3, 3),)]
    assert tok.byte_parts([tok.text_to_symbols("ab")]) == [(("a", 1, 1, 1), ("b", 1, 1, 1))]


def test_tokens_per_character():
    assert tok.tokens_per_character(6, "今天下雨") == 1.5
    assert tok.tokens_per_character(0, "") == 0.0


# --- chapter 2 -----------------------------------------------------------------------------


def test_sentence_lines_ngram_label_and_equal_rows():
    assert bow.sentence_lines("  a b \n\n c  \n") == ("a b", "c")
    assert bow.ngram_label((1, 2)) == "(1, 2)"
    result = bow.bag_of_words(("the dog bites the man", "the man bites the dog"), "count", (1, 1))
    assert bow.rows_equal(result.matrix)
    assert not bow.rows_equal(bow.bag_of_words(("the dog bites", "the man bites"), "count", (1, 1)).matrix)


def test_spread_sample_covers_the_whole_corpus():
    sentences = [f"s{k}" for k in range(100)]
    assert bow.spread_sample(sentences, 10) == [f"s{k}" for k in range(0, 100, 10)]
    assert bow.spread_sample(sentences[:5], 10) == sentences[:5]


def test_corpus_map_places_own_sentences_and_compares_with_chance():
    sentences = tok.corpus_sentences("toy_en")
    mapped = bow.corpus_map(sentences, tok.corpus_word_groups("toy_en"), 60, ("it rained all morning",))
    assert len(mapped.sample) == len(mapped.topics) == 60
    assert mapped.projection.coordinates.shape == (60, 2)
    assert mapped.projection.extra.shape == (1, 2)
    assert set(mapped.agreement) == {"in_2d", "in_full", "chance", "dims"}
    assert mapped.agreement["in_full"] > mapped.agreement["chance"]


# --- chapter 3 -----------------------------------------------------------------------------


def test_parse_word_list_reads_both_kinds_of_comma():
    assert parse_word_list("rain, thunder，雨、rain ,") == ["rain", "thunder", "雨"]
    with pytest.raises(InputError):
        parse_word_list(" , ，")


def test_example_words_for_the_toy_world_and_for_an_upload():
    assert w2v.example_words("toy_en", [])["word"] == "king"
    words = ["the", "a", "of", "and", "to", "river", "is", "boat", "water", "sun"]
    picked = w2v.example_words("upload", words)
    assert picked["word"] == "river" and picked["analogy"] == ("river", "boat", "water")
    assert picked["pairs"] == ()
    lesson = w2v.lesson_words(picked)
    assert lesson[:3] == ["river", "boat", "water"] and len(lesson) == len(set(lesson))


def test_run_ids_name_the_request():
    assert w2v.run_model_id("toy_en", ("a", 1)) == w2v.run_model_id("toy_en", ("a", 1))
    assert w2v.run_model_id("toy_en", ("a", 1)) != w2v.run_model_id("toy_en", ("a", 2))
    assert w2v.text_digest("x") != w2v.text_digest("y")


UPLOAD = " ".join(["The river runs past the old mill. The boat floats on the river water."] * 30)


def test_word2vec_job_is_picklable_loads_its_corpus_and_returns_plain_data():
    config = w2v.Word2VecConfig(dim=8, window=2, negative=2, epochs=1, min_count=1, seed=3)
    job = pickle.loads(pickle.dumps(functools.partial(w2v.train_job, "upload", UPLOAD, config)))
    reports = []
    result = job(reports.append, lambda: False)
    assert reports and set(reports[-1]) == {"step", "total_steps", "loss", "epoch", "words_done"}
    assert "river" in result.vocab.words and result.vectors.shape[1] == 8
    copy = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(copy.vectors, result.vectors)
    with pytest.raises(InputError):
        w2v.train_job("upload", "", config, reports.append, lambda: False)


# --- chapter 4 -----------------------------------------------------------------------------


def test_quick_run_job_is_picklable_and_returns_plain_numbers():
    run = s2s_train.QuickRun(n_pairs=200, epochs=1, hidden_dim=16, embed_dim=8, seed=1)
    job = pickle.loads(pickle.dumps(functools.partial(s2s_train.quick_run_job, run)))
    reports = []
    result = job(reports.append, lambda: len(reports) >= 2)  # stop early: the measurement still runs
    assert {r["kind"] for r in reports} <= set(s2s_train.RUN_KINDS)
    assert set(result) >= {"plain", "attention", "seconds", "losses", "stopped_early"}
    assert pickle.loads(pickle.dumps(result))["plain"] == result["plain"]


def test_quick_run_share_splits_the_run_between_the_two_models():
    assert s2s_train.quick_run_share({"kind": "plain", "step": 0, "total": 10}) == 0.0
    assert s2s_train.quick_run_share({"kind": "plain", "step": 10, "total": 10}) == 0.5
    assert s2s_train.quick_run_share({"kind": "attention", "step": 5, "total": 10}) == 0.75


def test_reading_a_translation():
    assert s2s_train.strongest_source([0.1, 0.6, 0.3]) == (1, 0.6)
    assert s2s_train.strongest_source([0.5, 0.5]) == (0, 0.5)
    assert s2s_train.words_changed(["a", "b", "c"], ["a", "x", "c"]) == 1
    assert s2s_train.words_changed(["a", "b"], ["a", "b", "c", "d"]) == 2
    assert s2s_train.pairs_measured([{"n": 100}, {"n": 40}]) == 140
    assert s2s_train.speedup(2.0, 0.5) == 4.0
    assert s2s_train.speedup(1.0, 0.0) > 1e6
