"""A teacher's lesson and the two screens it meets, in headless Chromium: the presenter with the
step's chart visible on every step (and back from a chapter in one click), the projector's main
chart fully on the first screen, and nothing wider than a phone without its own scroll."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import MARK_SELECTOR, SCREENSHOTS, sidebar_folded, wait_for_streamlit, warm
from ui import i18n, lessons
from ui.chapters import ROOT

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def phone(browser, server_url):
    """A phone's browser context (a mobile viewport is a context's, not a tab's), warm as the
    desktop one: each test opens its own tab in it."""
    with warm(browser, server_url, viewport=PHONE, is_mobile=True) as context:
        yield context


def _no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def test_the_presenter_shows_every_steps_chart_and_a_chapter_leads_back_in_one_click(open_page, server_url):
    lesson = lessons.shipped_lessons()["intro45"]
    built = [k for k, step in enumerate(lesson.steps, start=1) if lessons.step_page(step)]
    page = open_page(PROJECTOR)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The shipped lesson walked from first to last step: the presenter (the step's view whole on
    # the projector, its chart drawn, the QR code and the link), then that link opened cold, as
    # a student's laptop does: a chart on every step.
    for number in built:
        page.goto(f"{server_url}/?lesson=intro45&step={number}&lang=en", wait_until="domcontentloaded")
        wait_for_streamlit(page)
        _no_exception(page)
        frame = page.locator(".st-key-presenter_view iframe")
        box = frame.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box
        view = page.frame_locator(".st-key-presenter_view iframe")
        view.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=180_000)  # the step's chart, drawn
        page.screenshot(path=str(SCREENSHOTS / f"presenter-intro45-step{number}.png"))
        assert page.locator('[data-testid="stImage"] img').count() == 1  # the QR code
        link = page.locator(".st-key-presenter_link .projected-link").first.inner_text().strip()
        assert link.startswith(server_url), link
        page.goto("about:blank")
        page.goto(link, wait_until="domcontentloaded")
        wait_for_streamlit(page)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)  # a chart on every step
        _no_exception(page)
    assert not errors, errors
    # After a click into the view, the arrow keys still move the lesson.
    page.goto(f"{server_url}/?lesson=intro45&step={built[1]}&lang=en", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    view = page.frame_locator(".st-key-presenter_view iframe")
    view.locator('[data-testid="stMain"] h1').first.click()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => location.search.includes('step={built[2]}')", timeout=60_000)
    wait_for_streamlit(page)
    # "Open this view here", then back to the same step in one click.
    page.get_by_text(i18n.translate("lesson.open_view", "en")).click()
    page.wait_for_function("() => location.pathname !== '/' && location.search.includes('lesson=intro45')",
                           timeout=60_000)
    wait_for_streamlit(page)
    page.locator(".st-key-lesson_back a").click()
    page.wait_for_function(f"() => location.pathname === '/' && location.search.includes('step={built[2]}')",
                           timeout=60_000)
    wait_for_streamlit(page)
    assert page.locator(".st-key-presenter_view iframe").count() == 1
    # On the chapter opened from a step, the arrow key goes on to the next step.
    page.get_by_text(i18n.translate("lesson.open_view", "en")).click()
    page.wait_for_function("() => location.pathname !== '/'", timeout=60_000)
    wait_for_streamlit(page)
    page.locator('[data-testid="stMain"] h1').first.click()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => location.pathname === '/' && location.search.includes('step={built[3]}')",
                           timeout=60_000)
    page.close()


CHAPTER_PAGES = [path.stem.split("_", 1)[1] for path in sorted((ROOT / "pages").glob("*.py"))]
# The whole box of each page's main figure (ui.common.main_chart: a plotly chart, a canvas or
# the explorer's frame), as drawn, not only its top edge.
MAIN_BOX = """() => {
    const main = document.querySelector('.st-key-main_chart');
    if (!main) return null;
    const figures = [...main.querySelectorAll('.js-plotly-plot, canvas, iframe, svg.main-svg')];
    const boxes = (figures.length ? figures : [main]).map(el => el.getBoundingClientRect())
        .filter(r => r.width > 0 && r.height > 0);
    if (!boxes.length) return null;
    return {top: Math.min(...boxes.map(r => r.top)), bottom: Math.max(...boxes.map(r => r.bottom)),
            left: Math.min(...boxes.map(r => r.left)), right: Math.max(...boxes.map(r => r.right))};
}"""

# The main figure's Plotly charts have drawn (an explorer or canvas figure has none: nothing to wait for) ...
MAIN_DRAWN = """() => [...document.querySelectorAll('.st-key-main_chart [data-testid="stPlotlyChart"]')]
    .every(el => { const plot = el.querySelector('.js-plotly-plot'); return plot && plot._fullLayout; })"""
# ... and each drew marks, not only empty axes.
MAIN_MARKS = """(selector) => [...document.querySelectorAll('.st-key-main_chart .js-plotly-plot')].map(
    plot => [...plot.querySelectorAll(selector)].length)"""


# Measured on 6 December 2026 before the projector layout put each main figure first (top-bottom
# at 1280x720, px, en): Tokenization 505-984, Bag_of_words 520-882, Word2vec 374-994,
# RNN_and_attention 361-741, Self_attention 444-2669 (the explorer's frame), Model_families
# 329-1340, Generation 559-1203. Every chapter now fits, in both languages. A chapter that
# cannot yet goes here: it is then checked in English only, strictly (the day it fits, the
# XPASS fails the run and its mark must go).
CUT_TODAY: set[str] = set()
PROJECTOR_CASES = [
    pytest.param(url_path, lang, marks=[pytest.mark.xfail(reason="the main figure does not fit the first screen yet",
                                                          strict=True)] if url_path in CUT_TODAY else [])
    for url_path in CHAPTER_PAGES for lang in ("en", "zh") if not (url_path in CUT_TODAY and lang == "zh")
]


@pytest.mark.parametrize(("url_path", "lang"), PROJECTOR_CASES)
def test_projector_shows_the_whole_main_figure_on_the_first_screen(open_page, server_url, url_path, lang):
    """The one projector test of every chapter: no error, the sidebar folded, the charts drawn
    (marks, not only an empty canvas), and the chapter's main figure whole on the first screen."""
    page = open_page(PROJECTOR)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server_url}/{url_path}?lang={lang}&projector=1", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    page.wait_for_function(f"() => ({MAIN_BOX})() !== null", timeout=120_000)
    page.wait_for_timeout(800)  # frames size themselves to their content
    box = page.evaluate(MAIN_BOX)
    page.screenshot(path=str(SCREENSHOTS / f"projector-full-{url_path}-{lang}.png"))
    _no_exception(page)
    folded = sidebar_folded(page)
    page.wait_for_function(MAIN_DRAWN, timeout=60_000)
    marks = page.evaluate(MAIN_MARKS, MARK_SELECTOR)
    page.close()
    assert box["top"] >= 0 and box["bottom"] <= PROJECTOR["height"] + 1, f"main figure spans {box}"
    assert box["left"] >= 0 and box["right"] <= PROJECTOR["width"] + 1, f"main figure spans {box}"
    assert folded, "the sidebar covers the projected page"
    assert all(count > 0 for count in marks), f"a chart of the main figure drew nothing: {marks}"
    assert not errors, errors


# Anything drawn wider than the phone must sit in a box that scrolls sideways on its own.
OVERFLOW = """() => {
    const width = window.innerWidth;
    const scrolls = el => {
        for (let box = el.parentElement; box; box = box.parentElement) {
            const x = getComputedStyle(box).overflowX;
            if ((x === 'auto' || x === 'scroll') && box.scrollWidth > box.clientWidth) return true;
        }
        return false;
    };
    const wide = [...document.querySelectorAll(
        '[data-testid="stMain"] .js-plotly-plot, [data-testid="stMain"] iframe, [data-testid="stMain"] canvas, '
        + '[data-testid="stMain"] table, [data-testid="stMain"] img')]
        .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > width + 1 && !scrolls(el); })
        .map(el => `${el.tagName}.${el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className} right=${Math.round(el.getBoundingClientRect().right)}`);
    const page = document.documentElement.scrollWidth > width + 1 ? [`page ${document.documentElement.scrollWidth}`] : [];
    return [...page, ...wide];
}"""


#: Chapters whose three panels side by side cannot share 390 px: the chart keeps a readable
#: width and scrolls sideways in its own box (``ui.common.chart``'s ``wide_<key>`` container).
WIDE_CHARTS = {"RNN_and_attention": "ch4_steps", "Model_families": "ch6_masks"}


@pytest.mark.parametrize("url_path", CHAPTER_PAGES)
def test_at_phone_width_nothing_overflows_without_its_own_scroll(phone, server_url, url_path):
    """One phone-sized load per chapter: the sidebar starts folded away, nothing is wider than
    the phone without a box of its own that scrolls, and three panels side by side keep a
    readable width in such a box."""
    page = phone.new_page()
    page.goto(f"{server_url}/{url_path}?lang=en&reveal=all", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"phone-first-screen-{url_path}.png"))
    folded = sidebar_folded(page)
    overflowing = page.evaluate(OVERFLOW)
    wide = None
    if url_path in WIDE_CHARTS:
        box = page.locator(f".st-key-wide_{WIDE_CHARTS[url_path]}")
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        wide = (box.locator(".main-svg").first.evaluate("e => e.getBoundingClientRect().width"),
                box.evaluate("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto'"))
        box.screenshot(path=str(SCREENSHOTS / f"phone-{url_path}-wide-chart.png"))
    page.close()
    assert folded, "the sidebar covers the phone's screen"
    assert not overflowing, overflowing
    if wide is not None:
        assert wide[0] >= 800, f"three panels squeezed into {wide[0]:.0f} px"  # drawn wide, not squeezed
        assert wide[1], "the wide chart's box does not scroll sideways"


def test_the_chapter_footer_comes_last(open_page, server_url):
    page = open_page({"width": 1280, "height": 900})
    page.goto(f"{server_url}/Tokenization?lang=en", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    # Below every other element of the page (once the page's styles have all arrived).
    page.wait_for_function("""() => {
        const footer = document.querySelector('.st-key-chapter_footer');
        if (!footer) return false;
        const others = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')]
            .filter(el => !el.closest('.st-key-chapter_footer'))
            .map(el => el.getBoundingClientRect()).filter(r => r.height > 0);
        return footer.getBoundingClientRect().top >= Math.max(...others.map(r => r.bottom)) - 1;
    }""", timeout=30_000)
    # A control's change of the address replaces the history entry: Back leaves the chapter at once.
    entries = page.evaluate("() => history.length")
    page.locator(f'label:has-text("{i18n.translate("ch1.input.whitespace", "en")}")').first.click()
    page.wait_for_function("() => location.search.includes('ws=1')", timeout=30_000)
    wait_for_streamlit(page)
    assert page.evaluate("() => history.length") == entries
    page.close()


def test_a_long_chapter_has_a_table_of_contents_that_jumps_to_its_sections(open_page, server_url):
    page = open_page({"width": 1280, "height": 900})
    page.goto(f"{server_url}/RNN_and_attention?lang=zh", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    page.wait_for_selector(".llmx-toc li a", state="attached", timeout=30_000)
    toc = page.locator(".llmx-toc")
    assert toc.locator("summary").inner_text() == i18n.translate("glossary.contents", "zh")
    links = toc.locator("li a")
    assert links.count() >= 3
    toc.locator("summary").click()
    last = links.nth(links.count() - 1)
    target = last.get_attribute("href").lstrip("#")
    last.click()
    page.wait_for_timeout(1500)  # a smooth scroll
    top = page.evaluate(f"() => document.getElementById({target!r}).getBoundingClientRect().top")
    assert 0 <= top < 300, top
    assert "#" not in page.url  # the link a teacher copies stays clean
    page.goto(f"{server_url}/?lang=zh", wait_until="domcontentloaded")  # the home page has none
    wait_for_streamlit(page)
    assert page.locator(".llmx-toc").count() == 0
    page.close()
