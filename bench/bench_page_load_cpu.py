"""What one chapter page load costs headless Chromium, with Streamlit's loading placeholders
shimmering (as a student's browser draws them) and held still (as the browser tests' warm
contexts draw them, ``tests/e2e/conftest.py``: ``STILL_PLACEHOLDERS``).

One server, one Chromium, two warm contexts (``warm``: tabs share the site's renderer), the
chapters opened in turn in each, the order of the two swapped every round. The CPU is that of
every Chromium process, read from ``/proc`` around ``goto`` until the page has settled and every
chart has drawn. Usage:

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_page_load_cpu.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("Tokenization", "Word2vec", "Model_families", "Generation", "Pretrain_finetune_prompt", "Beyond_the_model")
DESKTOP = {"width": 1400, "height": 1000}


def chromium_cpu() -> float:
    """CPU-seconds of every Chromium process under this one."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            command = child.cmdline()
            if command and "chrom" in Path(command[0]).name:
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from bench.streamlit_server import CHROMIUM, start, stop
    from tests.e2e.conftest import BROWSER_ARGS, drawn_marks, wait_for_charts, wait_for_streamlit, warm

    process, url = start("app.py")
    results: dict[str, list[tuple[float, float]]] = {"shimmering": [], "still": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            with warm(browser, url, still=False, viewport=DESKTOP) as shimmering, \
                    warm(browser, url, still=True, viewport=DESKTOP) as still:
                contexts = {"shimmering": shimmering, "still": still}
                # The server computes each chapter's first view once, and each context's renderer
                # compiles the app's JavaScript once, before anything is measured.
                for context in contexts.values():
                    for path in args.pages:
                        page = context.new_page()
                        page.goto(f"{url}/{path}?lang=en", wait_until="domcontentloaded")
                        wait_for_streamlit(page)
                        page.close()
                for number in range(args.rounds):
                    order = ("shimmering", "still") if number % 2 == 0 else ("still", "shimmering")
                    for name in order:
                        for path in args.pages:
                            page = contexts[name].new_page()
                            page.set_viewport_size(DESKTOP)
                            cpu, began = chromium_cpu(), time.perf_counter()
                            page.goto(f"{url}/{path}?lang=en", wait_until="domcontentloaded")
                            wait_for_streamlit(page)
                            wait_for_charts(page)
                            assert all(count > 0 for count in drawn_marks(page)), path
                            results[name].append((chromium_cpu() - cpu, time.perf_counter() - began))
                            page.close()
                        loads = results[name][-len(args.pages):]
                        print(f"round {number + 1} {name:10s} {sum(c for c, _ in loads):6.1f} CPU-s, "
                              f"{sum(w for _, w in loads):5.1f} s wall for {len(loads)} loads", flush=True)
            browser.close()
    finally:
        stop(process)
    means = {name: statistics.mean(c for c, _ in loads) for name, loads in results.items()}
    for name, loads in results.items():
        print(f"{name:10s} per load: {means[name]:.2f} CPU-s of Chromium (median {statistics.median(c for c, _ in loads):.2f}), "
              f"{statistics.mean(w for _, w in loads):.2f} s wall")
    print(f"still / shimmering: {means['still'] / means['shimmering']:.2f}")


if __name__ == "__main__":
    main()
