"""The key/value cache of fast generation, shared by the tiny GPT and SmolLM2.

Generating text asks the model for one more token again and again. Without a cache each
step recomputes the keys and values of the whole text; with one, a step feeds only the new
token: its query looks at the keys and values kept from earlier steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch


class KVCache:
    """Keys and values of the tokens seen so far, per layer, for fast generation.

    After a forward pass with ``kv_cache=cache`` the cache holds the keys and values of
    every token processed, so the next call only feeds the new token. ``length`` is the
    number of cached positions; it can never exceed the model's ``block_size`` (the caller
    then starts again on a cropped context). Keys are stored as attention uses them (SmolLM2's
    already rotated by RoPE), one tensor (B, H, T, D) per layer.
    """

    def __init__(self, n_layer: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * n_layer
        self.values: list[torch.Tensor | None] = [None] * n_layer

    @property
    def length(self) -> int:
        return self.layer_length(0)

    def layer_length(self, layer: int) -> int:
        cached = self.keys[layer]
        return 0 if cached is None else int(cached.shape[2])

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add this step's keys and values of ``layer``; returns all of them so far."""
        if self.keys[layer] is not None:
            k = torch.cat([self.keys[layer], k], dim=2)
            v = torch.cat([self.values[layer], v], dim=2)
        self.keys[layer], self.values[layer] = k, v
        return k, v


# --------------------------------------------------------------------------- the cache, drawn and measured
#
# Chapter 7 draws the cache: how much memory it takes, how it fills slot by slot, what happens
# when the text outgrows the window, and how much time it saves (measured, never assumed).


def cache_bytes(n_layer: int, n_kv_head: int, head_dim: int, tokens: int, bytes_per_number: int = 4) -> int:
    """Bytes the cache holds for ``tokens`` tokens: a key and a value vector per layer, per
    key/value head, per token (2 x L x Hkv x D x T numbers)."""
    return 2 * n_layer * n_kv_head * head_dim * tokens * bytes_per_number


def model_cache_bytes(config, tokens: int, bytes_per_number: int = 4, shared_heads: bool = True) -> int:  # noqa: ANN001
    """:func:`cache_bytes` for a model's config (tiny GPT or SmolLM2). ``shared_heads=False``: the
    same model if every query head had its own keys and values (full multi-head attention)."""
    n_kv = getattr(config, "n_kv_head", config.n_head) if shared_heads else config.n_head
    return cache_bytes(config.n_layer, n_kv, config.n_embd // config.n_head, tokens, bytes_per_number)


@dataclass(frozen=True)
class CacheStep:
    """One generation step as the cache sees it.

    ``phase``: ``"prefill"`` (the whole prompt goes in at once and fills the first slots),
    ``"decode"`` (one new token: one new slot; its query reads every cached key) or
    ``"slide"`` (the text no longer fits the window: the oldest token drops out, positions
    shift, the cached keys are stale and the whole window is computed again).
    ``fed``: tokens the model computes in this step; ``cached``: slots filled afterwards;
    ``first``: index (in the whole text) of the oldest token still inside the window.
    """

    index: int
    phase: str
    fed: int
    cached: int
    first: int


def cache_timeline(prompt_tokens: int, new_tokens: int, window: int) -> list[CacheStep]:
    """The steps of generating ``new_tokens`` after a ``prompt_tokens``-token prompt with a cache,
    exactly as :func:`lm_core.decoding.generation.generate_steps` does it (window "slide")."""
    if prompt_tokens < 1 or window < 1:
        raise ValueError("a prompt of at least one token and a window of at least one slot are needed")
    steps: list[CacheStep] = []
    length, cached, sliding = prompt_tokens, 0, prompt_tokens > window
    for index in range(new_tokens):
        first = max(0, length - window)
        sliding = sliding or length > window
        if sliding:
            phase, fed, cached = "slide", length - first, 0  # recomputed, nothing kept
        elif index == 0:
            phase, fed, cached = "prefill", length, length
        else:
            phase, fed, cached = "decode", 1, length
        steps.append(CacheStep(index, phase, fed, cached, first))
        length += 1
    return steps


def seconds_per_token(model, ids: list[int], new_tokens: int, use_cache: bool) -> float:  # noqa: ANN001
    """Wall-clock seconds per new token of a greedy run, with or without the cache.

    Without it every step feeds the whole text again (what a model without a cache must do).
    The text stays inside the window (``ids`` are cropped from the left).
    """
    window = int(model.config.block_size)
    ids = list(ids)[-max(1, window - new_tokens):]
    device = next(model.parameters()).device
    with torch.inference_mode():
        cache = model.new_kv_cache() if use_cache else None
        text, feed = list(ids), list(ids)
        started = time.perf_counter()
        for _ in range(new_tokens):
            logits = model(torch.tensor([feed], device=device), kv_cache=cache, last_only=True)
            token = int(logits[0, -1].argmax())
            text.append(token)
            feed = [token] if use_cache else text
        return (time.perf_counter() - started) / max(1, new_tokens)


def cache_timing_job(model_name: str, ids: tuple[int, ...], new_tokens: int, rounds: int,
                     progress, should_stop) -> dict[str, float]:  # noqa: ANN001
    """Seconds per token with and without the cache, measured side by side (a job of the shared
    queue: the model is loaded in the worker). The two runs alternate ``rounds`` times and the
    median of each is kept, so a busy machine slows both alike. One warm-up run goes first."""
    if model_name == "smollm2":
        from lm_core.models.smollm2_cache import load_smollm2

        model, _ = load_smollm2()
    else:
        from lm_core.models.checkpoints import load_gpt

        model, _ = load_gpt(model_name)
    seconds_per_token(model, list(ids), 2, True)  # warm-up: first calls allocate
    timings: dict[str, list[float]] = {"cached": [], "uncached": []}
    for index in range(rounds):
        if should_stop():
            break
        for kind in ("cached", "uncached"):
            timings[kind].append(seconds_per_token(model, list(ids), new_tokens, kind == "cached"))
        progress({"round": index + 1, "rounds": rounds})
    return {kind: float(sorted(values)[len(values) // 2]) for kind, values in timings.items() if values}
