"""Named intermediates of one forward pass, the way TransformerLens names its hook points.

A :class:`Capture` is created per call and passed into a model's ``forward``; it is the only
place a forward pass writes to. No module hooks, no state on the module: one model is shared
by every session of the server, so anything stored on it would leak between them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


class Capture:
    """Collects named intermediates of one forward pass (see the module docstring).

    ``Capture()`` records everything; ``Capture(include=lambda name: ...)`` only the names
    the filter accepts (``include`` may also be a collection of exact names). Create a new
    one per call: it is the only place a forward pass writes to.
    """

    def __init__(self, include: Callable[[str], bool] | Iterable[str] | str | None = None) -> None:
        if include is None or callable(include):
            self._include = include
        elif isinstance(include, str):
            self._include = include.__eq__  # one exact name
        else:
            wanted = frozenset(include)
            self._include = wanted.__contains__
        self._tensors: dict[str, torch.Tensor] = {}

    def wants(self, name: str) -> bool:
        return self._include is None or bool(self._include(name))

    def record(self, name: str, tensor: torch.Tensor) -> None:
        if self.wants(name):
            self._tensors[name] = tensor.detach().to("cpu", torch.float32, copy=True)

    def names(self) -> list[str]:
        """Recorded names in the order the forward pass produced them."""
        return list(self._tensors)

    def __getitem__(self, name: str) -> torch.Tensor:
        try:
            return self._tensors[name]
        except KeyError:
            raise KeyError(f"{name!r} was not captured; captured: {self.names()[:6]}...") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tensors

    def __len__(self) -> int:
        return len(self._tensors)

    def items(self):
        return self._tensors.items()


def record(capture: Capture | None, name: str, tensor: torch.Tensor) -> None:
    if capture is not None:
        capture.record(name, tensor)
