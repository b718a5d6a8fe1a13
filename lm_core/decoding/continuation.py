"""Whole continuations of a prompt, for comparing: greedy against a seeded random draw.

Chapter 7 shows the same prompt continued twice (the likeliest token every time, and a draw
with the learner's knobs and seed) and, for SmolLM2, the same prompt on the tiny GPT. Each
continuation is plain data, ``[(token id, model probability), ...]``, so a server can cache
it and every learner with the same request sees the same text.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lm_core.core.device import inference_threads
from lm_core.decoding.generation import SamplingSettings, generate_steps

#: The temperature of chapter 7's question "will a random draw pick the greedy token?":
#: hot enough (above 1, flatter than the model) that a draw often leaves the likeliest
#: token, not so hot that the answer is always "no". Shown to the learner in the question.
SAME_NEXT_TEMPERATURE = 1.5

#: The settings of a greedy continuation (temperature, top-k and top-p play no part).
GREEDY = SamplingSettings(greedy=True)


def continuation(
    model,  # noqa: ANN001 - any causal model that generate_steps runs (tiny GPT, SmolLM2)
    prompt_ids: Sequence[int],
    settings: SamplingSettings,
    max_new_tokens: int,
    seed: int,
    end_id: int | None = None,
) -> list[tuple[int, float]]:
    """``(token id, model probability)`` of each new token, sampled with a private random
    stream seeded by ``seed`` (never the global seed): the same arguments give the same text."""
    generator = torch.Generator().manual_seed(int(seed))
    with inference_threads():
        steps = generate_steps(model, list(prompt_ids), settings, max_new_tokens, generator=generator, end_id=end_id)
        return [(step.token_id, step.model_prob) for step in steps]


def mean_probability(pairs: Sequence[tuple[int, float]]) -> float:
    """The average model probability of a continuation's tokens (0 for an empty one)."""
    return sum(p for _, p in pairs) / max(1, len(pairs))


def chat_ids(tokenizer, prompt: str, system: str = "") -> list[int]:  # noqa: ANN001
    """The ChatML prompt as ids: a system turn (when given, else the model's default one),
    the learner's text as the user's turn, and the assistant's turn opened for the answer."""
    turns = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return tokenizer.encode(tokenizer.chat_prompt(turns))
