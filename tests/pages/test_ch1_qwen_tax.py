"""Chapter 1's token tax with a second real vocabulary: Qwen2.5's tokenizer counts the same two
sentences beside SmolLM2's (the page, in Chinese), and without the package the chapter still
works and says so once (the section alone)."""

from __future__ import annotations

import re

import pytest

from lm_core.models.smollm2_cache import smollm2_available
from lm_core.tokenizers import qwen as qwen_module
from tests.pages import apptest_helpers
from ui import i18n

ENGLISH, CHINESE = "It rained this morning", "今天早上下雨了"


def first_number(text: str) -> int:
    return int(re.search(r"\d[\d,]*", text).group().replace(",", ""))


def metric(app, key: str, lang: str, language: str) -> int:
    label = i18n.translate(key, lang, language=i18n.translate(f"ch1.compare.series_{language}", lang))
    return first_number(next(m.value for m in app.metric if m.label == label))


@pytest.mark.skipif(not (qwen_module.qwen_available() and smollm2_available()), reason="a tokenizer is missing")
def test_the_page_counts_the_chinese_sentence_with_qwen_too():
    app = apptest_helpers.open_page("pages/1_Tokenization.py", "zh", en=ENGLISH, zh=CHINESE)
    qwen = qwen_module.load_qwen_tokenizer()
    assert i18n.translate("ch1.qwen.header", "zh") in [h.value for h in app.subheader]
    qwen_chinese = metric(app, "ch1.qwen.metric", "zh", "zh")
    assert qwen_chinese == len(qwen.encode(CHINESE)) < metric(app, "ch1.smollm2.tax_metric", "zh", "zh")
    assert metric(app, "ch1.qwen.metric", "zh", "en") == len(qwen.encode(ENGLISH))
    # What its vocabulary holds, counted, in the learner's language.
    explained = i18n.translate(
        "ch1.qwen.explain", "zh", size=qwen.learned_size, chinese=qwen_module.chinese_entries(qwen)
    )
    assert any(m.value.startswith(explained) for m in app.markdown)
    first_id = qwen.encode(CHINESE)[0]  # 今天, one token
    chips = next(b.proto.body for b in app.get("html") if f'title="id {first_id} ' in b.proto.body)
    assert ">今天<" in chips and "�" not in chips and "ä" not in chips
    missing = i18n.translate("errors.model.qwen_tokenizer_missing", "zh", package=qwen_module.PACKAGE)
    assert not app.exception and missing not in [w.value for w in app.warning]


def tax_script() -> None:
    """The token tax alone, on chapter 1's example sentences."""
    from ui import common
    from ui.chapters.ch1.compare import token_tax_section

    common._sync_state_from_url()
    token_tax_section({"en": "It rained this morning", "zh": "今天早上下雨了"})


def test_without_the_package_the_tax_says_so_once(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "qwen_tokenizer", None)  # import fails
    qwen_module.load_qwen_tokenizer.cache_clear()
    try:
        app = apptest_helpers.open_script(tax_script, "en")
    finally:
        qwen_module.load_qwen_tokenizer.cache_clear()
    missing = i18n.translate("errors.model.qwen_tokenizer_missing", "en", package=qwen_module.PACKAGE)
    assert [w.value.replace("\\", "") for w in app.warning] == [missing]  # the package's name escaped
    assert not app.error and not [m for m in app.metric if m.label.startswith("Qwen")]
    if smollm2_available():
        assert [m for m in app.metric if m.label.startswith("SmolLM2")]  # SmolLM2's count still shown
