"""A generic training loop for next-token models (the tiny GPT and friends).

AdamW with weight decay on matrices only, linear warm-up then cosine decay of the
learning rate, gradient clipping, periodic evaluation on held-out text, a progress
callback (for a progress bar or a log line) and a way to stop on request. Randomness
(which windows of the text form a batch) comes from a private ``torch.Generator``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser and schedule settings (defaults: nanoGPT's Shakespeare-char recipe)."""

    max_iters: int = 2000
    batch_size: int = 12
    learning_rate: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    lr_decay_iters: int | None = None  # None: decay over max_iters
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0  # 0 disables clipping
    eval_interval: int = 250  # 0: evaluate only at the end
    eval_iters: int = 20  # batches averaged per evaluation
    seed: int = 1337


@dataclass
class Progress:
    """What the callback receives after each step."""

    step: int  # steps done (1-based)
    max_iters: int
    loss: float  # training loss of this step's batch
    learning_rate: float
    elapsed_s: float  # training time so far (evaluation excluded)
    train_loss: float | None = None  # set on evaluation steps
    val_loss: float | None = None


@dataclass
class TrainResult:
    steps: int
    train_time_s: float  # time spent in training steps (no evaluation)
    tokens_per_s: float
    final_train_loss: float | None
    final_val_loss: float | None
    history: list[Progress] = field(default_factory=list)  # evaluation steps only
    stopped_early: bool = False


def learning_rate_at(step: int, config: TrainConfig) -> float:
    """Linear warm-up for ``warmup_iters`` steps, then cosine decay down to ``min_lr``."""
    decay_iters = config.lr_decay_iters or config.max_iters
    if step < config.warmup_iters:
        return config.learning_rate * (step + 1) / (config.warmup_iters + 1)
    if step > decay_iters:
        return config.min_lr
    ratio = (step - config.warmup_iters) / max(1, decay_iters - config.warmup_iters)
    coefficient = 0.5 * (1.0 + math.cos(math.pi * ratio))
    return config.min_lr + coefficient * (config.learning_rate - config.min_lr)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; matrices (and embeddings) get weight decay, biases and LayerNorm gains do not."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in parameters if p.dim() >= 2]
    no_decay = [p for p in parameters if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    # The fused kernel updates all parameters in one pass; it exists on CPU and CUDA.
    device_type = parameters[0].device.type if parameters else "cpu"
    fused = device_type in ("cpu", "cuda")
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(config.beta1, config.beta2), fused=fused)


def get_batch(
    data: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` random windows of ``data`` (1-D ids): inputs (B, T) and targets shifted by one."""
    if data.numel() <= block_size + 1:
        raise ValueError(f"need more than {block_size + 1} tokens of text, got {data.numel()}")
    starts = torch.randint(data.numel() - block_size - 1, (batch_size,), generator=generator)
    offsets = torch.arange(block_size + 1)
    windows = data[starts[:, None] + offsets]  # (B, T + 1)
    x, y = windows[:, :-1], windows[:, 1:]
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


@torch.no_grad()
def estimate_loss(
    model: nn.Module, data: torch.Tensor, block_size: int, batch_size: int, iters: int, generator: torch.Generator
) -> float:
    """Mean loss over ``iters`` random batches, in eval mode (restores the previous mode)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    losses = [model.loss(*get_batch(data, block_size, batch_size, generator, device)).item() for _ in range(iters)]
    model.train(was_training)
    return float(sum(losses) / len(losses))


def train(
    model: nn.Module,
    train_data: torch.Tensor,
    val_data: torch.Tensor | None,
    config: TrainConfig,
    callback: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train ``model`` (anything with ``.loss(x, y)`` and ``.config.block_size``) in place.

    ``train_data`` / ``val_data``: 1-D LongTensors of token ids. ``callback`` gets a
    :class:`Progress` after every step; ``should_stop()`` returning True ends training
    after the current step.
    """
    block_size = model.config.block_size
    device = next(model.parameters()).device
    batch_generator = torch.Generator().manual_seed(config.seed)
    eval_generator = torch.Generator().manual_seed(config.seed + 1)
    optimizer = make_optimizer(model, config)
    model.train()
    history: list[Progress] = []
    train_time = 0.0
    last_train = last_val = None
    stopped = False
    step = 0
    for step in range(1, config.max_iters + 1):
        started = time.perf_counter()
        lr = learning_rate_at(step - 1, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = get_batch(train_data, block_size, config.batch_size, batch_generator, device)
        loss = model.loss(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        loss_value = loss.item()
        train_time += time.perf_counter() - started

        progress = Progress(step, config.max_iters, loss_value, lr, train_time)
        evaluate = step == config.max_iters or (config.eval_interval and step % config.eval_interval == 0)
        if should_stop is not None and should_stop():
            stopped, evaluate = True, True
        if evaluate and config.eval_iters > 0:
            progress.train_loss = last_train = estimate_loss(
                model, train_data, block_size, config.batch_size, config.eval_iters, eval_generator
            )
            if val_data is not None:
                progress.val_loss = last_val = estimate_loss(
                    model, val_data, block_size, config.batch_size, config.eval_iters, eval_generator
                )
            model.train()
            history.append(progress)
        if callback is not None:
            callback(progress)
        if stopped:
            break
    model.eval()
    tokens = step * config.batch_size * block_size
    return TrainResult(
        steps=step,
        train_time_s=train_time,
        tokens_per_s=tokens / train_time if train_time > 0 else 0.0,
        final_train_loss=last_train,
        final_val_loss=last_val,
        history=history,
        stopped_early=stopped,
    )
