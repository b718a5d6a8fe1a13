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


def test_translate_fills_placeholders_and_falls_back(monkeypatch):
    monkeypatch.setenv(i18n.STRICT_ENV, "0")
    assert i18n.translate("errors.text.too_long", "en", limit=5, length=9).startswith("That text is 9")
    assert "9" in i18n.translate("errors.text.too_long", "zh", limit=5, length=9)
    assert i18n.translate("no.such.key", "zh") == "no.such.key"
    assert i18n.markdown("home/intro", "zh") != i18n.markdown("home/intro", "en")


@pytest.mark.parametrize(("raw", "lang"), [("zh", "zh"), ("中文", "zh"), ("EN", "en"), ("fr", "en"), (None, "en")])
def test_normalise_language(raw, lang):
    assert i18n.normalise_language(raw) == lang


def test_strict_mode_refuses_unfilled_placeholders(monkeypatch):
    monkeypatch.setenv(i18n.STRICT_ENV, "1")
    with pytest.raises(i18n.TranslationError):
        i18n.translate("errors.text.too_long", "en", limit=5)  # {length} missing
    with pytest.raises(i18n.TranslationError):
        i18n.translate("errors.text.too_long", "zh")
    monkeypatch.setenv(i18n.STRICT_ENV, "0")  # what a learner's server does: show something, never crash
    assert i18n.translate("errors.text.too_long", "en", limit=5).startswith("That text is {length}")
    assert i18n.translate("errors.no_such_problem", "zh") == "errors.no_such_problem"


def _literal_keys() -> dict[str, set[str]]:
    """Keys written as literals in code: ``t("…")``, ``translate("…", …)``, ``InputError("…")``."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [root / "app.py", *root.glob("pages/*.py"), *root.glob("ui/**/*.py"), *root.glob("viz/*.py"),
               *root.glob("lm_core/**/*.py")]
    found: dict[str, set[str]] = {}
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name in {"t", "translate", "template", "InputError"} and isinstance(first, ast.Constant) \
                    and isinstance(first.value, str):
                found.setdefault(first.value, set()).add(str(path.relative_to(root)))
    return found


def test_every_literal_key_in_code_exists_in_both_languages():
    keys = _literal_keys()
    assert "errors.text.empty" in keys and len(keys) > 100  # the scan really finds them
    for lang in i18n.LANGUAGES:
        missing = {key: sorted(paths) for key, paths in keys.items() if key not in i18n.catalogue(lang)}
        assert not missing, f"{lang}: {missing}"


def test_input_errors_name_the_problem_not_the_chapter():
    chapter_keys = {key: paths for key, paths in _literal_keys().items()
                    if re.match(r"ch\d", key) and any(p.startswith("lm_core") for p in paths)}
    assert not chapter_keys, chapter_keys


# Full-width punctuation ends a Chinese clause with its own spacing: a space after it (or a
# line break inside a Markdown paragraph, which the browser shows as one) is a stray gap.
FULL_WIDTH_PUNCTUATION = "，。：；！？、"
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_NOT_YET_CHECKED: tuple[str, ...] = ()


def _zh_texts():
    """(where, text) for every Chinese string: each value of the TOML files, each Markdown file."""
    root = i18n.CONTENT_DIR / "zh"
    for path in sorted(root.rglob("*.md")):
        if path.relative_to(root).parts[0] not in _NOT_YET_CHECKED:
            yield str(path.relative_to(root)), path.read_text(encoding="utf-8"), True
    for key, value in i18n.catalogue("zh").items():
        if key.split(".")[0] not in _NOT_YET_CHECKED:
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    yield key, text, False


def _stray_spaces(text: str, markdown: bool = True) -> list[str]:
    found = [m.group(0) for m in re.finditer(rf"[{FULL_WIDTH_PUNCTUATION}][*_`]*[ \t\u00a0]+(?![ \t\u00a0\n])", text)]
    if not markdown:
        return found
    # A soft line break inside a paragraph renders as a space: after full-width punctuation,
    # or between two Chinese characters (emphasis marks looked through).
    lines = text.split("\n")
    for before, after in zip(lines, lines[1:], strict=False):
        end, start = before.rstrip("*_`"), after.strip().lstrip("*_`")
        if not end or not start or before.endswith("  ") or re.match(r"\s*([-*+>#|]|\d+[.)]\s|```)", after):
            continue
        if end[-1] in FULL_WIDTH_PUNCTUATION or (re.match(f"[{_CJK}]", end[-1]) and re.match(f"[{_CJK}]", start)):
            found.append(f"{end[-8:]}⏎{start[:8]}")
    return found


def test_no_space_after_full_width_punctuation_in_chinese_content():
    texts = list(_zh_texts())
    assert len(texts) > 300  # the scan really reads the catalogue and the documents
    stray = {name: spots for name, text, markdown in texts if (spots := _stray_spaces(text, markdown))}
    assert not stray, stray


def test_the_stray_space_check_finds_what_it_looks_for():
    assert _stray_spaces("好。 然后")
    assert _stray_spaces("**句子：** {text}")
    assert _stray_spaces("第一行，\n第二行")
    assert _stray_spaces("一个很长的\n句子")
    assert not _stray_spaces("好。然后 GPT-2 和 top-k\n- 列表项\n- 第二项")
    assert not _stray_spaces("一行，  \n硬换行")


def test_join_sentences_puts_no_space_after_chinese_punctuation():
    assert i18n.join_sentences("It rained.", "(3 tokens cropped.)") == "It rained. (3 tokens cropped.)"
    assert i18n.join_sentences("模型看到的内容：“下雨了”", "（更早的 3 个词元已被裁掉。）") == (
        "模型看到的内容：“下雨了”（更早的 3 个词元已被裁掉。）"
    )
    assert i18n.join_sentences("编码器读到的：", "我 的") == "编码器读到的：我 的"
    assert i18n.join_sentences("答对 3 个。", "") == "答对 3 个。"


def test_chinese_bold_closes_before_its_punctuation():
    """Markdown closes ``**`` only when it is not preceded by punctuation and followed by a
    letter: ``**它只测量偏好。**它测的`` shows its asterisks. The punctuation goes outside."""
    from pathlib import Path

    bold = re.compile(r"\*\*([^*\n]+?)\*\*(.)")
    folder = Path(__file__).resolve().parents[2] / "assets" / "content" / "zh"
    shown = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".md", ".toml"}:
            for inner, after in bold.findall(path.read_text(encoding="utf-8")):
                if inner[-1] in "。，：；！？、）」』”" and not after.isspace() and after not in "。，：；！？、）」』”*":
                    shown.append(f"{path.name}: **{inner}**{after}")
    assert not shown, shown
