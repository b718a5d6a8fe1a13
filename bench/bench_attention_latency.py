"""Chapter 5: time from a control change to the updated chart, in headless Chromium.

Two servers run side by side: the real app (chapter 5) and ``bench/trivial_slider_page.py``
(one slider, one bar: a server round trip, the floor for any Streamlit control). For the
trivial page the clock runs from a key press on its slider until the chart shows the new value
and Streamlit reports the run finished. For chapter 5's explorer, whose layer, head and token
controls run in the browser, the clock runs from a key press on its layer (or head) slider
until the explorer has redrawn every panel of the view and the browser has painted; the
websocket frames the page sends meanwhile are counted (the goal: none). The pages are
measured alternately, in rounds, so both see the same machine load. Prints a table (median,
p95) and the ratios.

Usage: .venv/bin/python bench/bench_attention_latency.py [--changes 20] [--rounds 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DONE = "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Explorer:
    """Chapter 5's explorer in one tab: key presses on its own sliders, no server."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.sent = 0
        self.page.on("websocket", lambda ws: ws.on("framesent", lambda _: self._count()))
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_function(DONE, timeout=180_000)
        self.frame = None
        for _ in range(480):
            found = [f for f in self.page.frames if f.locator("#explorer .status[data-renders]").count()]
            if found:
                self.frame = found[0]
                break
            self.page.wait_for_timeout(250)
        if self.frame is None:
            raise RuntimeError("the explorer never drew")
        self.page.wait_for_timeout(1500)

    def _count(self) -> None:
        self.sent += 1

    def change(self, key: str) -> float:
        slider = self.frame.locator(f"input[data-key={key}]")
        value, high = int(slider.evaluate("e => e.value")), int(slider.evaluate("e => e.max"))
        press = "ArrowRight" if value < high else "ArrowLeft"
        renders = self.frame.evaluate("() => document.querySelector('.status').dataset.renders")
        slider.focus()
        start = time.perf_counter()
        slider.press(press)
        self.frame.wait_for_function(
            """async (before) => {
                if (document.querySelector('.status').dataset.renders === before) return false;
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())));
                return true;
            }""", arg=renders, timeout=60_000)
        return time.perf_counter() - start


class Probe:
    """One page in one tab: focus its slider, press keys, wait for the chart."""

    def __init__(self, browser, url: str, slider_label: str, chart_text: str, marker: str = ""):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_selector(".js-plotly-plot", timeout=180_000)
        self.page.wait_for_function(DONE, timeout=180_000)
        self.page.wait_for_timeout(1000)
        self.slider = self.page.locator(f'[data-testid="stSlider"] input[type=range][aria-label="{slider_label}"]').first
        self.chart_text = chart_text  # e.g. "layer {value},": the chart shows the new value
        self.marker = marker  # ... in the chart drawn last, whose title contains this

    def value(self) -> int:
        return int(self.slider.evaluate("e => e.value"))

    def change(self, low: int, high: int) -> float:
        current = self.value()
        key, target = ("ArrowRight", current + 1) if current < high else ("ArrowLeft", current - 1)
        expected = self.chart_text.format(value=target)
        self.slider.focus()
        start = time.perf_counter()
        self.slider.press(key)
        self.page.wait_for_function(
            """([expected, marker]) => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle'))
                 .some(t => t.textContent.includes(expected) && t.textContent.includes(marker))""",
            arg=[expected, self.marker], timeout=60_000)
        self.page.wait_for_function(DONE, timeout=60_000)
        elapsed = time.perf_counter() - start
        del low
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="measured changes per page")
    parser.add_argument("--rounds", type=int, default=4, help="alternations between the pages")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from lm_core.models.smollm2 import smollm2_available

    app, app_url = streamlit_server.start("app.py")
    trivial, trivial_url = streamlit_server.start("bench/trivial_slider_page.py")
    url = f"{app_url}/Self_attention?lang=en&reveal=all"
    cases = {  # what is measured -> (link, slider)
        "steps": (url + "&view=steps", "layer"),
        "token": (url + "&view=token", "head"),
        "heads": (url + "&view=heads", "layer"),
    }
    if smollm2_available():
        cases["smollm2"] = (url + "&view=steps&model=smollm2&example=keys", "layer")
    results: dict[str, list[float]] = {"trivial": [], **{name: [] for name in cases}}
    sent: dict[str, int] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=streamlit_server.CHROMIUM,
                                                args=streamlit_server.CHROMIUM_ARGS)
            probes = {name: Explorer(browser, link) for name, (link, _) in cases.items()}
            base = Probe(browser, f"{trivial_url}/", "value", "value {value}")
            for _ in range(args.warmup):
                base.change(0, 10)
                for name, probe in probes.items():
                    probe.change(cases[name][1])
            before = {name: probe.sent for name, probe in probes.items()}
            per_round = max(1, args.changes // args.rounds)
            while len(results["trivial"]) < args.changes:
                for _ in range(per_round):
                    results["trivial"].append(base.change(0, 10))
                for name, probe in probes.items():
                    for _ in range(per_round):
                        results[name].append(probe.change(cases[name][1]))
            sent = {name: probe.sent - before[name] for name, probe in probes.items()}
            browser.close()
    finally:
        for process in (app, trivial):
            streamlit_server.stop(process)

    labels = {"trivial": "trivial one-slider page (server round trip)",
              "steps": "ch5 explorer, layer slider, 'the 5 steps' (MiniLM)",
              "token": "ch5 explorer, head slider, 'one token' (MiniLM)",
              "heads": "ch5 explorer, layer slider, 'all heads' (MiniLM)",
              "smollm2": "ch5 explorer, layer slider, 'the 5 steps' (SmolLM2)"}
    print("| what changes | n | median s | p95 s | p95 / trivial | frames sent to the server |")
    print("|---|---|---|---|---|---|")
    floor = percentile(results["trivial"], 95)
    for key, values in results.items():
        print(f"| {labels[key]} | {len(values)} | {statistics.median(values):.3f} | {percentile(values, 95):.3f} | "
              f"{percentile(values, 95) / floor:.2f}x | {sent.get(key, '-')} |")


if __name__ == "__main__":
    main()
