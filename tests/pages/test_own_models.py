"""Models the administrator lists in ``LLM_EXPLAINER_MODELS``: offered in chapters 5 and 7, read
like SmolLM2 there; a model over its memory limit is refused with a message; a bad list gives
one message and the shipped models still work."""

from __future__ import annotations

import pytest

from tests.pages import apptest_helpers
from tests.tiny_llama import write_tiny_folder
from ui import i18n

CH5, CH7 = "pages/5_Self_attention.py", "pages/7_Generation.py"
NAME, LABEL = "tiny-qwen", "Tiny Qwen2 (random)"


@pytest.fixture(scope="module")
def model_list(tmp_path_factory):
    """A tiny random Qwen2-shaped folder and a list naming it twice: free, and over a limit."""
    root = tmp_path_factory.mktemp("own_models")
    folder = write_tiny_folder(root / "tiny-qwen")
    listing = root / "models.toml"
    listing.write_text(
        f'[[model]]\nname = "{NAME}"\nlabel = "{LABEL}"\nsource = "{folder}"\nmax_seconds = 30\n\n'
        f'[[model]]\nname = "too-big"\nlabel = "Too big"\nsource = "{folder}"\nmax_memory_gb = 0.00001\n',
        encoding="utf-8",
    )
    return listing


@pytest.fixture
def listed(model_list, monkeypatch):
    monkeypatch.setenv("LLM_EXPLAINER_MODELS", str(model_list))
    return model_list


def _clean(app) -> None:  # noqa: ANN001
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def test_a_configured_model_generates_in_chapter_7(listed):
    """One page open and one click (~15 s on two shared cores: chapter 7 draws every section)."""
    app = apptest_helpers.open_page(CH7, "en", model=NAME, n="4")
    _clean(app)
    assert app.session_state["ch7_chat"]  # its tokenizer brings a chat template: chat mode, as SmolLM2
    # ... and an instruct model's knobs, as SmolLM2's (temperature 0.2, top-p 0.9), said beside them
    assert (app.session_state["ch7_temp"], app.session_state["ch7_topp"]) == (0.2, 0.9)
    assert any("A chat model starts at temperature 0.2" in caption.value for caption in app.caption)
    select = app.selectbox(key="ch7_model")
    assert NAME in select.options or LABEL in select.options
    assert app.session_state["ch7_model"] == NAME and app.query_params["model"] == NAME
    assert any("Tiny Qwen2" in caption.value for caption in app.caption)  # its own caption: size read from its config
    app.button(key="ch7_generate").click().run()
    _clean(app)
    assert len(app.session_state["ch7_run"].steps) > 1
    titles = apptest_helpers.chart_titles(app)
    assert any("Step" in title for title in titles) and len(titles) >= 2  # next-token chart, logit lens


def test_a_configured_model_shows_its_attention_in_chapter_5(listed):
    app = apptest_helpers.open_page(CH5, "en", model=NAME, text="The cat sat on the mat.")
    _clean(app)
    assert app.session_state["ch5_model"] == NAME
    assert app.session_state["_ch5_preselected"][0] == NAME  # traced under its own name
    assert any("Tiny Qwen2" in caption.value and "key/value" in caption.value for caption in app.caption)


def test_a_model_over_its_memory_limit_is_refused(listed):
    app = apptest_helpers.open_page(CH7, "en", model="too-big")
    assert not app.exception
    expected = i18n.translate("models.limits.too_big_model", "en", label="Too big", need=0.0, limit=0.0)
    assert any(e.value == expected for e in app.error), [e.value for e in app.error]


def test_a_bad_list_says_so_and_the_shipped_models_still_work(tmp_path, monkeypatch):
    bad = tmp_path / "models.toml"
    bad.write_text('[[model]]\nname = "smollm2"\nsource = "/nowhere"\n', encoding="utf-8")
    monkeypatch.setenv("LLM_EXPLAINER_MODELS", str(bad))
    app = apptest_helpers.open_page(CH7, "en", model=NAME)
    _clean(app)
    warnings = " ".join(w.value for w in app.warning)
    assert warnings.count("could not be used") == 1 and "belongs to a shipped model" in warnings  # said once
    assert "does not offer" in warnings  # the link's model is not offered: another one is shown
    assert app.session_state["ch7_model"] == "gpt_toy_en"


def test_chapter_1_counts_with_each_configured_tokenizer_and_says_once_when_one_is_unreadable(model_list, tmp_path,
                                                                                             monkeypatch):
    """Chapter 1 reads the tokenizers alone: the tiny model's counts the learner's text and the
    token tax; a model whose folder lost its tokenizer.json is said once, the chapter goes on.
    (The two sections the page calls, run alone: the whole page takes ~13 s here.)"""
    from lm_core.models.open_model import open_tokenizer
    from viz.text import for_markdown

    broken = tmp_path / "broken"
    broken.mkdir()
    listing = tmp_path / "models.toml"
    listing.write_text(model_list.read_text(encoding="utf-8")
                       + f'\n[[model]]\nname = "broken"\nlabel = "Broken one"\nsource = "{broken}"\n', encoding="utf-8")
    monkeypatch.setenv("LLM_EXPLAINER_MODELS", str(listing))
    english, chinese = "It rained this morning", "今天早上下雨了"
    app = apptest_helpers.open_script(_chapter_1_sections, "en")
    assert not app.exception and not app.error, [e.value for e in app.error]
    tokenizer = open_tokenizer(str(model_list.parent / "tiny-qwen"))
    counts = {m.label: m.value for m in app.metric}
    for lang_key, sentence in (("en", english), ("zh", chinese)):
        language = i18n.translate(f"ch1.compare.series_{lang_key}", "en")
        count = i18n.translate("ch1.smollm2.tax_tokens", "en", count=len(tokenizer.encode(sentence)))
        assert counts[i18n.translate("models.ch1.metric", "en", label=for_markdown(LABEL), language=language)] == count
        assert i18n.translate("models.ch1.metric", "en", label="Too big", language=language) in counts  # no weights read
    warnings = [w.value.replace("\\", "") for w in app.warning if "Broken one" in w.value]
    assert len(warnings) == 1 and "tokenizer.json" in warnings[0]
    assert any(m.value.startswith(f"**{for_markdown(LABEL)}** · ") for m in app.markdown)  # the learner's text in its tokens


def _chapter_1_sections() -> None:
    """Chapter 1's two sections that use real tokenizers, as the page calls them."""
    from ui import common
    from ui.chapters.ch1.compare import token_tax_section
    from ui.chapters.ch1.side_by_side import smollm2_section

    common._sync_state_from_url()
    smollm2_section("It rained this morning", True)
    token_tax_section({"en": "It rained this morning", "zh": "今天早上下雨了"})


def test_chapter_8_prompts_a_configured_model_through_the_job_queue(tmp_path, monkeypatch):
    """Zero-shot with the administrator's model: the prompt wrapped in its chat template, the
    test split scored in a worker (the model opened there), the method shown and kept like
    SmolLM2's. Its own folder: the prompt needs a longer context than the shared tiny model's."""
    from lm_core.analysis import ch8_lab

    folder = write_tiny_folder(tmp_path / "long", max_position=4096, block_size=4096)
    listing = tmp_path / "models.toml"
    listing.write_text(f'[[model]]\nname = "{NAME}"\nlabel = "{LABEL}"\nsource = "{folder}"\n', encoding="utf-8")
    monkeypatch.setenv("LLM_EXPLAINER_MODELS", str(listing))
    app = apptest_helpers.open_page("pages/8_Pretrain_finetune_prompt.py", "en", pm=NAME, mode="zero")
    _clean(app)
    assert app.session_state["ch8_pm"] == NAME
    assert app.code[0].value.startswith("<|im_start|>user\n")  # its chat template wraps the prompt
    own = app.session_state["ch8_own_methods"]["en"][f"{NAME}:zero"]
    assert own["probs"].shape == (len(ch8_lab.sentiment_splits("en")[1]), 3) and own["examples"] == []
    assert abs(own["probs"].sum(axis=1) - 1).max() < 1e-6
    assert ch8_lab.method_kind(f"{NAME}:zero") == "prompt_llm"
    assert any(LABEL in title for title in apptest_helpers.chart_titles(app))  # its confusion matrix, named
