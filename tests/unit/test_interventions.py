"""Interventions through the capture object: exact when empty, local when not, per call, read-only."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest
import torch

from lm_core.models import interventions as iv
from lm_core.models.capture import Capture
from lm_core.models.checkpoints import load_gpt

SENTENCE = "the king gave a speech to the people"


@pytest.fixture(scope="module")
def gpt():
    model, tokenizer = load_gpt("gpt_toy_en")
    return model, tokenizer.encode(SENTENCE)


@pytest.fixture(scope="module")
def smol():
    from lm_core.models.smollm2 import load_smollm2
    from lm_core.models.smollm2_cache import smollm2_available

    if not smollm2_available():
        pytest.skip("SmolLM2 is not installed")
    model, tokenizer = load_smollm2()
    return model, tokenizer.encode("The cat sat on the mat")


def _logits(model, ids, changes=()):  # noqa: ANN001, ANN202
    with torch.inference_mode():
        return model(torch.tensor([ids]), capture=Capture.intervening(changes))


def test_no_change_is_the_fast_path_exactly(gpt, smol) -> None:
    for model, ids in (gpt, smol):
        with torch.inference_mode():
            plain = model(torch.tensor([ids]))
        assert torch.equal(_logits(model, ids), plain)
        # A factor of one changes nothing either (the edit runs, the numbers stay).
        assert torch.equal(_logits(model, ids, [iv.HeadScale(0, 1, 1.0)]), plain)


def test_switching_a_head_off_changes_only_what_depends_on_it(gpt) -> None:
    model, ids = gpt
    layer, head = 2, 1
    names = lambda name: "attn.head_out" in name or "resid_post" in name  # noqa: E731
    before, after = Capture(names), Capture(names, edits=[iv.HeadScale(layer, head)])
    with torch.inference_mode():
        plain, changed = model(torch.tensor([ids]), capture=before), model(torch.tensor([ids]), capture=after)
    for earlier in range(layer):  # layers before it: untouched, bit for bit
        assert torch.equal(before[f"blocks.{earlier}.resid_post"], after[f"blocks.{earlier}.resid_post"])
    heads_before, heads_after = before[f"blocks.{layer}.attn.head_out"], after[f"blocks.{layer}.attn.head_out"]
    assert torch.count_nonzero(heads_after[:, head]) == 0  # the head is off
    others = [h for h in range(model.config.n_head) if h != head]
    assert torch.equal(heads_before[:, others], heads_after[:, others])  # its neighbours are not
    assert not torch.equal(before[f"blocks.{layer}.resid_post"], after[f"blocks.{layer}.resid_post"])
    assert not torch.allclose(plain, changed)


def test_neuron_patch_and_steer_change_their_own_point(gpt) -> None:
    model, ids = gpt
    neuron = iv.NeuronScale(1, 7)
    capture = Capture("blocks.1.mlp.act", edits=[neuron])
    with torch.inference_mode():
        model(torch.tensor([ids]), capture=capture)
    assert torch.count_nonzero(capture["blocks.1.mlp.act"][..., 7]) == 0
    other = load_gpt("gpt_toy_en")[1].encode("it rained this morning")
    patch = iv.patch_from(model, other, "blocks.1.resid_post", -1, -1)
    _, run = iv.logits_with(model, ids, [patch], record=("blocks.1.resid_post",))
    source = iv.activation(model, other, "blocks.1.resid_post")[-1]
    assert np.allclose(run["blocks.1.resid_post"][0, -1].numpy(), source)
    vector = iv.steering_vector(model, [other], [ids], 1)
    assert len(vector) == model.config.n_embd
    steered = iv.logits_with(model, ids, [iv.Steer(1, vector, 4.0)])[0]
    assert not torch.allclose(steered, iv.logits_with(model, ids)[0])
    assert pickle.loads(pickle.dumps(iv.Steer(1, vector, 4.0))) == iv.Steer(1, vector, 4.0)


def test_two_threads_intervening_at_once_get_what_each_would_alone(gpt) -> None:
    model, ids = gpt
    plans = [[iv.HeadScale(layer, head)] for layer in range(model.config.n_layer) for head in (0, 2)] + [[]]
    alone = [_logits(model, ids, plan) for plan in plans]
    together: dict[int, list[torch.Tensor]] = {0: [], 1: []}

    def work(slot: int) -> None:
        for _ in range(3):
            for plan in plans if slot == 0 else reversed(plans):
                together[slot].append(_logits(model, ids, plan))

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = alone * 3
    assert all(torch.equal(a, b) for a, b in zip(together[0], expected, strict=True))
    assert all(torch.equal(a, b) for a, b in zip(together[1], [*reversed(alone)] * 3, strict=True))


def test_shared_weights_unchanged_after_every_kind_of_change(gpt, smol) -> None:
    for model, ids in (gpt, smol):
        checksum = iv.weights_checksum(model)
        vector = iv.steering_vector(model, [ids[:3]], [ids[3:]], 1)
        changes = [iv.HeadScale(0, 0), iv.NeuronScale(1, 3), iv.Steer(1, vector, 8.0),
                   iv.patch_from(model, ids[:3], "blocks.0.resid_post", 0, 1)]
        iv.logits_with(model, ids, changes, record=("blocks.0.attn.head_out",))
        iv.greedy_continuation(model, ids, changes, n_tokens=3)
        iv.head_importance(model, ids, iv.answer_probability(-2, ids[-1]), 2, model.config.n_head)
        assert iv.weights_checksum(model) == checksum


def test_head_importance_batched_equals_one_at_a_time(gpt) -> None:
    model, ids = gpt
    score = iv.answer_probability(-2, ids[-1])
    drops = iv.head_importance(model, ids, score, model.config.n_layer, model.config.n_head)
    baseline = float(iv.next_token_probs(model, ids[:-1])[ids[-1]])
    alone = baseline - float(iv.next_token_probs(model, ids[:-1], [iv.HeadScale(1, 2)])[ids[-1]])
    assert drops.shape == (model.config.n_layer, model.config.n_head)
    assert drops[1, 2] == pytest.approx(alone, abs=1e-5)


def test_steered_greedy_continuation_uses_the_cache_like_the_full_pass(gpt) -> None:
    model, ids = gpt
    vector = iv.steering_vector(model, [ids[:4]], [ids[4:]], 2)
    changes = [iv.Steer(2, vector, 3.0)]
    tokens = [token for token, _ in iv.greedy_continuation(model, ids, changes, n_tokens=4)]
    context = list(ids)
    for token in tokens:  # the same tokens without the cache, one full pass per step
        assert int(iv.logits_with(model, context, changes)[0][-1].argmax()) == token
        context.append(token)


def test_minilm_layer_by_layer_matches_the_model_and_can_switch_a_head_off() -> None:
    from lm_core.models.minilm import encode, load_minilm, minilm_forward

    _, model = load_minilm()
    ids = encode("She looked for her keys because they were not on the table").ids
    with torch.inference_mode():
        own = model(input_ids=torch.tensor([ids])).last_hidden_state[0]
    assert torch.allclose(minilm_forward(ids)[0], own, atol=1e-4)
    checksum = iv.weights_checksum(model)
    assert not torch.allclose(minilm_forward(ids, Capture.intervening([iv.HeadScale(3, 5)]))[0], own, atol=1e-3)
    assert iv.weights_checksum(model) == checksum
