"""The warm start: the libraries a chart needs imported once, SmolLM2's background load shown."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import models, warmup

ROOT = Path(__file__).resolve().parents[2]


def test_start_imports_pandas_and_plotly_once_and_is_cheap_after():
    import sys

    warmup.start()
    assert "pandas" in sys.modules and "plotly.express" in sys.modules
    began = time.perf_counter()
    for _ in range(1000):
        warmup.start()
    assert time.perf_counter() - began < 0.05


def test_background_loading_is_off_under_pytest_unless_asked(monkeypatch):
    monkeypatch.delenv(warmup.ENV, raising=False)
    assert not warmup.background_enabled()
    monkeypatch.setenv(warmup.ENV, "1")
    assert warmup.background_enabled()
    monkeypatch.setenv(warmup.ENV, "0")
    assert not warmup.background_enabled()


@pytest.fixture
def timers():
    started: list[threading.Timer] = []
    yield started
    for timer in started:
        timer.cancel()


def _loading_for(seconds: float, monkeypatch, timers: list) -> None:
    """SmolLM2 "loads in the background" for ``seconds`` (a stand-in, not the real model)."""
    progress = warmup.smollm2_progress()
    monkeypatch.setattr(progress, "state", "loading")
    monkeypatch.setattr(progress, "since", time.monotonic())
    monkeypatch.setattr(progress, "done", threading.Event())

    def finish() -> None:
        progress.state = "ready"
        progress.done.set()

    timer = threading.Timer(seconds, finish)
    timer.daemon = True
    timers.append(timer)
    timer.start()


def _page_asking_for_smollm2():
    import streamlit as st

    from ui import models

    st.caption(f"model={models.smollm2()[0]}")


def test_a_page_asking_for_smollm2_while_it_loads_waits_with_a_message_then_gets_it(monkeypatch, timers):
    monkeypatch.setattr(models, "_smollm2_loaded", lambda: ("the-model", "the-tokenizer"))
    _loading_for(1.5, monkeypatch, timers)
    began = time.perf_counter()
    app = AppTest.from_function(_page_asking_for_smollm2, default_timeout=60).run()
    assert not app.exception
    assert time.perf_counter() - began >= 1.0
    assert app.caption[0].value == "model=the-model"
    assert not app.info  # the "getting ready" message is gone once it is there


def _page_that_does_not_wait():
    import streamlit as st

    from ui import warmup

    if not warmup.smollm2_getting_ready(st.query_params.get("lang", "en")):
        st.caption("SmolLM2 part")


def test_a_page_that_does_not_wait_says_getting_ready_in_its_language(monkeypatch, timers):
    _loading_for(30, monkeypatch, timers)
    for lang, words in (("en", "getting ready"), ("zh", "正在准备")):
        app = AppTest.from_function(_page_that_does_not_wait, default_timeout=60)
        app.query_params["lang"] = lang
        app.run()
        assert not app.exception
        assert words in app.info[0].value and not app.caption
    warmup.smollm2_progress().state = "ready"
    app = AppTest.from_function(_page_that_does_not_wait, default_timeout=60).run()
    assert app.caption[0].value == "SmolLM2 part"


def test_the_configured_models_are_loaded_at_start_and_one_too_big_is_skipped(tmp_path, monkeypatch, caplog):
    """Warm start for the administrator's models: the tiny one's tokenizer and weights are
    cached (no page load reads them again), the one over its memory limit is skipped with a log line."""
    import logging

    from lm_core.models import open_model
    from tests.tiny_llama import write_tiny_folder

    folder = write_tiny_folder(tmp_path / "tiny")
    listing = tmp_path / "models.toml"
    listing.write_text(f'[[model]]\nname = "tiny"\nsource = "{folder}"\n\n[[model]]\nname = "too-big"\n'
                       f'source = "{folder}"\nmax_memory_gb = 0.00001\n', encoding="utf-8")
    monkeypatch.setenv("LLM_EXPLAINER_MODELS", str(listing))
    with caplog.at_level(logging.INFO, logger=warmup.LOG.name):
        warmup.load_configured_models()
    assert any("too-big skipped" in r.getMessage() and "too_big_model" in r.getMessage() for r in caplog.records)

    def no_reading(source: str) -> None:
        raise AssertionError("read again after the warm-up")

    monkeypatch.setattr(open_model, "open_model", no_reading)
    monkeypatch.setattr(open_model, "open_tokenizer", no_reading)
    model, tokenizer = models.configured_lm("tiny")
    assert model.config.n_layer == 2 and models.configured_tokenizer("too-big").vocab_size == tokenizer.vocab_size


def test_first_views_are_every_chapter_in_both_languages_unless_told(monkeypatch):
    monkeypatch.delenv(warmup.VIEWS_ENV, raising=False)
    views = warmup.first_views()
    for path in warmup.chapter_paths():
        assert (path, "lang=en") in views and (path, "lang=zh") in views
    assert ("Generation", "lang=zh&model=smollm2") in views
    pages = {p.stem.split("_", 1)[1] for p in (ROOT / "pages").glob("*.py")}
    assert set(warmup.chapter_paths()) == pages  # a new chapter is warmed too
    monkeypatch.setenv(warmup.VIEWS_ENV, "none")
    assert warmup.first_views() == []
    monkeypatch.setenv(warmup.VIEWS_ENV, "Generation?lang=en&model=smollm2, Word2vec")
    assert warmup.first_views() == [("Generation", "lang=en&model=smollm2"), ("Word2vec", "")]
