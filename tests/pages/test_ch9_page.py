"""Chapter 9 page: the controls change what is drawn and go into the link, a link reproduces
the view (Chinese, MiniLM's [UNK]s said), a learner's own text is checked and shown as text.

SmolLM2's answers at the default settings come from the shipped results (instant); the few
views here that need a new answer generate at most a few short ones."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lm_core.analysis import rag
from lm_core.data import knowledge
from tests.pages import apptest_helpers
from ui import i18n, wayfinding

PAGE = "pages/9_Beyond_the_model.py"
#: A cold open starts the job workers, which load MiniLM and SmolLM2 (minutes on busy shared cores).
TIMEOUT = 480
HOSTILE = "[click me](http://a.example) <b>bold</b> <script>alert(1)</script>"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, timeout=TIMEOUT, **params)


def param(app: AppTest, name: str) -> str:
    value = app.query_params[name]
    return value[0] if isinstance(value, list) else value


def prompt_asks(app: AppTest, question: str) -> bool:
    """Whether the assembled prompt shown on the page ends with ``question``."""
    return any(code.value.endswith(question) for code in app.code)


def shown_html(app: AppTest) -> str:
    return " ".join(str(element.proto.body) for element in app.get("html")
                    if not wayfinding.is_own_html(element.proto.body))  # the footer's own script


def test_default_view_then_controls_change_the_chart_and_the_link():
    app = open_page("en")
    assert app.title[0].value == i18n.translate("ch9.title", "en")
    headers = [h.value for h in app.header]
    assert len(headers) == 8 and [h.split(" ·")[0] for h in headers] == [str(n) for n in range(1, 9)]
    titles = apptest_helpers.chart_titles(app)
    assert titles[0].startswith("How close is each chunk") and "top 3" in titles[0]
    spec = apptest_helpers.plotly_specs(app)[0]
    assert sum(len(trace["x"]) for trace in spec["data"] if trace["type"] == "bar") == len(
        rag.chunk_documents(rag.knowledge_documents("en"), rag.ChunkSettings()))
    question = knowledge.questions("en")[0]
    assert prompt_asks(app, question.question)
    assert not apptest_helpers.messages(app)
    assert (param(app, "q"), param(app, "k"), param(app, "mode"), param(app, "ret")) == ("0", "3", "sentence", "minilm")
    app.slider(key="ch9_k").set_value(1).run()
    app.radio(key="ch9_ret").set_value("bm25").run()
    assert not app.exception
    assert "top 1" in apptest_helpers.chart_titles(app)[0] and "BM25" in apptest_helpers.chart_titles(app)[0]
    assert (param(app, "k"), param(app, "ret")) == ("1", "bm25")
    app.radio(key="ch9_mode").set_value("fixed").run()
    assert not app.exception and param(app, "mode") == "fixed" and param(app, "size") == str(rag.FIXED_SIZE[2])


def test_a_chinese_link_reproduces_the_view_and_says_minilm_is_blind():
    app = open_page("zh", kb="zh", ret="minilm", q="4", k="2", mode="paragraph", size="1")
    assert app.selectbox(key="ch9_q").value == 4 and app.slider(key="ch9_k").value == 2
    assert app.radio(key="ch9_mode").value == "paragraph"
    assert any("[UNK]" in w.value for w in app.warning)
    assert prompt_asks(app, knowledge.questions("zh")[4].question)
    assert "前 2 个" in apptest_helpers.chart_titles(app)[0]


def test_own_text_is_checked_and_hostile_text_shows_as_text():
    app = open_page("en", src="own", ret="bm25")
    assert any(i18n.translate("ch9.errors.no_text", "en") in e.value for e in app.error)
    app.text_area(key="ch9_own").set_value("x" * (rag.OWN_TEXT_LIMIT + 5)).run()
    assert any("too long" in e.value.lower() or "20,000" in e.value or "20000" in e.value for e in app.error)
    app.text_area(key="ch9_own").set_value(f"The mill of Dorn was built in 1710. {HOSTILE}\n\nDorn sells cheese.").run()
    app.text_input(key="ch9_ask").set_value(f"When was the mill built? {HOSTILE}").run()
    assert not app.exception
    html = shown_html(app)
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html and "<script>" not in html
    assert "<b>bold</b>" not in " ".join(apptest_helpers.chart_titles(app))


def test_predict_questions_answered_right_and_wrong():
    from tests.pages.test_predict import answer_right_and_wrong

    app = open_page("en")
    for question_id in ("ch9.right_without", "ch9.remembers"):
        answer_right_and_wrong(app, question_id, ["yes", "no"])
