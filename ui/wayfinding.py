"""Finding one's way through the chapters: "previous / next chapter" at the end of every
chapter page, a table of contents of its sections at the top, one Back press to leave a
page (``history.js``: a control's change of the address replaces the history entry), and the glossary (the home page with ``?glossary=1``: the words the chapters
use, each linked to the chapter that first explains it; texts in ``glossary.toml``).

The footer is drawn by ``setup_page`` (so every chapter, and every chapter yet to come, has
it without a line of its own) and shown at the end of the page: the page's main column is a
flexbox, and its style puts the footer's box last.
"""

from __future__ import annotations

import functools
import re
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
    start_glossary_links()  # once per run of the whole page (never in a fragment's own rerun)
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


# --------------------------------------------------------------------------- glossary links
# A chapter's own texts (its Markdown documents in assets/content, never what a learner
# typed) link each glossary term where the page first uses it, to the term's entry.

#: Between the names of one term: "BPE (byte-pair encoding)", "Top-k, top-p", "词元（Token）".
_NAME_PARTS = re.compile(r"[()（）,，、]")
#: Where a term is never linked: code, links and images, HTML tags, bold, formulas, headings,
#: Streamlit's colour and icon markers.
_PROTECTED = re.compile(
    r"```.*?```|~~~.*?~~~|`[^`\n]*`"
    r"|!?\[[^\]\n]*\]\([^)\n]*\)|<[^>\n]*>"
    r"|\*\*.*?\*\*|__.*?__"
    r"|\$\$.*?\$\$|\$[^$\n]*\$"
    r"|^[ \t]*#{1,6}[ \t][^\n]*"
    r"|:[a-z]+\[[^\]\n]*\]|:material/[a-z_]+:",
    re.DOTALL | re.MULTILINE,
)
_LINKS = "_glossary_links"  # this session: the page run's count, the terms linked so far, each text's links


def term_forms(term: str, match: str | None = None) -> tuple[str, ...]:
    """The words a chapter's text may use for a glossary term: the parts of its name
    ("BPE (byte-pair encoding)" -> BPE, byte-pair encoding), or its entry's own ``match``
    list ("a|b") where a part alone would mean something else (key, value). A single letter
    or a single Chinese character is never one (Q, 键): it would match everywhere."""
    parts = match.split("|") if match else _NAME_PARTS.split(term)
    forms: list[str] = []
    for part in (p.strip() for p in parts):
        if len(part) >= (3 if part.isascii() else 2) and part not in forms:
            forms.append(part)
    return tuple(forms)


def _form_pattern(form: str) -> str:
    """A Latin form matches whole words, any case, plural too; a Chinese one anywhere."""
    body = re.escape(form)
    if form.isascii():
        return rf"(?<![A-Za-z0-9_-])(?i:{body})(?:e?s)?(?![A-Za-z0-9_-])"
    return body


@functools.lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[re.Pattern, tuple[str, ...]]:
    """One pattern for every form (the longest first: "self-attention" before "attention"),
    and the term each alternative stands for."""
    forms = sorted(((form, key) for key, names in terms for form in names), key=lambda fk: -len(fk[0]))
    seen, alternatives, owners = set(), [], []
    for form, key in forms:
        if form.lower() in seen:  # a name two terms share belongs to the first
            continue
        seen.add(form.lower())
        alternatives.append(f"(?P<f{len(owners)}>{_form_pattern(form)})")
        owners.append(key)
    return re.compile("|".join(alternatives) or "(?!)"), tuple(owners)


#: A glossary link in a text (its address): the tests find them with it.
GLOSSARY_LINK = re.compile(r"\]\((/\?glossary=1&lang=\w+#term-[\w-]+)\)")


def glossary_href(key: str, lang: str) -> str:
    """The glossary entry of term ``key`` (its anchor as ``show_glossary`` draws it)."""
    return f"/?glossary=1&lang={lang}#term-{key.replace('_', '-')}"


@functools.lru_cache(maxsize=1024)
def link_terms(text: str, terms: tuple[tuple[str, tuple[str, ...]], ...], lang: str,
               allowed: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """``text`` (Markdown) with the first use of each term in ``allowed`` linked to its
    glossary entry, outside code, links, tags, bold, formulas and headings; and the terms
    it linked, in order. ``terms``: (key, forms) pairs, see :func:`term_forms`."""
    pattern, owners = _terms_pattern(terms)
    protected = [match.span() for match in _PROTECTED.finditer(text)]
    pieces, linked, last = [], [], 0
    for match in pattern.finditer(text):
        key = owners[int(match.lastgroup[1:])]
        start, end = match.span()
        if key not in allowed or key in linked or any(a < end and start < b for a, b in protected):
            continue
        pieces += [text[last:start], f"[{match.group(0)}]({glossary_href(key, lang)})"]
        linked.append(key)
        last = end
    return "".join(pieces) + text[last:], tuple(linked)


@functools.lru_cache(maxsize=4)
def glossary_forms(lang: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every glossary term of ``lang`` (file order) with the words that stand for it."""
    catalogue = i18n.catalogue(lang)
    forms = []
    for key, value in catalogue.items():
        parts = key.split(".")
        if len(parts) == 4 and parts[:2] == ["glossary", "terms"] and parts[3] == "term":
            forms.append((parts[2], term_forms(value, catalogue.get(f"glossary.terms.{parts[2]}.match"))))
    return tuple(forms)


def start_glossary_links() -> None:
    """A new run of a chapter page: no term is linked yet on it."""
    state = st.session_state.setdefault(_LINKS, {"run": 0, "seen": set(), "texts": {}})
    state["run"] += 1
    state["seen"] = set()


def with_glossary_links(name: str, text: str, lang: str) -> str:
    """A chapter's Markdown document ``name`` with each glossary term linked where the page
    first uses it. Within one page run a text keeps the links it got first, so a fragment's
    own rerun shows the same links as the whole page did."""
    state = st.session_state.get(_LINKS)
    if state is None or not name.startswith("ch"):
        return text
    terms = glossary_forms(lang)
    done = state["texts"].get((name, lang))
    if done is not None and done[0] == state["run"]:
        return link_terms(text, terms, lang, done[1])[0]
    allowed = frozenset(key for key, _ in terms) - state["seen"]
    linked_text, linked = link_terms(text, terms, lang, allowed)
    state["seen"].update(linked)
    state["texts"][(name, lang)] = (state["run"], frozenset(linked))
    return linked_text
