"""Thread policy for small-model inference: 1 vs 2 torch threads, quiet and busy machine.

Runs each workload alternately with 1 and 2 threads, on a quiet machine and while a second
process keeps one core busy (as another student's request or training run would), and
prints medians and the ratio. Usage:

    .venv/bin/python bench/bench_threads.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _burn(stop) -> None:  # pragma: no cover - runs in a child process
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x += i * i


def workloads():
    torch.manual_seed(0)
    a, b = torch.randn(64, 64), torch.randn(64, 64)
    layer = torch.nn.TransformerEncoderLayer(128, 4, 512, batch_first=True).eval()
    tokens = torch.randn(1, 32, 128)
    items = {
        "matmul 64x64 (x200)": lambda: [a @ b for _ in range(200)],
        "transformer layer, 32 tokens, d=128 (x20)": lambda: [layer(tokens) for _ in range(20)],
    }
    try:
        from lm_core.models.minilm import run_minilm
        from lm_core.tokenizers.pretrained import minilm_available

        if minilm_available():
            run_minilm("warm up")
            items["MiniLM forward, 13 tokens"] = lambda: run_minilm("The keys to the cabinet are on the table, and they shine.")
    except Exception as exc:  # the bench still reports the others
        print("MiniLM skipped:", exc)
    return items


def time_once(fn, threads: int) -> float:
    torch.set_num_threads(threads)
    start = time.perf_counter()
    with torch.inference_mode():
        fn()
    return time.perf_counter() - start


def measure(items, repeats: int) -> dict[tuple[str, int], list[float]]:
    results: dict[tuple[str, int], list[float]] = {}
    for name, fn in items.items():
        time_once(fn, 1)
        time_once(fn, 2)
        for _ in range(repeats):
            for threads in (1, 2):  # alternate A and B
                results.setdefault((name, threads), []).append(time_once(fn, threads))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    # The inference helper sets 1 thread itself; measure raw torch here instead.
    import lm_core.core.device as device_module

    device_module.default_inference_threads = lambda: torch.get_num_threads()
    items = workloads()
    print(f"torch {torch.__version__}, {torch.get_num_interop_threads()} interop threads")
    print("| workload | machine | 1 thread (ms, median) | 2 threads (ms, median) | 2 threads / 1 thread |")
    print("|---|---|---|---|---|")
    for label, busy in (("quiet", False), ("one core busy", True)):
        stop = mp.Event()
        burner = mp.Process(target=_burn, args=(stop,)) if busy else None
        if burner:
            burner.start()
            time.sleep(0.5)
        try:
            results = measure(items, args.repeats)
        finally:
            if burner:
                stop.set()
                burner.join()
        for name in items:
            one = statistics.median(results[(name, 1)]) * 1000
            two = statistics.median(results[(name, 2)]) * 1000
            print(f"| {name} | {label} | {one:.2f} | {two:.2f} | {two / one:.2f}x |")


if __name__ == "__main__":
    main()
