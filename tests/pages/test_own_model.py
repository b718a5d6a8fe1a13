"""The learner's own model from chapter 8 on the generation (7) and attention (5) pages:
listed in the session that trained it, never in another one."""

from __future__ import annotations

from tests.pages import apptest_helpers
from ui import i18n

CH5, CH7, CH8 = "pages/5_Self_attention.py", "pages/7_Generation.py", "pages/8_Pretrain_finetune_prompt.py"


def test_own_model_on_pages_7_and_5_in_the_training_session_only() -> None:
    app = apptest_helpers.open_page(CH8, "en", size="xs", steps="20")
    app.button(key="ch8_pt_train").click().run()
    assert not app.exception and app.session_state["ch8_pt_run"]["finished"]
    own = app.session_state["ch8_pt_run"]["model"]
    label = i18n.translate("common.own_model", "en")

    app.switch_page(CH7)
    app.run()
    select = app.selectbox(key="ch7_model")
    assert label in select.options
    select.set_value("own").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.session_state["ch7_model"] == "own" and app.query_params["model"] == "own"
    # The caption reads this model's own size: xs has one layer and ~0.05 M parameters.
    assert any(f"{own.num_parameters() / 1e6:.2f}" in c.value for c in app.caption)
    app.button(key="ch7_next").click().run()
    assert not app.exception and app.session_state["ch7_model"] == "own"

    app.switch_page(CH5)
    app.run()
    app.selectbox(key="ch5_model").set_value("own").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    marker = app.session_state["_ch5_preselected"]
    assert marker[0].startswith("own:")  # computed under this run's private name
    assert app.query_params["model"] == "own"


def test_a_link_naming_own_in_another_session_falls_back() -> None:
    app = apptest_helpers.open_page(CH7, "en", model="own")
    assert not app.exception and not app.error
    assert i18n.translate("common.own_model", "en") not in app.selectbox(key="ch7_model").options
    assert app.session_state["ch7_model"] == "gpt_toy_en"
    app5 = apptest_helpers.open_page(CH5, "en", model="own")
    assert not app5.exception and not app5.error
    assert app5.session_state["ch5_model"] != "own"
