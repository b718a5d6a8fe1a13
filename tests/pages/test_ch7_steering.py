"""Chapter 7's steering and key/value cache (AppTest): a link reproduces the steered view, the
cache fills and slides, the timing is measured; both languages; bad sentences explain themselves."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from ui import i18n

PAGE = "pages/7_Generation.py"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, timeout=180, **params)


def text(lang: str, key: str) -> str:
    return i18n.translate(f"ch7_steering.{key}", lang)


def test_a_steered_link_shows_both_continuations_the_cache_and_the_timing() -> None:
    app = open_page("en", model="gpt_toy_en", steer="1", strength="3.0", steer_layer="2", kv_new="70")
    assert app.session_state["ch7_steer_strength"] == 3.0 and app.session_state["ch7_steer_layer"] == 2
    steered = apptest_helpers.chart_titled(app, text("en", "chart_title"))
    assert [trace["name"] for trace in steered["data"]] == [text("en", "before"), text("en", "after_short")]
    continuations = [m.value for m in app.markdown if m.value.startswith("This morning it **")]
    assert len(continuations) == 2 and continuations[0] != continuations[1]
    fill = apptest_helpers.chart_titled(app, "The cache filling slot by slot")
    assert len(fill["frames"]) == 70  # one frame per new token; the window (64) slides at the end
    assert any("window of 64 tokens" in m.value for m in app.markdown)  # the sliding question
    app.button(key="ch7_kv_time_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    timing = apptest_helpers.chart_titled(app, text("en", "kv_time_title"))
    assert all(value > 0 for value in timing["data"][0]["x"])
    assert app.query_params["kv_timed"] == "1" and app.query_params["steer"] == "1"
    app.text_area(key="ch7_steer_toward").set_value("   ").run()  # nothing to steer toward
    assert any(i18n.translate("errors.text.empty", "en") in message for message in apptest_helpers.messages(app))


def test_chinese_tiny_gpt_steers_after_pressing_the_button() -> None:
    app = open_page("zh", model="gpt_toy_zh")
    assert not any(text("zh", "chart_title") in title for title in apptest_helpers.chart_titles(app))
    app.button(key="ch7_steer_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    apptest_helpers.chart_titled(app, text("zh", "chart_title"))
    memory = apptest_helpers.chart_titled(app, text("zh", "kv_mem_title"))
    sizes = memory["data"][0]["x"]
    assert sizes[-1] == 3 * sizes[-2]  # SmolLM2 with 9 key/value heads against its real 3
    assert app.query_params["steer"] == "1"
    # The quantisation lab (a job of a few seconds: the tiny GPT at 8, 4, 3 and 2 bits).
    app.button(key="ch7_quant_go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    app.button(key="quiz_skip_ch7_quant_agree").click().run()
    table = app.table[0].value
    assert len(table) == 5  # float32, then 8, 4, 3 and 2 bits
    apptest_helpers.chart_titled(app, text("zh", "q_hist_title"))
    assert app.query_params["quant"] == "1"
