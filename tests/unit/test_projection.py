"""Projections of word vectors to 2D/3D: shapes, determinism, errors, replay alignment."""

import subprocess
import sys

import numpy as np
import pytest

from lm_core.core.errors import InputError
from lm_core.embeddings import projection as proj


@pytest.fixture(scope="module")
def clusters():
    """Three well-separated clusters of 20 points in 30 dimensions."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 30)) * 5
    return np.concatenate([c + rng.normal(size=(20, 30)) for c in centres]), np.repeat([0, 1, 2], 20)


@pytest.mark.parametrize("method", ["pca", "tsne"])
@pytest.mark.parametrize("dims", [2, 3])
def test_shapes_and_determinism(clusters, method, dims):
    x, _ = clusters
    a = proj.project(x, method, dims, seed=3)
    b = proj.project(x, method, dims, seed=3)
    assert a.shape == (60, dims) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_clusters_stay_apart(clusters, method):
    x, labels = clusters
    coords = proj.project(x, method, 2, seed=0)
    centroids = np.array([coords[labels == k].mean(0) for k in range(3)])
    spread = max(np.linalg.norm(coords[labels == k] - centroids[k], axis=1).mean() for k in range(3))
    gaps = [np.linalg.norm(centroids[i] - centroids[j]) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 2 * spread


def test_umap_shapes_determinism_and_warmup(clusters):
    x, _ = clusters
    proj.warm_up_umap()  # the numba compile happens here (once per process)
    assert proj.umap_is_warm()
    a = proj.project(x, "umap", 2, seed=1)
    b = proj.project(x, "umap", 2, seed=1)
    assert a.shape == (60, 2)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert proj.project(x, "umap", 3, seed=1).shape == (60, 3)


def test_what_one_process_compiled_for_umap_the_next_one_loads():
    """umap-learn's numba functions (all but one) are not marked for numba's on-disk cache:
    every server start and test worker compiled them again (about 7 CPU-s). ``_umap`` switches
    the cache on: a new process finds the machine code this one wrote and compiles nothing."""
    from numba.core.caching import NullCache

    proj.warm_up_umap()
    import umap.layouts
    import umap.umap_

    for function in (umap.umap_.smooth_knn_dist, umap.umap_.compute_membership_strengths,
                     umap.layouts._nb_optimize_layout_euclidean_single_epoch):
        assert not isinstance(function._cache, NullCache), function
    probe = ("from lm_core.embeddings import projection as p; p.warm_up_umap(); import umap.umap_ as u; "
             "print(sum(u.smooth_knn_dist.stats.cache_hits.values()), sum(u.smooth_knn_dist.stats.cache_misses.values()))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                         cwd=proj.__file__.rsplit("/lm_core/", 1)[0])
    hits, misses = map(int, out.stdout.split()[-2:])
    assert (hits, misses) == (1, 0), out.stderr[-2000:]


def test_background_warmup_thread_is_started_once():
    first = proj.start_umap_warmup()
    if first is not None:
        first.join(timeout=120)
    assert proj.umap_is_warm()
    assert proj.start_umap_warmup() in (None, first)


def test_bad_requests():
    x = np.random.default_rng(0).normal(size=(10, 5))
    with pytest.raises(InputError) as err:
        proj.project(x[:3], "pca", 2)
    assert err.value.key == "errors.sentences.too_few_points"
    with pytest.raises(InputError):
        proj.project(x, "lda", 2)
    with pytest.raises(InputError):
        proj.project(x, "pca", 4)


def test_pca_signs_are_fixed():
    x = np.random.default_rng(1).normal(size=(30, 6))
    a = proj.project(x, "pca", 2)
    b = proj.project(-x, "pca", 2)  # flipping all vectors must not flip the picture
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_align_snapshots_matches_the_last_frame():
    rng = np.random.default_rng(2)
    final = rng.normal(size=(40, 8))
    rotated = final @ np.linalg.qr(rng.normal(size=(8, 8)))[0]  # same geometry, other axes
    frames = proj.align_snapshots([rng.normal(size=(40, 8)), rotated, final], dims=2)
    assert len(frames) == 3 and all(f.shape == (40, 2) for f in frames)
    # Same geometry as the last frame -> after alignment, the same picture.
    np.testing.assert_allclose(frames[1], frames[2], atol=1e-4)
    for f in frames:  # every frame scaled to the same spread
        assert np.sqrt((f**2).sum(1).mean()) == pytest.approx(1.0, rel=1e-4)


def test_the_first_umap_use_in_a_process_compiles_holding_the_machines_lock(monkeypatch, clusters):
    """Processes that start together (a fresh install's server and replicas, the test workers)
    compile UMAP once between them: the first use in a process imports umap and runs the small
    compiling fit while holding the machine's lock; a learner's own fit runs after, outside it."""
    import contextlib
    import threading

    x, _ = clusters
    events: list[str] = []

    @contextlib.contextmanager
    def lock():
        events.append("lock taken")
        yield
        events.append("lock given back")

    real_fit = proj._fit

    def fit(umap, points, dims, seed):  # noqa: ANN001
        events.append(f"fit of {len(points)}")
        return real_fit(umap, points, dims, seed)

    monkeypatch.setattr(proj, "_compile_lock", lock)
    monkeypatch.setattr(proj, "_fit", fit)
    monkeypatch.setattr(proj, "_UMAP_READY", threading.Event())  # as in a new process
    assert proj.project(x, "umap", 2, seed=1).shape == (60, 2)
    assert events == ["lock taken", "fit of 40", "lock given back", "fit of 60"]
    assert proj.umap_is_warm()
    events.clear()
    proj.project(x, "umap", 2, seed=1)
    assert events == ["fit of 60"]  # warm: no lock, no compiling fit


def test_umaps_compile_lock_excludes_another_process():
    """The lock is the kernel's, among processes: while this one holds it, another cannot take it."""
    path = proj._compile_lock_path()
    assert path is not None and path.exists()
    probe = ("import fcntl, sys\n"  # argv: the lock file, then 'try' (give up at once) or 'wait'
             "with open(sys.argv[1], 'a+b') as f:\n"
             "    try:\n"
             "        fcntl.flock(f, fcntl.LOCK_EX | (fcntl.LOCK_NB if sys.argv[2] == 'try' else 0))\n"
             "        print('taken')\n"
             "    except BlockingIOError:\n"
             "        print('busy')\n")
    with proj._compile_lock():
        held = subprocess.run([sys.executable, "-c", probe, str(path), "try"], capture_output=True, text=True, timeout=60)
    # Once let go it can be taken (waiting: another process of the run may be compiling just now).
    free = subprocess.run([sys.executable, "-c", probe, str(path), "wait"], capture_output=True, text=True, timeout=300)
    assert (held.stdout.strip(), free.stdout.strip()) == ("busy", "taken")
