"""Changing a model while it runs: switch a head off, silence a neuron, patch, steer.

Seeing the attention weights is half of understanding a model; the other half is changing
one piece and watching the prediction move. Every change here is a small frozen record
(plain data: it pickles into a worker process and hashes into a cache key) that names the
intermediate it changes, a capture name such as ``blocks.2.attn.head_out``, and says how.
It travels into ``forward`` inside the per-call :class:`~lm_core.models.capture.Capture`,
the same object that records intermediates: no module hooks, no state on the model, so a
model shared by every session of the server is never touched (a test checks its weights).

==================  ==============================  =============================================
change              where (capture name)            what
==================  ==============================  =============================================
:class:`HeadScale`  ``blocks.{i}.attn.head_out``    one head's output times ``factor`` (0: off)
:class:`NeuronScale` ``blocks.{i}.mlp.act``         one MLP hidden unit times ``factor`` (0: off)
:class:`Patch`      any name (usually resid_post)   some positions replaced by another run's values
:class:`Steer`      ``blocks.{i}.resid_post``       ``strength x vector`` added at every position
==================  ==============================  =============================================

:func:`steering_vector` computes a steering vector the way the literature does ("activation
addition"): the mean residual stream of one small set of prompts minus that of another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lm_core.models.capture import Capture

# --------------------------------------------------------------------------- the changes


@dataclass(frozen=True)
class HeadScale:
    """Multiply the output of head ``head`` of layer ``layer`` by ``factor`` (0 switches it off).

    ``row``: only in that row of the batch (several ablations in one batched pass); None = all.
    """

    layer: int
    head: int
    factor: float = 0.0
    row: int | None = None

    @property
    def target(self) -> str:
        return f"blocks.{self.layer}.attn.head_out"

    def apply(self, tensor: torch.Tensor) -> torch.Tensor:  # (B, H, T, D)
        changed = tensor.clone()
        rows = slice(None) if self.row is None else self.row
        changed[rows, self.head] = changed[rows, self.head] * self.factor
        return changed


@dataclass(frozen=True)
class NeuronScale:
    """Multiply hidden unit ``neuron`` of layer ``layer``'s MLP by ``factor`` (0 silences it)."""

    layer: int
    neuron: int
    factor: float = 0.0

    @property
    def target(self) -> str:
        return f"blocks.{self.layer}.mlp.act"

    def apply(self, tensor: torch.Tensor) -> torch.Tensor:  # (B, T, F)
        changed = tensor.clone()
        changed[..., self.neuron] = changed[..., self.neuron] * self.factor
        return changed


@dataclass(frozen=True)
class Patch:
    """Replace ``name`` at ``positions`` by ``values`` (one row of numbers per position), taken
    from a run on another prompt: "what if this token had seen that prompt here?"."""

    name: str
    positions: tuple[int, ...]
    values: tuple[tuple[float, ...], ...]

    @property
    def target(self) -> str:
        return self.name

    def apply(self, tensor: torch.Tensor) -> torch.Tensor:  # (B, T, ...)
        changed = tensor.clone()
        values = torch.tensor(self.values, dtype=tensor.dtype, device=tensor.device)
        for row, position in enumerate(self.positions):
            if -tensor.shape[1] <= position < tensor.shape[1]:  # a position this run has
                changed[:, position] = values[row].reshape(changed[:, position].shape[1:])
        return changed


@dataclass(frozen=True)
class Steer:
    """Add ``strength x vector`` to the residual stream after block ``layer``, at every position."""

    layer: int
    vector: tuple[float, ...]
    strength: float = 1.0

    @property
    def target(self) -> str:
        return f"blocks.{self.layer}.resid_post"

    def apply(self, tensor: torch.Tensor) -> torch.Tensor:  # (B, T, C)
        push = torch.tensor(self.vector, dtype=tensor.dtype, device=tensor.device)
        return tensor + self.strength * push


Change = HeadScale | NeuronScale | Patch | Steer

# --------------------------------------------------------------------------- running with changes


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def logits_with(model: torch.nn.Module, ids: Sequence[int], changes: Sequence[Change] = (),
                record: Sequence[str] = ()) -> tuple[torch.Tensor, Capture]:
    """Logits (T, V) of one prompt with ``changes`` applied, and the capture (names in ``record``).

    With nothing to record, attention keeps its fused fast path: with no change at all the
    logits are exactly those of ``model(ids)``.
    """
    capture = Capture(include=tuple(record), edits=changes)
    with torch.inference_mode():
        output = model(torch.tensor([list(ids)], device=_device(model)), capture=capture)
    logits = output[0] if isinstance(output, tuple) else output  # an encoder also returns NSP scores
    return logits[0].float().cpu(), capture


def next_token_probs(model: torch.nn.Module, ids: Sequence[int], changes: Sequence[Change] = ()) -> np.ndarray:
    """Probabilities (V,) of the token after ``ids`` with ``changes`` applied."""
    logits, _ = logits_with(model, ids, changes)
    return torch.softmax(logits[-1], dim=-1).numpy()


def activation(model: torch.nn.Module, ids: Sequence[int], name: str) -> np.ndarray:
    """One intermediate (T, ...) of a plain run: what a :class:`Patch` copies from another prompt."""
    _, capture = logits_with(model, ids, record=(name,))
    return capture[name][0].numpy()


def patch_from(model: torch.nn.Module, source_ids: Sequence[int], name: str, source_position: int,
               target_position: int) -> Patch:
    """A :class:`Patch` that puts ``name`` of ``source_ids`` at ``source_position`` into another run."""
    values = activation(model, source_ids, name)[source_position]
    return Patch(name, (int(target_position),), (tuple(float(v) for v in values.reshape(-1)),))


def mean_residual(model: torch.nn.Module, prompts: Sequence[Sequence[int]], layer: int) -> np.ndarray:
    """The residual stream after block ``layer``, averaged over every position of every prompt (C,)."""
    name = f"blocks.{layer}.resid_post"
    means = [activation(model, ids, name).mean(axis=0) for ids in prompts if len(ids)]
    if not means:
        raise ValueError("steering needs at least one non-empty prompt on each side")
    return np.mean(means, axis=0)


def steering_vector(model: torch.nn.Module, toward: Sequence[Sequence[int]], away: Sequence[Sequence[int]],
                    layer: int) -> tuple[float, ...]:
    """Mean residual of the ``toward`` prompts minus that of the ``away`` prompts, after ``layer``."""
    difference = mean_residual(model, toward, layer) - mean_residual(model, away, layer)
    return tuple(float(v) for v in difference)


def greedy_continuation(model: torch.nn.Module, ids: Sequence[int], changes: Sequence[Change] = (),
                        n_tokens: int = 12, end_id: int | None = None) -> list[tuple[int, float]]:
    """(token id, probability) of the greedy continuation of ``ids`` with ``changes`` applied.

    Uses the key/value cache: the changes apply to the prompt and to every new token alike.
    The prompt is cropped from the left so that prompt and continuation fit the window.
    """
    window = int(model.config.block_size)
    context = list(ids)[-max(1, window - n_tokens):]
    device = _device(model)
    cache = model.new_kv_cache()
    capture = Capture.intervening(changes)
    out: list[tuple[int, float]] = []
    step_ids = context
    with torch.inference_mode():
        for _ in range(n_tokens):
            logits = model(torch.tensor([step_ids], device=device), capture=capture, kv_cache=cache, last_only=True)
            probs = torch.softmax(logits[0, -1].float(), dim=-1)
            token = int(probs.argmax())
            out.append((token, float(probs[token])))
            if token == end_id or cache.length + 1 > window:
                break
            step_ids = [token]
    return out


def head_importance(model: torch.nn.Module, ids: Sequence[int], score: Callable[[torch.Tensor], torch.Tensor],
                    n_layers: int, n_heads: int, progress: Callable[[dict], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """(L, H): the drop in ``score`` when each head in turn is switched off.

    ``score`` turns a batch of logits (B, T, V) into one number per row (the right answer's
    probability, say). One batched pass per layer: row h switches head h off.
    """
    batch = torch.tensor([list(ids)] * n_heads, device=_device(model))
    drops = np.zeros((n_layers, n_heads), dtype=np.float32)
    with torch.inference_mode():
        baseline = float(score(_logits(model, batch[:1], ()))[0])
        for layer in range(n_layers):
            if should_stop is not None and should_stop():
                break
            changes = [HeadScale(layer, head, 0.0, row=head) for head in range(n_heads)]
            drops[layer] = baseline - score(_logits(model, batch, changes)).cpu().numpy()
            if progress is not None:
                progress({"layer": layer + 1, "layers": n_layers})
    return drops


def _logits(model: torch.nn.Module, batch: torch.Tensor, changes: Sequence[Change]) -> torch.Tensor:
    output = model(batch, capture=Capture.intervening(changes))
    return (output[0] if isinstance(output, tuple) else output).float()


def answer_probability(position: int, answer_id: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """A ``score`` for :func:`head_importance`: probability of ``answer_id`` after ``position``."""
    return _AnswerProbability(position, answer_id)


@dataclass(frozen=True)
class _AnswerProbability:
    position: int
    answer_id: int

    def __call__(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax(logits[:, self.position], dim=-1)[:, self.answer_id]


def weights_checksum(model: torch.nn.Module) -> str:
    """A fingerprint of every weight: the shared model must have the same one after any change."""
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
