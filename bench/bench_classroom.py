"""A classroom at once: N students open the app's chapters at the same moment.

Starts the real server on 127.0.0.1, then N headless Chromium pages (separate browser
contexts = separate Streamlit sessions) open the chapters together, round-robin, in both
languages. Reports, per wave, the time until each page finished its first run and whether any
showed an exception. Bounded: `--waves` waves of `--students` pages, then it stops.

    .venv/bin/python bench/bench_classroom.py --students 12 --waves 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

import streamlit_server

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_student(browser, url: str) -> tuple[float, bool]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded")
    await page.wait_for_function(
        """() => { const app = document.querySelector('[data-testid="stApp"]');
                   return app && app.getAttribute('data-test-script-state') === 'notRunning'
                       && document.querySelector('[data-testid="stMain"] h1')
                       && document.querySelector('.js-plotly-plot'); }""",
        timeout=300_000,
    )
    elapsed = time.perf_counter() - start
    failed = await page.locator('[data-testid="stException"]').count() > 0
    await context.close()
    return elapsed, failed


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    pages = [""] + [p.stem.split("_", 1)[1] for p in sorted((ROOT / "pages").glob("*.py"))]
    server, base_url = streamlit_server.start("app.py")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=streamlit_server.CHROMIUM,
                                                      args=streamlit_server.CHROMIUM_ARGS)
            # Warm the shared caches once (model loading happens once per server, not per student).
            for path in pages:
                await one_student(browser, f"{base_url}/{path}?lang=en")
            print(f"{args.students} students at once, {len(pages)} pages round-robin, both languages")
            print("| wave | median s | p95 s | max s | exception boxes | server CPU s | wall s |")
            print("|---|---|---|---|---|---|---|")
            for wave in range(args.waves):
                urls = [
                    f"{base_url}/{pages[i % len(pages)]}?lang={'zh' if (i + wave) % 2 else 'en'}"
                    for i in range(args.students)
                ]
                cpu_before, wall_before = cpu_seconds(server.pid), time.perf_counter()
                results = await asyncio.gather(*(one_student(browser, url) for url in urls))
                server_cpu, wall = cpu_seconds(server.pid) - cpu_before, time.perf_counter() - wall_before
                times = sorted(r[0] for r in results)
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                print(f"| {wave + 1} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} | "
                      f"{sum(r[1] for r in results)} | {server_cpu:.1f} | {wall:.1f} |")
            await browser.close()
    finally:
        streamlit_server.stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--waves", type=int, default=2)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
