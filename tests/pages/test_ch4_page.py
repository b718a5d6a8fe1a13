"""Chapter 4 page: translations step by step, alignment, bottleneck, training, forcing,
contextual states, timing; every control changes what is drawn and lands in the URL; bad
input gives a clear message in the learner's language."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from lm_core.models import seq2seq as s2s
from tests.pages import apptest_helpers
from ui import i18n, wayfinding

PAGE = "pages/4_RNN_and_attention.py"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, **params)


def specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def steps_spec(app: AppTest) -> dict:
    """The step-by-step chart: three bar panels, titled by the step they show."""
    found = [spec for spec in specs(app) if len(spec["data"]) == 3 and spec["data"][0]["type"] == "bar"]
    assert len(found) == 1
    return found[0]


def shown_step(app: AppTest) -> int:
    """The output step (from 1) the step-by-step chart draws, read from its panel titles."""
    titles = [a["text"] for a in steps_spec(app)["layout"]["annotations"]]
    weights = [title for title in titles if title.startswith("Where step")]
    assert len(weights) == 1, titles
    return int(weights[0].split()[2])


def alignment_specs(app: AppTest) -> list[dict]:
    return [spec for spec in specs(app) if spec["data"] and spec["data"][0]["type"] == "heatmap"]


def html_blocks(app: AppTest) -> list[str]:
    return [element.proto.body for element in app.get("html") if not wayfinding.is_own_html(element.proto.body)]


def param(app: AppTest, name: str):
    value = app.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def test_default_view_translates_the_curriculum_example():
    app = open_page()
    assert any("Ik hou van lama&#x27;s." in body or "Ik hou van lama's." in body for body in html_blocks(app))
    # one step per output word of the longer translation (4 words + end), numbered from 1
    step_slider = app.select_slider(key="ch4_step")
    options = [option.replace("\\", "") for option in step_slider.options]  # escaped for Markdown
    assert options[3:] == ["4: lama's", "5: (end)"]
    assert step_slider.value == 1 and shown_step(app) == 1
    heat = alignment_specs(app)[0]["data"][0]
    assert heat["x"] == ["1. i", "2. love", "3. llamas"]
    lama_row = heat["z"][3]
    assert max(range(3), key=lama_row.__getitem__) == 2  # "lama's" looks at "llamas"
    titles = apptest_helpers.chart_titles(app)
    assert any(i18n.translate("ch4.bottleneck.title", "en") in title for title in titles)
    assert any(i18n.translate("ch4.timing.title", "en") in title for title in titles)
    assert param(app, "example") == "0"


def test_chinese_page_is_translated():
    app = open_page("zh")
    assert app.title[0].value == i18n.translate("ch4.title", "zh")
    titles = apptest_helpers.chart_titles(app)
    assert any(i18n.translate("ch4.bottleneck.title", "zh") in title for title in titles)


def test_example_and_typed_sentence_change_the_charts_and_the_url():
    app = open_page()
    app.selectbox(key="ch4_example").set_value(s2s.EXAMPLES[3]).run()
    assert not app.exception
    assert app.text_input(key="ch4_text").value == s2s.EXAMPLES[3]
    assert param(app, "example") == "3"
    assert len(alignment_specs(app)[0]["data"][0]["x"]) == len(s2s.english_words(s2s.EXAMPLES[3]))
    app.text_input(key="ch4_text").set_value("The dog is big.").run()
    assert not app.exception and not errors(app)
    assert param(app, "text") == "The dog is big."
    assert param(app, "example") is None
    assert alignment_specs(app)[0]["data"][0]["x"] == ["1. the", "2. dog", "3. is", "4. big"]


def test_the_step_slider_redraws_the_chart_and_lands_in_the_url():
    app = open_page()
    assert shown_step(app) == 1
    app.select_slider(key="ch4_step").set_value(4).run()
    assert not app.exception
    assert shown_step(app) == 4 and param(app, "step") == "4"
    # Another sentence starts again at its first step.
    app.text_input(key="ch4_text").set_value("The dog is big.").run()
    assert app.select_slider(key="ch4_step").value == 1 and param(app, "step") == "1"
    # Past the last step of a shorter sentence, a link shows its last step.
    cold = open_page(example="0", step="99")
    assert cold.select_slider(key="ch4_step").value == 5 and shown_step(cold) == 5


def test_a_shared_link_reproduces_the_view():
    app = open_page(text="The king loved white horses.", step="3", force_step="2", force_word="5")
    assert not errors(app)
    assert app.text_input(key="ch4_text").value == "The king loved white horses."
    assert app.select_slider(key="ch4_step").value == 3 and shown_step(app) == 3
    assert app.selectbox(key="ch4_force_step").value == 2
    assert app.selectbox(key="ch4_force_word").value == 4
    assert len(alignment_specs(app)) == 2  # the model's own and the forced one
    forced = alignment_specs(app)[1]["data"][0]["z"][1]
    assert forced == pytest.approx([0, 0, 0, 0, 1])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "errors.text.empty"),
        ("我爱羊驼。", "errors.text.not_english"),
        ("Ik hou van lama's.", "errors.text.looks_dutch"),
        ("I love zebras.", "errors.word.unknown_many"),
        ("<script>alert(1)</script> [x](http://a)", "errors.word.unknown_many"),
        ("I love llamas " * 12, "errors.text.too_many_words"),
    ],
)
def test_bad_input_shows_a_clear_message(text, key):
    app = open_page()
    app.text_input(key="ch4_text").set_value(text).run()
    assert not app.exception
    shown = errors(app)
    assert shown, f"no message for {text!r}"
    head = i18n.template(key, "en").split("{")[0][:25]
    assert any(head in message for message in shown), (head, shown)
    # the rest of the page still works
    assert any(i18n.translate("ch4.bottleneck.title", "en") in t for t in apptest_helpers.chart_titles(app))


def test_bad_input_message_in_chinese_and_unknown_words_get_suggestions():
    app = open_page("zh")
    app.text_input(key="ch4_text").set_value("I love lamas.").run()
    shown = errors(app)
    assert any("模型从没见过" in message and "llamas" in message for message in shown), shown


def test_forcing_the_attention_changes_the_rest_of_the_translation():
    app = open_page(example="1")
    assert len(alignment_specs(app)) == 1
    app.selectbox(key="ch4_force_step").set_value(1).run()
    app.selectbox(key="ch4_force_word").set_value(4).run()  # look at "horses" when writing the subject
    assert not app.exception
    assert param(app, "force_word") == "5" and param(app, "force_step") == "1"  # words counted from 1
    forced = alignment_specs(app)[1]["data"][0]
    assert forced["z"][0] == pytest.approx([0, 0, 0, 0, 1])
    captions = [c.value for c in app.caption]
    assert any(
        i18n.template("ch4.force.changed", "en").split("{")[0] in c or i18n.translate("ch4.force.unchanged", "en") in c
        for c in captions
    )


def test_contextual_states_controls():
    app = open_page()
    metrics = {m.label: m.value for m in app.metric}
    state = float(metrics[i18n.translate("ch4.context.state_cos", "en")])
    assert float(metrics[i18n.translate("ch4.context.embed_cos", "en")]) == 1.0
    assert state < 0.95
    app.selectbox(key="ch4_ctx_word").set_value("love").run()
    assert param(app, "ctx_word") == "love"
    changed = float({m.label: m.value for m in app.metric}[i18n.translate("ch4.context.state_cos", "en")])
    assert changed != state
    app.text_input(key="ch4_ctx_b").set_value("We see cows.").run()
    assert not app.exception
    assert any(i18n.translate("ch4.context.no_common", "en") in i.value for i in app.info)
    assert param(app, "ctx_b") == "We see cows."


def test_training_your_own_pair_draws_your_chart_and_is_shared():
    app = open_page(epochs="1", pairs="1000", hidden="32")
    assert app.select_slider(key="ch4_epochs").value == 1
    title = i18n.translate("ch4.train.title", "en")
    assert not any(title in t for t in apptest_helpers.chart_titles(app))
    app.button(key="ch4_train").click().run(timeout=600)
    assert not app.exception
    own = apptest_helpers.chart_titled(app, title)
    assert len(own["data"]) == 4  # two models x two measures
    # A second learner asking for the same run gets the same numbers without training again.
    other = open_page(epochs="1", pairs="1000", hidden="32")
    other.button(key="ch4_train").click().run()
    assert any(i18n.translate("ch4.train.reused", "en") in c.value for c in other.caption)
    assert apptest_helpers.chart_titled(other, title)["data"] == own["data"]
    # The shared models still translate as before.
    assert any("Ik hou van lama" in body for body in html_blocks(other))


def test_junk_in_the_url_falls_back():
    app = open_page(example="99", step="-4", force_step="x", force_word="1e9", epochs="nan", pairs="7", hidden="<b>")
    assert not app.exception
    assert app.select_slider(key="ch4_step").value == 1
    assert open_page(step="<script>").select_slider(key="ch4_step").value == 1
    assert app.text_input(key="ch4_text").value == s2s.EXAMPLE_SENTENCE
    assert app.select_slider(key="ch4_pairs").value == 4000
    assert app.select_slider(key="ch4_hidden").value == 64


def test_predict_then_reveal_questions():
    """Both questions answered right and wrong; the answers come from the models on screen."""
    from tests.pages.test_predict import answer_right_and_wrong, lock, pick_widget
    from ui.predict import DONE, STATE, questions_by_chapter

    app = open_page()
    assert questions_by_chapter()["ch4"] == ["ch4.looks_at", "ch4.long_sentence"]
    covered = [c.value for c in app.caption if c.value == i18n.translate("quiz.common.covered", "en")]
    assert len(covered) == 2  # the heatmap and the accuracy chart wait for a guess
    labels = pick_widget(app, "ch4.looks_at").options
    assert [label.replace("\\", "") for label in labels] == ["1. i", "2. love", "3. llamas"]
    answer_right_and_wrong(app, "ch4.looks_at", ["0", "1", "2"])
    answer_right_and_wrong(app, "ch4.long_sentence", ["over75", "under25", "25to50", "50to75"])
    assert set(app.session_state[DONE]) == {"ch4.looks_at", "ch4.long_sentence"}
    # "lama's" looks at "llamas"; the one-vector model gets almost no long sentence right
    app.button(key="quiz_again_ch4_looks_at").click().run()
    assert lock(app, "ch4.looks_at", "2")["correct"] == ["2"]
    assert app.session_state[STATE]["ch4.long_sentence"]["correct"] == ["under25"]
