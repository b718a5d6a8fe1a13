"""UMAP's compile when several processes start together on a fresh install: each compiling on
its own, against one compiling under the machine's lock while the others wait and load its code
(``lm_core.embeddings.projection._compile_lock``).

A fresh install has no numba cache yet: the servers, replicas and test workers that start
together would each compile pynndescent (at ``import umap``) and UMAP's layout (at the first
fit). Each round here starts ``--processes`` Python processes at once, each doing what a server's
warm-up does (``warm_up_umap``), with an empty numba cache of the round's own
(``NUMBA_CACHE_DIR``, so the installed one is left alone), with the lock and without it (the
children then replace it with a no-op), alternating. It reports the CPU of all of them together
and the wall time until the last is done. Usage:

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_umap_compile.py [--processes 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import contextlib, sys
sys.path.insert(0, sys.argv[1])
from lm_core.embeddings import projection
if sys.argv[2] == "apart":
    projection._compile_lock = contextlib.nullcontext
projection.warm_up_umap()
"""


def one_round(processes: int, mode: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "OMP_NUM_THREADS": "1"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        children = [subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), mode], env=env) for _ in range(processes)]
        for child in children:
            if child.wait(timeout=900) != 0:
                raise SystemExit(f"a child failed ({mode})")
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    totals = {"apart": [0.0, 0.0], "locked": [0.0, 0.0]}
    for number in range(args.rounds):
        for mode in ("apart", "locked") if number % 2 == 0 else ("locked", "apart"):
            cpu, wall = one_round(args.processes, mode)
            totals[mode][0] += cpu
            totals[mode][1] += wall
            print(f"round {number + 1} {mode:6s}: {args.processes} processes, {cpu:6.1f} CPU-s, last done after {wall:5.1f} s",
                  flush=True)
    for mode, (cpu, wall) in totals.items():
        print(f"{mode:6s} mean: {cpu / args.rounds:6.1f} CPU-s, {wall / args.rounds:5.1f} s wall")
    print(f"locked / apart: CPU {totals['locked'][0] / totals['apart'][0]:.2f}, wall {totals['locked'][1] / totals['apart'][1]:.2f}")


if __name__ == "__main__":
    main()
