"""How long the memory trimmer's garbage collection holds the GIL in a warm server's process,
before and after the warm-up's survivors are set aside (``ui.jobs.set_aside_what_stays``).

Why it matters: ``ui.jobs.start_memory_trimmer`` runs ``gc.collect()`` every minute; a full
collection walks every object the process tracks with the GIL held, so every session's script
and the websocket wait that long. A class's server holds the imports, every shipped model
(SmolLM2 among them) and the per-server caches: hundreds of thousands of objects, alive for good.

This process builds that state as the server's start hook does (``ui.warmup.warm_before_serving``:
the libraries, the job workers, every shipped model), imports what the pages import, then times
``--repeats`` full collections, sets the survivors aside as ``ui/launch.py`` does once its first
views are open, and times as many again. (The server itself also holds Streamlit's runtime and
the first views' figures: more objects before, the same few after.) Usage:

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_gc_pause.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed_collections(repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        gc.collect()
        seconds.append(time.perf_counter() - began)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("LLM_EXPLAINER_TRIM_EVERY_S", "0")  # no trimmer thread: this process collects

    from ui import jobs, warmup

    began = time.perf_counter()
    warmup.warm_before_serving()
    for folder in ("ui", "viz"):  # what the pages import (pages/ themselves run as scripts)
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name != "launch.py":
                importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
    print(f"warm state built in {time.perf_counter() - began:.0f} s: {len(gc.get_objects()):,} objects tracked")

    before = timed_collections(args.repeats)
    kept = jobs.set_aside_what_stays()
    after = timed_collections(args.repeats)
    print(f"set aside: {kept:,} objects; tracked after: {len(gc.get_objects()):,}")
    print(f"full collection before: median {statistics.median(before) * 1000:.0f} ms "
          f"({', '.join(f'{s * 1000:.0f}' for s in before)})")
    print(f"full collection after:  median {statistics.median(after) * 1000:.1f} ms "
          f"({', '.join(f'{s * 1000:.1f}' for s in after)})")
    print(f"after / before: {statistics.median(after) / statistics.median(before):.3f}")
    jobs.get_queue().shutdown(2.0)


if __name__ == "__main__":
    main()
