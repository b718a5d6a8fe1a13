"""Way-finding: previous / next chapter at the end of every chapter page, and the glossary."""

from __future__ import annotations

from tests.pages.apptest_helpers import open_page
from ui import i18n, wayfinding
from ui.chapters import CHAPTERS, available_chapters


def link_labels(app) -> dict[str, str]:
    return {link.proto.label: link.proto.query_string for link in app.get("page_link")}


def test_every_chapter_ends_with_its_neighbours_and_the_glossary():
    built = available_chapters()
    app = open_page(built[0].page)
    labels = link_labels(app)
    assert f"← {i18n.translate('nav.home', 'en')}" in labels  # before the first chapter: home
    assert f"{built[1].number}. {i18n.translate(f'nav.{built[1].key}', 'en')} →" in labels
    assert "glossary=1" in labels[i18n.translate("glossary.link", "en")]
    assert wayfinding.FOOTER_CSS in [h.proto.body for h in app.get("html")]  # shown last, wherever drawn
    for index, chapter in enumerate(built):
        before, after = wayfinding.neighbours(chapter.key)
        assert before == (built[index - 1] if index else None)
        assert after == (built[index + 1] if index + 1 < len(built) else None)


def test_the_glossary_lists_every_term_with_its_chapter_in_both_languages():
    for lang in ("en", "zh"):
        terms = wayfinding.glossary_terms(lang)
        assert len(terms) >= 20 and {t["chapter"] for t in terms} <= {c.number for c in CHAPTERS}
        app = open_page("app.py", lang, glossary="1")
        assert app.title[0].value == i18n.translate("glossary.title", lang)
        assert [s.value for s in app.subheader] == [t["term"] for t in terms]
        first = i18n.translate("glossary.first_used", lang, number=1, chapter=i18n.translate("nav.ch1", lang))
        assert first in link_labels(app)
    app.button(key="glossary_back").click().run()
    assert "glossary" not in app.query_params and not app.exception


def test_only_the_footers_own_blocks_are_set_aside_as_own_html():
    marker = '<span class="llmx-toc-wanted" data-label="Contents" hidden></span>'
    assert wayfinding.is_own_html(marker + wayfinding.TOC_SCRIPT)
    assert wayfinding.is_own_html(wayfinding.FOOTER_CSS) and wayfinding.is_own_html(wayfinding.HISTORY_SCRIPT)
    smuggled = marker + "<script>alert(1)</script>" + wayfinding.TOC_SCRIPT  # learner text before the script
    assert not wayfinding.is_own_html(smuggled)
    assert not wayfinding.is_own_html("<b>It rained</b>" + wayfinding.FOOTER_CSS)


def test_a_chapters_text_links_each_glossary_term_once_where_it_is_first_used():
    app = open_page("pages/2_Bag_of_words.py", "zh")
    texts = [m.value for m in app.markdown]
    linked = [href for text in texts for href in wayfinding.GLOSSARY_LINK.findall(text)]
    assert "/?glossary=1&lang=zh#term-vocabulary" in wayfinding.GLOSSARY_LINK.findall(texts[0]), texts[0]  # the intro
    assert len(linked) == len(set(linked))  # the first use only
