"""The shared job queue (ui/jobs.py): identical work once, a bounded FIFO pool, closed tabs
dropped, a time cap, errors as messages. A fake clock makes the time-based rules exact."""

from __future__ import annotations

import threading
import time

import pytest

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
    queue = jobs.JobQueue(workers=2)
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
    queue = jobs.JobQueue(workers=2)
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
    queue = jobs.JobQueue(workers=1, abandon_after_s=10, clock=clock)
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
    queue = jobs.JobQueue(workers=1, abandon_after_s=10, clock=clock)
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
    queue = jobs.JobQueue(workers=1, abandon_after_s=1e9, clock=clock)
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
    queue = jobs.JobQueue(workers=1)
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
    queue = jobs.JobQueue(workers=1, keep_done=2)
    done = [queue.submit(n, lambda p, s, n=n: n, label="t") for n in range(3)]
    for job in done:
        assert job.wait(WAIT)
    assert queue.submit(2, lambda p, s: "again", label="t") is done[2]
    assert queue.submit(1, lambda p, s: "again", label="t") is done[1]
    fresh = queue.submit(0, lambda p, s: "again", label="t")  # 0 was evicted: computed anew
    assert fresh is not done[0] and fresh.wait(WAIT) and fresh.result == "again"
    assert queue.computed == 4


def test_keys_must_be_hashable():
    with pytest.raises(TypeError):
        jobs.JobQueue(workers=1).submit(["a", "list"], lambda p, s: None)
