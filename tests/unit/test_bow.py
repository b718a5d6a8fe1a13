"""Chapter 2 engine: bag-of-words with scikit-learn, similarity, sparsity, PCA."""

import numpy as np
import pytest

from lm_core.core.errors import InputError
from lm_core.embeddings import bow
from lm_core.tokenizers.lesson import corpus_sentences, corpus_word_groups

BITES = ["The dog bites the man.", "The man bites the dog."]


def test_three_steps_give_tokens_vocabulary_and_matrix():
    sentences = ["The cat sat.", "The dog sat on the mat!", "A cat and a dog."]
    result = bow.bag_of_words(sentences)
    assert result.tokens[0] == ("the", "cat", "sat")  # lower-cased, punctuation dropped
    assert result.vocabulary == tuple(sorted({w for t in result.tokens for w in t}))
    assert result.shape == (3, len(result.vocabulary))
    the = result.vocabulary.index("the")
    assert result.matrix[:, the].tolist() == [1, 2, 0]
    # every row sums to the number of words in its sentence
    assert result.matrix.sum(axis=1).tolist() == [len(t) for t in result.tokens]


def test_dog_bites_man_equals_man_bites_dog():
    result = bow.bag_of_words(BITES)
    assert np.array_equal(result.vector(0), result.vector(1))
    assert bow.cosine_matrix(result.matrix)[0, 1] == pytest.approx(1.0)


def test_bigrams_tell_the_bite_sentences_apart_at_the_cost_of_dimensions():
    unigrams = bow.bag_of_words(BITES)
    bigrams = bow.bag_of_words(BITES, ngram_range=(1, 2))
    assert not np.array_equal(bigrams.vector(0), bigrams.vector(1))
    assert len(bigrams.vocabulary) > len(unigrams.vocabulary)
    assert "dog bites" in bigrams.vocabulary and "man bites" in bigrams.vocabulary
    assert bow.cosine_matrix(bigrams.matrix)[0, 1] < 1.0


def test_chinese_sentences_are_segmented_by_jieba():
    result = bow.bag_of_words(["狗咬人。", "人咬狗。", "今天早上下雨了。"])
    assert np.array_equal(result.vector(0), result.vector(1))
    assert "今天" in result.vocabulary and "下雨" in result.vocabulary
    assert "。" not in result.vocabulary


def test_tfidf_weights_rare_words_above_common_ones():
    sentences = ["the king wore the crown", "the queen wore the crown", "the dog barked"]
    result = bow.bag_of_words(sentences, mode="tfidf")
    row = result.vector(0)
    assert row[result.vocabulary.index("king")] > row[result.vocabulary.index("the")] / 2
    assert np.allclose(np.linalg.norm(result.matrix, axis=1), 1.0)  # rows are unit length


def test_explain_similarity_lists_shared_words_whose_products_make_the_cosine():
    result = bow.bag_of_words(["the king wore the crown", "the queen wore the crown", "it rained"])
    close = bow.explain_similarity(result, 0, 1)
    assert {s.word for s in close.shared} == {"the", "wore", "crown"}
    assert close.shared[0].word == "the"  # 2 * 2 is the biggest product
    a, b = result.vector(0), result.vector(1)
    dot = sum(s.product for s in close.shared)
    assert close.cosine == pytest.approx(dot / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert close.only_a == ("king",) and close.only_b == ("queen",)
    far = bow.explain_similarity(result, 0, 2)
    assert far.cosine == 0.0 and far.shared == ()


def test_sparsity_grows_with_the_corpus():
    curve = bow.sparsity_curve(corpus_sentences("toy_en")[:3000], steps=10)
    documents = [p.documents for p in curve]
    vocab = [p.vocabulary_size for p in curve]
    zeros = [p.zero_share for p in curve]
    assert documents == sorted(documents) and documents[-1] == 3000
    assert vocab == sorted(vocab) and vocab[-1] > 5 * vocab[0]
    assert zeros[-1] > 0.95 and zeros[-1] > zeros[0]
    assert all(a <= b + 1e-9 for a, b in zip(zeros[2:], zeros[3:], strict=False))


def test_pca_projects_to_two_dimensions_and_separates_topics():
    sentences = corpus_sentences("toy_en")[:400]
    result = bow.bag_of_words(sentences, "tfidf", max_sentences=400)
    projection = bow.pca_2d(result.matrix)
    assert projection.coordinates.shape == (400, 2)
    assert 0 < projection.explained_variance[1] <= projection.explained_variance[0] < 1
    topics = bow.sentence_topics(result.tokens, corpus_word_groups("toy_en"))
    assert len(topics) == 400 and len(set(topics)) >= 5
    # neighbours share a topic far more often than chance, more so in the full space
    chance = bow.chance_agreement(topics)
    in_2d = bow.neighbour_agreement(projection.coordinates, topics)
    in_full = bow.neighbour_agreement(result.matrix, topics)
    assert in_2d > 2 * chance
    assert in_full > in_2d


def test_sentence_topics_majority_vote_and_default():
    groups = {"rain": "weather", "thunder": "weather", "dog": "animal", "he": "pronoun"}
    tokens = [("rain", "and", "thunder", "scared", "the", "dog"), ("he", "laughed"), ("dog",)]
    assert bow.sentence_topics(tokens, groups) == ["weather", "other", "animal"]


@pytest.mark.parametrize(
    ("sentences", "key"),
    [
        ([], "errors.text.empty"),
        (["   ", ""], "errors.text.empty"),
        (["!!! ???", "🎉🎉"], "errors.text.no_words"),
        (["word"] * (bow.MAX_SENTENCES + 1), "errors.text.too_many_sentences"),
    ],
)
def test_bad_sentences_raise_input_errors(sentences, key):
    with pytest.raises(InputError) as error:
        bow.bag_of_words(sentences)
    assert error.value.key == key


def test_bad_ngram_range_and_too_short_sentences():
    with pytest.raises(InputError) as error:
        bow.bag_of_words(BITES, ngram_range=(2, 1))
    assert error.value.key == "errors.setting.ngram_range"
    with pytest.raises(InputError) as error:
        bow.bag_of_words(["rain", "dog"], ngram_range=(2, 2))
    assert error.value.key == "errors.corpus.empty_vocabulary"
    with pytest.raises(InputError):
        bow.bag_of_words(BITES, mode="binary")


def test_html_is_just_text_to_the_counter():
    result = bow.bag_of_words(["<script>alert(1)</script> rain", "<img src=x onerror=alert(1)>"])
    assert "script" in result.vocabulary and "onerror" in result.vocabulary
    assert "<" not in result.vocabulary


def test_pca_needs_three_sentences():
    result = bow.bag_of_words(BITES)
    with pytest.raises(InputError):
        bow.pca_2d(result.matrix)


def test_new_sentences_land_on_the_map_without_changing_it():
    sentences = corpus_sentences("toy_en")[:300]
    result = bow.bag_of_words(sentences, "count", max_sentences=300)
    new = ["The king wore the crown.", "Zebras juggle quietly."]
    extra = bow.vectors_in_vocabulary(result, new)
    assert extra.shape == (2, len(result.vocabulary))
    assert extra[0, result.vocabulary.index("king")] == 1 and extra[0, result.vocabulary.index("the")] == 2
    assert extra[1].sum() == 0  # none of those words is in the corpus vocabulary
    alone = bow.pca_2d(result.matrix)
    placed = bow.pca_2d(result.matrix, extra)
    assert np.allclose(alone.coordinates, placed.coordinates)
    assert placed.extra.shape == (2, 2)
    # a corpus sentence placed as "extra" lands exactly where it is on the map
    again = bow.pca_2d(result.matrix, result.matrix[:1])
    assert np.allclose(again.extra[0], again.coordinates[0])


def test_new_sentences_get_the_same_tfidf_weights_as_the_corpus():
    sentences = ["the king wore the crown", "the queen wore the crown", "the dog barked", "it rained"]
    result = bow.bag_of_words(sentences, "tfidf")
    again = bow.vectors_in_vocabulary(result, sentences)
    assert np.allclose(again, result.matrix)
