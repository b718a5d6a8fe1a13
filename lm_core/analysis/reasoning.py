"""Chain of thought, trained and measured (chapter 10).

Two tiny GPTs of the same shape learn addition from the same problems, in the same order,
for the same number of steps: one is taught ``question → answer``, the other
``question → steps → answer`` (see :mod:`lm_core.data.arithmetic`). The budget is the same
number of optimiser steps on the same problems (so the same number of *problems* seen);
the scratchpad model reads and writes more tokens per problem, which is the point: writing
the steps out is extra computation the model is allowed to do.

Both are trained side by side, one step each in turn, so a live run shows the two loss
curves growing together. Only the tokens after the question count in the loss (the
questions are random; predicting them teaches nothing). Answers are read with greedy
decoding and scored by exact match on held-out problems.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from lm_core.analysis.quiz import Answer
from lm_core.core.device import inference_threads, training_threads
from lm_core.data.arithmetic import (
    ALPHABET,
    FORMATS,
    HELD_OUT_DIGITS,
    TRAINED_DIGITS,
    Problem,
    held_out_problems,
    is_correct,
    pairs,
    training_problems,
)
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.tokenizers.lm import CharTokenizer
from lm_core.train.finetune import encode_pairs, make_batch
from lm_core.train.loop import TrainConfig, learning_rate_at, make_optimizer

#: Checkpoint folder of each format's shipped model (under ``assets/checkpoints``).
CHECKPOINTS = {fmt: f"cot_{fmt}" for fmt in FORMATS}


@dataclass(frozen=True)
class CotConfig:
    """Everything that decides a training run: the same config gives the same weights."""

    steps: int = 3000
    batch_size: int = 32
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    block_size: int = 72  # room for a five-digit problem with its steps
    learning_rate: float = 3e-3
    min_lr: float = 3e-4
    warmup_steps: int = 100
    train_problems: int = 20000
    test_per_digit: int = 100
    seed: int = 0

    @classmethod
    def live(cls, steps: int, seed: int) -> CotConfig:
        """A learner's run: fewer steps, a smaller test."""
        return cls(steps=steps, seed=seed, test_per_digit=20, train_problems=10000)


@dataclass
class TrainedPair:
    """Both models after training, their batch losses ``[(step, loss), ...]`` and the tokenizer."""

    models: dict[str, GPT]
    losses: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    tokenizer: CharTokenizer | None = None
    steps: int = 0
    tokens_seen: dict[str, int] = field(default_factory=dict)


def make_tokenizer() -> CharTokenizer:
    """One id per character of the task (and ``<eos>``); both models share it."""
    return CharTokenizer(ALPHABET)


def make_model(config: CotConfig, vocab_size: int) -> GPT:
    """A fresh GPT; both formats start from the very same weights (same seed)."""
    model_config = GPTConfig(
        vocab_size=vocab_size,
        block_size=config.block_size,
        n_layer=config.n_layer,
        n_head=config.n_head,
        n_embd=config.n_embd,
        dropout=0.0,
    )
    with torch.random.fork_rng(devices=[]):  # the seed picks these weights only, never the caller's stream
        torch.manual_seed(config.seed)
        return GPT(model_config)


def split(config: CotConfig) -> tuple[list[Problem], list[Problem]]:
    """(training problems, held-out test problems); no test problem is ever trained on."""
    test = held_out_problems(config.test_per_digit, config.seed)
    return training_problems(config.train_problems, config.seed, exclude=test), test


def train_pair(
    config: CotConfig,
    on_step: Callable[[str, int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainedPair:
    """Train the direct and the scratchpad model, one step each in turn, on the same batches.

    ``on_step(fmt, step, loss)`` after every step of either model; ``should_stop()`` ends
    training after the current pair of steps. Deterministic on one thread."""
    tokenizer = make_tokenizer()
    train, _ = split(config)
    schedule = TrainConfig(
        max_iters=config.steps,
        learning_rate=config.learning_rate,
        min_lr=config.min_lr,
        warmup_iters=config.warmup_steps,
        weight_decay=0.0,
    )
    encoded, models, optimizers = {}, {}, {}
    for fmt in FORMATS:
        encoded[fmt] = encode_pairs(tokenizer.encode, pairs(train, fmt), tokenizer.eos_id, config.block_size)
        models[fmt] = make_model(config, tokenizer.vocab_size)
        models[fmt].train()
        optimizers[fmt] = make_optimizer(models[fmt], schedule)
    result = TrainedPair(models, {fmt: [] for fmt in FORMATS}, tokenizer, 0, {fmt: 0 for fmt in FORMATS})
    order = torch.Generator().manual_seed(config.seed)
    for step in range(1, config.steps + 1):
        chosen = torch.randint(len(train), (config.batch_size,), generator=order).tolist()
        for fmt in FORMATS:
            x, y = make_batch([encoded[fmt][i] for i in chosen])
            loss = _step(models[fmt], optimizers[fmt], x, y, learning_rate_at(step - 1, schedule))
            result.losses[fmt].append((step, loss))
            result.tokens_seen[fmt] += int(x.numel())
            if on_step is not None:
                on_step(fmt, step, loss)
        result.steps = step
        if should_stop is not None and should_stop():
            break
    for model in models.values():
        model.eval().requires_grad_(False)
    return result


def _step(model: GPT, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, lr: float) -> float:
    for group in optimizer.param_groups:
        group["lr"] = lr
    loss = model.loss(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return float(loss.item())


def max_new_tokens(problem: Problem, fmt: str) -> int:
    """Room for the right completion plus a little (a wrong one may run longer)."""
    return len(problem.target(fmt)) + 4


@torch.inference_mode()
def solve_batch(model: GPT, tokenizer: CharTokenizer, problems: Sequence[Problem], fmt: str) -> list[str]:
    """Greedy completions of many problems at once (problems of the same question length
    share a batch, so every position lines up without padding)."""
    completions: list[str] = [""] * len(problems)
    groups: dict[int, list[int]] = {}
    for index, problem in enumerate(problems):
        groups.setdefault(len(problem.question), []).append(index)
    block = model.config.block_size
    for length, indices in groups.items():
        ids = torch.tensor([tokenizer.encode(problems[i].question) for i in indices], dtype=torch.long)
        budget = min(block - length, max(max_new_tokens(problems[i], fmt) for i in indices))
        done = torch.zeros(len(indices), dtype=torch.bool)
        for _ in range(budget):
            logits = model(ids, last_only=True)[:, -1, :]
            next_ids = logits.argmax(dim=-1)
            next_ids[done] = tokenizer.eos_id
            ids = torch.cat([ids, next_ids[:, None]], dim=1)
            done |= next_ids == tokenizer.eos_id
            if bool(done.all()):
                break
        for row, index in enumerate(indices):
            new = ids[row, length:].tolist()
            if tokenizer.eos_id in new:
                new = new[: new.index(tokenizer.eos_id)]
            completions[index] = tokenizer.decode(new)
    return completions


@torch.inference_mode()
def solve_one(model: GPT, tokenizer: CharTokenizer, problem: Problem, fmt: str) -> list[tuple[str, float]]:
    """The greedy completion of one problem, token by token, with the probability the model
    gave each token it wrote (the end-of-answer token included)."""
    ids = tokenizer.encode(problem.question)
    written: list[tuple[str, float]] = []
    for _ in range(min(max_new_tokens(problem, fmt), model.config.block_size - len(ids))):
        logits = model(torch.tensor([ids], dtype=torch.long), last_only=True)[0, -1]
        probs = torch.softmax(logits.float(), dim=-1)
        token = int(probs.argmax())
        written.append((tokenizer.id_to_token(token), float(probs[token])))
        if token == tokenizer.eos_id:
            break
        ids.append(token)
    return written


def completion_text(written: Sequence[tuple[str, float]], tokenizer: CharTokenizer) -> str:
    """The text of a :func:`solve_one` completion (without the end-of-answer token)."""
    end = tokenizer.id_to_token(tokenizer.eos_id)
    return "".join(token for token, _ in written if token != end)


def evaluate(model: GPT, tokenizer: CharTokenizer, problems: Sequence[Problem], fmt: str) -> dict[int, float]:
    """Exact-match accuracy per number of digits."""
    from lm_core.data.arithmetic import accuracy_by_digits

    with inference_threads():
        completions = solve_batch(model, tokenizer, problems, fmt)
    return accuracy_by_digits(problems, [is_correct(p, c, fmt) for p, c in zip(problems, completions, strict=True)])


def results_of(trained: TrainedPair, config: CotConfig) -> dict:
    """The measured table: accuracy by digits of both models on the held-out problems."""
    _, test = split(config)
    accuracy = {fmt: evaluate(trained.models[fmt], trained.tokenizer, test, fmt) for fmt in FORMATS}
    counts: dict[int, int] = {}
    for problem in test:
        counts[problem.digits] = counts.get(problem.digits, 0) + 1
    return {
        "config": asdict(config),
        "parameters": trained.models["direct"].num_parameters(),
        "steps": trained.steps,
        "problems_seen": trained.steps * config.batch_size,
        "tokens_seen": dict(trained.tokens_seen),
        "trained_digits": list(TRAINED_DIGITS),
        "held_out_digits": HELD_OUT_DIGITS,
        "test_counts": {str(n): c for n, c in counts.items()},
        "accuracy": {fmt: {str(n): round(a, 4) for n, a in acc.items()} for fmt, acc in accuracy.items()},
        "final_loss": {fmt: round(sum(loss for _, loss in trained.losses[fmt][-50:]) / 50, 4) for fmt in FORMATS}
        if trained.steps >= 50
        else {},
    }


def mean_accuracy(accuracy: dict[str, float], digits: Sequence[int] = TRAINED_DIGITS) -> float:
    """Accuracy over the trained digit counts (each count weighs the same)."""
    values = [accuracy[str(n)] for n in digits if str(n) in accuracy]
    return sum(values) / len(values) if values else 0.0


def margin(results: dict) -> float:
    """How many points the scratchpad model is ahead of the direct one (trained digits)."""
    return mean_accuracy(results["accuracy"]["scratchpad"]) - mean_accuracy(results["accuracy"]["direct"])


def write_json(path: str | Path, data: dict) -> None:
    """Stable JSON (sorted keys, fixed indentation): the same data writes the same bytes."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def training_job(steps: int, seed: int, progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """A learner's live run through the shared queue (picklable with ``functools.partial``).

    Reports ``{"fmt", "step", "total", "loss"}`` after each step of either model. Returns the
    loss histories, the accuracy of both models on a small held-out test, and the seconds it took."""
    config = CotConfig.live(steps, seed)
    started = time.perf_counter()
    with training_threads():
        trained = train_pair(
            config,
            on_step=lambda fmt, step, loss: progress({"fmt": fmt, "step": step, "total": steps, "loss": loss}),
            should_stop=should_stop,
        )
    results = results_of(trained, config)
    return {
        "losses": {fmt: list(trained.losses[fmt]) for fmt in FORMATS},
        "accuracy": results["accuracy"],
        "steps": trained.steps,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --------------------------------------------------------------------------- predict, then reveal

#: Options of "which model gets more right" (and of "which model solves your problem").
WHO_WINS = ("direct", "scratchpad", "same")
WHO_SOLVES = ("both", "scratchpad", "direct", "neither")


def who_wins(results: dict, digits: int) -> Answer:
    """Which model is more accurate on held-out problems of ``digits`` digits (a tie: "same")."""
    scores = {fmt: float(results["accuracy"][fmt][str(digits)]) for fmt in FORMATS}
    if abs(scores["scratchpad"] - scores["direct"]) < 0.02:
        correct = "same"
    else:
        correct = max(scores, key=scores.get)
    facts = {"values": scores, "direct": scores["direct"], "scratchpad": scores["scratchpad"], "digits": digits}
    return Answer(frozenset({correct}), case=correct, facts=facts)


def who_solves(correct: dict[str, bool]) -> Answer:
    """Which of the two models wrote the right answer to one problem."""
    if correct["direct"] and correct["scratchpad"]:
        case = "both"
    elif correct["scratchpad"] or correct["direct"]:
        case = "scratchpad" if correct["scratchpad"] else "direct"
    else:
        case = "neither"
    return Answer(frozenset({case}), case=case)
