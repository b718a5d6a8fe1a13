"""Glossary links in a chapter's own texts: each term linked where the page first uses it,
never inside code, links, bold or headings, never in what a learner typed."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import wayfinding

ROOT = Path(__file__).resolve().parents[2]
EN = (("token", ("Token",)), ("tokenizer", ("Tokenizer",)), ("attention", ("Attention",)),
      ("self_attention", ("Self-attention",)), ("bpe", ("BPE", "byte-pair encoding")))
ALL = frozenset(key for key, _ in EN)


def link(key: str, text: str, lang: str = "en") -> str:
    return f"[{text}]({wayfinding.glossary_href(key, lang)})"


def test_the_first_use_of_each_term_is_linked_and_only_that():
    text, linked = wayfinding.link_terms("Tokens first. A tokenizer makes a token; another token.", EN, "en", ALL)
    assert text == f"{link('token', 'Tokens')} first. A {link('tokenizer', 'tokenizer')} makes a token; another token."
    assert linked == ("token", "tokenizer")
    assert wayfinding.link_terms("no such words", EN, "en", ALL) == ("no such words", ())
    # A term already linked higher on the page is left alone.
    assert wayfinding.link_terms("A token.", EN, "en", ALL - {"token"}) == ("A token.", ())


def test_the_longest_name_wins_and_whole_words_only():
    text, linked = wayfinding.link_terms("Self-attention is attention; tokenless retokenize BPE", EN, "en", ALL)
    assert text.startswith(link("self_attention", "Self-attention") + f" is {link('attention', 'attention')};")
    assert "tokenless retokenize" in text and linked == ("self_attention", "attention", "bpe")


def test_code_links_bold_headings_and_formulas_stay_as_they_are():
    untouched = ("# Token heading\n`token` and ```\ntoken\n```\n[a token](https://x.example/token) "
                 "**token** <span title='token'>x</span> $token$ :red[token] ")
    text, linked = wayfinding.link_terms(untouched + "then a token.", EN, "en", ALL)
    assert text == untouched + f"then a {link('token', 'token')}." and linked == ("token",)


def test_chinese_terms_match_inside_a_sentence_without_spaces():
    zh = (("token", ("词元", "Token")), ("attention", ("注意力",)), ("self_attention", ("自注意力",)))
    text, linked = wayfinding.link_terms("每个词元都用自注意力看别的词元，注意力权重", zh, "zh", frozenset(k for k, _ in zh))
    assert text == (f"每个{link('token', '词元', 'zh')}都用{link('self_attention', '自注意力', 'zh')}看别的词元，"
                    f"{link('attention', '注意力', 'zh')}权重")
    assert linked == ("token", "self_attention", "attention")


def test_names_come_from_the_term_and_single_letters_never_match():
    assert wayfinding.term_forms("BPE (byte-pair encoding)") == ("BPE", "byte-pair encoding")
    assert wayfinding.term_forms("查询、键、值（Q、K、V）") == ("查询",)
    assert wayfinding.term_forms("Query, key, value", "query, key and value|Q, K, V") == ("query, key and value", "Q, K, V")
    for lang in ("en", "zh"):
        forms = wayfinding.glossary_forms(lang)
        assert len(forms) >= 20 and all(names for _, names in forms), [key for key, names in forms if not names]


def test_only_the_apps_own_markdown_documents_get_links():
    """Learner text never reaches the linker: only ``ui.common.md`` (the content files) calls it."""
    callers = []
    for path in [*(ROOT / "ui").rglob("*.py"), *(ROOT / "pages").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("with_glossary_links", "link_terms"):
                callers.append(path.relative_to(ROOT).as_posix())
    assert callers == ["ui/common.py"], callers


def _page_run():
    import streamlit as st

    from ui import wayfinding

    wayfinding.start_glossary_links()
    st.markdown(wayfinding.with_glossary_links("ch1/intro", "A token and a token.", "en"))
    st.markdown(wayfinding.with_glossary_links("ch1/bpe", "A token, then a tokenizer.", "en"))
    st.markdown(wayfinding.with_glossary_links("home/intro", "A tokenizer.", "en"))  # not a chapter's


def test_a_page_links_each_term_once_and_a_rerun_links_the_same():
    app = AppTest.from_function(_page_run).run()
    first = [m.value for m in app.markdown]
    assert first[0].count("](/?glossary=1&lang=en#term-token)") == 1
    assert "#term-token)" not in first[1] and "#term-tokenizer)" in first[1]
    assert first[2] == "A tokenizer."
    assert [m.value for m in app.run().markdown] == first
