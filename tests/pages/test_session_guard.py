"""The class code a teacher can set, and the notice when a trained model was lost with its server."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.apptest_helpers import ROOT, TIMEOUT, open_page
from ui import session_guard

CODE = "maple42"


@pytest.fixture
def class_code(monkeypatch):
    monkeypatch.setenv(session_guard.CLASS_CODE_ENV, CODE)
    return CODE


def _home(lang: str = "en", **params: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params["lang"] = lang
    for name, value in params.items():
        app.query_params[name] = value
    return app.run()


def _gate(app: AppTest):
    return [box for box in app.text_input if box.key == "_class_code_typed"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_class_code_asked_first_wrong_code_refused_right_code_opens(class_code, lang):
    app = _home(lang)
    assert not app.exception
    assert _gate(app), "the page must ask for the class code"
    assert not app.get("plotly_chart") and not app.sidebar.radio, "nothing else renders before the code"
    wrong = "班级口令不对" if lang == "zh" else "not the class code"
    _gate(app)[0].input("guess").run()
    assert wrong in " ".join(e.value for e in app.error)
    assert not app.get("plotly_chart")
    _gate(app)[0].input(class_code).run()
    assert not app.exception
    assert not _gate(app)
    assert app.get("plotly_chart"), "the home page's map after the right code"
    # Remembered for the session: another page opens without asking again.
    app.switch_page("pages/1_Tokenization.py")
    app.run()
    assert not _gate(app) and not app.exception


def test_class_code_from_the_link_opens_and_leaves_the_address_bar(class_code):
    app = _home(code=class_code)
    assert not _gate(app) and app.get("plotly_chart")
    assert "code" not in app.query_params


def test_wrong_code_in_the_link_is_refused(class_code):
    app = _home(code="nope")
    assert _gate(app) and app.error and not app.get("plotly_chart")


def test_no_class_code_set_asks_nothing(monkeypatch):
    monkeypatch.delenv(session_guard.CLASS_CODE_ENV, raising=False)
    app = _home()
    assert not _gate(app) and app.get("plotly_chart")


def test_code_comparison():
    assert session_guard.code_matches(" maple42 ", "maple42")
    assert not session_guard.code_matches("maple4", "maple42")
    assert session_guard.code_matches("班级", "班级")


# --------------------------------------------------------------------------- lost trained model


def _lost_probe():
    import streamlit as st

    from ui import session_guard

    lang = st.query_params.get("lang", "en")
    session_guard.check_lost_model("ch3", lang)
    st.caption(f"marks={st.query_params.get('trained', '')}")


def _probe(**params: str) -> AppTest:
    app = AppTest.from_function(_lost_probe, default_timeout=TIMEOUT)
    for name, value in params.items():
        app.query_params[name] = value
    return app


def _marks(app: AppTest) -> str:
    return app.caption[-1].value.removeprefix("marks=")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_url_says_trained_but_the_session_has_no_model_tells_the_learner(lang):
    app = _probe(trained="ch3", lang=lang).run()
    assert not app.exception
    notice = " ".join(i.value for i in app.info)
    assert ("训练" in notice) if lang == "zh" else ("train" in notice.lower() and "server" in notice)
    button = app.button(key="_lost_ch3")
    button.click().run()  # "OK, I will train again": the mark goes, the notice with it
    assert not app.info and "trained" not in app.query_params


def test_a_trained_model_marks_the_url_and_a_reset_unmarks_it():
    app = _probe()
    app.session_state["w2v_model"] = object()  # what chapter 3 keeps after Train
    app.run()
    assert app.query_params.get("trained") in ("ch3", ["ch3"]) and not app.info
    del app.session_state["w2v_model"]  # the learner went back to the shipped vectors
    app.run()
    assert not app.info and "trained" not in app.query_params


def test_other_chapters_marks_are_kept():
    app = _probe(trained="ch4,ch8").run()
    assert not app.info and app.query_params.get("trained") in ("ch4,ch8", ["ch4,ch8"])


def test_chapter_3_opened_from_a_trained_link_on_a_fresh_server_says_the_model_is_gone():
    app = open_page("pages/3_Word2vec.py", trained="ch3")
    assert any("server" in i.value for i in app.info)
