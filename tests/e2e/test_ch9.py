"""Chapter 9 in headless Chromium: the page draws every chart without an exception, the
projector layout shows the main chart (similarity to every chunk) on the first screen, and a
link carrying hostile text in the question shows it as text."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.e2e.conftest import save_screenshot, wait_for_streamlit

pytestmark = pytest.mark.e2e
URL_PATH = "Beyond_the_model"
HOSTILE = "<b>bold</b><img src=x onerror=alert(1)>"


def test_hostile_question_in_a_link_shows_as_text(page, server_url):
    page.goto(f"{server_url}/{URL_PATH}?lang=en&q=own&ask={quote(HOSTILE)}", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("main b", has_text="bold").count() == 0  # never a live tag
    assert page.locator('img[src="x"]').count() == 0
    assert page.get_by_text(HOSTILE, exact=False).count() >= 1  # the prompt shows it literally
    save_screenshot(page, f"{URL_PATH}-hostile-en")
