"""Real browsers confirm what the protocol-level load test cannot see: the pages render.

Starts the app on 127.0.0.1 and opens chapter 3 in ``--pages`` headless Chromium pages (separate
browser contexts, so separate sessions) at once; all press Train together with the same
settings, then each page is checked: the run finished, the "trained by you" caption is shown,
the charts are drawn, no exception box. One screenshot is saved for a look. Bounded: one wave.

    nice -n 10 .venv/bin/python bench/bench_browsers_train.py --pages 8
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
IDLE = """() => { const app = document.querySelector('[data-testid="stApp"]');
                  return app && app.getAttribute('data-test-script-state') === 'notRunning'
                      && document.querySelectorAll('.js-plotly-plot').length >= 3; }"""


async def one_student(browser, url: str, opened_pages: list, pages: int, start_together: asyncio.Event,
                      shot: Path | None) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    opened = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded")
    await page.wait_for_function(IDLE, timeout=300_000)
    open_s = time.perf_counter() - opened
    opened_pages.append(1)
    if len(opened_pages) == pages:  # the last page to finish drawing gives the signal
        start_together.set()
    await start_together.wait()
    pressed = time.perf_counter()
    await page.get_by_role("button", name="Train").click()
    await page.get_by_text("trained by you in this session").first.wait_for(timeout=300_000)
    await page.wait_for_function(IDLE, timeout=300_000)
    train_s = time.perf_counter() - pressed
    charts = await page.locator(".js-plotly-plot").count()
    exceptions = await page.locator('[data-testid="stException"]').count()
    if shot is not None:
        await page.screenshot(path=str(shot), full_page=False)
    await context.close()
    return {"open_s": open_s, "train_s": train_s, "charts": charts, "exceptions": exceptions}


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    server, base_url = streamlit_server.start("app.py")
    url = f"{base_url}/Word2vec?lang=en&seed={args.seed}"
    shot = ROOT / "artifacts" / "load" / "ch3_trained_browser.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=streamlit_server.CHROMIUM,
                                                      args=streamlit_server.CHROMIUM_ARGS)
            together, opened = asyncio.Event(), []
            tasks = [one_student(browser, url, opened, args.pages, together, shot if i == 0 else None)
                     for i in range(args.pages)]
            results = await asyncio.gather(*tasks)
            await browser.close()
    finally:
        streamlit_server.stop(server)
    print(f"{args.pages} Chromium pages, chapter 3, Train pressed together (same settings, seed {args.seed})")
    print("| page | open s | Train to drawn s | charts | exception boxes |")
    print("|---|---|---|---|---|")
    for number, r in enumerate(results, 1):
        print(f"| {number} | {r['open_s']:.1f} | {r['train_s']:.1f} | {r['charts']} | {r['exceptions']} |")
    print(f"screenshot: {shot.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2024)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
