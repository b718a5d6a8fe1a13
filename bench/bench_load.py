"""A class at the server: N simulated students over Streamlit's own websocket protocol.

Each simulated student is a Locust user holding one Streamlit session (``st_protocol``: the
websocket and protobuf messages a browser sends and receives, no browser). All N start at the
same moment and each plays one bounded scenario on chapter 3, then stops:

  open     open the chapter (the page's first run)
  move     change the map's projection (a full rerun) and the neighbour count (a fragment rerun)
  train    press Train: ``same`` = everyone with the defaults and one seed, ``distinct`` =
           everyone with settings of their own (window, dimensions)

Reported per level: p50/p95/max seconds to a finished rerun for each step, errors (exception
boxes, error boxes, timeouts, protocol failures), trainings stopped by the time cap, and the
server's CPU (share of one core, averaged over the level) and resident memory (peak), sampled
from ``/proc`` with psutil. Only 127.0.0.1; every level ends by itself (``--timeout``).

    nice -n 10 .venv/bin/python bench/bench_load.py --students 1 10 30 60 --train same
    nice -n 10 .venv/bin/python bench/bench_load.py --students 30 --train distinct
    nice -n 10 .venv/bin/python bench/bench_load.py --students 1 10 --train same distinct   # both, one server
    nice -n 10 .venv/bin/python bench/bench_load.py --url http://127.0.0.1:8080 ...   # a running server / proxy
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import gevent
import psutil
from locust import User, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import st_protocol  # noqa: E402
import streamlit_server  # noqa: E402

PAGE = "Word2vec"
DEFAULT_EPOCHS = 20


@dataclass
class Level:
    """What one level of the load test asks, and what it saw."""

    students: int
    train: str  # "same", "distinct" or "none"
    seed: int
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    capped: int = 0
    finished_users: int = 0


LEVEL: Level | None = None
BASE_URL = ""
STICKY = False
STEP_TIMEOUT = 300.0


def record(name: str, run: st_protocol.Run | None, error: str | None = None) -> None:
    """Into our exact lists and Locust's own statistics."""
    problem = error
    if run is not None:
        if run.status != "ok":
            problem = f"{name}: run {run.status} after {run.seconds:.1f} s"
        elif run.exceptions:
            problem = f"{name}: exception box {run.exceptions[0][:120]}"
        elif run.errors:
            problem = f"{name}: error box {run.errors[0][:120]}"
        else:
            LEVEL.timings.setdefault(name, []).append(run.seconds)
        if any("stopped after" in w for w in run.warnings):
            LEVEL.capped += 1
    if problem:
        LEVEL.errors.append(problem)
    events.request.fire(request_type="ws", name=name, response_time=(run.seconds if run else 0.0) * 1000,
                        response_length=run.bytes if run else 0,
                        exception=RuntimeError(problem) if problem else None, context={})


class Student(User):
    """One student: opens chapter 3, moves two controls, presses Train, leaves."""

    wait_time = constant(0)

    @task
    def lesson(self) -> None:
        level, number = LEVEL, self._number()
        session = st_protocol.StreamlitSession(BASE_URL, sticky=STICKY)
        step = "open"
        try:
            run = session.open(PAGE, f"lang=en&seed={level.seed}", timeout=STEP_TIMEOUT)
            record("open", run)
            step = "move"
            session.idle(0.5)
            record("move: projection", session.set("w2v_method", 0, timeout=STEP_TIMEOUT))  # PCA
            record("move: neighbours (fragment)", session.set("w2v_k", 5 + number % 10, timeout=STEP_TIMEOUT))
            if level.train != "none":
                step = "train"
                if level.train == "distinct":  # settings of their own: window 1..10 x dimensions
                    session.set("w2v_window", 1 + number % 10, timeout=STEP_TIMEOUT)
                    session.set("w2v_dim", 20 + number // 10, timeout=STEP_TIMEOUT)
                run = session.click("w2v_train", timeout=STEP_TIMEOUT)
                trained = run.ok and any("trained by you" in text for text in run.texts)
                record("train", run, None if trained or not run.ok else "train: no trained vectors shown")
        except Exception as exc:  # a protocol failure counts as an error, the test goes on
            record(step, None, f"{step}: {type(exc).__name__}: {exc}")
        finally:
            session.close()
            level.finished_users += 1
        raise StopUser()

    def _number(self) -> int:
        Student.count = getattr(Student, "count", -1) + 1
        return Student.count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def run_level(level: Level, server_pids: list[int], timeout: float, warm_sessions: int = 1) -> dict:
    global LEVEL
    LEVEL = level
    Student.count = -1
    # One warm student first (as bench_classroom does): the server loads models once, not per class.
    for _ in range(warm_sessions):  # behind a proxy: enough to reach every replica
        warm = st_protocol.StreamlitSession(BASE_URL, sticky=STICKY)
        warm.open(PAGE, f"lang=en&seed={level.seed}", timeout=STEP_TIMEOUT)
        warm.close()

    env = Environment(user_classes=[Student], events=events)
    runner = env.create_local_runner()
    processes = [psutil.Process(pid) for pid in server_pids]
    samples: list[tuple[float, float, int]] = []

    def sample() -> None:
        while True:  # CPU seconds and resident memory of every server process, summed
            if processes:
                cpu = sum(p.cpu_times().user + p.cpu_times().system for p in processes)
                rss = sum(p.memory_info().rss for p in processes)
                samples.append((time.perf_counter(), cpu, rss))
            gevent.sleep(0.5)

    sampler = gevent.spawn(sample)
    start = time.perf_counter()
    runner.start(level.students, spawn_rate=level.students * 100)
    while level.finished_users < level.students and time.perf_counter() - start < timeout:
        gevent.sleep(0.2)
    wall = time.perf_counter() - start
    runner.quit()
    sampler.kill()
    if level.finished_users < level.students:
        level.errors.append(f"{level.students - level.finished_users} students still busy after {timeout:.0f} s")
    cpu_share = cpu_seconds = peak_rss = None
    if len(samples) >= 2:
        cpu_seconds = samples[-1][1] - samples[0][1]
        cpu_share = cpu_seconds / (samples[-1][0] - samples[0][0])
        peak_rss = max(s[2] for s in samples)
    return {"wall": wall, "cpu_share": cpu_share, "cpu_seconds": cpu_seconds, "peak_rss": peak_rss, "stats": env.stats}


def print_level(level: Level, outcome: dict) -> None:
    cpu = (f"{outcome['cpu_seconds']:.0f} s ({100 * outcome['cpu_share']:.0f} %)"
           if outcome["cpu_share"] is not None else "–")
    rss = f"{outcome['peak_rss'] / 2**20:.0f} MB" if outcome["peak_rss"] is not None else "–"
    for name in ("open", "move: projection", "move: neighbours (fragment)", "train"):
        values = level.timings.get(name, [])
        if not values:
            continue
        print(f"| {level.students} | {level.train} | {name} | {len(values)} | {statistics.median(values):.2f} | "
              f"{percentile(values, 0.95):.2f} | {max(values):.2f} | {len(level.errors)} | {level.capped} | "
              f"{cpu} | {rss} | {outcome['wall']:.0f} |")
    for problem in level.errors[:5]:
        print(f"    error: {problem}")


def main() -> None:
    global BASE_URL, STEP_TIMEOUT, STICKY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--train", choices=("same", "distinct", "none"), nargs="+", default=["same"],
                        help="one or more scenarios; each runs every --students level, on the same server")
    parser.add_argument("--url", help="an already running server (or proxy); default: start one on 127.0.0.1")
    parser.add_argument("--pid", type=int, nargs="*", default=[],
                        help="with --url: the server process(es) to sample for CPU and memory")
    parser.add_argument("--sticky", action="store_true", help="load the page first and keep its cookies (a sticky proxy)")
    parser.add_argument("--warm", type=int, default=1, help="sessions that open the page before each level")
    parser.add_argument("--app-dir", help="start the app from this folder (e.g. an older checkout, for before/after)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a level may take in all")
    parser.add_argument("--step-timeout", type=float, default=300.0, help="seconds one student waits for one rerun")
    parser.add_argument("--seed", type=int, default=1000, help="first level's seed (each level uses its own)")
    args = parser.parse_args()
    STEP_TIMEOUT, STICKY = min(args.step_timeout, args.timeout), args.sticky
    server = None
    if args.url:
        BASE_URL, pids = args.url.rstrip("/"), args.pid
    else:
        server, BASE_URL = streamlit_server.start("app.py", cwd=args.app_dir)
        pids = [server.pid]
    try:
        print(f"server {BASE_URL}; load average before: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}; "
              f"{time.strftime('%H:%M UTC', time.gmtime())}")
        print("| students | Train | step | n | p50 s | p95 s | max s | errors | capped | server CPU s (share of a core) | server RSS peak | wall s |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        levels = [(train, students) for train in args.train for students in args.students]
        for index, (train, students) in enumerate(levels):
            # A seed per level: identical requests inside a level, none shared across levels.
            level = Level(students, train, args.seed + index)
            print_level(level, run_level(level, pids, args.timeout, args.warm))
            sys.stdout.flush()
        print(f"load average after: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    finally:
        if server is not None:
            streamlit_server.stop(server)


if __name__ == "__main__":
    main()
