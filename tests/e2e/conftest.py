"""The real server on 127.0.0.1 and headless Debian Chromium driven by Playwright."""

import shutil
from pathlib import Path

import pytest

from bench.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, running

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def server_url():
    (ROOT / "artifacts").mkdir(exist_ok=True)
    with running("app.py", log=ROOT / "artifacts" / "e2e-server.log") as (_, url):
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def wait_for_streamlit(page, timeout_ms: int = 180_000) -> None:
    """Wait until the script run has finished: the app is rendered and nothing is running."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stMain"] h1');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(1500)  # let plotly and iframes finish drawing
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]').getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_ms,
    )


def save_screenshot(page, name: str, max_height: int = 9000) -> Path:
    """Screenshot of the whole page. Streamlit scrolls inside its main container, so the
    viewport is stretched to the content's height for the shot, then put back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"], section.main')]
              .map(el => el.scrollHeight), document.body.scrollHeight)"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]), max_height)})
    page.wait_for_timeout(700)  # plotly resizes to the new viewport
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    return path
