"""The vocabulary cap of uploaded corpora (lm_core/embeddings/vocabulary_cap.py)."""

import pytest

from lm_core.core.errors import InputError
from lm_core.embeddings import word2vec as w2v
from lm_core.embeddings.vocabulary_cap import MAX_UPLOAD_VOCABULARY, cap_vocabulary


def test_keeps_the_most_frequent_words_and_reports_what_it_dropped():
    text = "the cat sat. the cat ran. the dog sat. a bird flew. the end."
    corpus = w2v.corpus_from_upload(text)
    capped, cap = cap_vocabulary(corpus, max_words=3)
    # the x4, cat x2, sat x2 kept; ties (a, bird, dog, end, flew, ran: once each) all dropped
    assert {w for s in capped.sentences for w in s} == {"the", "cat", "sat"}
    assert cap.capped and cap.kept_words == 3 and cap.dropped_words == 6
    assert cap.kept_occurrences == 8 and cap.dropped_occurrences == 6 and cap.rarest_kept_count == 2
    assert cap.dropped_examples == ("a", "bird", "dog", "end", "flew")  # alphabetical among equals
    assert cap.dropped_share == pytest.approx(6 / 14)
    # Sentences keep their order and lose only the dropped words; an emptied sentence goes.
    assert capped.sentences == [["the", "cat", "sat"], ["the", "cat"], ["the", "sat"], ["the"]]
    assert corpus.n_words == 14  # the original is untouched


def test_a_small_vocabulary_is_returned_as_it_is():
    corpus = w2v.corpus_from_upload("one two three. one two.")
    same, cap = cap_vocabulary(corpus)
    assert same is corpus and not cap.capped and cap.dropped_share == 0 and cap.dropped_examples == ()


def test_the_worst_upload_is_capped_to_the_default():
    words = [f"w{n}" for n in range(MAX_UPLOAD_VOCABULARY + 500)]
    corpus = w2v.TrainingCorpus("upload", "en", [words[i:i + 20] for i in range(0, len(words), 20)] + [["w1"] * 3], {})
    capped, cap = cap_vocabulary(corpus)
    assert len({w for s in capped.sentences for w in s}) == MAX_UPLOAD_VOCABULARY
    assert cap.dropped_words == 500 and "w1" in {w for s in capped.sentences for w in s}


def test_word_groups_follow_the_kept_words():
    corpus = w2v.TrainingCorpus("toy", "en", [["king", "queen", "king"], ["rare"]], {"king": "royal", "rare": "x"})
    capped, _ = cap_vocabulary(corpus, max_words=2)
    assert capped.word_groups == {"king": "royal"}


def test_a_cap_below_one_is_refused():
    with pytest.raises(InputError):
        cap_vocabulary(w2v.corpus_from_upload("a b c."), max_words=0)


def test_chapter_3s_training_job_caps_an_upload_and_says_what_it_dropped(monkeypatch):
    """The job (the worker's side of chapter 3's Train) applies the cap; the toy corpora are never capped."""
    from lm_core.embeddings import vocabulary_cap

    monkeypatch.setattr(vocabulary_cap, "MAX_UPLOAD_VOCABULARY", 3)
    text = " ".join(["the cat sat. the cat ran. the dog sat. a bird flew. the end."] * 5)
    config = w2v.Word2VecConfig(dim=8, window=2, negative=2, epochs=1, min_count=1, seed=3)
    result = w2v.train_job("upload", text, config, lambda report: None, lambda: False)
    assert set(result.vocab.words) == {"the", "cat", "sat"}
    assert result.vocabulary_cap["kept"] == 3 and result.vocabulary_cap["dropped"] == 6
    assert result.vocabulary_cap["examples"] == ["a", "bird", "dog", "end", "flew"]
    assert 0 < result.vocabulary_cap["share"] < 1
    uncapped = w2v.train_job("upload", "the cat sat. the cat sat.", config, lambda report: None, lambda: False)
    assert uncapped.vocabulary_cap is None  # nothing dropped: no message
