"""The key/value cache of fast generation, shared by the tiny GPT and SmolLM2.

Generating text asks the model for one more token again and again. Without a cache each
step recomputes the keys and values of the whole text; with one, a step feeds only the new
token: its query looks at the keys and values kept from earlier steps.
"""

from __future__ import annotations

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
