"""Chapter 9 in headless Chromium: the page draws every chart without an exception, the
projector layout shows the main chart (similarity to every chunk) on the first screen, and a
link carrying hostile text in the question shows it as text."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.e2e.conftest import SCREENSHOTS, drawn_marks, save_screenshot, wait_for_charts, wait_for_streamlit

pytestmark = pytest.mark.e2e
URL_PATH = "Beyond_the_model"
HOSTILE = "<b>bold</b><img src=x onerror=alert(1)>"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_projector_layout_shows_the_main_chart_first(browser, server_url, lang):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server_url}/{URL_PATH}?lang={lang}&projector=1", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"projector-{URL_PATH}-{lang}.png"))
    main = page.locator(".st-key-main_chart").first
    box = main.bounding_box()
    assert box is not None and box["height"] > 50 and box["y"] + 150 < 720, box
    wait_for_charts(page)
    marks = drawn_marks(page)
    assert marks and all(count > 0 for count in marks), marks
    assert not errors, errors
    context.close()


def test_hostile_question_in_a_link_shows_as_text(page, server_url):
    page.goto(f"{server_url}/{URL_PATH}?lang=en&q=own&ask={quote(HOSTILE)}", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("main b", has_text="bold").count() == 0  # never a live tag
    assert page.locator('img[src="x"]').count() == 0
    assert page.get_by_text(HOSTILE, exact=False).count() >= 1  # the prompt shows it literally
    save_screenshot(page, f"{URL_PATH}-hostile-en")
