"""Chapter 6 page: every control changes what is drawn, bad input gives a message, links reproduce the view."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from tests.pages.apptest_helpers import chart_titled, chart_titles, plotly_specs
from ui import i18n

PAGE = "pages/6_Model_families.py"
NAMES = [f"{kind}_toy_{lang}" for kind in ("gpt", "encoder", "encdec") for lang in ("en", "zh")]



def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, **params)


def messages(app: AppTest) -> list[str]:
    return [e.value for e in app.error] + [w.value for w in app.warning]


def metric(app: AppTest, index: int = 0) -> str:
    return app.metric[index].value


def test_english_page_draws_every_part_and_writes_the_url():
    app = open_page("en")
    titles = chart_titles(app)
    assert any("[MASK] 4" in title and "speech" in title for title in titles)
    for fragment in (
        "both ways",
        "future",
        "Cross-attention",
        "Who may look",
        "tiny encoder",
        "MiniLM",
        "log scale",
        "Where the parameters go",
    ):
        assert any(fragment in title for title in titles), (fragment, titles)
    assert not messages(app)
    params = app.query_params
    assert params["mask"] == ["4"] or params["mask"] == "4"
    for key in ("text", "span", "q", "preset", "width", "layers", "heads", "ctx", "tokens", "precision"):
        assert key in params, key
    # The causal mask hides the future: ✕ above the diagonal of the decoder's attention.
    causal = chart_titled(app, "future")["data"][0]["text"]
    assert causal[0][1] == "✕" and causal[1][0] == ""


def test_chinese_page_uses_the_chinese_models():
    app = open_page("zh")
    assert not messages(app)
    assert any("钥" in title for title in chart_titles(app))
    assert "面" in " ".join(m.value for m in app.markdown) or any("面" in t for t in chart_titles(app))


def test_mask_and_span_controls_change_the_charts_and_bad_choices_explain():
    app = open_page("en")
    app.pills(key="ch6_mask").set_value([1, 8]).run()
    titles = chart_titles(app)
    assert any("[MASK] 1 (was ␣king)" in t for t in titles) and any("[MASK] 8" in t for t in titles)
    # One space symbol on screen, ␣, explained once under the three families; never "▁".
    assert "▁" not in " ".join(titles) and "▁" not in str(app.pills(key="ch6_mask").options)
    assert i18n.translate("common.space_mark", "en") in [c.value for c in app.caption]
    assert app.query_params["mask"] in (["1,8"], "1,8")
    app.pills(key="ch6_mask").set_value([]).run()
    assert any("Nothing is masked" in m for m in messages(app))
    app.pills(key="ch6_mask").set_value(list(range(10))).run()
    assert any("Every token is masked" in m for m in messages(app))
    before = chart_titled(app, "Cross-attention")["layout"]["xaxis"]["ticktext"]
    app.slider(key="ch6_span").set_value((2, 3)).run()
    assert app.query_params["span"] in (["2-3"], "2-3")
    after = chart_titled(app, "Cross-attention")["layout"]["xaxis"]["ticktext"]
    assert after != before and "␣gave" not in after and "&lt;extra_id_0&gt;" in after
    source = " ".join(m.value for m in app.markdown if "encoder reads" in m.value)
    assert "extra" in source and "gave" not in source and "speech" in source
    app.slider(key="ch6_span").set_value((0, 9)).run()
    assert any("whole sentence" in m for m in messages(app))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "empty"), ("x" * 500, "characters long"), ("你好", "knows none"), ("the " * 45, "tokens")],
)
def test_bad_sentences_give_a_message_not_a_traceback(text, expected):
    app = open_page("en")
    app.text_input(key="ch6_text").set_value(text).run()
    assert any(expected in m for m in messages(app)), messages(app)
    assert any("log scale" in t for t in chart_titles(app))  # the rest of the page still works


def test_markup_in_the_sentence_stays_text():
    app = open_page("en", text="<b>the king</b> [x](http://a)")
    assert not app.exception
    for spec in plotly_specs(app):
        assert "<b>the" not in str(spec.get("layout", {}).get("title", ""))


def test_tampered_url_falls_back_and_a_span_past_the_end_is_explained():
    app = open_page("en", span="40-50", mask="1,99", width="nan", layers="-3", preset="nope", tokens="inf")
    assert any("past the end" in m for m in messages(app))
    assert app.query_params["preset"] in (["gpt2_small"], "gpt2_small")
    assert metric(app).startswith("124")


def test_calculator_link_round_trip_and_impossible_combinations():
    app = open_page("en", preset="gpt3")
    assert metric(app).startswith("175")
    app.selectbox(key="ch6_preset").set_value("bert_base").run()
    assert metric(app).startswith("109")
    app.slider(key="ch6_n_heads").set_value(7).run()
    assert any("cannot be split evenly into 7 heads" in m for m in messages(app))
    app.slider(key="ch6_n_heads").set_value(12).run()
    app.slider(key="ch6_n_layers").set_value(24).run()
    shown = metric(app)
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in app.query_params.items()}
    again = open_page(**link)
    assert metric(again) == shown and again.slider(key="ch6_n_layers").value == 24
    assert again.selectbox(key="ch6_preset").value == "bert_base"


def test_search_box_lists_similar_sentences():
    app = open_page("en", q="shares rose after strong sales")
    tables = [d.value for d in app.dataframe]
    assert any("cosine" in table.columns for table in tables)
    app.text_input(key="ch6_query").set_value("").run()
    assert any("empty" in m for m in messages(app))


def test_predict_the_biggest_part_then_reveal():
    from tests.pages.test_predict import answer_right_and_wrong

    app = open_page("en")
    answer_right_and_wrong(app, "ch6.biggest_part", ["feed_forward", "embeddings", "attention"])
    assert app.session_state["_quiz_state"]["ch6.biggest_part"]["correct"] == ["feed_forward"] or set(
        app.session_state["_quiz_state"]["ch6.biggest_part"]["correct"]
    ) == {"feed_forward"}


def test_predict_whether_the_encoder_decoder_restores_the_span():
    from tests.pages.test_predict import answer_right_and_wrong, lock, pick_widget
    from ui import i18n

    app = open_page("en")
    answer_right_and_wrong(app, "ch6.span_restored", ["yes", "no"])
    state = app.session_state["_quiz_state"]["ch6.span_restored"]
    first_context = state["context"]
    right = "encdec_right" if state["correct"] == ["yes"] else "encdec_wrong"
    verdict = i18n.translate(f"ch6.families.{right}", "en", expected="")[:16]
    assert any(verdict in m.value for m in app.markdown), verdict  # the page's own verdict agrees
    # another span is a new question, answered afresh by the model
    app.slider(key="ch6_span").set_value((0, 0)).run()
    assert app.query_params["span"] == "0-0"
    assert pick_widget(app, "ch6.span_restored").value is None  # asked afresh
    assert lock(app, "ch6.span_restored", "yes")["context"] != first_context
