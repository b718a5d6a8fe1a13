"""What every model's config shares: JSON in and out, and the checks a shape must pass.

A config is a frozen dataclass (a model's shape never changes after creation) saved as JSON
next to the weights. :class:`ConfigMixin` gives each one ``to_dict``/``from_dict``; the
``require_*`` helpers say in one sentence which size is wrong, so the five configs
(tiny GPT, SmolLM2, encoder, encoder-decoder, RNN seq2seq) check their fields alike.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, Self


class ConfigMixin:
    """``to_dict``/``from_dict`` for a config dataclass (mix into a ``@dataclass(frozen=True)``)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]  (self is a dataclass)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The config saved by :meth:`to_dict`; keys it does not know (a cache's extras) are ignored."""
        known = {field.name for field in fields(cls)}  # type: ignore[arg-type]
        return cls(**{name: value for name, value in data.items() if name in known})


def require_positive(**sizes: float) -> None:
    """``ValueError`` naming every size that is below 1."""
    wrong = [name for name, value in sizes.items() if value < 1]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} must be positive")


def require_heads_divide(n_embd: int, n_head: int) -> None:
    """The width is cut into ``n_head`` equal slices, one per head."""
    if n_embd % n_head:
        raise ValueError(f"n_embd ({n_embd}) must be divisible by n_head ({n_head})")


def require_dropout(dropout: float) -> None:
    if not 0.0 <= dropout < 1.0:
        raise ValueError("dropout must be in [0, 1)")
