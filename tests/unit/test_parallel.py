"""Data, tensor and pipeline parallelism on two real worker processes give one process's numbers,
leave no process behind, and the plan calculator matches the published figures."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from lm_core.analysis import parallel_plan as plan
from lm_core.core.errors import InputError
from lm_core.train import parallel


def live_workers() -> list[psutil.Process]:
    """Children of this process that are still running (multiprocessing's own resource
    tracker, one per process and meant to stay, aside)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture
def no_orphans():
    before = {p.pid for p in live_workers()}
    yield
    left = [p for p in live_workers() if p.pid not in before]
    assert not left, [p.cmdline() for p in left]


def test_two_workers_with_half_the_batch_each_follow_the_one_process_curve(no_orphans):
    result = parallel.data_parallel(steps=5, global_batch=8, seed=3)
    assert len(result["losses_one"]) == len(result["losses_two"]) == 5
    assert result["losses_two"][-1] < result["losses_two"][0]  # it does learn
    assert result["max_difference"] < 1e-4
    # Every step all-reduces every gradient once: 4 bytes per parameter (float32).
    assert result["bytes_per_step"] == 4 * result["parameters"]
    assert result["ring_bytes_per_step"] == pytest.approx(result["bytes_per_step"])  # 2(p-1)/p = 1 for p = 2
    assert result["compute_s"] > 0 and result["communicate_s"] > 0


def test_split_feed_forward_and_attention_equal_the_whole_layers(no_orphans):
    result = parallel.tensor_parallel(seed=1)
    for kind in ("mlp", "attention"):
        assert result[kind]["max_difference"] < 1e-5, kind
        assert result[kind]["workers_agree"]  # after the all-reduce both hold the full output
        assert result[kind]["held_parameters"] == [result[kind]["full_parameters"] // 2] * 2
    assert [row["split"] for row in result["holdings"]] == ["rows", "rows", "rows", "columns", "rows", "columns"]


def test_split_layers_equal_the_sequential_model(no_orphans):
    result = parallel.pipeline_parallel(micro_batches=2, global_batch=8, seed=2)
    assert result["loss_difference"] < 1e-5
    assert result["grad_difference"] < 1e-5
    events = result["events"]
    assert len(events) == 2 * 2 * 2  # stages × micro-batches × (forward, backward)
    assert all(e["end"] >= e["start"] >= 0 for e in events)
    # GPipe's order: on each stage every forward ends before the first backward starts.
    for stage in (0, 1):
        mine = [e for e in events if e["stage"] == stage]
        last_forward = max(e["end"] for e in mine if e["phase"] == "forward")
        assert all(e["start"] >= last_forward for e in mine if e["phase"] == "backward")
    assert 0.0 <= result["bubble"] < 1.0
    assert result["bubble_formula"] == pytest.approx(1 / 3)
    assert 0.0 <= result["bubble_scheduled"] <= result["bubble"] + 1e-9  # waiting only adds idle time


def test_a_failing_worker_takes_the_others_down_with_it(no_orphans):
    with pytest.raises(RuntimeError, match="fails on purpose"):
        parallel.run_workers(parallel._failing_task, (1,), timeout_s=60)


def test_a_stop_request_ends_the_workers(no_orphans):
    with pytest.raises(InputError):
        parallel.run_workers(parallel._failing_task, (99,), should_stop=lambda: True)


def test_workers_of_a_killed_parent_exit_by_themselves():
    """A killed server: its workers see their orders pipe close and exit (no orphans)."""
    script = (
        "import sys; from lm_core.train import parallel\n"
        "parallel.run_workers(parallel._sleeping_task, (120,), timeout_s=300,\n"
        "                     progress=lambda info: print('ready', flush=True))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=str(parallel.PROJECT_ROOT))
    try:
        assert parent.stdout.readline().strip() == "ready"  # the workers are up and sleeping
        workers = psutil.Process(parent.pid).children()
        assert len(workers) == 2
        parent.kill()
        parent.wait()
        gone, alive = psutil.wait_procs(workers, timeout=20)
        assert not alive, [p.pid for p in alive]
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


def test_micro_batches_must_be_offered():
    with pytest.raises(InputError):
        parallel.pipeline_parallel(micro_batches=3)


def test_bubble_formula_and_measurement():
    assert parallel.bubble_formula(2, 1) == 0.5
    assert parallel.bubble_formula(2, 8) == pytest.approx(1 / 9)
    # Two stages, one micro-batch, each step one second: each worker waits half the time.
    events = [{"stage": 0, "start": 0, "end": 1}, {"stage": 1, "start": 1, "end": 2},
              {"stage": 1, "start": 2, "end": 3}, {"stage": 0, "start": 3, "end": 4}]
    assert parallel.measured_bubble(events, 2) == pytest.approx(0.5)


def test_replayed_schedule_with_equal_steps_is_the_formula():
    for micro_batches in parallel.MICRO_BATCH_CHOICES:
        events = [{"stage": stage, "phase": phase, "micro": micro, "start": 0.0, "end": 1.0}
                  for stage in (0, 1) for phase in ("forward", "backward") for micro in range(micro_batches)]
        assert parallel.scheduled_bubble(events, 2) == pytest.approx(parallel.bubble_formula(2, micro_batches))


# --------------------------------------------------------------------------- the plan


@pytest.mark.parametrize(("stage", "published_gb"), [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_model_states_match_the_zero_paper(stage, published_gb):
    """ZeRO (Rajbhandari et al. 2020), figure 1: 7.5B parameters, 64 GPUs, K = 12. The paper
    prints one decimal: stage 3's exact 1.875 GB is its "1.9" (within 1 % for the others)."""
    states = plan.model_states(7.5e9, plan.Layout(data=64, zero=stage))
    gigabytes = sum(states.values()) / plan.GB
    assert round(gigabytes, 1) == published_gb
    if published_gb > 10:
        assert gigabytes == pytest.approx(published_gb, rel=0.01)


def test_sixteen_bytes_per_parameter():
    states = plan.model_states(1e9, plan.Layout())
    assert sum(states.values()) == 16e9
    assert states == {"weights": 2e9, "gradients": 2e9, "optimizer": 12e9}


def test_gpt3_compute_matches_the_paper():
    """GPT-3 paper, table D.1: 3.14e23 FLOPs for 175B parameters and 300B tokens."""
    assert plan.GPT3.parameters == pytest.approx(175e9, rel=0.01)
    assert plan.training_flops(plan.GPT3.parameters, 300e9) == pytest.approx(3.14e23, rel=0.01)


def test_gpt3_days_match_megatron():
    """Narayanan et al. 2021, section 5.1: GPT-3 on 1024 A100s at 140 teraFLOP/s each,
    with recomputation (8·N·D), about 34 days."""
    days = plan.training_days(175e9, 300e9, 1024, 140, 1.0, recompute=True)
    assert days == pytest.approx(34, rel=0.01)


def test_only_sharding_and_model_parallelism_fit_gpt3():
    result = plan.plan(plan.GPT3, 1024, 80, 3, plan.ACCELERATORS["a100"])
    rows = result["strategies"]
    assert not rows["data"]["fits"]  # 175B × 16 bytes on every device: 2.8 TB
    assert rows["three_d"]["fits"]
    assert rows["three_d"]["layout"]["data"] * rows["three_d"]["layout"]["tensor"] \
        * rows["three_d"]["layout"]["pipeline"] == 1024
    assert rows["three_d"]["communication"]["total"] < rows["data"]["communication"]["total"]
    assert result["days"] > 0


def test_impossible_layouts_are_refused():
    with pytest.raises(InputError):
        plan.memory_per_device(plan.GPT3, plan.Layout(tensor=5))
    with pytest.raises(InputError):
        plan.memory_per_device(plan.GPT3, plan.Layout(zero=4))


# --------------------------------------------------------------------------- the questions


def test_questions_read_the_runs():
    from lm_core.analysis import scale_quiz

    same = scale_quiz.same_curve({"max_difference": 2e-7, "losses_one": [1.0] * 5})
    assert same.correct == {"yes"} and same.facts["steps"] == 5
    assert scale_quiz.same_curve({"max_difference": 0.3, "losses_one": [1.0]}).correct == {"no"}
    bubble = scale_quiz.bubble_share({"bubble": 0.31, "bubble_formula": 0.2, "micro_batches": 4})
    assert bubble.correct == {"medium"} and bubble.facts["measured"] == "31%"
    result = plan.plan(plan.GPT3, 1024, 80, 3, plan.ACCELERATORS["a100"])
    fits = scale_quiz.strategies_that_fit(result)
    assert fits.multi and fits.correct == {k for k, row in result["strategies"].items() if row["fits"]}
