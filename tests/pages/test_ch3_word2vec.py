"""Chapter 3 page (AppTest): the shipped vectors at once, training, the controls, bad input."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/3_Word2vec.py"
TIMEOUT = 240


def open_page(lang: str = "en", **params: str) -> AppTest:
    """Open the chapter through the app, the way a student does."""
    return apptest_helpers.open_page(PAGE, lang, **params)


chart_titles = apptest_helpers.chart_titles
chart_with_title = apptest_helpers.chart_titled


@pytest.fixture(scope="module")
def english():
    return open_page("en")


def test_shipped_vectors_are_useful_before_any_training(english):
    app = english
    assert any(i18n.translate("ch3.train.source_shipped", "en") in c.value for c in app.caption)
    titles = chart_titles(app)
    for fragment in ("Training loss", "projected with t-SNE", "From random noise", "closest to", "How similar"):
        assert any(fragment in title for title in titles), titles
    assert any("king − man + woman ≈ queen" in m.value for m in app.markdown)
    metrics = {m.label: float(m.value) for m in app.metric}
    assert metrics["morning ↔ sunrise"] > metrics["apple ↔ baby"]
    # The replay carries one animation frame per snapshot (epochs + the random start).
    replay = chart_with_title(app, "From random noise")
    assert len(replay["frames"]) == 21 + 6 and len(replay["layout"]["sliders"][0]["steps"]) == 27
    # The map is coloured by group: one trace per semantic group, labelled words.
    scatter = chart_with_title(app, "projected with")
    names = {trace["name"] for trace in scatter["data"]}
    assert {"people", "capitals", "weather"} <= names
    people = next(t for t in scatter["data"] if t["name"] == "people")
    assert "queen" in people["text"]
    # Export in Embedding Projector format.
    assert len(app.get("download_button")) == 2


def test_neighbours_word_box_and_unknown_word(english):
    app = english
    app.text_input(key="w2v_word").set_value("rain").run()
    spec = chart_with_title(app, "closest to")
    assert "thunder" in spec["data"][0]["y"] and "rain" not in spec["data"][0]["y"]
    app.text_input(key="w2v_word").set_value("thundr").run()
    errors = [e.value for e in app.error]
    assert any("not in this model's vocabulary" in e and "thunder" in e for e in errors), errors
    assert not app.exception


def test_analogy_box_and_heatmap(english):
    app = english
    app.text_input(key="w2v_a").set_value("paris")
    app.text_input(key="w2v_b").set_value("france")
    app.text_input(key="w2v_c").set_value("japan").run()
    assert any("paris − france + japan ≈ tokyo" in m.value for m in app.markdown)
    bars = chart_with_title(app, "Top 5 answers")["data"][0]
    assert len(bars["y"]) == 5 and not {"paris", "france", "japan"} & set(bars["y"])
    app.text_input(key="w2v_heat_words").set_value("king, queen, <b>rain</b>").run()
    assert any("not in this model's vocabulary" in e.value for e in app.error)
    app.text_input(key="w2v_heat_words").set_value("king, queen, rain").run()
    heat = chart_with_title(app, "Cosine similarity between")["data"][0]
    assert heat["x"] == ["king", "queen", "rain"] and len(heat["z"]) == 3


def test_projection_controls_change_the_map(english):
    app = english
    app.radio(key="w2v_method").set_value("pca").run()
    assert any("projected with PCA" in t for t in chart_titles(app))
    app.radio(key="w2v_dims").set_value(3).run()
    scatter = chart_with_title(app, "projected with PCA")
    assert scatter["data"][0]["type"] == "scatter3d"
    assert app.query_params["method"] in ("pca", ["pca"])
    app.toggle(key="w2v_grouped").set_value(False).run()
    app.slider(key="w2v_top_n").set_value(40).run()
    scatter = chart_with_title(app, "40 words projected with PCA")
    assert sum(len(t["text"]) for t in scatter["data"]) == 40
    assert "the" in scatter["data"][-1]["text"]  # frequent, ungrouped words now shown, in grey
    assert not app.exception


def train_small(app: AppTest) -> AppTest:
    app.slider(key="w2v_epochs").set_value(2)
    app.slider(key="w2v_window").set_value(3)
    app.slider(key="w2v_dim").set_value(20).run()
    return app.button(key="w2v_train").click().run()


def test_training_is_shared_between_sessions_and_never_changes_the_shipped_vectors():
    from ui import jobs

    other = open_page("en")  # another student, who never trains
    shipped_map = chart_with_title(other, "projected with")
    computed = jobs.get_queue().computed
    app = train_small(open_page("en"))
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("trained by you in this session" in c.value for c in app.caption)
    replay = chart_with_title(app, "From random noise")
    # The start, 40 // epochs snapshots per epoch, and early extra frames (some coincide).
    assert 1 + 2 * 20 <= len(replay["frames"]) <= 1 + 2 * 20 + 6
    assert jobs.get_queue().computed == computed + 1
    # A second student with the same settings and seed joins the finished run: no new computation,
    # the same vectors, in a copy of their own.
    second = train_small(open_page("en"))
    assert any("trained by you in this session" in c.value for c in second.caption)
    assert jobs.get_queue().computed == computed + 1
    assert chart_with_title(second, "projected with") == chart_with_title(app, "projected with")
    # The student who never trained still sees the shipped checkpoint, unchanged, and so does a new one.
    other.run()
    for session in (other, open_page("en")):
        assert any(i18n.translate("ch3.train.source_shipped", "en") in c.value for c in session.caption)
        assert any("king − man + woman ≈ queen" in m.value for m in session.markdown)
        assert chart_with_title(session, "projected with") == shipped_map


def test_chinese_corpus_and_upload_errors():
    app = open_page("zh", corpus="toy_zh")
    assert any("国王 − 男人 + 女人 ≈ 王后" in m.value for m in app.markdown)
    assert app.title[0].value.startswith("3 · word2vec")
    metrics = {m.label: float(m.value) for m in app.metric}
    assert metrics["雨 ↔ 雷"] > metrics["苹果 ↔ 婴儿"]
    app.radio(key="w2v_corpus").set_value("upload").run()
    assert app.info  # no vectors yet: asks for a file
    assert app.query_params["corpus"] in ("upload", ["upload"])
    app.button(key="w2v_train").click().run()
    assert any("请先上传" in e.value for e in app.error)
    assert not app.exception


def test_cbow_training_and_hostile_input():
    app = open_page("en")
    app.radio(key="w2v_arch").set_value("cbow")
    app.slider(key="w2v_epochs").set_value(1).run()
    app.button(key="w2v_train").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("trained by you" in c.value and "CBOW" in c.value for c in app.caption)
    app.text_input(key="w2v_word").set_value("<script>alert(1)</script>").run()
    errors = [e.value for e in app.error]
    assert any("not in this model's vocabulary" in e for e in errors), errors
    assert not app.exception


def test_the_projector_restyles_its_own_copy_of_a_shared_figure():
    """The replay is built once per server; a teacher's projector layout must not enlarge it
    for every student."""
    teacher = open_page("en", projector="1")
    student = open_page("en")
    teacher_font = chart_with_title(teacher, "From random noise")["layout"]["font"]["size"]
    student_font = chart_with_title(student, "From random noise")["layout"]["font"]["size"]
    assert teacher_font > student_font
