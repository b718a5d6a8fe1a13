"""Predict, then reveal, and the teacher's lesson path, in headless Chromium: the shipped
45-minute lesson's first step and its arrow key (its every step is walked in
``test_layout.py``), and a question before and after the reveal, photographed at 1400 px and
1280x720."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS, save_screenshot, wait_for_streamlit
from ui import i18n

pytestmark = pytest.mark.e2e
# True once the chart whose title holds ``title`` has drawn and its cover is (or is not) blurred.
CHART_BLURRED = """([title, blurred]) => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')]
        .find(p => p._fullLayout && p.layout && p.layout.title && (p.layout.title.text || "").includes(title));
    if (!plot) return false;
    let found = false;
    for (let n = plot; n; n = n.parentElement) if (getComputedStyle(n).filter.includes('blur')) found = true;
    return found === blurred;
}"""


def wait_until_chart_blurred(page, title: str, blurred: bool, timeout_ms: int = 60_000) -> None:
    """Wait for the state the test asserts (the chart drawn, under or out of its cover):
    plotly draws after the script run has ended, so a check made at once can find no chart."""
    page.wait_for_function(CHART_BLURRED, arg=[title, blurred], timeout=timeout_ms)


def no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def test_the_arrow_key_starts_the_shipped_lesson(page, server_url):
    """The presenter's shortcut from the first step. Every step of the lesson (presenter, QR
    code, link, and the link opened cold) is walked by
    ``test_layout.py::test_the_presenter_shows_every_steps_chart_and_a_chapter_leads_back_in_one_click``."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server_url}/?lesson=intro45&step=1&lang=en", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    no_exception(page)
    save_screenshot(page, "lesson-presenter-en")
    page.keyboard.press("ArrowRight")  # the presenter's shortcut
    page.wait_for_function("() => location.search.includes('step=2')", timeout=60_000)
    assert not errors, errors


# Two of the four size x language pairs keep the suite short; all four were looked at.
@pytest.mark.parametrize(("lang", "size"), [("en", (1400, 1000)), ("zh", (1280, 720))], ids=["en-1400", "zh-1280x720"])
def test_question_before_and_after_the_reveal(open_page, server_url, lang, size):
    from playwright.sync_api import expect

    page = open_page({"width": size[0], "height": size[1]})
    try:
        page.goto(f"{server_url}/Bag_of_words?lang={lang}", wait_until="domcontentloaded")
        wait_for_streamlit(page)
        box = page.locator(".st-key-quiz_ch2_most_similar")
        box.scroll_into_view_if_needed()
        covered = i18n.translate("ch2.similarity.figure", lang)  # the cosine heatmap below the question
        wait_until_chart_blurred(page, covered, blurred=True)  # greyed out until the learner commits
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"predict-ch2-{lang}-{size[0]}x{size[1]}"
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{name}-before.png"))
        box.locator('[data-testid="stButtonGroup"] button').nth(1).click()
        wait_for_streamlit(page)
        page.locator(".st-key-quiz_lock_ch2_most_similar button").click()
        wait_for_streamlit(page)
        no_exception(page)
        box = page.locator(".st-key-quiz_ch2_most_similar")
        expect(box.locator(".js-plotly-plot")).to_have_count(1, timeout=60_000)  # the bars that settle it
        wait_until_chart_blurred(page, covered, blurred=False)
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{name}-after.png"))
    finally:
        page.close()
