"""Chapter 10 page: both languages, the main chart and both models' answers, links that
reproduce the view, hostile input answered with a message, a live run through the queue."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from ui import i18n

PAGE = "pages/10_Reasoning_and_responsibility.py"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, **params)


def messages(app: AppTest) -> str:
    return " ".join(str(e.value) for e in [*app.error, *app.warning, *app.info])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_shows_the_accuracy_chart_and_both_models_answers(lang):
    app = open_page(lang, q="57+68")
    assert app.title[0].value == i18n.translate("ch10.title", lang)
    assert not app.error, messages(app)
    titles = apptest_helpers.chart_titles(app)
    assert titles[0] == i18n.translate("ch10.chart.title", lang)  # the main chart comes first
    assert titles.count(i18n.translate("ch10.solve.timeline", lang)) == 2  # one per model
    accuracy = apptest_helpers.chart_titled(app, i18n.translate("ch10.chart.title", lang))
    assert [trace["name"] for trace in accuracy["data"]] == [
        i18n.translate("ch10.model.direct", lang),
        i18n.translate("ch10.model.scratchpad", lang),
    ]
    assert app.text_input(key="ch10_q").value == "57+68"
    page_text = " ".join(str(m.value) for m in app.markdown)
    assert "125" in page_text  # the sum, in the verdict under each model
    assert len(app.table[0].value) == 5  # one row per number of digits, five held out


def test_typing_a_problem_goes_into_the_link_and_bad_input_gets_a_message():
    app = open_page("en")
    app.text_input(key="ch10_q").set_value("12+34").run()
    assert app.query_params["q"] in ("12+34", ["12+34"]) and not app.exception
    for hostile, key in [
        ("<img src=x onerror=alert(1)>", "errors.addition.not_addition"),
        ("123456+7", "errors.addition.too_long"),
        ("", "errors.addition.empty"),
    ]:
        app.text_input(key="ch10_q").set_value(hostile).run()
        assert not app.exception
        expected = i18n.translate(key, "en", most=5)
        assert any(expected == e.value for e in app.error), messages(app)


def test_junk_in_the_link_falls_back_to_the_defaults():
    junk = open_page("zh", q="x" * 500, steps="-5", mode="../../etc")
    assert not junk.exception and not junk.error, messages(junk)
    assert junk.text_input(key="ch10_q").value == "4789+3546"
    assert junk.slider(key="ch10_steps").value == 50  # clamped to the lowest
    assert junk.radio(key="ch10_mode").value == "step"


def test_a_live_run_goes_through_the_queue_and_is_replayed():
    """The slowest test here (a worker process starts, trains both models the fewest steps,
    scores them): the only check that the run goes through the shared queue and is replayed."""
    from ui import jobs

    app = open_page("en", steps="50")
    assert i18n.translate("ch10.live.none_yet", "en") in messages(app)
    app.button(key="ch10_train").click().run()
    assert not app.exception and not app.error, messages(app)
    run = app.session_state["ch10_run"]
    assert run["steps"] == 50 and len(run["losses"]["direct"]) == 50
    assert i18n.translate("ch10.live.loss_title", "en") in apptest_helpers.chart_titles(app)
    computed = jobs.get_queue().computed
    app.button(key="ch10_train").click().run()  # the same request again: replayed, not recomputed
    assert jobs.get_queue().computed == computed and not app.exception
