"""Chapter 8's "training at scale" section: each button runs its parallel job on two worker
processes and draws it, in both languages; the link holds the controls; a tampered link falls back."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from tests.pages.apptest_helpers import chart_titles, messages

PAGE = "pages/8_Pretrain_finetune_prompt.py"


def open_page(lang: str = "en", **params: str) -> AppTest:
    """Chapter 8 as a student opens it; the section sits at its end."""
    return apptest_helpers.open_page(PAGE, lang, **params)


def scale_section_script() -> None:
    """The section alone, with the language and seed read from the link as every page does
    (the whole chapter's widgets stay out: AppTest re-renders some of them in English)."""
    from ui import common
    from ui.chapters.ch8 import scale

    common._sync_state_from_url()
    scale.section(common.current_language())


def open_section(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_script(scale_section_script, lang, **params)


def press(app: AppTest, key: str) -> AppTest:
    app.button(key=key).click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def param(app: AppTest, name: str) -> str:
    value = app.query_params[name]
    return value[0] if isinstance(value, list) else value


def test_every_button_runs_and_draws_in_english():
    app = open_page("en")
    assert any("Memory per accelerator" in title for title in chart_titles(app))  # the plan needs no run
    press(app, "ch8s_dp_run")
    press(app, "ch8s_tp_run")
    press(app, "ch8s_pp_run")
    titles = chart_titles(app)
    for fragment in ("Same loss at every step", "Where a step's time goes", "What each worker holds",
                     "Measured schedule, 4 micro-batches", "The bubble shrinks", "Memory per accelerator"):
        assert any(fragment in title for title in titles), (fragment, titles)
    assert not messages(app)
    for name, value in (("mb", "4"), ("devices", "1024"), ("gpu_gb", "80"), ("zero", "1"), ("acc", "a100")):
        assert param(app, name) == value, name


def test_chinese_section_runs_the_pipeline_from_the_link():
    app = open_section("zh", mb="8", devices="64", gpu_gb="40", zero="3")
    press(app, "ch8s_pp_run")
    titles = chart_titles(app)
    assert any("实测时间表，8 个微批次" in title for title in titles), titles
    assert any("64 个 40 GB" in title for title in titles), titles
    assert not messages(app)


def test_a_tampered_link_falls_back_to_the_defaults():
    app = open_section("en", mb="3", devices="999", gpu_gb="-1", zero="7", acc="<b>tpu</b>", mfu="nan")
    assert app.select_slider(key="ch8s_mb").value == 4
    assert app.select_slider(key="ch8s_devices").value == 1024
    assert app.select_slider(key="ch8s_gpu_gb").value == 80
    assert app.select_slider(key="ch8s_zero").value == 1
    assert app.selectbox(key="ch8s_acc").value == "a100"
    assert param(app, "mb") == "4" and param(app, "devices") == "1024" and param(app, "zero") == "1"
    assert not messages(app)


def test_projector_layout_shows_the_plan():
    app = open_section("en", projector="1", devices="8", gpu_gb="16")
    assert any("8 accelerators of 16 GB" in title for title in chart_titles(app))
    assert not messages(app)


def test_a_failed_run_shows_a_message_not_a_traceback(monkeypatch):
    from lm_core.train import parallel

    def broken(*args, **kwargs):
        raise RuntimeError("no workers today")

    monkeypatch.setattr(parallel, "tensor_parallel", broken)
    app = open_section("en", seed="4242")  # a seed of its own: no shared result to reuse
    app.button(key="ch8s_tp_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("no workers today" in message for message in messages(app)), messages(app)
