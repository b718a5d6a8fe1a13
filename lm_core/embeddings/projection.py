"""Word vectors of 50-300 dimensions drawn in 2D or 3D: PCA, t-SNE and UMAP.

* PCA (principal component analysis) is a rotation: it keeps the directions along which
  the vectors vary most. Fast, deterministic, distances are honest but clusters overlap.
* t-SNE keeps each point's nearest neighbours near; clusters separate well, but the
  distances *between* clusters mean little.
* UMAP does something similar to t-SNE, faster on many points; its library (numba)
  compiles itself on the first call in a process (about 7 CPU-s), so :func:`start_umap_warmup`
  runs a tiny fit in a background thread when a page first opens. Most of umap-learn's
  compiled functions are not marked for numba's on-disk cache, so every process (a restarted
  server, each test worker) compiled them again: :func:`_umap` switches that cache on, and a
  process after the first loads the machine code (0.1 s) instead of compiling it. Processes
  that start together (a fresh install's server and its replicas, the test workers) would each
  compile before any has written that cache (33 CPU-s each here: pynndescent's import 20, the
  first fit 13), so the first compile in a process holds one lock of the machine's, and the
  others wait for it, then load what it wrote (3 CPU-s).

All methods work on unit-length vectors (the geometry cosine similarity sees) and take a
``seed`` so the same input gives the same picture.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from lm_core.core.errors import InputError

METHODS = ("pca", "tsne", "umap")
_UMAP_READY = threading.Event()
_UMAP_LOCK = threading.Lock()
_START_LOCK = threading.Lock()
_UMAP_THREAD: threading.Thread | None = None
_CACHE_LOCK = threading.Lock()
_CACHED_MODULES: set[str] = set()
LOG = logging.getLogger(__name__)


def _compile_lock_path():  # noqa: ANN202 - a Path or None
    """The machine's lock file for compiling UMAP: one per installed umap-learn (numba's cache
    sits beside it), in the temp folder; ``None`` where it cannot be made."""
    import hashlib
    import importlib.util
    import tempfile
    from pathlib import Path

    spec = importlib.util.find_spec("umap")
    where = spec.origin if spec is not None and spec.origin else "umap"
    path = Path(tempfile.gettempdir()) / f"llm-explainer-umap-{hashlib.sha1(where.encode()).hexdigest()[:12]}.lock"
    try:
        path.touch(exist_ok=True)
    except OSError:
        return None
    return path


def _compile_lock():  # noqa: ANN202 - a context manager
    """Held by the process that compiles UMAP; another one waits, then loads the machine code the
    first wrote. Where no lock file can be made, nothing is held (each process compiles on its own)."""
    import contextlib

    from lm_core.core.filelock import held

    path = _compile_lock_path()
    return held(path) if path is not None else contextlib.nullcontext()


def _umap():  # noqa: ANN202 - the umap module
    """``import umap``, compiled and with numba's on-disk cache switched on for its compiled functions.

    umap-learn marks one of its numba functions ``cache=True``; the others (the layout's
    optimiser, the fuzzy graph) are compiled anew in every process. Numba keeps compiled code
    beside the library (its ``__pycache__``, or the user's cache folder where that cannot be
    written), keyed by the function's source and types, so what one process compiled, the next
    loads. Where no cache can be written the functions compile as before.

    The first call in a process imports umap (pynndescent compiles or loads its code then) and
    fits 40 random points (the layout's code), holding the machine's compile lock: processes
    that start together compile once between them."""
    if not _UMAP_READY.is_set():
        with _UMAP_LOCK:  # this process's threads: one compiles or loads, the others wait for it
            if not _UMAP_READY.is_set():
                with _compile_lock():
                    import umap

                    _cache_compiled_code()
                    _fit(umap, _unit_rows(np.random.default_rng(0).normal(size=(40, 8))), 2, seed=0)
                _UMAP_READY.set()
    import umap

    _cache_compiled_code()  # a umap module imported since
    return umap


def _cache_compiled_code() -> None:
    """Numba's on-disk cache on for every compiled function of the umap modules imported so far."""
    import sys

    with _CACHE_LOCK:
        modules = [name for name in list(sys.modules) if name.split(".")[0] == "umap" and name not in _CACHED_MODULES]
        if modules:
            enabled = _enable_numba_cache([sys.modules[name] for name in modules])
            _CACHED_MODULES.update(modules)
            LOG.debug("numba's on-disk cache switched on for %d umap functions", enabled)


def _enable_numba_cache(modules: list) -> int:
    """Switch numba's on-disk cache on for every compiled function of ``modules`` that lacks it."""
    try:
        from numba.core.caching import NullCache
        from numba.core.dispatcher import Dispatcher
    except ImportError:  # another numba: compile as before
        return 0
    enabled = 0
    for module in modules:
        for function in list(vars(module).values()) if module is not None else ():
            if isinstance(function, Dispatcher) and isinstance(getattr(function, "_cache", None), NullCache):
                try:
                    function.enable_caching()
                    enabled += 1
                except Exception as exc:  # noqa: BLE001 - no cache folder can be written: compile as before
                    LOG.info("numba's cache is not available (%s): UMAP compiles in each process", exc)
                    return enabled
    return enabled


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def project(vectors: np.ndarray, method: str = "pca", dims: int = 2, seed: int = 0) -> np.ndarray:
    """Project ``(n, dim)`` vectors to ``(n, dims)`` coordinates with ``method``."""
    if method not in METHODS:
        raise InputError("errors.setting.impossible", name="method", value=method)
    if dims not in (2, 3):
        raise InputError("errors.setting.impossible", name="dims", value=dims)
    n = len(vectors)
    if n < dims + 2:
        raise InputError("errors.sentences.too_few_points", count=n, needed=dims + 2)
    x = _unit_rows(vectors)
    if method == "pca":
        return pca(x, dims)
    if method == "tsne":
        from sklearn.manifold import TSNE

        # Perplexity is roughly "how many neighbours each point cares about": it must stay
        # well below the number of points.
        perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
        tsne = TSNE(n_components=dims, perplexity=perplexity, init="pca", random_state=seed,
                    metric="cosine", max_iter=750)
        return tsne.fit_transform(x).astype(np.float32)
    return _fit(_umap(), x, dims, seed)


def _fit(umap, x: np.ndarray, dims: int, seed: int) -> np.ndarray:  # noqa: ANN001 - the umap module
    reducer = umap.UMAP(n_components=dims, n_neighbors=min(15, len(x) - 1), min_dist=0.3, metric="cosine",
                        random_state=seed, init="spectral" if len(x) > 30 else "random", n_jobs=1)
    return reducer.fit_transform(x).astype(np.float32)


def pca(x: np.ndarray, dims: int) -> np.ndarray:
    """PCA with a fixed sign per axis (the largest coordinate is positive), so the picture
    does not flip between runs."""
    from sklearn.decomposition import PCA

    coords = PCA(n_components=dims, svd_solver="full").fit_transform(x)
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), np.arange(dims)])
    return (coords * np.where(signs == 0, 1, signs)).astype(np.float32)


def align_snapshots(snapshots: Sequence[np.ndarray], dims: int = 2) -> list[np.ndarray]:
    """2D/3D coordinates for every training snapshot, ready to animate.

    Each snapshot is projected with PCA on its own (early snapshots are random noise, and
    the final PCA axes would squash them to a dot), then rotated/reflected to best match the
    *last* frame (orthogonal Procrustes) and scaled to the same spread, so words move
    smoothly instead of the whole cloud spinning between frames.
    """
    if not snapshots:
        return []
    if len(snapshots[-1]) < dims + 2:
        raise InputError("errors.sentences.too_few_points", count=len(snapshots[-1]), needed=dims + 2)
    frames = [pca(_unit_rows(s), dims).astype(np.float64) for s in snapshots]
    target = frames[-1] - frames[-1].mean(0)
    target /= max(np.sqrt((target**2).sum(1).mean()), 1e-12)
    out = []
    for frame in frames:
        frame = frame - frame.mean(0)
        frame /= max(np.sqrt((frame**2).sum(1).mean()), 1e-12)
        # Orthogonal Procrustes: the rotation/reflection R minimising |frame @ R - target|
        # is U @ Vt from the SVD of frame.T @ target.
        u, _, vt = np.linalg.svd(frame.T @ target)
        rotation = u @ vt
        out.append((frame @ rotation).astype(np.float32))
    return out


def umap_is_warm() -> bool:
    """True once a UMAP fit has run in this process (numba has compiled)."""
    return _UMAP_READY.is_set()


def warm_up_umap() -> None:
    """Fit UMAP once on 40 random points so numba compiles now, not when a student waits."""
    _umap()


def start_umap_warmup() -> threading.Thread | None:
    """Start :func:`warm_up_umap` in a daemon thread, once per process."""
    global _UMAP_THREAD
    with _START_LOCK:
        if _UMAP_READY.is_set() or (_UMAP_THREAD is not None and _UMAP_THREAD.is_alive()):
            return _UMAP_THREAD
        _UMAP_THREAD = threading.Thread(target=warm_up_umap, name="umap-warmup", daemon=True)
        _UMAP_THREAD.start()
        return _UMAP_THREAD
