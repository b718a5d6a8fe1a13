"""Chapter 10's bias probe and responsibility sections, run alone (the lead wires them into the
chapter's page): both languages, the link's controls, the learner's own pair and line, hostile
and empty text, text over the limit."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from tests.pages.apptest_helpers import chart_titles, messages
from ui import i18n

HOSTILE = "<b>bold</b> **x** $x$ [link](http://example.com) \x1b[31m"


def sections_script() -> None:
    """Both sections, with the language read from the link as every page does."""
    from ui import common
    from ui.chapters.ch10.bias import bias_section
    from ui.chapters.ch10.responsibility import responsibility_section

    common._sync_state_from_url()
    bias_section()
    responsibility_section()


def open_sections(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_script(sections_script, lang, **params)


def markdown_text(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_english_sections_draw_every_chart_with_smollm2():
    app = open_sections("en")
    titles = chart_titles(app)
    for fragment in ("SmolLM2-135M: log P(a) − log P(b)", "Your pair's difference", "Completing the second half",
                     "Energy to train once"):
        assert any(fragment in title for title in titles), (fragment, titles)
    assert not messages(app)
    assert "according to its model card" in markdown_text(app).lower() or any(
        "according to its model card" in m.label for m in app.metric)
    app.radio(key="ch10b_measure").set_value("per_token").run()
    assert app.query_params["bias_measure"] in ("per_token", ["per_token"])
    assert any("per token" in spec["layout"]["yaxis"]["title"]["text"]
               for spec in apptest_helpers.plotly_specs(app) if "log P(a)" in apptest_helpers.chart_title(spec))


def test_chinese_tiny_model_says_how_few_pairs_it_reads():
    app = open_sections("zh", bias_model="tiny")
    titles = chart_titles(app)
    assert any("小 GPT（玩具世界）：每对句子" in title for title in titles), titles
    assert any("只能读懂" in w.value for w in app.warning)
    assert any("训练一次所需的电能" in title for title in titles)
    assert not app.error


def test_hostile_empty_and_too_long_text_show_messages_not_markup():
    app = open_sections("en", bias_model="tiny", bias_measure="<b>nan</b>")
    assert app.radio(key="ch10b_measure").value == "total"  # a tampered link falls back
    app.text_input(key="ch10b_a").set_value(HOSTILE).run()
    assert not app.exception
    unknown = [w.value for w in app.warning if "never seen" in w.value]
    assert unknown and "<b>" not in unknown[0] and "\x1b" not in unknown[0]
    app.text_input(key="ch10r_line").set_value(HOSTILE).run()
    assert not app.exception
    shown = [m.value for m in app.markdown if "the model wrote" in m.value]
    assert shown and "<b>" not in shown[0] and "](http" not in shown[0]
    app.text_input(key="ch10b_b").set_value("").run()
    assert i18n.translate("errors.text.empty", "en") in [e.value for e in app.error]
    app.text_input(key="ch10b_b").set_value("x" * 500).run()
    assert any("500" in w.value for w in app.warning)  # refused, naming its length
    assert app.text_input(key="ch10b_b").value == ""
