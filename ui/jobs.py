"""One shared queue for heavy work, run in worker processes, so a classroom costs what it asks for.

Thirty students pressing Train with the same settings ask for the *same* computation: it runs
once per server and every session gets its own copy of the result and its own replay of the
progress. Distinct requests wait in one first-in-first-out queue served by at most
``os.cpu_count()`` jobs at a time, so a class with thirty different settings gets thirty runs at
full speed one after another instead of thirty runs crawling side by side into the time cap.

**Worker processes.** Each place of the queue owns one worker process (started the first time
it gets a job, from a ``forkserver``: never a fork of the threaded server). The server only
serves pages; the work runs in the workers. Why: one Python process never uses more than one
core here, its memory does not shrink after a big job, and a crash in a thread would take
every session down. A worker that crashes (a segfault, ``os._exit``, a job past the memory
ceiling) fails *that* job with a one-line message and is replaced; the server goes on.

A job function must be picklable: ``functools.partial(module_level_function, *plain_args)``,
called in the worker as ``fn(progress, should_stop)``. Its progress reports travel back to the
server (every report is kept, so a late joiner replays the run); ``should_stop()`` reads a flag
the server sets when the time cap is reached or every waiting session has gone. A function
that cannot be pickled (a closure, a lambda: pages not yet converted) still runs, in a thread
of the server as before, with a warning naming it in the log.

Memory, bounded by design (environment variables, read when the queue starts):

``LLM_EXPLAINER_JOB_MEMORY_MB`` (default 2048)
    A worker's ceiling. The server reads the worker's resident memory from ``/proc`` ten times
    a second and stops it past the ceiling; inside the worker ``RLIMIT_AS`` turns one sudden
    huge allocation into a ``MemoryError``. Either way the job fails with a message.
``LLM_EXPLAINER_JOB_RECYCLE_MB`` (default 1024) / ``LLM_EXPLAINER_JOB_RECYCLE_JOBS`` (default 50)
    A worker still holding more than this after a job, or that has run this many jobs, is
    replaced, so the memory of a big job goes back to the system when it ends.
``LLM_EXPLAINER_JOB_KEEP_MB`` (default 256)
    Finished results kept for reuse, in all (largest budget first out, least recently used).
    A job submitted with ``keep=False`` (a learner's own upload: nobody else will ask for it
    once its sessions have their copies) is shared while it runs and not kept after.
``LLM_EXPLAINER_TRIM_EVERY_S`` (default 60)
    The server hands freed heap pages back to the system this often (0: never); see
    :func:`start_memory_trimmer`.
``LLM_EXPLAINER_JOB_PROCESSES`` (default 1)
    ``0`` runs every job in threads of the server (the old way; tests and debugging).

The core (:class:`JobQueue`, :class:`Job`) is plain Python: no Streamlit, testable alone.
:func:`run_shared` at the bottom is the thin helper a page calls.

    job = submit(("w2v", "toy_en", config), partial(train_job, corpus, config), label="w2v")
    job.state        # "queued" -> "running" -> "done" | "failed" | "cancelled"
    job.position     # 1 = next to start, 0 once running
    job.progress     # the latest dict the job reported
    job.result       # the job's return value once done (shared: copy it, see job.result_copy())
    job.error        # a one-line message when it failed (never a traceback)
    job.touch()      # "someone still waits for this": call it while polling

Waiting sessions prove they are alive by polling (``touch``). A *queued* job nobody has polled
for ``abandon_after_s`` seconds is dropped before it starts (closed tabs free their place); a
*running* one is asked to stop and is not kept for reuse.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import gc
import logging
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import types
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any

from lm_core.core.errors import InputError

LOG = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = frozenset({DONE, FAILED, CANCELLED})

ProgressFn = Callable[[dict], None]
JobFn = Callable[[ProgressFn, Callable[[], bool]], Any]

MB = 2**20
DEFAULT_MEMORY_MB = 2048
DEFAULT_RECYCLE_MB = 1024
DEFAULT_RECYCLE_JOBS = 50
DEFAULT_KEEP_MB = 256
WATCH_EVERY_S = 0.1  # how often the server checks a running worker (time cap, memory, alive)
# Imported once in the fork server, so a new worker starts in milliseconds, not seconds.
PRELOAD = ("numpy", "torch", "ui.jobs")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default


def _one_line(exc: BaseException) -> str:
    """``Type: first non-empty line of the message`` (some messages start with a line break)."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}"[:300]


class Job:
    """One computation, shared by every session that asked for it (same ``key``)."""

    def __init__(self, queue: JobQueue, key: Hashable, fn: JobFn, label: str, cap_s: float, keep: bool = True) -> None:
        self.key = key
        self.label = label
        self.cap_s = cap_s
        self.keep = keep  # False: not kept for later requests once finished (see JobQueue.submit)
        self._fn: JobFn | None = fn  # dropped once finished: its arguments may be large
        self._queue = queue
        self.state = QUEUED
        self.result: Any = None
        self.error: str | None = None  # one line for the learner's screen
        self.exception: BaseException | None = None  # the original (pages may translate it)
        self.capped = False  # True when the time cap stopped it
        self.dropped = False  # True when it was stopped because nobody waited any more
        self.worker_pid: int | None = None  # the process it ran in (None: a thread of the server)
        self.result_bytes = 0  # pickled size of the result (what keeping it costs)
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
        """Run in this thread (the fallback for a function that cannot go to a worker)."""
        self.started_at = self._queue.clock()
        try:
            result = self._fn(self._log.append, self._should_stop)
        except Exception as exc:  # reaches every waiting session as a message, not a traceback
            self._fail(_one_line(exc), exc)
            return
        self._succeed(result, _approx_bytes(result))

    def _succeed(self, result: Any, size: int) -> None:
        if self.dropped and not self.capped:
            self._finish(CANCELLED)  # stopped early because nobody waits: not worth keeping
            return
        self.result, self.result_bytes = result, size
        self._finish(DONE)

    def _fail(self, message: str, exception: BaseException | None = None) -> None:
        LOG.warning("job %s failed: %s", self.label, message)
        self.exception = exception if exception is not None else RuntimeError(message)
        self.error = message
        self._finish(FAILED)

    def _finish(self, state: str) -> None:
        self.finished_at = self._queue.clock()
        self.state = state
        self._fn = None
        self._queue._finished(self)
        self._finished.set()


def _approx_bytes(value: Any) -> int:
    """What keeping ``value`` costs, roughly: its pickled size (array buffers counted, not copied)."""
    buffers: list[pickle.PickleBuffer] = []
    try:
        head = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    except Exception:  # noqa: BLE001 - not picklable: count it as small rather than fail the job
        return sys.getsizeof(value)
    return len(head) + sum(memoryview(b).nbytes for b in buffers)


# ---------------------------------------------------------------------------------------------
# Inside a worker process
# ---------------------------------------------------------------------------------------------


def _resident_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS from /proc; 0 where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _virtual_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_address_space(extra_bytes: int | None) -> None:
    """``RLIMIT_AS`` = what the worker maps now + ``extra_bytes`` (None: lift it again).

    A backstop for one sudden huge allocation, which the server's watch (ten times a second)
    could miss: it becomes a ``MemoryError`` inside the job instead of a machine out of memory.
    """
    try:
        import resource
    except ImportError:  # not a Unix
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if extra_bytes is None:
        soft = hard
    else:
        soft = _virtual_bytes() + extra_bytes
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):
        pass


def _give_memory_back() -> None:
    """After a job: collect garbage and hand freed heap pages back to the system."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _worker_main(conn, stop_flag, memory_limit_bytes: int) -> None:
    """A worker: take a pickled job, run it, send its reports and its result back; repeat.

    Messages to the server: ("progress", dict), ("done", pickled result) or
    ("failed", one line, pickled exception or None). An empty message asks the worker to end;
    so does a closed pipe (the server has gone).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which ends us
    parent = os.getppid()
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent:  # the fork server (and so the server) has gone
                    return
                continue
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not payload:
            return
        message = _run_in_worker(conn, payload, stop_flag, memory_limit_bytes)
        del payload
        _give_memory_back()
        # What outlived the job and its collection (torch, the modules and caches it imported) is
        # moved out of the collector's sight: the next job's gc.collect walks only what that job
        # made, not the 170,000 objects of torch and the worker again (0.09 s of every job here).
        # Reference counting still frees them; a worker is replaced after its quota of jobs.
        gc.freeze()
        try:
            conn.send(message)
        except (OSError, ValueError):
            return


def _run_in_worker(conn, payload: bytes, stop_flag, memory_limit_bytes: int) -> tuple:
    """One job inside the worker, under the memory ceiling; the message to send back."""

    def progress(report: dict) -> None:
        conn.send(("progress", report))

    _limit_address_space(memory_limit_bytes)
    try:
        fn = pickle.loads(payload)
        result = fn(progress, stop_flag.is_set)
        del fn
        message = ("done", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        del result
    except BaseException as exc:  # noqa: BLE001 - every failure goes back as a message
        _limit_address_space(None)  # room to describe it
        try:
            portable = pickle.dumps(exc)
            pickle.loads(portable)
        except Exception:  # noqa: BLE001 - an exception that does not survive the trip
            portable = None
        message = ("failed", _one_line(exc), portable)
    finally:
        _limit_address_space(None)
    return message


# ---------------------------------------------------------------------------------------------
# The server's side of one worker
# ---------------------------------------------------------------------------------------------

_CONTEXT = None
_CONTEXT_LOCK = threading.Lock()


def _mp_context():
    """The fork server (a fresh, single-threaded process that forks the workers), else spawn."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            try:
                _CONTEXT = multiprocessing.get_context("forkserver")
                _CONTEXT.set_forkserver_preload(list(PRELOAD))
            except ValueError:  # no fork server on this platform
                _CONTEXT = multiprocessing.get_context("spawn")
        return _CONTEXT


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_page_main():
    """Start a process without making it run the server's ``__main__`` again.

    Streamlit sets ``sys.modules["__main__"]`` to the page script it runs, and
    multiprocessing re-runs the main module (by its file path) in every child it starts: each
    worker ran a chapter's page in bare mode, with the warm-up loading every model into it. While
    the worker starts, ``__main__`` is an empty module; the page's own module is put back after.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        yield  # a main started as ``python -m`` or an interactive one is imported by name or not at all
        return
    with _MAIN_LOCK:
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class _Worker:
    """One worker process and the pipe and stop flag the server keeps for it."""

    def __init__(self, number: int, memory_limit_bytes: int) -> None:
        ctx = _mp_context()
        self.conn, child = ctx.Pipe(duplex=True)
        self.stop_flag = ctx.Event()
        self.process = ctx.Process(target=_worker_main, args=(child, self.stop_flag, memory_limit_bytes),
                                   name=f"llm-explainer-job-{number}", daemon=True)
        with _without_page_main():
            self.process.start()
        child.close()
        self.pid: int = self.process.pid
        self.jobs_run = 0
        self._kill_lock = threading.Lock()  # the place's thread and shutdown() may both end it

    def alive(self) -> bool:
        try:
            return self.process.is_alive()
        except ValueError:  # closed
            return False

    def resident_bytes(self) -> int:
        return _resident_bytes(self.pid)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask it to end; kill it when it does not within ``timeout``."""
        try:
            self.conn.send_bytes(b"")
        except (OSError, ValueError):
            pass
        self.process.join(timeout)
        self.kill()

    def kill(self) -> None:
        """End the process and close the pipe; safe to call twice, from two threads at once."""
        with self._kill_lock:
            try:
                if self.process.is_alive():
                    self.process.kill()
                self.process.join(5.0)
                self.process.close()
            except ValueError:  # closed already
                pass
            try:
                self.conn.close()
            except OSError:  # closed already
                pass


def _death(worker: _Worker) -> tuple[str, InputError]:
    """Why a worker died: a line for the log and ``job.error``, an InputError for the page."""
    code = worker.process.exitcode
    if code is not None and code < 0:
        try:
            how = signal.Signals(-code).name
        except ValueError:
            how = f"signal {-code}"
    else:
        how = f"exit code {code}"
    return f"the worker process stopped ({how})", InputError("jobs.crashed", how=how)


class JobQueue:
    """At most ``workers`` jobs at a time, first in first out; identical keys share a job.

    ``keep_done`` finished results are kept (least recently used dropped first) for
    ``keep_s`` seconds, so a student who presses Train a minute after the class gets the
    result at once; together they may hold at most ``keep_bytes``.
    ``processes=False`` runs every job in a thread of this process (tests).
    """

    def __init__(self, workers: int | None = None, *, keep_done: int = 8, keep_s: float = 3600.0,
                 abandon_after_s: float = 20.0, clock: Callable[[], float] = time.monotonic,
                 processes: bool = True, memory_limit_mb: int | None = None, recycle_mb: int | None = None,
                 recycle_jobs: int | None = None, keep_mb: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.keep_done = keep_done
        self.keep_s = keep_s
        self.keep_bytes = (keep_mb if keep_mb is not None else _env_int("LLM_EXPLAINER_JOB_KEEP_MB", DEFAULT_KEEP_MB)) * MB
        self.abandon_after_s = abandon_after_s
        self.clock = clock
        self.processes = processes
        self.memory_limit_bytes = (memory_limit_mb or _env_int("LLM_EXPLAINER_JOB_MEMORY_MB", DEFAULT_MEMORY_MB)) * MB
        self.recycle_bytes = (recycle_mb or _env_int("LLM_EXPLAINER_JOB_RECYCLE_MB", DEFAULT_RECYCLE_MB)) * MB
        self.recycle_jobs = recycle_jobs or _env_int("LLM_EXPLAINER_JOB_RECYCLE_JOBS", DEFAULT_RECYCLE_JOBS)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._waiting: deque[Job] = deque()
        self._active: dict[Hashable, Job] = {}  # queued or running, by key
        self._done: OrderedDict[Hashable, Job] = OrderedDict()  # finished and kept, LRU order
        self._durations: dict[str, deque[float]] = {}
        self._threads: list[threading.Thread] = []
        self._workers: dict[int, _Worker] = {}  # place number -> its worker process, once started
        self._warned: set[str] = set()
        self._starting = threading.Lock()  # one worker start at a time
        self._closed = False
        self.computed = 0  # jobs actually started (a test counts computations with it)
        self.crashed = 0  # workers lost in a job (crash or memory ceiling)

    # --- the public side ----------------------------------------------------------------------

    def submit(self, key: Hashable, fn: JobFn, *, label: str = "job", cap_s: float = 60.0, keep: bool = True) -> Job:
        """The job for ``key``: the one already queued, running or done, else a new one.

        ``keep=False``: once finished, the result goes to the sessions that asked (they hold the
        job) and is not kept for later requests: for results of one learner's own data (an
        upload), which would otherwise stay in the server's memory after the class left."""
        hash(key)  # fail here, in the caller, when the key cannot be a dictionary key
        with self._lock:
            if self._closed:
                raise RuntimeError("the job queue has been shut down")
            self._expire()
            job = self._active.get(key)
            if job is None and key in self._done:
                job = self._done[key]
                self._done.move_to_end(key)
            if job is not None:
                job.waiters += 1
                job.touch()
                return job
            job = Job(self, key, fn, label, cap_s, keep)
            self._active[key] = job
            self._waiting.append(job)
            self._start_threads()
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
                    "kept": len(self._done), "kept_mb": sum(j.result_bytes for j in self._done.values()) / MB,
                    "computed": self.computed, "workers": self.workers, "crashed": self.crashed,
                    "worker_pids": self.worker_pids()}

    def worker_pids(self) -> list[int]:
        """Process ids of the worker processes started so far and still held."""
        return [w.pid for w in list(self._workers.values())]

    def start_workers(self, wait: bool = False) -> None:
        """Start every worker process now, in the background (server start-up: the first job
        then finds its worker ready instead of waiting for the fork server to import torch)."""
        if not self.processes:
            return

        def start_all() -> None:
            for number in range(self.workers):
                try:
                    self._worker(number)
                except Exception as exc:  # noqa: BLE001 - a job will try again and say why
                    LOG.warning("could not start job worker %d: %s", number, _one_line(exc))
                    return

        if wait:
            start_all()
        else:
            threading.Thread(target=start_all, name="jobs-start", daemon=True).start()

    def clear(self) -> None:
        """Forget finished results (tests; running jobs are left alone)."""
        with self._lock:
            self._done.clear()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every worker process (running jobs fail); the queue takes no more jobs."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.stop_flag.set()
        for worker in workers:
            worker.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)

    # --- inside: the places of the queue ------------------------------------------------------

    def _start_threads(self) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        numbers = {getattr(t, "place", -1) for t in self._threads}
        for number in range(self.workers):
            if number not in numbers:
                thread = threading.Thread(target=self._serve, args=(number,), name=f"jobs-{number}", daemon=True)
                thread.place = number
                self._threads.append(thread)
                thread.start()

    def _next_job(self) -> Job | None:
        with self._lock:
            while not self._closed:
                while self._waiting:
                    job = self._waiting.popleft()
                    if job._abandoned():  # every tab that wanted it has closed: drop it unstarted
                        self._active.pop(job.key, None)
                        job.finished_at = self.clock()
                        job.state = CANCELLED
                        job._fn = None
                        job._finished.set()
                        continue
                    job.state = RUNNING  # under the lock, so positions never count it twice
                    self.computed += 1
                    return job
                self._wake.wait()
            return None

    def _serve(self, number: int) -> None:
        """One place of the queue: its jobs run in its worker process (or here, when unpicklable)."""
        while True:
            job = self._next_job()
            if job is None:
                return
            payload = self._payload(job) if self.processes else None
            try:
                if payload is None:
                    job._run()
                else:
                    self._run_in_worker(number, job, payload)
            except Exception as exc:  # noqa: BLE001 - the place must survive whatever happens
                if not job.finished:
                    job._fail(_one_line(exc), exc)

    def _payload(self, job: Job) -> bytes | None:
        """The pickled job function, or None (with a warning naming it) when it cannot be pickled."""
        try:
            return pickle.dumps(job._fn, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - closures, lambdas, locks: run in a thread instead
            fn = getattr(job._fn, "func", job._fn)
            name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
            if name not in self._warned:
                self._warned.add(name)
                LOG.warning("job %s: %s cannot be pickled (%s): it runs in a thread of the server, "
                            "not in a worker process; pass functools.partial(module_level_function, ...)",
                            job.label, name, _one_line(exc))
            return None

    def _worker(self, number: int) -> _Worker:
        """The worker process of place ``number``, started (again) when it is not running."""
        with self._starting:
            worker = self._workers.get(number)
            if worker is None or not worker.alive():
                if worker is not None:
                    worker.kill()
                if self._closed:
                    raise RuntimeError("the job queue has been shut down")
                worker = self._workers[number] = _Worker(number, self.memory_limit_bytes)
            return worker

    def _run_in_worker(self, number: int, job: Job, payload: bytes) -> None:
        worker = self._worker(number)
        worker.stop_flag.clear()
        job.worker_pid = worker.pid
        job.started_at = self.clock()
        try:
            worker.conn.send_bytes(payload)
        except (OSError, ValueError):  # it died while idle: a fresh one takes the job
            worker.kill()
            worker = self._worker(number)
            worker.stop_flag.clear()
            job.worker_pid = worker.pid
            worker.conn.send_bytes(payload)
        del payload
        outcome = self._follow(worker, job)
        worker.jobs_run += 1
        if outcome is not None:  # the worker is gone or must go: the job fails with a message
            self.crashed += 1
            worker.kill()
            self._workers.pop(number, None)
            job._fail(*outcome)
        elif worker.jobs_run >= self.recycle_jobs or worker.resident_bytes() > self.recycle_bytes:
            with self._lock:  # out of the map first, so shutdown() does not stop it at the same time
                if self._workers.get(number) is worker:
                    del self._workers[number]
            worker.stop()  # its memory goes back to the system; a fresh one starts on demand

    def _follow(self, worker: _Worker, job: Job) -> tuple[str, InputError] | None:
        """Relay the job's reports until it ends; watch the cap, the memory and the worker.

        Returns None when the job finished (succeeded or failed by itself), else why the
        worker had to go (crash, memory ceiling): a line and the learner's message."""
        last_watch = 0.0
        while True:
            now = time.monotonic()
            if now - last_watch >= WATCH_EVERY_S:
                last_watch = now
                if job._should_stop():
                    worker.stop_flag.set()
                if self._closed:
                    return "the server is shutting down", InputError("jobs.crashed", how="shutdown")
                if worker.resident_bytes() > self.memory_limit_bytes:
                    return self._memory_message()
            try:
                if not worker.conn.poll(WATCH_EVERY_S):
                    if not worker.alive():
                        return _death(worker)
                    continue
                message = worker.conn.recv()
            except (EOFError, OSError):
                worker.process.join(1.0)
                return _death(worker)
            kind = message[0]
            if kind == "progress":
                job._log.append(message[1])
            elif kind == "done":
                job._succeed(pickle.loads(message[1]), len(message[1]))
                return None
            else:  # "failed": the job's own exception, as it was raised where it could travel
                exception = pickle.loads(message[2]) if message[2] is not None else None
                if isinstance(exception, MemoryError):  # past RLIMIT_AS; the worker may be damaged: replace it
                    return self._memory_message()
                job._fail(message[1], exception)
                return None

    def _memory_message(self) -> tuple[str, InputError]:
        limit_mb = self.memory_limit_bytes // MB
        return f"it needed more than {limit_mb} MB of memory and was stopped", InputError("jobs.memory", limit_mb=limit_mb)

    # --- inside: finished jobs ------------------------------------------------------------------

    def _finished(self, job: Job) -> None:
        with self._lock:
            if self._active.get(job.key) is job:
                del self._active[job.key]
            if job.state == DONE and not job.capped:
                self._durations.setdefault(job.label, deque(maxlen=9)).append(job.finished_at - job.started_at)
            if job.state == DONE and job.keep and self.keep_done > 0 and job.result_bytes <= self.keep_bytes:
                self._done[job.key] = job
                self._done.move_to_end(job.key)
                kept = sum(j.result_bytes for j in self._done.values())
                while len(self._done) > self.keep_done or kept > self.keep_bytes:
                    _key, oldest = self._done.popitem(last=False)
                    kept -= oldest.result_bytes

    def _expire(self) -> None:
        now = self.clock()
        for key in [k for k, j in self._done.items() if now - (j.finished_at or now) > self.keep_s]:
            del self._done[key]


_QUEUE: JobQueue | None = None
_QUEUE_LOCK = threading.Lock()
_TRIMMER: threading.Thread | None = None


#: glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
MMAP_THRESHOLD_BYTES = 256 * 1024
ARENA_MAX = 4


def _tune_allocator() -> None:
    """Large blocks (arrays of an upload's vectors, pickled job results) each in pages of their
    own, handed back the moment they are freed, and fewer per-thread heaps.

    Why: glibc raises its mmap threshold each time a large block is freed (up to 32 MB), after
    which large blocks come from the heaps of the session threads and stay there as holes;
    a fixed threshold keeps the old behaviour. Measured with tests/e2e/test_memory.py (two
    worst uploads): see bench/RESULTS.md. Linux with glibc only; elsewhere nothing happens."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(_M_ARENA_MAX, ARENA_MAX)
    except (OSError, AttributeError):
        pass


def start_memory_trimmer(every_s: float | None = None) -> None:
    """Once per server: every ``every_s`` seconds (``LLM_EXPLAINER_TRIM_EVERY_S``, default 60;
    0 turns it off), collect garbage and hand freed heap pages back to the system.

    Why: the server's memory is freed when Streamlit lets a closed session go (two minutes after
    it closed), but the C allocator keeps the freed pages of its many threads' arenas: measured
    with two worst uploads to chapter 3, the server stayed 195 MB above its resident memory of
    before the class. ``malloc_trim`` returns them; it takes milliseconds and releases the GIL.
    """
    global _TRIMMER
    seconds = every_s if every_s is not None else _env_int("LLM_EXPLAINER_TRIM_EVERY_S", 60)
    with _QUEUE_LOCK:
        if seconds <= 0 or (_TRIMMER is not None and _TRIMMER.is_alive()):
            return
        _tune_allocator()

        def trim_forever() -> None:
            while True:
                time.sleep(seconds)
                _give_memory_back()

        _TRIMMER = threading.Thread(target=trim_forever, name="memory-trimmer", daemon=True)
        _TRIMMER.start()


def set_aside_what_stays() -> int:
    """Once, when the server's warm-up is done and before any student connects (``ui/launch.py``,
    after the first views): collect, then move every object still alive (the imports, the shipped
    models, the per-server caches and figures the first views filled) out of the garbage
    collector's sight (``gc.freeze``). The trimmer's collection every minute then walks only what
    the class has made since, instead of the server's ~740,000 objects of for-good state with the
    GIL held, a stall every session felt once a minute (``bench/bench_gc_pause.py``). Reference
    counting still frees a set-aside object that is let go; only a cycle among them would stay
    for good: no session exists yet to leave one, so at most the first views' figures, should the
    figure store drop them later (within its budget, ``ui.shared.FIGURE_BUDGET_BYTES``, once).
    Returns how many objects were set aside."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def get_queue() -> JobQueue:
    """The one queue of this server process (``LLM_EXPLAINER_JOB_WORKERS`` sets its size)."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            workers = _env_int("LLM_EXPLAINER_JOB_WORKERS", 0) or None
            processes = os.environ.get("LLM_EXPLAINER_JOB_PROCESSES", "1").strip() != "0"
            _QUEUE = JobQueue(workers, processes=processes)
            atexit.register(_QUEUE.shutdown, 2.0)
    start_memory_trimmer()
    return _QUEUE


def submit(key: Hashable, fn: JobFn, *, label: str = "job", cap_s: float = 60.0, keep: bool = True) -> Job:
    """Submit to the server's queue (see :meth:`JobQueue.submit`)."""
    return get_queue().submit(key, fn, label=label, cap_s=cap_s, keep=keep)


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
