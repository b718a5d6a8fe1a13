"""A class meets a server the teacher has just started: thirty students open one chapter in
the same second (chapter 7 with SmolLM2; chapter 1 in Chinese), before anything was imported or
loaded. Nobody may see an error box or an exception (the warm-up in ``ui.warmup`` imports
pandas and plotly once, under one lock, and loads the models in the background). Without the
warm-up, 20 of 30 students on chapter 7 saw "Something went wrong (AttributeError)": plotly
found pandas half-imported by another session's thread.

The students speak Streamlit's own websocket protocol (``bench/st_protocol.py``, the client of
``bench/bench_load.py``), so thirty of them cost the test machine little; the server is the
real one on 127.0.0.1, started both ways: ``streamlit run ui/launch.py`` (``make run``: the start
hook warms up before the port opens, so nobody even sees "SmolLM2 is getting ready", and opens
every chapter's first view once, so the class finds its results computed and figures drawn) and
``streamlit run app.py`` (the warm-up starts when the first page opens).

    LLM_EXPLAINER_COLD_STUDENTS=60 pytest tests/e2e/test_cold_start.py   # a bigger class
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.streamlit_server import ROOT, start, stop

sys.path.insert(0, str(ROOT / "bench"))
import st_protocol  # noqa: E402 - bench/bench_load.py's own client

STUDENTS = int(os.environ.get("LLM_EXPLAINER_COLD_STUDENTS", "30"))
#: (how the server starts, page URL path, query string) the whole class opens, one fresh server each.
VIEWS = (("ui/launch.py", "Generation", "lang=en&model=smollm2"), ("app.py", "Tokenization", "lang=zh"))
GETTING_READY = "getting ready"  # faults.smollm2_loading, shown while SmolLM2 loads in the background
STEP_TIMEOUT = 300.0


def _student(url: str, page: str, query: str) -> tuple[str, st_protocol.Run | None, str | None]:
    session = st_protocol.StreamlitSession(url, connect_timeout=60)
    try:
        return page, session.open(page, query, timeout=STEP_TIMEOUT), None
    except Exception as exc:  # noqa: BLE001 - a protocol failure is a failure of the test
        return page, None, f"{type(exc).__name__}: {exc}"
    finally:
        session.close()


@pytest.mark.parametrize("script, page, query", VIEWS)
def test_thirty_students_on_a_just_started_server_see_no_error(script, page, query):
    (ROOT / "artifacts").mkdir(exist_ok=True)
    log = ROOT / "artifacts" / f"cold-start-server-{page}.log"  # one per view: they may run at once
    process, url = start(script, log=log, timeout=300)  # app.py: listening, nothing loaded yet
    try:
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=STUDENTS) as pool:
            outcomes = list(pool.map(lambda _: _student(url, page, query), range(STUDENTS)))
        wall = time.perf_counter() - began
    finally:
        stop(process)
    problems = []
    for _, run, failure in outcomes:
        if failure:
            problems.append(f"{page}: {failure}")
        elif run.status != "ok":
            problems.append(f"{page}: run {run.status} after {run.seconds:.0f} s")
        else:
            problems += [f"{page}: exception {text[:160]}" for text in run.exceptions]
            problems += [f"{page}: error box {text[:160]}" for text in run.errors]
    seconds = sorted(run.seconds for _, run, _ in outcomes if run is not None)
    print(f"{STUDENTS} students on {page}?{query}, cold server: wall {wall:.1f} s, slowest first run "
          f"{seconds[-1] if seconds else float('nan'):.1f} s")
    server_log = log.read_text(encoding="utf-8", errors="replace")
    if script == "ui/launch.py":  # warm before the port opened: nobody waits for SmolLM2
        problems += [f"{page}: {text[:80]}" for _, run, _ in outcomes if run for text in run.texts
                     if GETTING_READY in text]
        assert "first views opened" in server_log  # every chapter's first view, drawn before the port opened
    assert not problems, problems[:5]
    assert "partially initialized module" not in server_log
    assert "Traceback" not in server_log, server_log[-3000:]
