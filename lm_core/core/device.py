"""Where tensors live and how many CPU threads torch may use.

Device: CUDA if present, else Apple's MPS, else the CPU. The environment variable
``LLM_EXPLAINER_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice.

Threads: the models here are tiny (a 64x64 matmul). On a shared 2-core machine torch's
default of one OpenMP thread per core made such work up to 10x slower, because the
threads spin-wait for a core another process holds (measured, see bench/RESULTS.md).
Inference in a server shared by many sessions therefore runs on one thread by default
(``LLM_EXPLAINER_THREADS`` overrides); training a bigger batch may use more.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import torch

_THREAD_LOCK = threading.Lock()


def pick_device() -> torch.device:
    """The best available device: cuda > mps > cpu, unless ``LLM_EXPLAINER_DEVICE`` says."""
    wanted = os.environ.get("LLM_EXPLAINER_DEVICE", "").strip()
    if wanted:
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | None = None) -> str:
    """A short human-readable name: ``"CPU (2 cores)"`` or ``"CUDA: NVIDIA H100"``."""
    device = device or pick_device()
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({os.cpu_count() or 1} cores)"


def default_inference_threads() -> int:
    """Threads for one inference call: ``LLM_EXPLAINER_THREADS`` or 1."""
    try:
        return max(1, int(os.environ.get("LLM_EXPLAINER_THREADS", "1")))
    except ValueError:
        return 1


def default_training_threads() -> int:
    """Threads for a training run: ``LLM_EXPLAINER_TRAIN_THREADS`` or 1.

    Measured on the 2-core machine: with anything else running, 2 threads lost badly to
    1; on a quiet machine they gained little for these model sizes (bench/RESULTS.md).
    """
    try:
        return max(1, int(os.environ.get("LLM_EXPLAINER_TRAIN_THREADS", "1")))
    except ValueError:
        return 1


def configure_process_threads() -> None:
    """Set torch's global thread count once per process (the server calls this)."""
    torch.set_num_threads(default_inference_threads())


@contextlib.contextmanager
def _threads(count: int) -> Iterator[None]:
    # torch's thread count is process-global; setting it is cheap but not atomic with
    # other sessions' settings, so the change is made under a lock. Concurrent calls
    # with the same count (the normal case) simply keep it.
    with _THREAD_LOCK:
        previous = torch.get_num_threads()
        if previous != count:
            torch.set_num_threads(count)
    try:
        yield
    finally:
        with _THREAD_LOCK:
            if torch.get_num_threads() != previous:
                torch.set_num_threads(previous)


def inference_threads(count: int | None = None) -> contextlib.AbstractContextManager[None]:
    """Context manager: run small-model inference on ``count`` threads (default 1)."""
    return _threads(count or default_inference_threads())


def training_threads(count: int | None = None) -> contextlib.AbstractContextManager[None]:
    """Context manager: run a training loop on ``count`` threads (default 1)."""
    return _threads(count or default_training_threads())
