"""Finding one's way through the chapters: "previous / next chapter" at the end of every
chapter page, a table of contents of its sections at the top, one Back press to leave a
page (``history.js``: a control's change of the address replaces the history entry), and the glossary (the home page with ``?glossary=1``: the words the chapters
use, each linked to the chapter that first explains it; texts in ``glossary.toml``).

The footer is drawn by ``setup_page`` (so every chapter, and every chapter yet to come, has
it without a line of its own) and shown at the end of the page: the page's main column is a
flexbox, and its style puts the footer's box last.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import i18n
from ui.chapters import Chapter, available_chapters
from ui.common import projector_on, query_param, t
from viz.text import for_html

FOOTER_CSS = """<style>
.st-key-chapter_footer,
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > *:has(.st-key-chapter_footer) { order: 10000; }
</style>"""
TOC_SCRIPT = "<script>" + (Path(__file__).with_name("page_toc.js")).read_text(encoding="utf-8") + "</script>"
#: One history entry per page or lesson step, not per control (Back leaves a chapter at once).
HISTORY_SCRIPT = "<script>" + (Path(__file__).with_name("history.js")).read_text(encoding="utf-8") + "</script>"


def is_own_html(body: str) -> bool:
    """Whether an ``st.html`` body is one of this module's own constant blocks (the footer's
    style, the contents list's script, the history script): the tests that check no learner
    text renders as markup set these aside by identity, and only these."""
    toc = body.startswith('<span class="llmx-toc-wanted" ') and body.endswith(TOC_SCRIPT) \
        and body.count("<script>") == 1
    from ui import export  # the page's download script (no learner text either)

    return toc or body in (FOOTER_CSS, HISTORY_SCRIPT) or export.is_own_html(body)


def neighbours(namespace: str) -> tuple[Chapter | None, Chapter | None]:
    """The built chapters before and after chapter ``namespace`` (None at either end)."""
    built = available_chapters()
    keys = [chapter.key for chapter in built]
    if namespace not in keys:
        return None, None
    index = keys.index(namespace)
    return (built[index - 1] if index > 0 else None), (built[index + 1] if index + 1 < len(built) else None)


def _link_params(lang: str) -> dict[str, str]:
    return {"lang": lang, **({"projector": "1"} if projector_on() else {})}


def table_of_contents() -> None:
    """The chapter's sections as a "Contents" list at the top, built in the browser from the
    section headers drawn (``page_toc.js``): a chapter's new section is listed with no code."""
    marker = f'<span class="llmx-toc-wanted" data-label="{for_html(t("glossary.contents"))}" hidden></span>'
    st.html(marker + TOC_SCRIPT, unsafe_allow_javascript=True)


def chapter_footer(namespace: str, lang: str) -> None:
    """Previous chapter (home before the first), the glossary, next chapter (home after the
    last), and the chapter's table of contents."""
    if namespace == "home" or not namespace.startswith("ch"):
        return
    previous, following = neighbours(namespace)
    params = _link_params(lang)
    st.html(FOOTER_CSS)
    with st.container(key="chapter_footer"):
        table_of_contents()  # its script works from anywhere; down here it takes no room at the top
        st.html(HISTORY_SCRIPT, unsafe_allow_javascript=True)
        st.divider()
        left, middle, right = st.columns(3, vertical_alignment="center")
        with left:
            if previous is None:
                st.page_link("app.py", label=f"← {t('nav.home')}", query_params=params)
            else:
                st.page_link(previous.page, label=f"← {previous.number}. {t(f'nav.{previous.key}')}",
                             query_params=params)
        with middle:
            st.page_link("app.py", label=t("glossary.link"), icon=":material/menu_book:",
                         query_params={**params, "glossary": "1"})
        with right, st.container(horizontal_alignment="right"):
            if following is None:
                st.page_link("app.py", label=f"{t('nav.home')} →", query_params=params)
            else:
                st.page_link(following.page, label=f"{following.number}. {t(f'nav.{following.key}')} →",
                             query_params=params)


def glossary_active() -> bool:
    """True when the home page's link asks for the glossary."""
    return query_param("glossary") == "1"


def glossary_terms(lang: str) -> list[dict]:
    """The glossary's entries in ``lang``, in file order: ``key``, ``term``, ``chapter``, ``text``."""
    found = []
    for key, value in i18n.catalogue(lang).items():
        parts = key.split(".")
        if len(parts) == 4 and parts[:2] == ["glossary", "terms"] and parts[3] == "term":
            term = parts[2]
            found.append({"key": term, "term": value, "text": t(f"glossary.terms.{term}.text"),
                          "chapter": int(i18n.translate(f"glossary.terms.{term}.chapter", lang))})
    return found


def _leave_glossary() -> None:
    st.query_params.pop("glossary", None)


def show_glossary(lang: str) -> None:
    """The glossary: one entry per term, each with the chapter that first uses it."""
    st.title(t("glossary.title"))
    st.markdown(t("glossary.intro"))
    st.button(t("glossary.back"), icon=":material/arrow_back:", key="glossary_back", on_click=_leave_glossary)
    chapters = {chapter.number: chapter for chapter in available_chapters()}
    for entry in glossary_terms(lang):
        st.subheader(entry["term"], anchor=f"term-{entry['key'].replace('_', '-')}", divider="gray")
        st.markdown(entry["text"])
        chapter = chapters.get(entry["chapter"])
        if chapter is not None:
            st.page_link(chapter.page, label=t("glossary.first_used", number=chapter.number,
                                               chapter=t(f"nav.{chapter.key}")),
                         icon=chapter.icon, query_params=_link_params(lang))
