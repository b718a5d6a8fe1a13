"""Named intermediates of one forward pass, the way TransformerLens names its hook points.

A :class:`Capture` is created per call and passed into a model's ``forward``; it is the only
place a forward pass writes to. No module hooks, no state on the module: one model is shared
by every session of the server, so anything stored on it would leak between them.

The same object also *changes* a forward pass when asked (ablation, patching, steering): it
may carry ``edits``, objects with a ``target`` (a capture name such as
``blocks.2.attn.head_out``) and an ``apply(tensor) -> tensor`` that returns a new tensor
(:mod:`lm_core.models.interventions` defines them). A model calls :func:`edit` at the points
it can change; with no edit there, the tensor passes through untouched (the very same object).
``Capture.intervening(edits)`` records nothing, so attention keeps its fused fast path: only
the edited tensors differ from a plain call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

import torch


class Edit(Protocol):
    """A change to one named intermediate (see :mod:`lm_core.models.interventions`)."""

    @property
    def target(self) -> str: ...

    def apply(self, tensor: torch.Tensor) -> torch.Tensor: ...


class Capture:
    """Collects named intermediates of one forward pass (see the module docstring).

    ``Capture()`` records everything; ``Capture(include=lambda name: ...)`` only the names
    the filter accepts (``include`` may also be a collection of exact names). Create a new
    one per call: it is the only place a forward pass writes to.
    """

    def __init__(
        self,
        include: Callable[[str], bool] | Iterable[str] | str | None = None,
        edits: Iterable[Edit] = (),
    ) -> None:
        self.edits: tuple[Edit, ...] = tuple(edits)
        self._edit_targets = frozenset(change.target for change in self.edits)
        #: False only for a capture that records nothing (``include=()``): attention then stays
        #: on the fused fast path (and may use a key/value cache); edits still apply.
        self.writes_steps = True
        if include is None or callable(include):
            self._include = include
        elif isinstance(include, str):
            self._include = include.__eq__  # one exact name
        else:
            wanted = frozenset(include)
            self._include = wanted.__contains__
            self.writes_steps = bool(wanted)
        self._tensors: dict[str, torch.Tensor] = {}

    @classmethod
    def intervening(cls, edits: Iterable[Edit]) -> Capture:
        """Records nothing, only applies ``edits``: the fast path with the edited tensors changed."""
        return cls(include=(), edits=edits)

    def edit(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` after every edit aimed at ``name``, in order (the same tensor when none is)."""
        if name not in self._edit_targets:
            return tensor
        for change in self.edits:
            if change.target == name:
                tensor = change.apply(tensor)
        return tensor

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


def edit(capture: Capture | None, name: str, tensor: torch.Tensor) -> torch.Tensor:
    """The model's hook point ``name``: ``tensor`` as the call's edits change it (unchanged without any)."""
    return tensor if capture is None else capture.edit(name, tensor)


def fast(capture: Capture | None) -> bool:
    """True when attention may take its fused path (and use a key/value cache): nothing is recorded."""
    return capture is None or not capture.writes_steps
