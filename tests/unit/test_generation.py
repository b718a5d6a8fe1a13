"""Generation: the knobs as pure functions, KV cache == no cache, seeded sampling, cropping."""

from __future__ import annotations

import pytest
import torch

from lm_core.core.errors import InputError
from lm_core.decoding.generation import (
    SamplingSettings,
    apply_temperature,
    choose_token,
    generate,
    generate_steps,
    next_token_logits,
    shape_distribution,
    top_k_mask,
    top_p_mask,
)
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.train.loop import TrainConfig, train

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def model() -> GPT:
    torch.manual_seed(0)
    # A few quick steps on a fixed random text, so greedy runs are varied, not one token repeated.
    net = GPT(GPTConfig(vocab_size=40, block_size=12, n_layer=2, n_head=2, n_embd=32))
    text = torch.randint(0, 40, (300,), generator=torch.Generator().manual_seed(0)).repeat(2)
    train(net, text, None, TrainConfig(max_iters=80, batch_size=16, learning_rate=1e-2, warmup_iters=5, eval_iters=0))
    return net.eval().requires_grad_(False)


LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])


def test_temperature_keeps_order_and_changes_sharpness() -> None:
    base = torch.softmax(LOGITS, -1)
    cold = torch.softmax(apply_temperature(LOGITS, 0.5), -1)
    hot = torch.softmax(apply_temperature(LOGITS, 2.0), -1)
    assert torch.equal(torch.argsort(cold), torch.argsort(base)) and torch.equal(
        torch.argsort(hot), torch.argsort(base)
    )
    assert cold[0] > base[0] > hot[0]
    assert cold[-1] < base[-1] < hot[-1]
    with pytest.raises(InputError):
        apply_temperature(LOGITS, 0.0)
    with pytest.raises(InputError):
        SamplingSettings(temperature=0.0)


def test_top_k_mask() -> None:
    probs = torch.softmax(LOGITS, -1)
    assert top_k_mask(probs, 2).tolist() == [True, True, False, False, False, False]
    assert top_k_mask(probs, None).all() and top_k_mask(probs, 100).all()
    with pytest.raises(InputError):
        top_k_mask(probs, 0)


def test_top_p_mask_is_smallest_set_reaching_p() -> None:
    probs = torch.tensor([0.1, 0.5, 0.05, 0.3, 0.05])
    assert top_p_mask(probs, 0.5).tolist() == [False, True, False, False, False]
    assert top_p_mask(probs, 0.6).tolist() == [False, True, False, True, False]
    assert top_p_mask(probs, 0.85).tolist() == [True, True, False, True, False]
    assert top_p_mask(probs, 1.0).all()
    assert top_p_mask(probs, 0.01).sum() == 1  # the most likely always survives
    for p in (0.2, 0.5, 0.9, 0.99):
        keep = top_p_mask(probs, p)
        assert probs[keep].sum() >= p - 1e-6
        # dropping the least likely kept token would fall below p
        if keep.sum() > 1:
            assert probs[keep].sum() - probs[keep].min() < p


def test_shape_distribution_invariants() -> None:
    settings = SamplingSettings(temperature=0.7, top_k=4, top_p=0.8)
    d = shape_distribution(LOGITS, settings)
    for probs in (d.probs, d.tempered, d.final):
        assert probs.sum().item() == pytest.approx(1.0)
    assert torch.all(d.final[~d.keep] == 0) and torch.all(d.final[d.keep] > 0)
    assert d.keep.sum() <= 4
    assert d.kept_ids() == sorted(d.kept_ids(), key=lambda i: -d.final[i].item())
    # kept tokens keep their relative odds
    kept = d.kept_ids()
    ratio_final = d.final[kept[0]] / d.final[kept[1]]
    ratio_tempered = d.tempered[kept[0]] / d.tempered[kept[1]]
    assert ratio_final.item() == pytest.approx(ratio_tempered.item(), rel=1e-5)
    greedy = shape_distribution(LOGITS, SamplingSettings(greedy=True))
    assert greedy.kept_ids() == [0] and choose_token(greedy) == 0
    assert choose_token(d, force=5) == 5


def test_greedy_generation_same_with_and_without_kv_cache(model: GPT) -> None:
    prompt = [1, 2, 3]
    # 20 new tokens run past the 12-token window: cropping is exercised too.
    with_cache = list(generate_steps(model, prompt, SamplingSettings(greedy=True), 20))
    without = list(generate_steps(model, prompt, SamplingSettings(greedy=True), 20, use_cache=False))
    assert [s.token_id for s in with_cache] == [s.token_id for s in without]
    for a, b in zip(with_cache, without, strict=True):
        torch.testing.assert_close(a.distribution.logits, b.distribution.logits, atol=1e-4, rtol=1e-4)
    assert len(set(s.token_id for s in with_cache)) > 1  # not a degenerate test


def test_sampling_is_reproducible_with_a_generator(model: GPT) -> None:
    settings = SamplingSettings(temperature=1.5)
    runs = [generate(model, [5], settings, 15, generator=torch.Generator().manual_seed(s)) for s in (7, 7, 8)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    # the global seed plays no part
    torch.manual_seed(123)
    again = generate(model, [5], settings, 15, generator=torch.Generator().manual_seed(7))
    assert again == runs[0]
    cached = generate(model, [5], settings, 15, generator=torch.Generator().manual_seed(7), use_cache=False)
    assert cached == runs[0]


def test_steps_report_cropping_and_probabilities(model: GPT) -> None:
    prompt = list(range(1, 11))  # 10 tokens, window 12
    steps = list(generate_steps(model, prompt, SamplingSettings(greedy=True), 5))
    assert [s.cropped for s in steps] == [0, 0, 0, 1, 2]
    assert all(len(s.context) <= 12 for s in steps)
    assert steps[3].context == (prompt + [s.token_id for s in steps[:3]])[-12:]
    assert steps[3].context[0] == 2  # token 1 fell out of the window
    for s in steps:
        assert s.token_id == int(torch.argmax(s.distribution.logits)) and s.rank == 1
        assert s.token_prob == 1.0 and 0 < s.model_prob <= 1
    logits, window, cropped = next_token_logits(model, list(range(1, 30)))
    assert cropped == 17 and len(window) == 12 and logits.shape == (40,)


def test_stop_at_end_token_and_forced_tokens(model: GPT) -> None:
    free = generate(model, [1, 2], SamplingSettings(greedy=True), 6)
    end = free[2]
    stopped = list(generate_steps(model, [1, 2], SamplingSettings(greedy=True), 6, end_id=end))
    assert stopped[-1].is_end and len(stopped) <= 3
    forced_token = (free[1] + 1) % 40
    branch = list(generate_steps(model, [1, 2], SamplingSettings(greedy=True), 4, forced={1: forced_token}))
    assert branch[0].token_id == free[0]
    assert branch[1].token_id == forced_token and branch[1].forced
    assert branch[1].rank > 1


def test_empty_prompt_is_refused(model: GPT) -> None:
    with pytest.raises(InputError):
        list(generate_steps(model, [], SamplingSettings(), 3))


def test_shift_overflow_keeps_half_the_window_and_matches_until_full(model: GPT) -> None:
    settings = SamplingSettings(greedy=True)
    slide = list(generate_steps(model, [1, 2, 3], settings, 30))
    shift = list(generate_steps(model, [1, 2, 3], settings, 30, overflow="shift"))
    # Identical while the text fits the window (3 prompt + 9 generated = 12 tokens).
    assert [s.token_id for s in slide[:10]] == [s.token_id for s in shift[:10]]
    lengths = [len(s.context) for s in shift]
    assert max(lengths) == 12 and min(lengths[10:]) == 6  # after a shift: the newest half
    assert all(len(s.context) == 12 for s in slide[9:])
    for s in shift:
        assert s.cropped + len(s.context) == 3 + s.index
    with pytest.raises(ValueError):
        list(generate_steps(model, [1], settings, 2, overflow="nope"))
