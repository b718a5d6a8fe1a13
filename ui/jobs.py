"""One shared queue for heavy work (training runs), so a classroom costs what it asks for.

Thirty students pressing Train with the same settings ask for the *same* computation: it runs
once per server and every session gets its own copy of the result and its own replay of the
progress. Distinct requests wait in one first-in-first-out queue served by at most
``os.cpu_count()`` jobs at a time, so a class with thirty different settings gets thirty runs at
full speed one after another instead of thirty runs crawling side by side into the time cap.

The core (:class:`JobQueue`, :class:`Job`) is plain Python: no Streamlit, testable alone.
:func:`run_shared` at the bottom is the thin helper a page calls.

    job = submit(("w2v", "toy_en", config), lambda progress, should_stop: train(...), label="w2v")
    job.state        # "queued" -> "running" -> "done" | "failed" | "cancelled"
    job.position     # 1 = next to start, 0 once running
    job.progress     # the latest dict the job reported
    job.result       # the job's return value once done (shared: copy it, see job.result_copy())
    job.error        # a one-line message when it failed (never a traceback)
    job.touch()      # "someone still waits for this": call it while polling

A job function is called as ``fn(progress, should_stop)``: ``progress(dict)`` reports (every
report is kept, so late joiners can replay the run), ``should_stop()`` turns True when the time
cap is reached or every waiting session has gone; the function should then return what it has.
Python cannot kill a thread: the cap works because the job polls ``should_stop``.

Waiting sessions prove they are alive by polling (``touch``). A *queued* job nobody has polled
for ``abandon_after_s`` seconds is dropped before it starts (closed tabs free their place); a
*running* one is asked to stop and is not kept for reuse.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any

LOG = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = frozenset({DONE, FAILED, CANCELLED})

ProgressFn = Callable[[dict], None]
JobFn = Callable[[ProgressFn, Callable[[], bool]], Any]


class Job:
    """One computation, shared by every session that asked for it (same ``key``)."""

    def __init__(self, queue: JobQueue, key: Hashable, fn: JobFn, label: str, cap_s: float) -> None:
        self.key = key
        self.label = label
        self.cap_s = cap_s
        self._fn = fn
        self._queue = queue
        self.state = QUEUED
        self.result: Any = None
        self.error: str | None = None  # one line for the learner's screen
        self.exception: BaseException | None = None  # the original (pages may translate it)
        self.capped = False  # True when the time cap stopped it
        self.dropped = False  # True when it was stopped because nobody waited any more
        self.submitted_at = queue.clock()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.last_touch = self.submitted_at
        self.waiters = 1  # how many submit() calls joined this job
        self._log: list[dict] = []  # every progress report, in order (for replays)
        self._finished = threading.Event()

    # --- what a waiting session reads -------------------------------------------------------

    @property
    def position(self) -> int:
        """1-based place in the queue while queued (1 = next to start); 0 otherwise."""
        return self._queue.position_of(self)

    @property
    def progress(self) -> dict:
        """The latest progress report ({} before the first)."""
        log = self._log
        return log[-1] if log else {}

    def progress_since(self, index: int) -> list[dict]:
        """Reports number ``index`` onwards: a session replays the run from its own cursor."""
        return self._log[index:]

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def estimate_s(self) -> float:
        """Rough seconds until this job is done (queue wait + run), from recent run times."""
        typical = self._queue.typical_duration(self.label)
        if self.state == RUNNING:
            return max(0.0, typical - (self._queue.clock() - (self.started_at or 0.0)))
        if self.state == QUEUED:
            rounds = math.ceil(self.position / self._queue.workers)
            return rounds * typical + typical
        return 0.0

    def touch(self) -> None:
        """Mark that a session still waits for this job (call it on every poll)."""
        self.last_touch = self._queue.clock()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until finished (or ``timeout``); True when finished."""
        return self._finished.wait(timeout)

    def result_copy(self) -> Any:
        """A deep copy of the result: each session owns (and may change) its own."""
        return copy.deepcopy(self.result)

    def __repr__(self) -> str:
        return f"Job({self.label!r}, {self.state}, key={self.key!r})"

    # --- what the queue does -----------------------------------------------------------------

    def _abandoned(self) -> bool:
        return self._queue.clock() - self.last_touch > self._queue.abandon_after_s

    def _should_stop(self) -> bool:
        if self.started_at is not None and self._queue.clock() - self.started_at > self.cap_s:
            self.capped = True
            return True
        if self._abandoned():
            self.dropped = True
            return True
        return False

    def _run(self) -> None:
        self.started_at = self._queue.clock()
        self.state = RUNNING
        try:
            result = self._fn(self._log.append, self._should_stop)
        except Exception as exc:  # reaches every waiting session as a message, not a traceback
            LOG.warning("job %s failed: %s: %s", self.label, type(exc).__name__, exc)
            self.exception = exc
            self.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            self._finish(FAILED)
            return
        if self.dropped and not self.capped:
            self._finish(CANCELLED)  # stopped early because nobody waits: not worth keeping
            return
        self.result = result
        self._finish(DONE)

    def _finish(self, state: str) -> None:
        self.finished_at = self._queue.clock()
        self.state = state
        self._queue._finished(self)
        self._finished.set()


class JobQueue:
    """At most ``workers`` jobs at a time, first in first out; identical keys share a job.

    ``keep_done`` finished results are kept (least recently used dropped first) for
    ``keep_s`` seconds, so a student who presses Train a minute after the class gets the
    result at once.
    """

    def __init__(self, workers: int | None = None, *, keep_done: int = 16, keep_s: float = 3600.0,
                 abandon_after_s: float = 20.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.keep_done = keep_done
        self.keep_s = keep_s
        self.abandon_after_s = abandon_after_s
        self.clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._waiting: deque[Job] = deque()
        self._active: dict[Hashable, Job] = {}  # queued or running, by key
        self._done: OrderedDict[Hashable, Job] = OrderedDict()  # finished and kept, LRU order
        self._durations: dict[str, deque[float]] = {}
        self._threads: list[threading.Thread] = []
        self.computed = 0  # jobs actually started (a test counts computations with it)

    # --- the public side ----------------------------------------------------------------------

    def submit(self, key: Hashable, fn: JobFn, *, label: str = "job", cap_s: float = 60.0) -> Job:
        """The job for ``key``: the one already queued, running or done, else a new one."""
        hash(key)  # fail here, in the caller, when the key cannot be a dictionary key
        with self._lock:
            self._expire()
            job = self._active.get(key)
            if job is None and key in self._done:
                job = self._done[key]
                self._done.move_to_end(key)
            if job is not None:
                job.waiters += 1
                job.touch()
                return job
            job = Job(self, key, fn, label, cap_s)
            self._active[key] = job
            self._waiting.append(job)
            self._start_workers()
            self._wake.notify()
            return job

    def position_of(self, job: Job) -> int:
        with self._lock:
            if job.state != QUEUED:
                return 0
            alive = [j for j in self._waiting if not j._abandoned()]
            return alive.index(job) + 1 if job in alive else 0

    def typical_duration(self, label: str) -> float:
        """Median of the last runs with this label (5 s before any finished)."""
        runs = sorted(self._durations.get(label, ()))
        return runs[len(runs) // 2] if runs else 5.0

    def stats(self) -> dict:
        with self._lock:
            return {"queued": len(self._waiting), "running": sum(j.state == RUNNING for j in self._active.values()),
                    "kept": len(self._done), "computed": self.computed, "workers": self.workers}

    def clear(self) -> None:
        """Forget finished results (tests; running jobs are left alone)."""
        with self._lock:
            self._done.clear()

    # --- inside ---------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name=f"jobs-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _next_job(self) -> Job:
        with self._lock:
            while True:
                while self._waiting:
                    job = self._waiting.popleft()
                    if job._abandoned():  # every tab that wanted it has closed: drop it unstarted
                        self._active.pop(job.key, None)
                        job.finished_at = self.clock()
                        job.state = CANCELLED
                        job._finished.set()
                        continue
                    job.state = RUNNING  # under the lock, so positions never count it twice
                    self.computed += 1
                    return job
                self._wake.wait()

    def _work(self) -> None:
        while True:
            job = self._next_job()
            job._run()

    def _finished(self, job: Job) -> None:
        with self._lock:
            if self._active.get(job.key) is job:
                del self._active[job.key]
            if job.state == DONE and not job.capped:
                self._durations.setdefault(job.label, deque(maxlen=9)).append(job.finished_at - job.started_at)
            if job.state == DONE and self.keep_done > 0:
                self._done[job.key] = job
                self._done.move_to_end(job.key)
                while len(self._done) > self.keep_done:
                    self._done.popitem(last=False)

    def _expire(self) -> None:
        now = self.clock()
        for key in [k for k, j in self._done.items() if now - (j.finished_at or now) > self.keep_s]:
            del self._done[key]


_QUEUE: JobQueue | None = None
_QUEUE_LOCK = threading.Lock()


def get_queue() -> JobQueue:
    """The one queue of this server process (``LLM_EXPLAINER_JOB_WORKERS`` sets its size)."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            try:
                workers = int(os.environ.get("LLM_EXPLAINER_JOB_WORKERS", "0")) or None
            except ValueError:
                workers = None
            _QUEUE = JobQueue(workers)
        return _QUEUE


def submit(key: Hashable, fn: JobFn, *, label: str = "job", cap_s: float = 60.0) -> Job:
    """Submit to the server's queue (see :meth:`JobQueue.submit`)."""
    return get_queue().submit(key, fn, label=label, cap_s=cap_s)


# ---------------------------------------------------------------------------------------------
# Streamlit side: wait for a shared job inside a page
# ---------------------------------------------------------------------------------------------


def wait_in_page(job: Job, *, on_progress: ProgressFn | None = None, poll_s: float = 0.25) -> Any:
    """Show the learner's place in the queue, then progress; return a deep copy of the result.

    ``on_progress(report)`` is called for every report of the run, from the first, so a
    session that joined a run already under way (or finished) replays it in full.
    Failures come back as :class:`~lm_core.core.errors.InputError` (the page's ``guard()``
    shows them in the learner's language): the job's own InputError as it was raised, any
    other failure as ``jobs.failed`` with a one-line description, a dropped job as
    ``jobs.cancelled``.
    """
    import streamlit as st

    from lm_core.core.errors import InputError
    from ui.common import t

    slot = st.empty()
    cursor, shown = 0, None
    while True:
        job.touch()
        state = job.state  # read once: the worker may change it meanwhile
        for report in job.progress_since(cursor):
            cursor += 1
            if on_progress is not None:
                on_progress(report)
        if state in FINISHED and cursor >= len(job.progress_since(0)):
            break
        message = t("jobs.queued", position=job.position, seconds=f"{job.estimate_s:.0f}") if state == QUEUED else ""
        if message != shown:  # send the browser a change only when there is one
            shown = message
            if message:
                slot.info(message, icon=":material/hourglass_top:")
            else:
                slot.empty()
        if state != QUEUED:
            job.wait(poll_s)  # returns at once when finished
        else:
            time.sleep(poll_s)
    slot.empty()
    if job.state == DONE:
        return job.result_copy()
    if isinstance(job.exception, InputError):
        raise InputError(job.exception.key, **job.exception.params)
    if job.state == CANCELLED:
        raise InputError("jobs.cancelled")
    raise InputError("jobs.failed", detail=job.error or "")


def run_shared(key: Hashable, fn: JobFn, *, label: str, on_progress: ProgressFn | None = None,
               cap_s: float = 60.0) -> Any:
    """Submit ``fn`` under ``key`` to the server's queue and wait for it in the page.

    Identical ``key``s share one computation; the return value is this session's own deep
    copy of the result. See :func:`wait_in_page`.
    """
    return wait_in_page(submit(key, fn, label=label, cap_s=cap_s), on_progress=on_progress)
