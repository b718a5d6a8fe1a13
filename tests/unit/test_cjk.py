"""The one CJK test (lm_core.core.text): Chinese characters in, kana, Hangul, Latin and
punctuation out; the segmenter, chapter 4's translator and chapter 7 all use it."""

from __future__ import annotations

import pytest

from lm_core.core import text
from lm_core.core.text import CJK_RANGES, has_cjk, is_cjk


@pytest.mark.parametrize("char", ["国", "\u4e00", "\u9fff", "\u3400", "\u4dbf", "\uf900", "\ufaff", "雨"])
def test_chinese_characters_are_cjk(char):
    assert is_cjk(char) and has_cjk(f"a{char}b")


@pytest.mark.parametrize("char", ["a", "Z", "1", " ", "。", "，", "あ", "カ", "한", "\u4dc0", "🙂", "é", ""])
def test_everything_else_is_not(char):
    assert not is_cjk(char)


def test_has_cjk_looks_at_the_whole_text_and_is_cjk_at_one_character():
    assert has_cjk("The king 国王 sat") and not has_cjk("The king sat.") and not has_cjk("")
    assert not is_cjk("国王")  # one character, not a text


def test_every_caller_uses_the_same_test():
    from lm_core.data import segment

    assert segment.is_cjk is text.is_cjk and segment.has_cjk is text.has_cjk
    assert segment.CJK_RANGES == CJK_RANGES
    assert segment.detect_language("今天天气很好") == "zh" and segment.detect_language("nice weather") == "en"
