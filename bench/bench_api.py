"""Latency of the OpenAI-compatible endpoint (make api) for the seed's greeting.

Starts ``python -m lm_core.serve`` (what ``make api`` runs) on 127.0.0.1 and a free port,
waits until it answers, then sends the seed's two messages with the OpenAI client, streamed,
``--repeats`` times (seed = repeat number, so the answers are reproducible). Per request:
time to first token (request sent -> first chunk with text), tokens per second after it
(completion tokens - 1 over the time from first to last token), tokens per CPU second of the
serving process (steadier than wall-clock rates on a shared machine), and the whole request.
One request at a time: the endpoint answers one at a time anyway. The same requests are then
run in this process without HTTP (``lm_core.serve.chat.chat_completion_chunks``), so the
difference is what the server and the wire add.

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


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_greeting(client, seed: int, max_tokens: int, server_pid: int) -> dict:  # noqa: ANN001
    cpu_before = process_cpu_s(server_pid)
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
    cpu = process_cpu_s(server_pid) - cpu_before
    return {"ttft": first - sent, "rate": rate, "tokens": tokens, "total": done - sent, "per_cpu": tokens / cpu}


def in_process(seed: int, max_tokens: int) -> dict:
    """The same greeting without HTTP: the chunks as the endpoint would stream them."""
    from lm_core.models.smollm2_cache import load_smollm2
    from lm_core.serve.chat import chat_completion_chunks, parse_request

    model, tokenizer = load_smollm2()
    request = parse_request({"model": MODEL_ID, "seed": seed, "max_tokens": max_tokens, "messages": [
        {"role": "system", "content": SAY_HI_SYSTEM}, {"role": "user", "content": SAY_HI_USER}]})
    cpu_before = time.process_time()
    sent = time.monotonic()
    first = last = None
    tokens = 0
    for chunk in chat_completion_chunks(model, tokenizer, request):
        if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
            last = time.monotonic()
            first = first or last
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
    rate = (tokens - 1) / (last - first) if first and last and last > first else float("nan")
    per_cpu = tokens / (time.process_time() - cpu_before)
    return {"ttft": first - sent, "rate": rate, "tokens": tokens, "total": time.monotonic() - sent, "per_cpu": per_cpu}


def table(title: str, runs: list[dict]) -> None:
    print(f"\n{title}\n")
    print("| run | time to first token | tokens/s after it | tokens per CPU second | completion tokens | whole request |")
    print("|---|---|---|---|---|---|")
    for index, run in enumerate(runs):
        print(f"| {index} | {run['ttft'] * 1000:.0f} ms | {run['rate']:.1f} | {run['per_cpu']:.1f} | {run['tokens']} "
              f"| {run['total']:.2f} s |")
    print(f"| median | {statistics.median(r['ttft'] for r in runs) * 1000:.0f} ms | "
          f"{statistics.median(r['rate'] for r in runs):.1f} | {statistics.median(r['per_cpu'] for r in runs):.1f} | "
          f"{statistics.median(r['tokens'] for r in runs):.0f} | {statistics.median(r['total'] for r in runs):.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    from openai import OpenAI

    port = free_port()
    process, start_s = start_server(port)
    try:
        client = OpenAI(api_key="not-needed", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        one_greeting(client, seed=-1, max_tokens=4, server_pid=process.pid)  # warm: first-call allocations
        runs = [one_greeting(client, seed, args.max_tokens, process.pid) for seed in range(args.repeats)]
    finally:
        process.terminate()
        process.wait(10)
    load_before = os.getloadavg()[0]
    in_process(-1, 4)  # warm
    direct = [in_process(seed, args.max_tokens) for seed in range(args.repeats)]
    print(f"endpoint ready after {start_s:.1f} s; load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores; LLM_EXPLAINER_THREADS={os.environ.get('LLM_EXPLAINER_THREADS', '1')}")
    table("Through the endpoint (OpenAI client, stream=True):", runs)
    table("The same requests in this process, no HTTP:", direct)


if __name__ == "__main__":
    main()
