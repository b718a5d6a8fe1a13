"""Chapter 7's engine pieces: a step's candidates, seeded continuations, the chat prompt."""

from __future__ import annotations

import pytest
import torch

from lm_core.decoding.candidates import TOP_SHOWN, Candidate, kept_count, shows_model_probs, top_candidates
from lm_core.decoding.continuation import (
    GREEDY,
    SAME_NEXT_TEMPERATURE,
    chat_ids,
    continuation,
    mean_probability,
)
from lm_core.decoding.generation import SamplingSettings, shape_distribution
from lm_core.models.gpt import GPT, GPTConfig

torch.set_num_threads(1)
LOGITS = torch.tensor([4.0, 3.0, 2.0, 1.0, 0.0, -1.0, -2.0, -3.0])


def token_of(i: int) -> str:
    return f"t{i}"


def test_candidates_are_one_list_most_likely_first():
    settings = SamplingSettings(temperature=0.5, top_k=2)
    distribution = shape_distribution(LOGITS, settings)
    shown = top_candidates(distribution, token_of, chosen=1, shown=4)
    assert [c.token_id for c in shown] == [0, 1, 2, 3] and all(isinstance(c, Candidate) for c in shown)
    assert [c.token for c in shown] == ["t0", "t1", "t2", "t3"]
    assert [c.kept for c in shown] == [True, True, False, False]
    assert [c.chosen for c in shown] == [False, True, False, False]
    assert shown[2].final == 0.0 and abs(shown[0].final + shown[1].final - 1) < 1e-6
    assert shown[0].tempered == pytest.approx(float(torch.softmax(LOGITS / 0.5, -1)[0]))
    assert shown[0].model_prob == pytest.approx(float(torch.softmax(LOGITS, -1)[0]))
    assert kept_count(distribution) == (2, 8)


def test_a_chosen_token_outside_the_top_replaces_the_last():
    distribution = shape_distribution(LOGITS, SamplingSettings())
    shown = top_candidates(distribution, token_of, chosen=7, shown=3)
    assert [c.token_id for c in shown] == [0, 1, 7] and shown[-1].chosen
    assert len(top_candidates(distribution, token_of)) == min(TOP_SHOWN, len(LOGITS))


def test_model_probabilities_are_marked_only_when_temperature_changed_them():
    assert shows_model_probs(SamplingSettings(temperature=1.5))
    assert not shows_model_probs(SamplingSettings(temperature=1.0, top_k=3))
    assert not shows_model_probs(SamplingSettings(temperature=1.5, greedy=True))


@pytest.fixture(scope="module")
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval().requires_grad_(False)


def test_continuation_is_seeded_and_leaves_the_global_stream_alone(model):
    hot = SamplingSettings(temperature=SAME_NEXT_TEMPERATURE)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = continuation(model, [1, 2, 3], hot, 12, seed=5)
    assert torch.equal(torch.rand(1), before)  # the global random stream was not used
    assert first == continuation(model, [1, 2, 3], hot, 12, seed=5)
    assert len(first) == 12 and all(0 <= i < 30 and 0 < p <= 1 for i, p in first)
    others = [continuation(model, [1, 2, 3], hot, 12, seed=s) for s in range(6, 10)]
    assert any(other != first for other in others)


def test_greedy_continuation_takes_the_likeliest_token_and_stops_at_the_end(model):
    pairs = continuation(model, [1, 2, 3], GREEDY, 5, seed=0)
    with torch.inference_mode():
        first = int(model(torch.tensor([[1, 2, 3]]))[0, -1].argmax())
    assert pairs[0][0] == first
    assert continuation(model, [1, 2, 3], GREEDY, 5, seed=0, end_id=first) == pairs[:1]
    assert mean_probability(pairs) == pytest.approx(sum(p for _, p in pairs) / 5) and mean_probability([]) == 0


class ChatTokenizer:
    """Just enough of SmolLM2's tokenizer: ChatML text, one id per character."""

    def chat_prompt(self, turns):
        return "".join(f"<{t['role']}>{t['content']}" for t in turns) + "<assistant>"

    def encode(self, text):
        return [ord(ch) for ch in text]


def test_chat_ids_put_the_system_turn_first_only_when_given():
    tokenizer = ChatTokenizer()
    assert chat_ids(tokenizer, "hi") == tokenizer.encode("<user>hi<assistant>")
    assert chat_ids(tokenizer, "hi", "Be brief.") == tokenizer.encode("<system>Be brief.<user>hi<assistant>")
