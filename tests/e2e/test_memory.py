"""Memory bounded by design (issue 20): the worst uploads a class can send leave no memory behind.

The real server on a free loopback port, sessions simulated over Streamlit's own websocket
protocol (``bench/st_protocol.py``, no browser). Two sessions each upload the worst text
chapter 3 accepts (``bench/worst_upload.py``: 2 MB, about 230,000 distinct words) and train on
it with the settings that cost the most memory per word (every word kept, 100 dimensions).
Then both sessions close.

Resident memory is VmRSS from ``/proc`` of the server and every process under it (the job
queue's fork server and workers), summed. "Before" is measured after a warm-up class (the page
opened, a training on the toy corpus in every worker place), so it already holds what a server
keeps for good (imports, shipped models, warm workers).

The stated bound: once Streamlit has let the closed sessions go (a server keeps a disconnected
session's state for two minutes, for a reconnect; this test's server for ``SESSION_TTL_S``
seconds, ``server.disconnectedSessionTTL``, so the test does not sleep four minutes), resident
memory is within 10 % of before (``MEMORY_BOUND``, issue 20's goal), and while the uploads train
it never passes ``PEAK_BOUND_MB`` above before. Measured (bench/RESULTS.md, issue 20): 1.12-1.14
with chapter 3's training in a worker and the upload capped; 1.13 once an upload's result was no
longer kept by the job queue; 1.07, 1.07, 1.08 once the server's allocator gives large blocks
pages of their own (``ui.jobs._tune_allocator``). Before (training in the server's threads,
nothing capped) the issue measured 0.87 GB -> 3.9 GB -> 6.1 GB, still 5.7 GB five minutes after.
"""

from __future__ import annotations

import threading
import time

import psutil
import pytest

from bench import st_protocol
from bench.streamlit_server import ROOT, running
from bench.worst_upload import worst_upload

pytestmark = pytest.mark.e2e

MEMORY_BOUND = 1.10  # after / before, once the closed sessions are let go (issue 20's goal)
PEAK_BOUND_MB = 1000  # above before, at the worst moment of the two trainings
# Streamlit keeps a closed session's state 120 s by default (MemorySessionStorage); this test's
# server keeps it SESSION_TTL_S, and the test waits that long plus a margin.
SESSION_TTL_S = 10
TRIM_EVERY_S = 5
UPLOAD_QUERY = "lang=en&corpus=upload&min_count=1&dim=100&epochs=1"


def resident_mb(pid: int) -> dict[str, float]:
    """VmRSS (MB) of the server and of its child processes (fork server, workers)."""
    server = psutil.Process(pid)
    children = server.children(recursive=True)
    sizes = {"server": server.memory_info().rss / 2**20, "children": 0.0, "processes": 1 + len(children)}
    for child in children:
        try:
            sizes["children"] += child.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            pass
    sizes["total"] = sizes["server"] + sizes["children"]
    return sizes


class PeakSampler:
    """Samples the total resident memory twice a second in a thread; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.peak = max(self.peak, resident_mb(self.pid)["total"])
            except psutil.NoSuchProcess:
                return

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(5)
        return self.peak


def train(url: str, query: str, upload: bytes | None = None, name: str = "worst.txt") -> st_protocol.Run:
    """One student: open chapter 3, upload (or not), press Train, wait for the run, leave."""
    session = st_protocol.StreamlitSession(url)
    try:
        run = session.open("Word2vec", query, timeout=300)
        assert run.ok, run
        if upload is not None:
            run = session.upload("w2v_upload", name, upload, timeout=300)
            assert run.ok, run
        run = session.click("w2v_train", timeout=600)
        assert run.ok and not run.errors, (run.status, run.errors, run.exceptions)
        assert any("trained by you" in text for text in run.texts), run.texts[-5:]
        return run
    finally:
        session.close()


def together(calls: list) -> None:
    """Run ``(function, *args)`` calls at once in threads; re-raise the first failure."""
    failures: list[BaseException] = []

    def call(function, *args) -> None:
        try:
            function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread below
            failures.append(exc)

    threads = [threading.Thread(target=call, args=c) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def let_sessions_go(url: str) -> None:
    """Wait out Streamlit's keeping of closed sessions; one more session makes it drop them."""
    time.sleep(SESSION_TTL_S + 5)
    session = st_protocol.StreamlitSession(url)
    session.open("", "lang=en", timeout=120)
    session.close()


def test_two_worst_uploads_leave_resident_memory_within_the_bound(monkeypatch):
    uploads = [worst_upload(seed) for seed in (1, 2)]
    # The server reads its options from STREAMLIT_* variables (bench.streamlit_server passes ours on).
    monkeypatch.setenv("STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL", str(SESSION_TTL_S))
    # The server hands freed heap back every TRIM_EVERY_S (a class's server: every 60 s), so the
    # test reads "after" without waiting a minute for it.
    monkeypatch.setenv("LLM_EXPLAINER_TRIM_EVERY_S", str(TRIM_EVERY_S))
    (ROOT / "artifacts").mkdir(exist_ok=True)
    with running("app.py", log=ROOT / "artifacts" / "memory-server.log") as (process, url):
        # Warm-up: the page, its models, and a training in every worker place at once.
        together([(train, url, f"lang=en&epochs=1&seed={seed}") for seed in (1, 2)])
        let_sessions_go(url)
        before = resident_mb(process.pid)

        sampler = PeakSampler(process.pid)
        try:
            together([(train, url, f"{UPLOAD_QUERY}&seed={7 + n}", upload, f"worst{n}.txt")
                      for n, upload in enumerate(uploads)])
        finally:
            peak = sampler.stop()
        closed = resident_mb(process.pid)
        let_sessions_go(url)
        after = resident_mb(process.pid)

    report = (f"resident MB: before {before['total']:.0f} (server {before['server']:.0f}), peak {peak:.0f}, "
              f"right after closing {closed['total']:.0f}, after {after['total']:.0f} (server {after['server']:.0f}, "
              f"{after['processes']} processes); after/before {after['total'] / before['total']:.2f}")
    print(report)
    (ROOT / "artifacts" / "memory-test.txt").write_text(report + "\n", encoding="utf-8")
    assert peak - before["total"] < PEAK_BOUND_MB, report
    assert after["total"] <= MEMORY_BOUND * before["total"], report
