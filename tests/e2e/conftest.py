"""The real server on 127.0.0.1 and headless Debian Chromium driven by Playwright."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from bench.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, running

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@contextlib.contextmanager
def running_server(log_name: str):
    """A streamlit server of the app on a free loopback port, stopped on exit (the bench's helper)."""
    (ROOT / "artifacts").mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # under pytest -n each worker has its own servers
    if worker:
        log_name = log_name.replace(".log", f"-{worker}.log")
    with running("app.py", log=ROOT / "artifacts" / log_name) as (_, url):
        yield url


@pytest.fixture(scope="session")
def server_url():
    with running_server("e2e-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def fresh_server_url():
    """A second server, started on its own: a link opened there finds no session,
    cache or state left by the first (a student's laptop opening the teacher's link)."""
    with running_server("e2e-server-fresh.log") as url:
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


def wait_for_charts(page, timeout_ms: int = 60_000) -> None:
    """Wait until every chart has drawn. A fresh browser loads the chart code lazily (a
    skeleton stands in until then) and plotly.js draws after the script run has ended:
    on a busy machine that can be seconds after ``wait_for_streamlit``."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]')
            && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(el => {
                const plot = el.querySelector('.js-plotly-plot');
                return plot && plot._fullLayout;
            })""",
        timeout=timeout_ms,
    )


# What plotly.js draws for the trace types the app uses (Scatter markers, lines and text,
# Bar, Heatmap) and for layout shapes: a chart whose traces drew nothing has none of them.
MARK_SELECTOR = ", ".join([
    ".scatterlayer .trace path.point", ".scatterlayer .trace path.js-line", ".scatterlayer .trace .textpoint text",
    ".barlayer .trace .point path", ".heatmaplayer .hm image", ".shapelayer path",
])


def drawn_marks(page) -> list[int]:
    """For every plotly chart of the page, how many marks it has drawn (a path with a
    shape, a heatmap image with pixels, a text mark with text)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll('.js-plotly-plot')].map(plot =>
            [...plot.querySelectorAll(selector)].filter(mark => {
                if (mark.tagName === 'path') return /[0-9]/.test(mark.getAttribute('d') || '');
                if (mark.tagName === 'image') return !!(mark.getAttribute('href') || mark.getAttribute('xlink:href'));
                return mark.textContent.trim().length > 0;
            }).length)""",
        MARK_SELECTOR,
    )


def plotly_data(page) -> list[dict]:
    """What every plotly chart shows, once all have drawn: its traces' data and its title
    (plotly.js's own objects, read in the browser; generated ids left out)."""
    wait_for_charts(page)
    return page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => ({
            title: (el.layout && el.layout.title && el.layout.title.text) || '',
            data: (el.data || []).map(trace => {
                const copy = {};
                for (const key of ['type', 'name', 'x', 'y', 'z', 'text', 'customdata']) {
                    if (trace[key] !== undefined) copy[key] = trace[key];
                }
                return JSON.parse(JSON.stringify(copy));
            }),
        }))"""
    )


def only_local_requests(context) -> list[str]:
    """Route every request of ``context``: loopback passes, anything else is refused and
    recorded (the returned list) - a classroom without internet."""
    from urllib.parse import urlparse

    blocked: list[str] = []

    def route(request_route):
        url = request_route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    return blocked


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


def explorer_frame(page, timeout_ms: int = 60_000):
    """Chapter 5's browser explorer (its frame), once it has drawn."""
    deadline = timeout_ms / 250
    for _ in range(int(deadline)):
        for frame in page.frames:
            try:
                if frame.locator("#explorer .status[data-renders]").count():
                    return frame
            except Exception:  # a frame detached while we looked
                continue
        page.wait_for_timeout(250)
    raise AssertionError("chapter 5's explorer did not draw")


def explorer_state(page) -> dict:
    """What the explorer shows: its view and a fingerprint of every panel drawn."""
    status = explorer_frame(page).locator("#explorer .status")
    return {name: status.get_attribute(f"data-{name}")
            for name in ("layer", "head", "token", "view", "causal", "temperature", "checksums")}
