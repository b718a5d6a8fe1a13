"""Chapter 10 in headless Chromium: every chart draws, the projector layout puts the main chart
on the first screen in both languages, and a problem typed as HTML runs nothing."""

import pytest

from tests.e2e.conftest import drawn_marks, save_screenshot, wait_for_charts, wait_for_streamlit

pytestmark = pytest.mark.e2e
URL = "Reasoning_and_responsibility"


def test_charts_draw_and_typed_html_is_only_refused(page, server_url):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server_url}/{URL}?lang=en&reveal=all&q=57%2B68", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    wait_for_charts(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    marks = drawn_marks(page)
    assert len(marks) >= 4 and all(count > 0 for count in marks), marks  # accuracy, 2 timelines, SmolLM2
    save_screenshot(page, "ch10-en")
    from playwright.sync_api import expect

    wait_for_charts(page)  # the page has settled again after the screenshot's resize
    box = page.locator(".st-key-ch10_q input")
    box.fill("<img src=x onerror=f()>")
    expect(box).to_have_value("<img src=x onerror=f()>")
    box.press("Enter")
    page.wait_for_timeout(500)
    wait_for_streamlit(page)
    expect(page.get_by_text("Only an addition of two whole numbers")).to_be_visible(timeout=60_000)
    save_screenshot(page, "ch10-en-typed-html")
    assert not dialogs and page.locator("img[src=x]").count() == 0


