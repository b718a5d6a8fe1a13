"""Fine-tuning a pretrained GPT on (prompt, answer) pairs (chapter 8).

Two uses, one loop:

* **instruction tuning**: prompt = ``"Question: What is the capital of Japan? Answer:"``,
  answer = ``" Tokyo."``;
* **task fine-tuning** (sentiment): prompt = the zero-shot prompt around a training
  sentence, answer = its label word (``" positive"``). The model then classifies by
  which label word it finds likeliest: "label-word prediction", no new layer needed.

Only the answer tokens (and the end-of-sentence token after them) count in the loss:
the model is taught to *answer*, not to write questions. Batches of random pairs are
padded on the right; padding and prompt positions get the target ``-1``, which the
GPT's cross-entropy ignores.

A shared model is never trained: :func:`trainable_copy` makes the learner's own copy.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from lm_core.core.errors import InputError
from lm_core.train.loop import TrainConfig, learning_rate_at, make_optimizer


@dataclass(frozen=True)
class FinetuneConfig:
    steps: int = 150
    batch_size: int = 16
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 10
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.steps <= 5000:
            raise InputError("errors.setting.steps", low=1, high=5000)
        if self.batch_size < 1:
            raise InputError("errors.setting.steps", low=1, high=5000)


@dataclass
class EncodedPair:
    ids: list[int]  # prompt + answer + <eos>
    n_prompt: int  # how many leading ids are the prompt


@dataclass
class FinetuneResult:
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, mean answer loss of the batch)
    steps: int = 0
    train_time_s: float = 0.0
    stopped_early: bool = False


def trainable_copy(model: nn.Module) -> nn.Module:
    """A deep copy with gradients on: the learner's own model; the original is untouched."""
    own = copy.deepcopy(model)
    own.requires_grad_(True)
    own.train()
    return own


def encode_pairs(
    encode: Callable[[str], list[int]], pairs: Sequence[tuple[str, str]], eos_id: int, block_size: int
) -> list[EncodedPair]:
    """Token ids of each (prompt, answer); prompts too long for the window are cropped on the left."""
    encoded = []
    for prompt, answer in pairs:
        prompt_ids, answer_ids = encode(prompt), encode(answer) + [eos_id]
        room = block_size - len(answer_ids)
        if room < 1:
            continue
        prompt_ids = prompt_ids[-room:]
        encoded.append(EncodedPair(prompt_ids + answer_ids, len(prompt_ids)))
    if not encoded:
        raise InputError("errors.labels.no_examples")
    return encoded


def make_batch(pairs: Sequence[EncodedPair], pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (B, T) and targets (B, T) with -1 wherever the loss must not look."""
    width = max(len(p.ids) for p in pairs) - 1
    x = torch.full((len(pairs), width), pad_id, dtype=torch.long)
    y = torch.full((len(pairs), width), -1, dtype=torch.long)
    for row, pair in enumerate(pairs):
        ids = torch.tensor(pair.ids, dtype=torch.long)
        n = len(pair.ids) - 1
        x[row, :n] = ids[:-1]
        targets = ids[1:].clone()
        targets[: pair.n_prompt - 1] = -1  # predicting prompt tokens is not the lesson
        y[row, :n] = targets
    return x, y


def finetune(
    model: nn.Module,
    pairs: Sequence[EncodedPair],
    config: FinetuneConfig,
    callback: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FinetuneResult:
    """Train ``model`` in place on ``pairs`` (call it on a :func:`trainable_copy`)."""
    if not pairs:
        raise InputError("errors.labels.no_examples")
    schedule = TrainConfig(
        max_iters=config.steps,
        learning_rate=config.learning_rate,
        min_lr=config.min_lr,
        warmup_iters=config.warmup_steps,
        weight_decay=config.weight_decay,
    )
    optimizer = make_optimizer(model, schedule)
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    result = FinetuneResult()
    for step in range(1, config.steps + 1):
        started = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step - 1, schedule)
        chosen = torch.randint(len(pairs), (min(config.batch_size, len(pairs)),), generator=generator).tolist()
        x, y = make_batch([pairs[i] for i in chosen])
        loss = model.loss(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        result.train_time_s += time.perf_counter() - started
        loss_value = loss.item()
        result.losses.append((step, loss_value))
        result.steps = step
        if callback is not None:
            callback(step, loss_value)
        if should_stop is not None and should_stop():
            result.stopped_early = True
            break
    model.eval()
    model.requires_grad_(False)
    return result
