"""Bilingual from day one: every key and every document exists in both languages."""

import re
import string

import pytest

from ui import i18n


def test_both_languages_have_the_same_keys():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    assert english, "no English strings found"
    only_en = sorted(set(english) - set(chinese))
    only_zh = sorted(set(chinese) - set(english))
    assert not only_en, f"keys missing in zh: {only_en}"
    assert not only_zh, f"keys missing in en: {only_zh}"


def test_both_languages_have_the_same_documents():
    assert i18n.markdown_files("en") == i18n.markdown_files("zh")
    assert "home/intro" in i18n.markdown_files("en")


def _placeholders(value: object) -> set[str]:
    if not isinstance(value, str):
        return set()
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def test_placeholders_match_between_languages():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    mismatched = [key for key in english if _placeholders(english[key]) != _placeholders(chinese.get(key))]
    assert not mismatched, f"different {{placeholders}} in: {mismatched}"


def test_value_types_match_between_languages():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    mismatched = [key for key in english if type(english[key]) is not type(chinese.get(key))]
    assert not mismatched
    for key, value in english.items():
        if isinstance(value, list):
            assert len(value) == len(chinese[key]), key


def test_chinese_strings_are_really_chinese():
    # A zh value that is pure ASCII prose (more than a few words) was probably never translated.
    untranslated = [
        key
        for key, value in i18n.catalogue("zh").items()
        if isinstance(value, str)
        and len(re.findall(r"\b[A-Za-z]{2,}\b", value)) > 4
        and not re.search(r"[\u4e00-\u9fff]", value)
    ]
    assert not untranslated, f"zh strings without Chinese: {untranslated}"


def test_translate_fills_placeholders_and_falls_back():
    assert i18n.translate("errors.text_too_long", "en", limit=5, length=9).startswith("That text is 9")
    assert "9" in i18n.translate("errors.text_too_long", "zh", limit=5, length=9)
    assert i18n.translate("no.such.key", "zh") == "no.such.key"
    assert i18n.markdown("home/intro", "zh") != i18n.markdown("home/intro", "en")


@pytest.mark.parametrize(("raw", "lang"), [("zh", "zh"), ("中文", "zh"), ("EN", "en"), ("fr", "en"), (None, "en")])
def test_normalise_language(raw, lang):
    assert i18n.normalise_language(raw) == lang
