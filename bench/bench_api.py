"""Latency of the OpenAI-compatible endpoint (make api) for the seed's greeting.

Starts ``python -m lm_core.serve`` (what ``make api`` runs) on 127.0.0.1 and a free port,
waits until it answers, then sends the seed's two messages with the OpenAI client, streamed,
``--repeats`` times (seed = repeat number, so the answers are reproducible). Per request:
time to first token (request sent -> first chunk with text), tokens per second after it
(completion tokens - 1 over the time from first to last token), and the whole request.
One request at a time: the endpoint answers one at a time anyway.

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_api.py --repeats 5
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lm_core.serve.chat import MODEL_ID, SAY_HI_SYSTEM, SAY_HI_USER  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    """The endpoint as ``make api`` starts it; returns it and the seconds until it answered."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "lm_core.serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).read()
            return process, time.monotonic() - started
        except OSError:
            if process.poll() is not None or time.monotonic() - started > 300:
                raise SystemExit("the endpoint did not start") from None
            time.sleep(0.2)


def one_greeting(client, seed: int, max_tokens: int) -> dict:  # noqa: ANN001
    sent = time.monotonic()
    first = last = None
    tokens = 0
    stream = client.chat.completions.create(
        model=MODEL_ID,
        messages=[{"role": "system", "content": SAY_HI_SYSTEM}, {"role": "user", "content": SAY_HI_USER}],
        stream=True, seed=seed, max_tokens=max_tokens, stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            now = time.monotonic()
            first = first or now
            last = now
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    done = time.monotonic()
    rate = (tokens - 1) / (last - first) if first and last and last > first else float("nan")
    return {"ttft": first - sent, "rate": rate, "tokens": tokens, "total": done - sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    from openai import OpenAI

    port = free_port()
    process, start_s = start_server(port)
    try:
        client = OpenAI(api_key="not-needed", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        one_greeting(client, seed=-1, max_tokens=4)  # warm: first-call allocations
        runs = [one_greeting(client, seed, args.max_tokens) for seed in range(args.repeats)]
    finally:
        process.terminate()
        process.wait(10)
    print(f"endpoint ready after {start_s:.1f} s (load average {os.getloadavg()[0]:.1f}, "
          f"{os.cpu_count()} cores, LLM_EXPLAINER_THREADS={os.environ.get('LLM_EXPLAINER_THREADS', '1')})")
    print("| run | time to first token | tokens/s after it | completion tokens | whole request |")
    print("|---|---|---|---|---|")
    for index, run in enumerate(runs):
        print(f"| {index} | {run['ttft'] * 1000:.0f} ms | {run['rate']:.1f} | {run['tokens']} | {run['total']:.2f} s |")
    print(f"| median | {statistics.median(r['ttft'] for r in runs) * 1000:.0f} ms | "
          f"{statistics.median(r['rate'] for r in runs):.1f} | {statistics.median(r['tokens'] for r in runs):.0f} | "
          f"{statistics.median(r['total'] for r in runs):.2f} s |")


if __name__ == "__main__":
    main()
