"""Chapter 2 page (AppTest): the drawn data follows the controls; bad input shows a message."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/2_Bag_of_words.py"
TIMEOUT = 180


def open_page(lang: str = "en") -> AppTest:
    """Open the chapter through the app, the way a student does."""
    return apptest_helpers.open_page(PAGE, lang, timeout=TIMEOUT)


charts = apptest_helpers.plotly_specs
chart_titled = apptest_helpers.chart_titled
messages = apptest_helpers.messages


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_draws_every_step(lang):
    app = open_page(lang)
    assert app.title[0].value == i18n.translate("ch2.title", lang)
    assert len(app.get("plotly_chart")) == 6  # DTM, cosine, two bite charts, sparsity, PCA
    assert not app.error
    dtm = charts(app)[0]["data"][0]
    default_lines = i18n.translate("ch2.input.default_sentences", lang).splitlines()
    assert len(dtm["y"]) == len(default_lines)
    assert len(dtm["z"][0]) == len(dtm["x"])  # one column per vocabulary word


def test_editing_sentences_changes_the_matrix():
    app = open_page()
    app.text_area(key="ch2_sentences").set_value("the cat sat\nthe dog sat\nthe dog barked").run()
    dtm = charts(app)[0]["data"][0]
    assert dtm["x"] == ["barked", "cat", "dog", "sat", "the"]
    assert dtm["z"] == [[0, 1, 0, 1, 1], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]]
    cosine = charts(app)[1]["data"][0]["z"]
    assert cosine[0][0] == pytest.approx(1.0)
    assert cosine[0][1] == pytest.approx(2 / 3)


def test_tfidf_mode_changes_the_weights():
    app = open_page()
    counts = charts(app)[0]["data"][0]["z"]
    app.radio(key="ch2_mode").set_value("tfidf").run()
    weights = charts(app)[0]["data"][0]["z"]
    assert weights != counts
    assert any(0 < v < 1 for row in weights for v in row)
    assert app.query_params["mode"] in ("tfidf", ["tfidf"])


def test_bite_sentences_have_equal_vectors_until_bigrams():
    app = open_page()
    unigram = chart_titled(app, "(1, 1)")
    a, b = (trace["y"] for trace in unigram["data"])
    assert a == b
    assert i18n.translate("ch2.order.equal", "en") in [w.value for w in app.warning]
    bigram = chart_titled(app, "(1, 2)")
    a2, b2 = (trace["y"] for trace in bigram["data"])
    assert a2 != b2
    assert len(bigram["data"][0]["x"]) > len(unigram["data"][0]["x"])


def test_different_words_are_not_called_equal():
    app = open_page()
    app.text_input(key="ch2_b").set_value("The cat sleeps.").run()
    a, b = (trace["y"] for trace in chart_titled(app, "(1, 1)")["data"])
    assert a != b
    assert i18n.translate("ch2.order.equal", "en") not in [w.value for w in app.warning]


def test_ngram_range_adds_dimensions():
    app = open_page()
    unigrams = len(charts(app)[0]["data"][0]["x"])
    app.selectbox(key="ch2_ngram").set_value((1, 2)).run()
    bigrams = charts(app)[0]["data"][0]["x"]
    assert len(bigrams) > unigrams
    assert any(" " in word for word in bigrams)


def test_picking_two_sentences_explains_their_closeness():
    app = open_page()
    app.text_area(key="ch2_sentences").set_value("the king wore the crown\nthe queen wore the crown\nit rained").run()
    app.selectbox(key="ch2_first").set_value(0)
    app.selectbox(key="ch2_second").set_value(1).run()
    shared = app.dataframe[1].value
    assert set(shared.iloc[:, 0]) == {"the", "wore", "crown"}
    app.selectbox(key="ch2_second").set_value(2).run()
    assert i18n.translate("ch2.similarity.no_shared", "en") in [i.value for i in app.info]


def test_sparsity_curve_grows_and_pca_is_coloured_by_topic():
    app = open_page()
    sparsity = chart_titled(app, i18n.translate("ch2.sparsity.figure", "en"))
    vocab = sparsity["data"][0]["y"]
    zeros = sparsity["data"][1]["y"]
    assert vocab == sorted(vocab) and vocab[-1] > vocab[0]
    assert zeros[-1] > 95
    pca = chart_titled(app, i18n.translate("ch2.pca.figure", "en"))
    yours = i18n.translate("ch2.pca.yours", "en")
    corpus_traces = [trace for trace in pca["data"] if trace["name"] != yours]
    assert len(corpus_traces) >= 4  # one trace per topic
    assert sum(len(trace["x"]) for trace in corpus_traces) == 240
    own = next(trace for trace in pca["data"] if trace["name"] == yours)
    assert len(own["x"]) == len(i18n.translate("ch2.input.default_sentences", "en").splitlines())
    app.slider(key="ch2_pca").set_value(100).run()
    pca = chart_titled(app, i18n.translate("ch2.pca.figure", "en"))
    assert sum(len(trace["x"]) for trace in pca["data"] if trace["name"] != yours) == 100


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("", "errors.text.empty", {}),
        ("!!!\n???\n🎉", "errors.text.no_words", {}),
        ("word " * 20_000, "errors.text.too_long", {"limit": 6000, "length": 100_000}),
        ("\n".join(["rain"] * 61), "errors.text.too_many_sentences", {"limit": 60, "count": 61}),
    ],
)
def test_bad_sentences_show_a_message(text, key, params):
    app = open_page()
    app.text_area(key="ch2_sentences").set_value(text).run()
    assert not app.exception
    assert i18n.translate(key, "en", **params) in messages(app)


def test_html_in_sentences_is_not_rendered():
    app = open_page()
    app.text_area(key="ch2_sentences").set_value(
        '<script>alert(1)</script> rain\n<img src=x onerror="alert(2)"> dog'
    ).run()
    assert not app.exception and not app.error
    dtm = charts(app)[0]["data"][0]
    assert all("<" not in label for label in dtm["y"])
    assert "script" in dtm["x"]
