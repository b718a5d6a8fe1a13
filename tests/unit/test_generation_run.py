"""The generation run a page keeps: seeded, step by step or streamed, branch, start again."""

from __future__ import annotations

import pytest
import torch

from lm_core.decoding.generation import SamplingSettings, next_token_logits
from lm_core.decoding.run import GenerationRun
from lm_core.models.gpt import GPT, GPTConfig

torch.set_num_threads(1)
SAMPLED = SamplingSettings(temperature=1.5)


@pytest.fixture(scope="module")
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval().requires_grad_(False)


def _logits(model):
    return lambda ids: next_token_logits(model, ids)


def test_same_seed_same_clicks_same_text_and_reset_replays_it(model):
    first = GenerationRun("k", [1, 2, 3], seed=7)
    second = GenerationRun("k", [1, 2, 3], seed=7)
    for _ in range(5):
        first.take(_logits(model), SAMPLED)
        second.take(_logits(model), SAMPLED)
    assert first.ids == second.ids and len(first.steps) == 5
    taken = first.ids
    first.reset()
    assert first.ids == [1, 2, 3] and first.previous_ids is None
    for _ in range(5):
        first.take(_logits(model), SAMPLED)
    assert first.ids == taken


def test_streaming_extends_with_numbered_steps_past_the_window(model):
    run = GenerationRun("k", [1, 2, 3], seed=1)
    run.take(_logits(model), SAMPLED)
    streamed = list(run.extend(model, SAMPLED, 9))
    assert [s.index for s in run.steps] == list(range(10))
    assert streamed == run.steps[1:]
    assert run.steps[-1].was_cropped  # 3 + 10 tokens in a window of 8


def test_branch_keeps_what_came_before_and_remembers_the_old_text(model):
    run = GenerationRun("k", [1, 2], seed=3)
    list(run.extend(model, SAMPLED, 6))
    before = run.ids
    dropped = run.branch(2)
    assert dropped == 4 and run.ids == before[:4] and run.previous_ids == before
    alternative = next(i for i in range(30) if i != before[4])
    step = next(run.extend(model, SAMPLED, 1, forced_first=alternative))
    assert step.forced and step.token_id == alternative and step.index == 2
    with pytest.raises(IndexError):
        run.branch(10)


def test_an_ended_run_takes_no_more_steps(model):
    greedy = SamplingSettings(greedy=True)
    probe = GenerationRun("k", [1], seed=0)
    first_token = probe.take(_logits(model), greedy).token_id
    run = GenerationRun("k", [1], seed=0, end_id=first_token)  # the first greedy token ends it
    assert run.take(_logits(model), greedy).is_end and run.ended
    assert run.take(_logits(model), greedy) is None
    assert list(run.extend(model, greedy, 3)) == []


def test_replay_rebuilds_a_linked_text_with_the_same_steps(model):
    teacher = GenerationRun("k", [1, 2, 3], seed=7, end_id=None)
    for _ in range(4):
        teacher.take(_logits(model), SAMPLED)
    student = GenerationRun("k", [1, 2, 3], seed=99)  # another seed: the tokens come from the link
    student.replay(_logits(model), SAMPLED, [step.token_id for step in teacher.steps])
    assert student.ids == teacher.ids and not any(step.forced for step in student.steps)
    for mine, theirs in zip(student.steps, teacher.steps, strict=True):
        assert torch.equal(mine.distribution.logits, theirs.distribution.logits)
    ended = GenerationRun("k", [1], seed=1, end_id=5)
    ended.replay(_logits(model), SAMPLED, [4, 5, 6])  # nothing after the end-of-text token
    assert ended.ids == [1, 4, 5] and ended.ended
