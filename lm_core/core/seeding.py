"""Seeds. Sampling in the app always uses its own ``torch.Generator`` (``torch.Generator().manual_seed(seed)``),
never the global seed, so one student's "sample" cannot change another student's draw."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch globally: for scripts and training runs, not servers."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
