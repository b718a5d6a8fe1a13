"""A teacher's lesson and the two screens it meets, in headless Chromium: the presenter with the
step's chart visible on every step (and back from a chapter in one click), the projector's main
chart fully on the first screen, and nothing wider than a phone without its own scroll."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS, wait_for_streamlit
from ui import i18n, lessons

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


def _screen(browser, size: dict, **options):
    context = browser.new_context(viewport=size, locale="en-US", **options)
    return context, context.new_page()


def _no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def test_the_presenter_shows_every_steps_chart_and_a_chapter_leads_back_in_one_click(browser, server_url):
    lesson = lessons.shipped_lessons()["intro45"]
    built = [k for k, step in enumerate(lesson.steps, start=1) if lessons.step_page(step)]
    context, page = _screen(browser, PROJECTOR)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
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
    context.close()
