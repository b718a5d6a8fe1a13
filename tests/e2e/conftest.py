"""The real server on 127.0.0.1 and headless Debian Chromium driven by Playwright.

Servers are shared: under ``pytest -n`` the first worker that needs ``server_url`` (or
``fresh_server_url``) starts it, every worker uses it, and the last one to finish stops it.
A cold start (imports, warm-up, models, job workers) is the dearest thing a browser test
does; sharing it lets the browser tests run on every worker at once without paying it twice.
"""

import contextlib
import json
import os
import shutil
import signal
import time
from pathlib import Path

import psutil
import pytest

from bench.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, running, start, stop
from lm_core.core.filelock import held

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
#: Servers this process started (pid -> process), so it reaps its own children.
_STARTED: dict = {}


@contextlib.contextmanager
def running_server(log_name: str):
    """A streamlit server of the app on a free loopback port, stopped on exit (the bench's helper)."""
    (ROOT / "artifacts").mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # a server of this worker's own
    if worker:
        log_name = log_name.replace(".log", f"-{worker}.log")
    with running("app.py", log=ROOT / "artifacts" / log_name) as (_, url):
        yield url


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _stop_pid(pid: int) -> None:
    """Stop a server, whichever worker started it."""
    process = _STARTED.pop(pid, None)
    if process is not None:
        stop(process)
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def shared_servers_folder(base_temp: Path) -> Path:
    """Where the workers of one pytest run note their shared servers (the run's own temp folder)."""
    return base_temp / "shared-servers"


@contextlib.contextmanager
def shared_server(name: str, tmp_path_factory):
    """One server ``name`` for every xdist worker of this run (a server of its own without xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        with running_server(f"{name}.log") as url:
            yield url
        return
    folder = shared_servers_folder(tmp_path_factory.getbasetemp().parent)
    folder.mkdir(exist_ok=True)
    record, lock = folder / f"{name}.json", folder / f"{name}.lock"
    with held(lock):
        state = json.loads(record.read_text()) if record.exists() else None
        if state is None or not _alive(state["pid"]):
            (ROOT / "artifacts").mkdir(exist_ok=True)
            process, url = start("app.py", log=ROOT / "artifacts" / f"{name}.log")
            _STARTED[process.pid] = process
            state = {"pid": process.pid, "url": url, "users": []}
        state["users"].append(worker)
        record.write_text(json.dumps(state))
    try:
        yield state["url"]
    finally:
        with held(lock):
            state = json.loads(record.read_text())
            state["users"].remove(worker)
            if state["users"]:
                record.write_text(json.dumps(state))
            else:  # the last worker using it
                _stop_pid(state["pid"])
                record.unlink()


def stop_leftover_servers(base_temp: Path) -> None:
    """After the run: stop a shared server a crashed worker left behind."""
    folder = shared_servers_folder(base_temp)
    for record in folder.glob("*.json") if folder.is_dir() else ():
        with contextlib.suppress(ValueError, OSError, KeyError):
            _stop_pid(json.loads(record.read_text())["pid"])
        record.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    with shared_server("e2e-server", tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
def fresh_server_url(tmp_path_factory):
    """A second server, started on its own: a link opened there finds no session,
    cache or state left by the first (a student's laptop opening the teacher's link)."""
    with shared_server("e2e-server-fresh", tmp_path_factory) as url:
        yield url


#: One renderer process per site: the pages a worker opens one after another on the app's server
#: share one renderer and so its compiled JavaScript (Streamlit's and plotly.js's 10 MB), instead
#: of compiling it again for each page (see ``warm_context``).
BROWSER_ARGS = [*CHROMIUM_ARGS, "--process-per-site"]
DESKTOP = {"width": 1400, "height": 1000}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


#: A tab's first page on an origin finds that origin's local storage empty, as in a fresh
#: context (Streamlit keeps the sidebar's state and width there); later pages of the same tab
#: keep it, as a browser does. Runs in every frame, before the page's own scripts.
_FRESH_STORAGE = """(() => { try {
    if (!sessionStorage.getItem('__llmx_e2e_tab')) { localStorage.clear(); sessionStorage.setItem('__llmx_e2e_tab', '1'); }
} catch (e) { /* about:blank has no storage */ } })()"""


#: Streamlit's loading placeholders hold still. While a new page's lazily loaded element code
#: arrives (1-2 s a load here), every element to come shows a placeholder (``stSkeleton``, up to
#: 83 at once on chapter 1) whose shimmer is a CSS animation, and headless Chromium repaints each
#: of them every frame (``bench/bench_page_load_cpu.py``: 5.11 -> 3.99 CPU-s of Chromium per
#: chapter load with it held still, side by side). What the tests check appears only once the placeholders have
#: gone, so they see the same page; a link a student opens in a context of its own keeps the
#: shimmer. Added as soon as the page has a document, before Streamlit renders.
STILL_PLACEHOLDERS = """(() => {
    const add = () => {
        const style = document.createElement('style');
        style.textContent = '[data-testid="stSkeleton"], [data-testid="stSkeleton"] * { animation: none !important; }';
        (document.head || document.documentElement).appendChild(style);
    };
    if (document.documentElement) add(); else document.addEventListener('DOMContentLoaded', add);
})()"""


@contextlib.contextmanager
def warm(browser, server_url: str, still: bool = True, **options):
    """A browser context whose tabs (one per test) share one renderer process: a tab on the
    server stays open while the context lives, so the site's renderer, with the code it has
    compiled, outlives each test's page. ``still``: Streamlit's placeholders hold still
    (``STILL_PLACEHOLDERS``). ``options``: ``browser.new_context``'s."""
    context = browser.new_context(locale="en-US", **options)
    context.add_init_script(_FRESH_STORAGE)
    if still:
        context.add_init_script(STILL_PLACEHOLDERS)
    anchor = context.new_page()
    anchor.goto(f"{server_url}/_stcore/health")
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def warm_context(browser, server_url):
    """The browser context a worker's tests open their pages in, one tab each (``open_page``).
    Measured side by side (8 chapter loads): 5.3 CPU-s of Chromium per load in a fresh context,
    3.1 here. A link a student opens on their own laptop still gets a context of its own
    (``browser.new_context``), as before."""
    with warm(browser, server_url, viewport=DESKTOP) as context:
        yield context


@pytest.fixture()
def open_page(warm_context):
    """``open_page(viewport)``: a new tab of the warm context at that size; closed after the test."""
    pages = []

    def open_(viewport: dict | None = None):
        page = warm_context.new_page()
        page.set_viewport_size(viewport or DESKTOP)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        with contextlib.suppress(Exception):  # a page the test closed itself
            page.close()


@pytest.fixture()
def page(open_page):
    return open_page()


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


def only_local_requests(target) -> list[str]:
    """Route every request of ``target`` (a page, with its frames, or a whole context): loopback
    passes, anything else is refused and recorded (the returned list) - a classroom without
    internet."""
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

    target.route("**/*", route)
    return blocked


#: True once the script run has ended, the page has its title and every chart has drawn, and all
#: of that has held for ``quiet_ms`` on end (a rerun a widget asks for right after the first run
#: flips the script state within that time). ``key`` names this wait's clock in the page.
_SETTLED = """([key, quiet_ms]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const ready = !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !!document.querySelector('[data-testid="stMain"] h1')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(el => {
            const plot = el.querySelector('.js-plotly-plot');
            return plot && plot._fullLayout;
        });
    if (!ready) { window[key] = 0; return false; }
    window[key] = window[key] || performance.now();
    return performance.now() - window[key] >= quiet_ms;
}"""
_waits = iter(range(1, 1 << 62))


def wait_for_streamlit(page, timeout_ms: int = 180_000, quiet_ms: int = 800) -> None:
    """Wait until the script run has finished and the page has settled: rendered, its charts
    drawn (plotly draws after the run has ended, lazily loaded), and nothing running for
    ``quiet_ms`` on end. Waiting on that state, not a fixed time, is both quicker on a quiet
    machine and safer on a busy one."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    key = f"__settled_since_{next(_waits)}"
    page.wait_for_function(_SETTLED, arg=[key, quiet_ms], timeout=timeout_ms, polling=100)


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


def sidebar_folded(page) -> bool:
    """The sidebar is folded away (as on a projector or a phone)."""
    return page.evaluate(
        """() => {
            const el = document.querySelector('[data-testid="stSidebar"]');
            if (!el) return true;
            const r = el.getBoundingClientRect();
            return el.getAttribute('aria-expanded') === 'false' || r.right <= 1 || r.width < 10;
        }"""
    )
