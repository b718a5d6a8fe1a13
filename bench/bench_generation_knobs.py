"""Chapter 7: time from a temperature-slider key press to the redrawn panel, in headless Chromium.

Chapter 7's sampling knobs (temperature, top-k, top-p) live inside the generation
``st.fragment`` with the charts they reshape, so moving one reruns that fragment, not the
page. Two servers run side by side: the real app and ``bench/trivial_slider_page.py`` (one
slider, one bar: a whole-page round trip, the floor for any Streamlit control). For chapter 7
the clock runs from a key press on the temperature slider until the greedy-vs-sampled
comparison (the last thing the fragment draws) names the new temperature and Streamlit
reports the run finished; every press goes to a temperature not seen before (no cached
continuation). The pages are measured alternately, in rounds. Prints a table (median, p95).

Usage: .venv/bin/python bench/bench_generation_knobs.py [--changes 20] [--rounds 4]
"""

from __future__ import annotations

import argparse
import statistics
import time

import streamlit_server
from bench_attention_latency import DONE, Probe, percentile

START_TEMPERATURE = 0.1  # from the slider's low end, every press is a new temperature


class TemperatureProbe:
    """Chapter 7 (tiny English GPT) in one tab: key presses on the temperature slider."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_selector(".js-plotly-plot", timeout=180_000)
        self.page.wait_for_function(DONE, timeout=180_000)
        self.page.wait_for_timeout(1000)
        self.slider = self.page.locator('[data-testid="stSlider"] input[type=range][aria-label="Temperature"]').first
        self.value = START_TEMPERATURE

    def change(self) -> float:
        self.value = round(self.value + 0.05, 2)
        expected = f"Sampled at temperature {self.value:.2f}"
        self.slider.focus()
        start = time.perf_counter()
        self.slider.press("ArrowRight")
        self.page.wait_for_function(
            """(expected) => Array.from(document.querySelectorAll('[data-testid="stHtml"]'))
                 .some(e => e.textContent.includes(expected))""", arg=expected, timeout=60_000)
        self.page.wait_for_function(DONE, timeout=60_000)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="measured changes per page")
    parser.add_argument("--rounds", type=int, default=4, help="alternations between the pages")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    if args.changes + args.warmup > round((2.0 - START_TEMPERATURE) / 0.05):
        parser.error("at most 38 presses fit on the temperature slider")

    from playwright.sync_api import sync_playwright

    app, app_url = streamlit_server.start("app.py")
    trivial, trivial_url = streamlit_server.start("bench/trivial_slider_page.py")
    results: dict[str, list[float]] = {"trivial": [], "temperature": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=streamlit_server.CHROMIUM,
                                                 args=streamlit_server.CHROMIUM_ARGS)
            chapter = TemperatureProbe(browser, f"{app_url}/Generation?lang=en&reveal=all&temp={START_TEMPERATURE}")
            base = Probe(browser, f"{trivial_url}/", "value", "value {value}")
            for _ in range(args.warmup):
                base.change(0, 10)
                chapter.change()
            per_round = max(1, args.changes // args.rounds)
            while len(results["trivial"]) < args.changes:
                for _ in range(per_round):
                    results["trivial"].append(base.change(0, 10))
                for _ in range(per_round):
                    results["temperature"].append(chapter.change())
            browser.close()
    finally:
        for process in (app, trivial):
            streamlit_server.stop(process)

    labels = {"trivial": "trivial one-slider page (whole-page round trip)",
              "temperature": "ch7 temperature slider (generation fragment, tiny GPT en)"}
    print("| what changes | n | median s | p95 s | p95 / trivial |")
    print("|---|---|---|---|---|")
    floor = percentile(results["trivial"], 95)
    for key, values in results.items():
        print(f"| {labels[key]} | {len(values)} | {statistics.median(values):.3f} | {percentile(values, 95):.3f} | "
              f"{percentile(values, 95) / floor:.2f}x |")


if __name__ == "__main__":
    main()
