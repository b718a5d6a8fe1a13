"""Chapter 5: time from a control change to the updated chart, in headless Chromium.

Two servers run side by side: the real app (chapter 5, MiniLM, default sentence) and
``bench/trivial_slider_page.py`` (one slider, one bar). For each, the layer slider (or the
trivial slider) gets keyboard focus and receives ArrowRight / ArrowLeft presses; the clock
runs from the key press until the chart that depends on the control shows the new value
and Streamlit reports the run finished. The two pages are measured alternately, in rounds,
so both see the same machine load. Prints a Markdown table (median, p95) and the ratio.

Also measures the softmax-temperature slider and the "flip through every head" slider
(view "all heads"), both Plotly sliders over precomputed frames: they redraw in the browser
with no server round trip.

Usage: .venv/bin/python bench/bench_attention_latency.py [--changes 20] [--rounds 4]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
DONE = "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


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

    def temperature_step(self) -> float:
        """Move the Plotly temperature slider one step; time until the heatmap is redrawn."""
        return self.page.evaluate(
            """async () => {
                const plots = Array.from(document.querySelectorAll('.js-plotly-plot'))
                    .filter(p => p.layout && p.layout.sliders && p.layout.sliders.length);
                const plot = plots[0];
                const steps = plot.layout.sliders[0].steps;
                const active = plot.layout.sliders[0].active ?? 0;
                const next = steps[(active + 1) % steps.length].label;
                const t0 = performance.now();
                await window.Plotly.animate(plot, [next], {mode: 'immediate', frame: {duration: 0, redraw: true},
                                                           transition: {duration: 0}});
                await new Promise(r => requestAnimationFrame(() => r()));
                plot.layout.sliders[0].active = (active + 1) % steps.length;
                return (performance.now() - t0) / 1000;
            }"""
        )

    def flip_step(self) -> float:
        """Move the "flip through every head" Plotly slider one step (layer x head); time
        until the heatmap shows the new frame's weights and the browser has painted."""
        return self.page.evaluate(
            """async () => {
                const plot = Array.from(document.querySelectorAll('.js-plotly-plot'))
                    .find(p => p.layout && p.layout.sliders && p.layout.sliders.length
                               && p.layout.sliders[0].steps[0].label === 'L0·H0');
                const slider = plot.layout.sliders[0];
                const active = slider.active ?? 0;
                const next = slider.steps[(active + 1) % slider.steps.length].label;
                const wanted = plot._transitionData._frameHash[next].data[0].z;
                const t0 = performance.now();
                await window.Plotly.animate(plot, [next], {mode: 'immediate', frame: {duration: 0, redraw: true},
                                                           transition: {duration: 0}});
                while (JSON.stringify(plot.data[0].z) !== JSON.stringify(wanted)) {
                    if (performance.now() - t0 > 10000) throw new Error('heatmap never showed ' + next);
                    await new Promise(r => requestAnimationFrame(() => r()));
                }
                await new Promise(r => requestAnimationFrame(() => r()));
                slider.active = (active + 1) % slider.steps.length;
                return (performance.now() - t0) / 1000;
            }"""
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20, help="measured changes per page")
    parser.add_argument("--rounds", type=int, default=4, help="alternations between the pages")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    app, app_url = streamlit_server.start("app.py")
    trivial, trivial_url = streamlit_server.start("bench/trivial_slider_page.py")
    results: dict[str, list[float]] = {"trivial": [], "chapter5": [], "token": [], "temperature": [],
                                       "flip": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=streamlit_server.CHROMIUM,
                                                args=streamlit_server.CHROMIUM_ARGS)
            url = f"{app_url}/Self_attention?lang=en"
            # The default view (the five steps: 5 charts redrawn) and the one-token view (2 charts).
            ch5 = Probe(browser, url + "&view=steps", "Layer", "layer {value},", marker="Head output")
            token = Probe(browser, url + "&view=token", "Layer", "(layer {value},", marker="looks at")
            base = Probe(browser, f"{trivial_url}/", "value", "value {value}")
            for _ in range(args.warmup):
                ch5.change(0, 5)
                token.change(0, 5)
                base.change(0, 10)
            per_round = max(1, args.changes // args.rounds)
            while len(results["chapter5"]) < args.changes:
                for _ in range(per_round):
                    results["trivial"].append(base.change(0, 10))
                for _ in range(per_round):
                    results["chapter5"].append(ch5.change(0, 5))
                for _ in range(per_round):
                    results["token"].append(token.change(0, 5))
            if token.page.evaluate("() => typeof window.Plotly") == "object":
                for _ in range(args.changes):
                    results["temperature"].append(token.temperature_step())
                heads = Probe(browser, url + "&view=heads", "Layer", "layer {value}")
                heads.page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                    ".some(p => p.layout?.sliders?.[0]?.steps?.[0]?.label === 'L0·H0')", timeout=60_000)
                for _ in range(args.warmup):
                    heads.flip_step()
                for _ in range(args.changes):
                    results["flip"].append(heads.flip_step())
            browser.close()
    finally:
        for process in (app, trivial):
            streamlit_server.stop(process)

    print(f"{'page':<55} {'n':>3} {'median s':>9} {'p95 s':>7}")
    rows = [("trivial one-slider page (bench/)", "trivial"),
            ("chapter 5: layer slider, view 'the 5 steps'", "chapter5"),
            ("chapter 5: layer slider, view 'one token'", "token"),
            ("chapter 5: temperature (Plotly frames, browser)", "temperature"),
            ("chapter 5: flip layer x head (Plotly frames, browser)", "flip")]
    for label, key in rows:
        values = results[key]
        if values:
            print(f"{label:<55} {len(values):>3} {statistics.median(values):>9.3f} {percentile(values, 95):>7.3f}")
        else:
            print(f"{label:<55}   0  (not measured: window.Plotly not exposed)")
    for key in ("chapter5", "token", "temperature", "flip"):
        if not results[key]:
            continue
        ratio_median = statistics.median(results[key]) / statistics.median(results["trivial"])
        ratio_p95 = percentile(results[key], 95) / percentile(results["trivial"], 95)
        print(f"{key} / trivial: median {ratio_median:.2f}x, p95 {ratio_p95:.2f}x (goal: p95 <= 1.5x)")


if __name__ == "__main__":
    main()
