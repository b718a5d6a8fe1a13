"""Chapter 8, training at scale: what each way of splitting costs on two real worker processes.

For data parallelism: median compute and communication time per step of a worker, the bytes
all-reduced per step, against one process on the whole batch. For tensor parallelism: compute
and all-reduce time of the split feed-forward and attention layers, and the bytes summed. For
pipeline parallelism: the bubble measured against (p - 1) / (m + p - 1) for m = 1, 2, 4, 8
micro-batches (``--repeats`` runs each, median), and the time from first start to last end.
Each run also reports the time to start the two workers and get the answer back (wall).

    .venv/bin/python bench/bench_parallel.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lm_core.train import parallel  # noqa: E402


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"backend {parallel.backend_name()}")

    print("\n| data parallel | one process | two processes (worker 0) |\n|---|---|---|")
    dp, wall = timed(parallel.data_parallel, steps=args.steps)
    print(f"| step time, median (ms) | {1000 * dp['step_s_one']:.2f} | "
          f"{1000 * (dp['compute_s'] + dp['communicate_s']):.2f} |")
    print(f"| computing / communicating (ms) | {1000 * dp['step_s_one']:.2f} / 0 | "
          f"{1000 * dp['compute_s']:.2f} / {1000 * dp['communicate_s']:.2f} |")
    print(f"| bytes all-reduced per step | 0 | {dp['bytes_per_step']:,.0f} ({dp['parameters']:,} parameters × 4) |")
    print(f"| largest loss difference over {args.steps} steps | | {dp['max_difference']:.1e} |")
    print(f"| wall time of the run (s), start-up included | | {wall:.1f} |")

    tp, wall = timed(parallel.tensor_parallel)
    print("\n| tensor parallel | compute (ms, worker 0 / 1) | all-reduce (ms, worker 0 / 1) | bytes summed | "
          "held / full parameters | max difference |\n|---|---|---|---|---|---|")
    for kind in ("mlp", "attention"):
        part = tp[kind]
        print(f"| {kind} | {1000 * part['compute_s'][0]:.2f} / {1000 * part['compute_s'][1]:.2f} | "
              f"{1000 * part['communicate_s'][0]:.2f} / {1000 * part['communicate_s'][1]:.2f} | {part['bytes']:,} | "
              f"{part['held_parameters'][0]:,} / {part['full_parameters']:,} | {part['max_difference']:.1e} |")
    print(f"(wall time of the run {wall:.1f} s)")

    print("\n| micro-batches m | bubble formula | bubble measured (median) | all runs | measured times replayed, "
          "free messages (median) | span (ms, median) | loss difference |\n|---|---|---|---|---|---|---|")
    for micro in parallel.MICRO_BATCH_CHOICES:
        runs = [parallel.pipeline_parallel(micro_batches=micro, seed=repeat) for repeat in range(args.repeats)]
        bubbles = [r["bubble"] for r in runs]
        print(f"| {micro} | {runs[0]['bubble_formula']:.3f} | {statistics.median(bubbles):.3f} | "
              f"{', '.join(f'{b:.2f}' for b in bubbles)} | "
              f"{statistics.median(r['bubble_scheduled'] for r in runs):.3f} | "
              f"{1000 * statistics.median(r['span_s'] for r in runs):.1f} | "
              f"{max(r['loss_difference'] for r in runs):.1e} |")


if __name__ == "__main__":
    main()
