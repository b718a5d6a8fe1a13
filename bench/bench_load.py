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
    nice -n 10 .venv/bin/python bench/bench_load.py --students 1 30 --open Pretrain_finetune_prompt  # opens only

Cold server and the load targets of issue 20 (``--cold`` / ``--targets``):

  --cold PAGE[?QUERY] ...   a *fresh* server per page, nobody before: N students open it at once
                            (e.g. ``Generation?model=smollm2`` for chapter 7 with SmolLM2)
  --targets                 one fresh server: RSS before; 1 then N students Train with the same
                            settings (slowest / one student); N with distinct settings (wall time
                            vs the CPU work of the server and its workers / cores); sessions
                            closed, Streamlit lets them go (``--settle`` s), RSS after / before

    nice -n 10 .venv/bin/python bench/bench_load.py --students 30 \
        --cold Word2vec "Generation?model=smollm2" Pretrain_finetune_prompt --targets

CPU and memory are those of the server *and every process under it* (the job queue's fork
server and worker processes), read from ``/proc`` with psutil.

Where the server's time goes (``--profile DIR``): py-spy (``pip install py-spy``, not a
dependency of the app; found on PATH or through ``PY_SPY``) samples the server and its workers
during each level; ``bench/profile_summary.py DIR/*.txt`` lists the functions that took it.
With thirty session threads, a plain sample also finds every thread that waits for the GIL,
parked in whatever released it last (a socket write, a hash of a large string); ``--profile-gil``
samples only the thread holding the GIL: where the one core of the server's Python really goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
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
    seed: int | None
    page: str = PAGE
    query: str = ""  # extra query string (cold opens)
    open_only: bool = False  # True: each student only opens the page (a cold start)
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    capped: int = 0
    finished_users: int = 0


LEVEL: Level | None = None
BASE_URL = ""
STICKY = False
STEP_TIMEOUT = 300.0
PROFILE_DIR: Path | None = None  # --profile: py-spy samples the server during each level
PROFILE_GIL = False  # --profile-gil: only the thread holding the GIL
PROFILE_COUNT = 0


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
    """One student: opens chapter 3, moves two controls, presses Train, leaves (or only opens a page)."""

    wait_time = constant(0)

    @task
    def lesson(self) -> None:
        level, number = LEVEL, self._number()
        session = st_protocol.StreamlitSession(BASE_URL, sticky=STICKY)
        step = "open"
        try:
            seed = f"&seed={level.seed}" if level.seed is not None else ""  # None: the page's default seed
            query = "&".join(q for q in (f"lang=en{seed}", level.query) if q)
            run = session.open(level.page, query, timeout=STEP_TIMEOUT)
            record("open", run)
            if not level.open_only:
                self._move_and_train(session, level, number)
        except Exception as exc:  # a protocol failure counts as an error, the test goes on
            record(step, None, f"{step}: {type(exc).__name__}: {exc}")
        finally:
            session.close()
            level.finished_users += 1
        raise StopUser()

    def _move_and_train(self, session: st_protocol.StreamlitSession, level: Level, number: int) -> None:
        step = "move"
        try:
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
        except Exception as exc:  # a protocol failure counts as an error, named after its step
            record(step, None, f"{step}: {type(exc).__name__}: {exc}")

    def _number(self) -> int:
        Student.count = getattr(Student, "count", -1) + 1
        return Student.count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


class TreeUsage:
    """CPU seconds and resident memory of the server processes and every process under them.

    A worker that ends during a level keeps the CPU time last seen for it (sampled twice a
    second, so at most half a second of its work goes uncounted)."""

    def __init__(self, pids: list[int]) -> None:
        self.roots = [psutil.Process(pid) for pid in pids]
        self.cpu_by_pid: dict[int, float] = {}

    def sample(self) -> tuple[float, int]:
        rss = 0
        for root in self.roots:
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for process in processes:
                try:
                    times = process.cpu_times()
                    self.cpu_by_pid[process.pid] = times.user + times.system
                    rss += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
        return sum(self.cpu_by_pid.values()), rss


def run_level(level: Level, server_pids: list[int], timeout: float, warm_sessions: int = 1) -> dict:
    global LEVEL
    LEVEL = level
    Student.count = -1
    # One warm student first (as bench_classroom does): the server loads models once, not per class.
    for _ in range(warm_sessions):  # behind a proxy: enough to reach every replica
        warm = st_protocol.StreamlitSession(BASE_URL, sticky=STICKY)
        warm.open(level.page, f"lang=en&seed={level.seed}", timeout=STEP_TIMEOUT)
        warm.close()

    profiler = start_profiler(server_pids, level)
    env = Environment(user_classes=[Student], events=events)
    runner = env.create_local_runner()
    usage = TreeUsage(server_pids)
    samples: list[tuple[float, float, int]] = []

    def sample() -> None:
        while True:  # CPU seconds and resident memory of the server processes and their workers
            if server_pids:
                samples.append((time.perf_counter(), *usage.sample()))
            gevent.sleep(0.5)

    sampler = gevent.spawn(sample)
    start = time.perf_counter()
    runner.start(level.students, spawn_rate=level.students * 100)
    while level.finished_users < level.students and time.perf_counter() - start < timeout:
        gevent.sleep(0.2)
    wall = time.perf_counter() - start
    finished = level.finished_users  # before quit(): stopping the students runs their finally blocks
    runner.quit()
    sampler.kill()
    stop_profiler(profiler)
    if server_pids:
        samples.append((time.perf_counter(), *usage.sample()))
    if finished < level.students:
        level.errors.append(f"{level.students - finished} students still busy after {timeout:.0f} s")
    cpu_share = cpu_seconds = peak_rss = None
    if len(samples) >= 2:
        cpu_seconds = samples[-1][1] - samples[0][1]
        cpu_share = cpu_seconds / (samples[-1][0] - samples[0][0])
        peak_rss = max(s[2] for s in samples)
    return {"wall": wall, "cpu_share": cpu_share, "cpu_seconds": cpu_seconds, "peak_rss": peak_rss, "stats": env.stats}


def start_profiler(server_pids: list[int], level: Level) -> subprocess.Popen | None:
    """With ``--profile``: py-spy records the server (and its workers) until the level ends."""
    global PROFILE_COUNT
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if PROFILE_DIR is None or not server_pids or not spy:
        return None
    PROFILE_COUNT += 1
    name = f"{PROFILE_COUNT:02d}-{level.students}-{level.page}-{'open' if level.open_only else level.train}.txt"
    out = PROFILE_DIR / name
    process = subprocess.Popen([spy, "record", "--pid", str(server_pids[0]), "--subprocesses", "--rate", "100",
                                "--format", "raw", "--output", str(out), "--nonblocking", *(["--gil"] if PROFILE_GIL else [])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches before the students arrive
    print(f"    profile: {out}")
    return process


def stop_profiler(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def print_level(level: Level, outcome: dict) -> None:
    cpu = (f"{outcome['cpu_seconds']:.0f} s ({100 * outcome['cpu_share']:.0f} %)"
           if outcome["cpu_share"] is not None else "–")
    rss = f"{outcome['peak_rss'] / 2**20:.0f} MB" if outcome["peak_rss"] is not None else "–"
    for name in ("open", "move: projection", "move: neighbours (fragment)", "train"):
        values = level.timings.get(name, [])
        if not values:
            continue
        scenario = f"cold {level.page}{'?' + level.query if level.query else ''}" if level.open_only else level.train
        print(f"| {level.students} | {scenario} | {name} | {len(values)} | {statistics.median(values):.2f} | "
              f"{percentile(values, 0.95):.2f} | {max(values):.2f} | {len(level.errors)} | {level.capped} | "
              f"{cpu} | {rss} | {outcome['wall']:.0f} |")
    for problem in level.errors[:5]:
        print(f"    error: {problem}")


def settle(seconds: float) -> None:
    """Let Streamlit forget closed sessions: it keeps their state 120 s, and drops expired ones
    when a session comes or goes (so one short visit follows the wait)."""
    if seconds <= 0:
        return
    time.sleep(seconds)
    visit = st_protocol.StreamlitSession(BASE_URL, sticky=STICKY)
    visit.open("", "lang=en", timeout=STEP_TIMEOUT)
    visit.close()


def wait_quiet(pids: list[int], share: float = 0.15, span: float = 3.0, limit: float = 240.0) -> float:
    """Wait until the server and its workers have been nearly idle (under ``share`` of a core)
    for ``span`` seconds: a just-started server compiles UMAP's numba code in the background
    for half a minute or more, which would be counted against whichever level ran beside it.
    Returns the seconds waited (at most ``limit``)."""
    usage, start = TreeUsage(pids), time.perf_counter()
    last_cpu, last_time = usage.sample()[0], start
    quiet_since = start
    while time.perf_counter() - start < limit:
        time.sleep(0.5)
        cpu, now = usage.sample()[0], time.perf_counter()
        if (cpu - last_cpu) / (now - last_time) > share:
            quiet_since = now
        elif now - quiet_since >= span:
            break
        last_cpu, last_time = cpu, now
    return time.perf_counter() - start


def cold_opens(pages: list[str], students: int, args: argparse.Namespace) -> list[tuple[str, str, str, bool]]:
    """A fresh server per page; ``students`` open it at the same moment, nobody before them."""
    global BASE_URL
    rows = []
    for index, spec in enumerate(pages):
        page, _, query = spec.partition("?")
        began = time.perf_counter()
        server, BASE_URL = streamlit_server.start(args.script, cwd=args.app_dir, timeout=900)
        print(f"    server answered after {time.perf_counter() - began:.0f} s (warm-up included)")
        try:
            seed = None if args.default_seed else args.seed + 100 + index
            level = Level(students, "none", seed, page=page, query=query, open_only=True)
            outcome = run_level(level, [server.pid], args.timeout, warm_sessions=0)
            print_level(level, outcome)
            sys.stdout.flush()
        finally:
            streamlit_server.stop(server)
        opens = level.timings.get("open", [])
        p95 = percentile(opens, 0.95) if opens else float("nan")
        ok = not level.errors and len(opens) == students and p95 < 5.0
        rows.append((f"{students} open {spec} on a just-started server: errors, p95",
                     f"{len(level.errors)}, {p95:.2f} s", "0, < 5 s", ok))
    return rows


def load_targets(students: int, args: argparse.Namespace) -> list[tuple[str, str, str, bool]]:
    """One fresh server: Train with the same settings (1, then ``students``), then distinct; RSS."""
    global BASE_URL
    server, BASE_URL = streamlit_server.start(args.script, cwd=args.app_dir, timeout=900)
    pids, cores = [server.pid], os.cpu_count() or 1
    try:
        warm = Level(1, "same", args.seed + 200)  # models loaded, a worker started: what a server keeps
        print_level(warm, run_level(warm, pids, args.timeout, warm_sessions=0))
        settle(args.settle)
        print(f"    server quiet (background warm-up done) after {wait_quiet(pids):.0f} s more")
        before = TreeUsage(pids).sample()[1]
        one = Level(1, "same", args.seed + 201)
        print_level(one, run_level(one, pids, args.timeout, warm_sessions=0))
        wait_quiet(pids)  # the level before has finished its work (a job's result, a trim)
        same = Level(students, "same", args.seed + 202)
        print_level(same, run_level(same, pids, args.timeout, warm_sessions=0))
        distinct = Level(students, "distinct", args.seed + 203)
        outcome = run_level(distinct, pids, args.timeout, warm_sessions=0)
        print_level(distinct, outcome)
        settle(args.settle)
        after = TreeUsage(pids).sample()[1]
    finally:
        streamlit_server.stop(server)
    alone = statistics.median(one.timings.get("train", [float("nan")]))
    slowest = max(same.timings.get("train", [float("nan")]))
    ideal = (outcome["cpu_seconds"] or float("nan")) / cores
    errors = len(one.errors) + len(same.errors) + len(distinct.errors)
    return [
        (f"{students} press Train, same settings: slowest / one student", f"{slowest / alone:.2f}x ({slowest:.1f} s / {alone:.1f} s)",
         "≤ 1.5x", slowest / alone <= 1.5),
        (f"{students} distinct settings: wall / (CPU work ÷ {cores} cores)",
         f"{outcome['wall'] / ideal:.2f}x ({outcome['wall']:.0f} s / {ideal:.0f} s)", "≤ 1.3x", outcome["wall"] / ideal <= 1.3),
        ("resident memory after the class / before (server + workers)",
         f"{after / before:.2f}x ({after / 2**20:.0f} MB / {before / 2**20:.0f} MB)", "≤ 1.10x", after / before <= 1.10),
        ("errors in the Train levels", str(errors), "0", errors == 0),
    ]


def print_targets(rows: list[tuple[str, str, str, bool]]) -> None:
    print("\n| load target | measured | goal | met |\n|---|---|---|---|")
    for name, measured, goal, met in rows:
        print(f"| {name} | {measured} | {goal} | {'yes' if met else '**no**'} |")


def main() -> None:
    global BASE_URL, STEP_TIMEOUT, STICKY, PROFILE_DIR, PROFILE_GIL
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--train", choices=("same", "distinct", "none"), nargs="+", default=["same"],
                        help="one or more scenarios; each runs every --students level, on the same server")
    parser.add_argument("--cold", nargs="*", default=None, metavar="PAGE[?QUERY]",
                        help="cold starts: a fresh server per page, the largest --students level opens it at once")
    parser.add_argument("--open", nargs="+", default=None, metavar="PAGE[?QUERY]",
                        help="on one server: each --students level only opens these pages (1 then 30: the ratio)")
    parser.add_argument("--default-seed", action="store_true",
                        help="cold / open levels: no seed in the link (the page's default, as a plain link has)")
    parser.add_argument("--targets", action="store_true",
                        help="issue 20's load targets on a fresh server (Train same / distinct, RSS before/after)")
    parser.add_argument("--settle", type=float, default=130.0,
                        help="with --targets: seconds to wait for Streamlit to let closed sessions go before RSS")
    parser.add_argument("--url", help="an already running server (or proxy); default: start one on 127.0.0.1")
    parser.add_argument("--pid", type=int, nargs="*", default=[],
                        help="with --url: the server process(es) to sample for CPU and memory")
    parser.add_argument("--sticky", action="store_true", help="load the page first and keep its cookies (a sticky proxy)")
    parser.add_argument("--warm", type=int, default=1, help="sessions that open the page before each level")
    parser.add_argument("--script", default="ui/launch.py",
                        help="what `streamlit run` starts: ui/launch.py (make run: warm before the port opens) "
                             "or app.py (warm-up on the first page open)")
    parser.add_argument("--app-dir", help="start the app from this folder (e.g. an older checkout, for before/after)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a level may take in all")
    parser.add_argument("--step-timeout", type=float, default=300.0, help="seconds one student waits for one rerun")
    parser.add_argument("--seed", type=int, default=1000, help="first level's seed (each level uses its own)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="py-spy samples the server and its workers during each level (raw stacks into DIR)")
    parser.add_argument("--profile-gil", action="store_true",
                        help="with --profile: sample only the thread holding the GIL (not the threads waiting for it)")
    args = parser.parse_args()
    PROFILE_GIL = args.profile_gil
    STEP_TIMEOUT, STICKY = min(args.step_timeout, args.timeout), args.sticky
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        PROFILE_DIR = args.profile
    header = ("| students | scenario | step | n | p50 s | p95 s | max s | errors | capped | "
              "server+workers CPU s (share of a core) | RSS peak | wall s |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}; {os.cpu_count()} cores; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if args.cold is not None or args.targets:
        print(header)
        rows = cold_opens(args.cold or [], max(args.students), args)
        if args.targets:
            rows += load_targets(max(args.students), args)
        print_targets(rows)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
        return
    server = None
    if args.url:
        BASE_URL, pids = args.url.rstrip("/"), args.pid
    else:
        server, BASE_URL = streamlit_server.start(args.script, cwd=args.app_dir, timeout=300)
        pids = [server.pid]
    try:
        print(f"server {BASE_URL}")
        print(header)
        if args.open:  # open-only levels, side by side on one server: slowest of N / one alone
            for index, spec in enumerate(args.open):
                page, _, query = spec.partition("?")
                for students in args.students:
                    seed = None if args.default_seed else args.seed + 300 + index
                    level = Level(students, "none", seed, page=page, query=query, open_only=True)
                    print_level(level, run_level(level, pids, args.timeout, warm_sessions=0))
                    sys.stdout.flush()
            levels = []
        else:
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
