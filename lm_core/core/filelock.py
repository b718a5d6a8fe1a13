"""One lock among processes: ``with held(path): ...`` holds ``path``'s exclusive ``flock``.

Used where several processes on one machine could do the same work at once (SmolLM2's
conversion, UMAP's numba compile, the browser tests' shared servers). The kernel lets go of the lock when its
holder exits, killed or not. Without ``fcntl`` (Windows) it holds nothing: each process
does the work on its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def held(path: Path) -> Iterator[None]:
    """Wait for, then hold, the exclusive lock of ``path`` (created if missing) until the block ends."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
