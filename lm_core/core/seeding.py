"""Seeds. Sampling in the app always uses its own ``torch.Generator``, never the global
seed, so one student's "sample" cannot change another student's draw."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch globally: for scripts and training runs, not servers."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def make_generator(seed: int, device: torch.device | str | None = None) -> torch.Generator:
    """A private random stream for one call (sampling, shuffling) on ``device``."""
    generator = torch.Generator(device=device or "cpu")
    generator.manual_seed(int(seed))
    return generator


def numpy_rng(seed: int) -> np.random.Generator:
    """A private numpy random stream."""
    return np.random.default_rng(int(seed))
