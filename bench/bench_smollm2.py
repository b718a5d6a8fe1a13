"""SmolLM2: our token loop vs transformers' generate, and the server's memory with every model loaded.

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python bench/bench_smollm2.py [--rounds 5] [--skip-server]

1. Generation speed, one thread, same prompt (the chat template around "Say hi to an LLM"),
   64 new tokens, greedy, no early stop: our loop (``lm_core.decoding.generation.generate``
   with the KV cache, our Llama forward pass) vs ``LlamaForCausalLM.generate`` of transformers
   on the same float32 weights, alternating A/B rounds in one run. Both produce the same ids
   (checked). Reported: median tokens/s of each and the ratio.
2. Server memory: start the real app on 127.0.0.1, open chapter 5 (MiniLM), chapter 7 with
   both tiny GPTs and with SmolLM2 in headless Chromium, then read the server's RSS
   (/proc/PID/status VmRSS). Also the time from opening chapter 7 to its step chart, per model,
   and one "Next token" click until the step chart names the chosen token (median and p95 of
   up to 10 clicks, fewer when the text ends; tiny GPT vs SmolLM2).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NEW_TOKENS = 64
CLICKS = 10


def transformers_twin(model):
    """transformers' LlamaForCausalLM holding exactly our weights (what the GGUF de-quantises to),
    set to run all 64 tokens, as our loop does with end_id=None."""
    from lm_core.models.smollm2 import transformers_twin as twin

    hf = twin(model)
    hf.generation_config.eos_token_id = None
    hf.generation_config.pad_token_id = 2
    return hf


def bench_generation(rounds: int) -> dict:
    from lm_core.decoding.generation import SamplingSettings, generate
    from lm_core.models.smollm2 import load_smollm2

    torch.set_num_threads(1)
    model, tok = load_smollm2()
    hf = transformers_twin(model)
    ids = tok.encode(tok.chat_prompt([{"role": "user", "content": "Say hi to an LLM"}]))
    greedy = SamplingSettings(greedy=True)

    def ours() -> list[int]:
        return generate(model, ids, greedy, NEW_TOKENS, end_id=None)

    def theirs() -> list[int]:
        with torch.inference_mode():
            out = hf.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=NEW_TOKENS,
                do_sample=False,
            )
        return out[0, len(ids) :].tolist()

    ours(), theirs()  # warm-up
    rates = {"ours": [], "transformers": []}
    cpu_rates = {"ours": [], "transformers": []}
    outputs = {}
    for _ in range(rounds):
        for name, run in (("ours", ours), ("transformers", theirs)):
            start, cpu_start = time.perf_counter(), time.process_time()
            outputs[name] = run()
            rates[name].append(NEW_TOKENS / (time.perf_counter() - start))
            cpu_rates[name].append(NEW_TOKENS / (time.process_time() - cpu_start))
    same = outputs["ours"] == outputs["transformers"]
    med = {name: statistics.median(values) for name, values in rates.items()}
    cpu = {name: statistics.median(values) for name, values in cpu_rates.items()}
    return {
        "ours_cpu_tok_s": cpu["ours"],
        "transformers_cpu_tok_s": cpu["transformers"],
        "cpu_ratio": cpu["ours"] / cpu["transformers"],
        "prompt_tokens": len(ids),
        "ours_tok_s": med["ours"],
        "transformers_tok_s": med["transformers"],
        "ratio": med["ours"] / med["transformers"],
        "ours_all": [round(r, 1) for r in rates["ours"]],
        "transformers_all": [round(r, 1) for r in rates["transformers"]],
        "same_ids": same,
        "text": tok.decode(outputs["ours"]),
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_server() -> dict:
    from playwright.sync_api import sync_playwright
    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, running

    results: dict = {}
    with running("app.py") as (process, url), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS[1:], headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        results["rss_start_mb"] = rss_mb(process.pid)

        def open_and_wait(path: str, ready: str) -> float:
            start = time.perf_counter()
            page.goto(f"{url}/{path}", timeout=300_000)
            page.wait_for_selector(ready, timeout=300_000)
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="hidden", timeout=300_000)
            return time.perf_counter() - start

        results["ch5_minilm_s"] = open_and_wait("Self_attention?lang=en", ".js-plotly-plot")
        for model in ("gpt_toy_en", "gpt_toy_zh", "smollm2", "gpt_toy_en", "smollm2"):
            seconds = open_and_wait(f"Generation?lang=en&model={model}", ".js-plotly-plot")
            results.setdefault(f"ch7_{model}_s", []).append(round(seconds, 2))
        time.sleep(2)
        results["rss_all_loaded_mb"] = rss_mb(process.pid)
        # One "Next token" click until the step chart shows the chosen token, per model.
        for model in ("gpt_toy_en", "smollm2"):
            open_and_wait(f"Generation?lang=en&model={model}&greedy=1", ".js-plotly-plot")
            time.sleep(2)
            button = page.get_by_role("button", name="Next token").first
            clicks = []
            for step in range(1, CLICKS + 1):
                start = time.perf_counter()
                button.click()
                page.wait_for_function(
                    "n => [...document.querySelectorAll('.gtitle')].some("
                    "e => e.textContent.includes(`Step ${n}: the model chose`))",
                    arg=step,
                    timeout=300_000,
                )
                print(f"  {model}: click {step} {time.perf_counter() - start:.2f} s", flush=True)
                if page.get_by_text("chose the end-of").count():  # the text is finished: no more steps
                    break
                clicks.append(time.perf_counter() - start)
            clicks.sort()
            results[f"next_click_{model}_median_s"] = round(statistics.median(clicks), 3)
            results[f"next_click_{model}_p95_s"] = round(clicks[min(len(clicks) - 1, int(0.95 * len(clicks)))], 3)
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-generation", action="store_true")
    args = parser.parse_args()
    if not args.skip_generation:
        gen = bench_generation(args.rounds)
        print(
            f"generation, {NEW_TOKENS} new tokens after a {gen['prompt_tokens']}-token prompt, 1 thread, "
            f"{args.rounds} alternating rounds:\n"
            f"  ours (KV cache)      median {gen['ours_tok_s']:.1f} tok/s  {gen['ours_all']}\n"
            f"  transformers generate median {gen['transformers_tok_s']:.1f} tok/s  {gen['transformers_all']}\n"
            f"  ratio ours / transformers: {gen['ratio']:.2f}x; same ids: {gen['same_ids']}\n"
            f"  per CPU second (robust to other processes on the cores): ours {gen['ours_cpu_tok_s']:.1f}, "
            f"transformers {gen['transformers_cpu_tok_s']:.1f} tok/s, ratio {gen['cpu_ratio']:.2f}x\n"
            f"  text: {gen['text']!r}"
        )
    if not args.skip_server:
        server = bench_server()
        print("server:", server)


if __name__ == "__main__":
    main()
