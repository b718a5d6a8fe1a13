"""What a causal language model offers the decoding loop (:mod:`lm_core.decoding.generation`).

The tiny GPT and SmolLM2 are different networks but answer the same question: given these
token ids, the scores of every possible next token. :class:`CausalLM` names the little the
generation loop needs, so it is typed for any model that has it (a structural protocol: no
base class to inherit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import torch

from lm_core.models.capture import Capture
from lm_core.models.kv_cache import KVCache


class WindowConfig(Protocol):
    """A config that says how many tokens the model can look at."""

    @property
    def block_size(self) -> int: ...


@runtime_checkable
class CausalLM(Protocol):
    """``model(idx, capture=, kv_cache=, last_only=)`` -> logits (B, T, V), a context window,
    a fresh key/value cache, and its parameters (to find the device)."""

    @property
    def config(self) -> WindowConfig: ...

    def __call__(
        self,
        idx: torch.Tensor,
        capture: Capture | None = None,
        kv_cache: KVCache | None = None,
        last_only: bool = False,
    ) -> torch.Tensor: ...

    def new_kv_cache(self) -> KVCache: ...

    def parameters(self) -> Iterator[torch.nn.Parameter]: ...
