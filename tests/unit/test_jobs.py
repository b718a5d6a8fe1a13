"""The shared job queue (ui/jobs.py): identical work once, a bounded FIFO pool, closed tabs
dropped, a time cap, errors as messages. A fake clock makes the time-based rules exact.

The first tests run jobs in threads (``processes=False``: closures and events they share with
the test); the ones after "Worker processes" run picklable jobs in real worker processes.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
import time

import numpy as np
import psutil
import pytest

from lm_core.core.errors import InputError
from ui import jobs

WAIT = 20.0  # generous bound for a worker thread to get going on a busy machine


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wait_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def gated(gate: threading.Event, result="ok", calls: list | None = None):
    """A job that reports once, then waits for ``gate`` and returns ``result``."""

    def fn(progress, should_stop):
        if calls is not None:
            calls.append(result)
        progress({"step": 1})
        gate.wait(WAIT)
        return result

    return fn


def test_identical_requests_share_one_computation_and_each_gets_its_own_copy():
    queue = jobs.JobQueue(workers=2, processes=False)
    gate, calls = threading.Event(), []

    def train(progress, should_stop):
        calls.append(1)
        for step in range(3):
            progress({"step": step})
        gate.wait(WAIT)
        return {"vectors": [[0.0, 1.0]], "words": ["king"]}

    first = queue.submit(("w2v", "toy_en", 0), train, label="w2v")
    second = queue.submit(("w2v", "toy_en", 0), train, label="w2v")
    assert second is first and first.waiters == 2
    gate.set()
    assert first.wait(WAIT) and first.state == jobs.DONE
    later = queue.submit(("w2v", "toy_en", 0), train, label="w2v")  # after it finished: kept
    assert later is first and calls == [1] and queue.computed == 1
    mine, yours = first.result_copy(), later.result_copy()
    mine["vectors"][0][0] = 99.0
    assert yours["vectors"][0][0] == 0.0 and first.result["vectors"][0][0] == 0.0
    # A session that joins late replays every progress report from the start.
    assert [r["step"] for r in later.progress_since(0)] == [0, 1, 2] and first.progress == {"step": 2}


def test_distinct_requests_run_at_most_workers_at_a_time_first_in_first_out():
    queue = jobs.JobQueue(workers=2, processes=False)
    gates = [threading.Event() for _ in range(5)]
    started, running, most = [], [0], [0]
    lock = threading.Lock()

    def make(number):
        def fn(progress, should_stop):
            with lock:
                started.append(number)
                running[0] += 1
                most[0] = max(most[0], running[0])
            gates[number].wait(WAIT)
            with lock:
                running[0] -= 1
            return number
        return fn

    submitted = [queue.submit(("job", n), make(n), label="t") for n in range(5)]
    wait_until(lambda: len(started) == 2)
    assert sorted(started) == [0, 1]
    assert [j.position for j in submitted] == [0, 0, 1, 2, 3]
    assert [j.state for j in submitted] == ["running", "running", "queued", "queued", "queued"]
    assert submitted[4].estimate_s > submitted[2].estimate_s > 0
    for number in range(5):
        gates[number].set()
        assert submitted[number].wait(WAIT)
    assert started[2:] == [2, 3, 4] and most[0] == 2
    assert [j.result for j in submitted] == [0, 1, 2, 3, 4]


def test_pool_size_defaults_to_the_cores():
    import os

    assert jobs.JobQueue().workers == (os.cpu_count() or 1)


def test_a_queued_job_nobody_polls_any_more_is_dropped_before_it_starts():
    clock = FakeClock()
    queue = jobs.JobQueue(workers=1, processes=False, abandon_after_s=10, clock=clock)
    gate, calls = threading.Event(), []
    busy = queue.submit("busy", gated(gate, "busy", calls), label="t")
    closed_tab = queue.submit("closed", gated(threading.Event(), "closed", calls), label="t")
    open_tab = queue.submit("open", gated(threading.Event(), "open", calls), label="t")
    wait_until(lambda: calls == ["busy"])
    assert closed_tab.position == 1 and open_tab.position == 2
    clock.now += 11  # the closed tab stops polling; the other two keep polling
    busy.touch()
    open_tab.touch()
    assert open_tab.position == 1  # the closed tab no longer counts ahead of it
    gate.set()
    assert closed_tab.wait(WAIT) and closed_tab.state == jobs.CANCELLED
    wait_until(lambda: calls == ["busy", "open"])  # "closed" never ran
    assert queue.computed == 2


def test_a_running_job_everybody_left_is_stopped_and_not_kept():
    clock = FakeClock()
    queue = jobs.JobQueue(workers=1, processes=False, abandon_after_s=10, clock=clock)
    entered = threading.Event()

    def endless(progress, should_stop):
        entered.set()
        while not should_stop():
            time.sleep(0.002)
        return "partial"

    job = queue.submit("k", endless, label="t")
    assert entered.wait(WAIT)
    clock.now += 11
    assert job.wait(WAIT) and job.state == jobs.CANCELLED and job.dropped and job.result is None
    assert queue.submit("k", endless, label="t") is not job  # nothing half-done is reused


def test_the_time_cap_stops_a_job_that_keeps_going():
    clock = FakeClock()
    queue = jobs.JobQueue(workers=1, processes=False, abandon_after_s=1e9, clock=clock)
    entered = threading.Event()

    def endless(progress, should_stop):
        entered.set()
        steps = 0
        while not should_stop():
            steps += 1
            time.sleep(0.002)
        return steps

    job = queue.submit("k", endless, label="t", cap_s=60)
    assert entered.wait(WAIT)
    clock.now += 61
    assert job.wait(WAIT) and job.state == jobs.DONE and job.capped and job.result > 0


def test_errors_reach_every_waiting_session_as_one_line_and_a_retry_runs_again():
    queue = jobs.JobQueue(workers=1, processes=False)
    gate, calls = threading.Event(), []

    def broken(progress, should_stop):
        calls.append(1)
        gate.wait(WAIT)
        raise ValueError("the corpus is broken\nTraceback (most recent call last): ...")

    first = queue.submit("k", broken, label="t")
    second = queue.submit("k", broken, label="t")
    gate.set()
    assert first.wait(WAIT) and second is first and first.state == jobs.FAILED
    assert first.error == "ValueError: the corpus is broken" and "Traceback" not in first.error
    retry = queue.submit("k", broken, label="t")
    assert retry is not first and retry.wait(WAIT) and calls == [1, 1]


def test_finished_results_are_kept_least_recently_used_first_out():
    queue = jobs.JobQueue(workers=1, keep_done=2, processes=False)
    done = [queue.submit(n, lambda p, s, n=n: n, label="t") for n in range(3)]
    for job in done:
        assert job.wait(WAIT)
    assert queue.submit(2, lambda p, s: "again", label="t") is done[2]
    assert queue.submit(1, lambda p, s: "again", label="t") is done[1]
    fresh = queue.submit(0, lambda p, s: "again", label="t")  # 0 was evicted: computed anew
    assert fresh is not done[0] and fresh.wait(WAIT) and fresh.result == "again"
    assert queue.computed == 4


def test_a_job_not_to_keep_is_shared_while_it_runs_and_forgotten_when_done():
    queue = jobs.JobQueue(workers=1, keep_done=4, processes=False)
    gate = threading.Event()
    first = queue.submit("upload", gated(gate, "mine"), label="t", keep=False)
    joined = queue.submit("upload", gated(gate, "other"), label="t", keep=False)
    assert joined is first  # identical requests while it runs: one computation
    gate.set()
    assert first.wait(WAIT) and first.result == "mine"
    assert queue.stats()["kept"] == 0
    later = queue.submit("upload", lambda p, s: "again", label="t", keep=False)
    assert later is not first and later.wait(WAIT) and later.result == "again"


def test_keys_must_be_hashable():
    with pytest.raises(TypeError):
        jobs.JobQueue(workers=1, processes=False).submit(["a", "list"], lambda p, s: None)


# ---------------------------------------------------------------------------------------------
# Worker processes: module-level job functions (picklable), called as fn(*args, progress, should_stop)
# ---------------------------------------------------------------------------------------------


def count_up(steps: int, progress, should_stop) -> dict:
    for step in range(steps):
        progress({"step": step, "pid": os.getpid()})
    return {"pid": os.getpid(), "vectors": np.arange(6, dtype=np.float32).reshape(2, 3)}


def sleep_then(seconds: float, value, progress, should_stop):
    time.sleep(seconds)
    return value


def until_stopped(progress, should_stop) -> int:
    progress({"started": True})
    steps = 0
    while not should_stop():
        steps += 1
        time.sleep(0.005)
    return steps


def exit_at_once(code: int, progress, should_stop) -> None:
    os._exit(code)


def segfault(progress, should_stop) -> None:
    ctypes.string_at(0)  # reads address 0: SIGSEGV


def allocate_at_once(megabytes: int, progress, should_stop) -> int:
    block = bytearray(megabytes * jobs.MB)
    return len(block)


def allocate_slowly(megabytes: int, progress, should_stop) -> int:
    blocks = []
    for _ in range(megabytes // 16):
        blocks.append(np.ones(16 * jobs.MB, dtype=np.uint8))  # touched pages: resident memory
        time.sleep(0.01)
    return len(blocks)


def bad_input(progress, should_stop) -> None:
    raise InputError("errors.corpus.too_big", words=12, limit=10)


def unpicklable_result(progress, should_stop):
    return threading.Lock()


@pytest.fixture()
def pool():
    """A queue of two worker processes, shut down after the test."""
    queue = jobs.JobQueue(workers=2, memory_limit_mb=600)
    yield queue
    queue.shutdown()


def test_a_job_runs_in_another_process_and_its_progress_arrives_in_order(pool):
    job = pool.submit("count", functools.partial(count_up, 200), label="t")
    assert job.wait(WAIT) and job.state == jobs.DONE, job.error
    assert job.result["pid"] != os.getpid() and job.result["pid"] == job.worker_pid
    assert job.worker_pid in pool.worker_pids()
    assert [r["step"] for r in job.progress_since(0)] == list(range(200))
    assert job.result["vectors"].tolist() == [[0, 1, 2], [3, 4, 5]] and job.result_bytes > 0
    mine = job.result_copy()
    mine["vectors"][0, 0] = 99
    assert job.result["vectors"][0, 0] == 0


def test_identical_keys_share_one_run_in_a_worker(pool):
    first = pool.submit(("w2v", 1), functools.partial(sleep_then, 0.5, "shared"), label="t")
    second = pool.submit(("w2v", 1), functools.partial(sleep_then, 0.5, "other"), label="t")
    assert second is first and first.wait(WAIT) and first.result == "shared"
    assert pool.submit(("w2v", 1), functools.partial(sleep_then, 0, "x"), label="t") is first
    assert pool.computed == 1


def test_distinct_jobs_use_every_worker_at_once(pool):
    started = time.monotonic()
    both = [pool.submit(n, functools.partial(sleep_then, 1.0, n), label="t") for n in range(2)]
    assert all(j.wait(WAIT) for j in both) and [j.result for j in both] == [0, 1]
    assert both[0].worker_pid != both[1].worker_pid
    assert both[1].started_at - both[0].started_at < 0.9  # side by side, not one after the other
    assert time.monotonic() - started < WAIT


def test_should_stop_turns_true_in_the_worker_at_the_cap_and_when_nobody_waits():
    clock = FakeClock()
    queue = jobs.JobQueue(workers=1, abandon_after_s=10, clock=clock)
    try:
        capped = queue.submit("cap", until_stopped, label="t", cap_s=60)
        wait_until(lambda: capped.progress.get("started"))
        clock.now += 5
        capped.touch()
        clock.now += 56  # past the cap, someone still waiting
        assert capped.wait(WAIT) and capped.state == jobs.DONE and capped.capped and capped.result > 0
        left = queue.submit("left", until_stopped, label="t", cap_s=1e9)
        wait_until(lambda: left.progress.get("started"))
        clock.now += 11  # nobody polls any more
        assert left.wait(WAIT) and left.state == jobs.CANCELLED and left.dropped
    finally:
        queue.shutdown()


@pytest.mark.parametrize("crash", [functools.partial(exit_at_once, 3), segfault], ids=["os._exit", "segfault"])
def test_a_crashing_job_fails_with_one_line_and_the_next_job_runs(pool, crash):
    job = pool.submit("crash", crash, label="t")
    assert job.wait(WAIT) and job.state == jobs.FAILED
    assert "worker process stopped" in job.error and "\n" not in job.error
    assert ("exit code 3" in job.error) if crash is not segfault else ("SIGSEGV" in job.error)
    assert isinstance(job.exception, InputError) and job.exception.key == "jobs.crashed"  # in the learner's language
    after = pool.submit("after", functools.partial(count_up, 3), label="t")
    assert after.wait(WAIT) and after.state == jobs.DONE and after.result["pid"] != job.worker_pid
    assert pool.crashed == 1


@pytest.mark.parametrize("hog", [functools.partial(allocate_at_once, 4000), functools.partial(allocate_slowly, 1200)],
                         ids=["at once", "slowly"])
def test_a_job_past_the_memory_ceiling_fails_with_a_message_and_the_next_job_runs(pool, hog):
    job = pool.submit("hog", hog, label="t")
    assert job.wait(60) and job.state == jobs.FAILED
    assert job.error == "it needed more than 600 MB of memory and was stopped"
    assert job.exception.key == "jobs.memory" and job.exception.params == {"limit_mb": 600}
    after = pool.submit("after", functools.partial(count_up, 3), label="t")
    assert after.wait(WAIT) and after.state == jobs.DONE


def test_input_errors_travel_back_as_they_were_raised(pool):
    job = pool.submit("bad", bad_input, label="t")
    assert job.wait(WAIT) and job.state == jobs.FAILED
    assert isinstance(job.exception, InputError)
    assert job.exception.key == "errors.corpus.too_big" and job.exception.params == {"words": 12, "limit": 10}


def test_a_result_that_cannot_be_pickled_fails_with_a_message(pool):
    job = pool.submit("lock", unpicklable_result, label="t")
    assert job.wait(WAIT) and job.state == jobs.FAILED and "pickle" in job.error


def test_a_function_that_cannot_be_pickled_runs_in_a_thread_with_a_warning(pool, caplog):
    def closure(progress, should_stop):
        return os.getpid()

    job = pool.submit("closure", closure, label="t.closure")
    assert job.wait(WAIT) and job.result == os.getpid() and job.worker_pid is None
    assert any("closure" in r.getMessage() and "cannot be pickled" in r.getMessage() for r in caplog.records)


def objects_the_collector_walks(progress, should_stop) -> dict:
    import gc

    return {"pid": os.getpid(), "walked": len(gc.get_objects()), "frozen": gc.get_freeze_count()}


def test_after_a_job_the_worker_keeps_what_outlived_it_out_of_the_collectors_walk():
    """The next job's collection walks what that job made, not torch's objects again."""
    queue = jobs.JobQueue(workers=1)
    try:
        seen = []
        for n in range(2):
            job = queue.submit(("walk", n), objects_the_collector_walks, label="t")
            assert job.wait(WAIT) and job.state == jobs.DONE, job.error
            seen.append(job.result)
        assert seen[0]["pid"] == seen[1]["pid"]  # the same worker, one job after the other
        assert seen[1]["frozen"] > 50_000  # torch and the worker, frozen after the first job
        assert seen[1]["walked"] < seen[0]["walked"] / 10
    finally:
        queue.shutdown()


def test_a_worker_is_replaced_after_its_quota_of_jobs():
    queue = jobs.JobQueue(workers=1, recycle_jobs=1)
    try:
        pids = []
        for n in range(2):
            job = queue.submit(n, functools.partial(count_up, 1), label="t")
            assert job.wait(WAIT) and job.state == jobs.DONE
            pids.append(job.result["pid"])
        assert pids[0] != pids[1] and not psutil.pid_exists(pids[0])
    finally:
        queue.shutdown()


def test_a_worker_ended_by_two_threads_at_once_raises_nothing():
    # CI once failed with EBADF: the place's thread recycled a worker while shutdown() stopped it
    worker = jobs._Worker(0, 512 * jobs.MB)
    errors = []
    barrier = threading.Barrier(6)

    def end():
        barrier.wait()
        try:
            worker.kill()
        except Exception as exc:  # noqa: BLE001 - the test collects whatever escapes
            errors.append(exc)

    threads = [threading.Thread(target=end) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert errors == [] and not psutil.pid_exists(worker.pid)
    worker.kill()  # and once more, after


def test_shutdown_right_after_a_recycle_raises_nothing():
    for _ in range(3):
        queue = jobs.JobQueue(workers=1, recycle_jobs=1)
        job = queue.submit("one", functools.partial(count_up, 1), label="t")
        assert job.wait(WAIT) and job.state == jobs.DONE
        queue.shutdown()  # the place's thread may be stopping the same worker right now


def test_no_worker_process_is_left_after_shutdown():
    queue = jobs.JobQueue(workers=2)
    running = queue.submit("long", until_stopped, label="t", cap_s=1e9)
    done = queue.submit("short", functools.partial(count_up, 1), label="t")
    assert done.wait(WAIT)
    wait_until(lambda: running.progress.get("started"))
    pids = queue.worker_pids()
    assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
    queue.shutdown()
    assert running.wait(WAIT) and running.state in (jobs.FAILED, jobs.DONE)

    def gone(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    wait_until(lambda: all(gone(pid) for pid in pids))
    assert queue.worker_pids() == []
    with pytest.raises(RuntimeError):
        queue.submit("late", functools.partial(count_up, 1))


def test_kept_results_stay_within_their_byte_budget():
    queue = jobs.JobQueue(workers=1, keep_mb=1, processes=False)
    big = [queue.submit(n, lambda p, s: np.zeros(300_000, dtype=np.float32), label="t") for n in range(4)]
    assert all(j.wait(WAIT) for j in big)
    assert queue.stats()["kept_mb"] <= 1 and queue.stats()["kept"] < 4


def test_workers_can_be_started_before_the_first_job():
    queue = jobs.JobQueue(workers=2)
    try:
        queue.start_workers(wait=True)
        pids = queue.worker_pids()
        assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
        job = queue.submit("first", functools.partial(count_up, 1), label="t")
        assert job.wait(WAIT) and job.result["pid"] in pids
    finally:
        queue.shutdown()


def test_the_server_hands_freed_memory_back():
    jobs._give_memory_back()  # gc + malloc_trim: must not fail where there is no glibc either
    jobs.start_memory_trimmer(0)  # 0 turns it off: no thread
    assert not any(t.name == "memory-trimmer" for t in threading.enumerate()) or jobs._TRIMMER is not None


def test_a_worker_does_not_run_the_page_that_streamlit_made_main(tmp_path, monkeypatch):
    """Streamlit sets ``sys.modules["__main__"]`` to the page it runs; multiprocessing would run
    that file again in every worker (the page in bare mode, the warm-up loading every model)."""
    import sys
    import types

    marker = tmp_path / "page_ran"
    page = tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)
    fake_main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    queue = jobs.JobQueue(workers=1, memory_limit_mb=600)
    try:
        job = queue.submit("count", functools.partial(count_up, 3), label="t")
        assert job.wait(WAIT) and job.state == jobs.DONE, job.error
        assert job.result["pid"] != os.getpid()
    finally:
        queue.shutdown()
    assert not marker.exists()
    assert sys.modules["__main__"] is fake_main  # put back once the worker had started


SET_ASIDE_PROBE = """
import gc, json, sys
sys.path.insert(0, sys.argv[1])
from ui import jobs

class Node:
    pass

kept = [Node() for _ in range(1000)]          # the server's for-good state: alive at warm-up's end
old = Node(); old.me = old                     # a cycle alive then: set aside with the rest
del old
gc.disable()                                   # only the collections below run
tracked_before = len(gc.get_objects())
count = jobs.set_aside_what_stays()
tracked_after = len(gc.get_objects())
new = Node(); new.me = new                     # a cycle a session leaves behind afterwards
del new
found = gc.collect()
print(json.dumps({"count": count, "frozen": gc.get_freeze_count(), "before": tracked_before,
                  "after": tracked_after, "found": found,
                  "kept_in_sight": any(o is kept[0] for o in gc.get_objects())}))
"""


def test_set_aside_hides_the_warm_state_from_the_collector_but_still_collects_later_cycles():
    """ui/launch.py, after the first views: what is alive then leaves the collector's walk (the
    trimmer's minute-by-minute collection no longer walks it), yet a cycle made afterwards, as a
    closed session leaves, is still found and freed. In a process of its own: freezing this test
    worker's heap would change the collections of every test after it."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", SET_ASIDE_PROBE, str(root)], capture_output=True, text=True,
                          timeout=120, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["count"] == result["frozen"] >= 1000  # the thousand kept nodes at least
    assert result["after"] < result["before"] - 1000  # out of the collector's sight ...
    assert not result["kept_in_sight"]
    assert result["found"] >= 1  # ... while the later cycle is still collected
