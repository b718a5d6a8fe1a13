"""Interventions and the key/value cache, measured: the numbers behind chapters 5 and 7.

Prints Markdown tables for bench/RESULTS.md:

1. head importance on the curriculum's examples (the right answer's drop when each head is
   switched off; for MiniLM the claim's cosine), with the rank of the head the curriculum's
   search finds;
2. the steering effect: greedy continuations at several strengths (the chapter's examples);
3. key/value cache memory per model, and time per token with and without the cache,
   measured side by side (the two runs alternate, median of ``--rounds``).

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_interventions.py [--no-smollm2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lm_core.analysis import ablation as ab  # noqa: E402
from lm_core.analysis import attention_lab as lab  # noqa: E402
from lm_core.analysis import steering  # noqa: E402
from lm_core.data.curriculum import ATTENTION_SENTENCES, HEAD_SEARCHES, STEERING_EXAMPLES  # noqa: E402
from lm_core.models import kv_cache as kv  # noqa: E402


def head_importance(models: list[str]) -> None:
    print("\n#### Head importance on the curriculum's examples\n")
    print("| model | sentence | answer (metric) | baseline | most important head (layer, head; from 1) | its drop "
          "| 2nd, 3rd | heads with drop > 0.01 | search's head: rank | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model_name in models:
        for key, sentence in ATTENTION_SENTENCES.items():
            if (model_name == "gpt_toy_zh") != (key == "zh") and model_name.startswith("gpt"):
                continue
            if model_name in ("minilm", "smollm2") and key == "zh":
                continue
            started = time.perf_counter()
            result = ab.importance_job(model_name, sentence, lambda report: None, lambda: False)
            seconds = time.perf_counter() - started
            order = np.dstack(np.unravel_index(np.argsort(-result.drops, axis=None), result.drops.shape))[0]
            top = [f"{int(layer) + 1},{int(head) + 1}" for layer, head in order[:3]]
            rank = ""
            search = next((s for s in HEAD_SEARCHES.values() if s.sentence == key), None)
            if search is not None and model_name == "minilm":
                matches = lab.find_heads(lab.trace_minilm(sentence), search.source, search.targets)
                if matches:
                    found = matches[0]
                    rank = (f"{found.layer + 1},{found.head + 1}: "
                            f"{int((result.drops > result.drops[found.layer, found.head]).sum()) + 1} of "
                            f"{result.drops.size}")
            layer, head = result.most_important()
            print(f"| {model_name} | {sentence} | {result.answer or '-'} ({result.metric}) | {result.baseline:.3f} "
                  f"| {layer + 1}, {head + 1} | {result.drops[layer, head]:.3f} | {'; '.join(top[1:])} "
                  f"| {int((result.drops > 0.01).sum())} of {result.drops.size} | {rank or '-'} | {seconds:.1f} |")


def steering_effect(models: list[str]) -> None:
    print("\n#### Steering: greedy continuations at several strengths (the chapter's example sets)\n")
    print("| model | layer (from 1) | strength | continuation | first token: without → with | seconds |")
    print("|---|---|---|---|---|---|")
    for model_name in models:
        example = STEERING_EXAMPLES[model_name]
        model, tokenizer = ab.load_by_name(model_name)
        strengths = (-2.0, 0.0, 1.0, 1.5, 2.0) if model_name == "smollm2" else (-4.0, -2.0, 0.0, 2.0, 3.0)
        for strength in strengths:
            started = time.perf_counter()
            run = steering.steer(model, tokenizer, example.prompt, example.toward, example.away, example.layer,
                                 strength, n_tokens=12)
            seconds = time.perf_counter() - started
            first_before = run.labels[int(np.argmax(run.before))]
            first_after = run.labels[int(np.argmax(run.after))]
            shown = (example.prompt + " ‖ " + run.after_text).replace("\n", "⏎").replace("|", "\\|")
            print(f"| {model_name} | {example.layer + 1} | {strength:+.1f} | {shown} | {first_before} → {first_after} "
                  f"| {seconds:.1f} |")


def cache(models: list[str], rounds: int) -> None:
    print("\n#### Key/value cache: memory, and time per token with and without it (side by side)\n")
    print("| model | layers × key/value heads × head dim | cache per token | at its window | "
          "with full multi-head | new tokens | ms/token with cache | without | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model_name in models:
        model, tokenizer = ab.load_by_name(model_name)
        config = model.config
        window = 2048 if model_name == "smollm2" else int(config.block_size)
        n_kv = getattr(config, "n_kv_head", config.n_head)
        per_token = kv.model_cache_bytes(config, 1)
        full = kv.model_cache_bytes(config, window, shared_heads=False)
        prompt = STEERING_EXAMPLES.get(model_name, STEERING_EXAMPLES["gpt_toy_en"]).prompt
        ids = tuple(tokenizer.encode(prompt))
        new_tokens = 32 if model_name == "smollm2" else 48
        timings = kv.cache_timing_job(model_name, ids, new_tokens, rounds, lambda report: None, lambda: False)
        print(f"| {model_name} | {config.n_layer} × {n_kv} × {config.n_embd // config.n_head} "
              f"| {per_token / 1024:.1f} KB | {kv.model_cache_bytes(config, window) / 2**20:.2f} MB ({window} tokens) "
              f"| {full / 2**20:.2f} MB | {new_tokens} after {len(ids)} | {timings['cached'] * 1000:.2f} "
              f"| {timings['uncached'] * 1000:.2f} | {timings['uncached'] / timings['cached']:.2f}x |")


def quantisation(models: list[str]) -> None:
    from lm_core.analysis import quantisation as lab
    from lm_core.models import quantise as qz
    from lm_core.models.smollm2_cache import GGUF_FILE, package_folder

    print("\n#### Quantisation: the model at fewer bits against float32 (per block of 32, scale + minimum)\n")
    print("| model | bits | matrices MB | mean abs error | same next token | perplexity | ms/token | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for model_name in models:
        started = time.perf_counter()
        result = lab.quantisation_job(model_name, lab.BITS, lambda report: None, lambda: False)
        seconds = time.perf_counter() - started
        for row in result["rows"]:
            print(f"| {model_name} ({result['tokens']} predictions) | {row['bits']} | {row['megabytes']:.2f} "
                  f"| {row['mean_abs_error']:.5f} | {row['agreement']:.1%} | {row['perplexity']:.2f} "
                  f"| {row['ms_per_token']:.1f} | {seconds:.0f} |")
    folder = package_folder()
    if folder is not None and "smollm2" in models:
        block = qz.read_q4_1_block(str(folder / GGUF_FILE), "blk.0.ffn_gate.weight", 0, 0)
        print(f"\nSmolLM2's file, blk.0.ffn_gate.weight row 0 block 0: bytes {block.raw.hex(' ')}; scale "
              f"{block.scale:.6g}, minimum {block.minimum:.6g}, q = {list(block.quants)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-smollm2", action="store_true", help="leave SmolLM2 out (it takes most of the time)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=("heads", "steering", "cache", "quantisation"), default=None)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    decoders = ["gpt_toy_en", "gpt_toy_zh"] + ([] if args.no_smollm2 else ["smollm2"])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average "
          f"{os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    parts = {"heads": lambda: head_importance(["minilm", *decoders]), "steering": lambda: steering_effect(decoders),
             "cache": lambda: cache(decoders, args.rounds), "quantisation": lambda: quantisation(decoders)}
    for name, part in parts.items():
        if args.only in (None, name):
            part()


if __name__ == "__main__":
    main()
