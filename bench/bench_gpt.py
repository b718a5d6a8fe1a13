"""Benchmark lm_core's tiny GPT against karpathy/nanoGPT on identical settings.

Usage (from the repository root; nanoGPT's public source must already be in a folder
outside the repository, e.g. ``/tmp/nanogpt``)::

    .venv/bin/python bench/bench_gpt.py [TEXT] --nanogpt /tmp/nanogpt --rounds 2 --iters 2000 --threads 1
    .venv/bin/python bench/bench_gpt.py --page-latency 8   # browser: "Next token" click -> chart

``TEXT`` defaults to ``../shared/data/tinyshakespeare.txt`` (relative to the repository).

Training: character-level text split 90/10 as nanoGPT's ``prepare.py`` does;
n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12, dropout 0, nanoGPT's
Shakespeare-char optimiser settings (AdamW lr 1e-3 -> 1e-4 cosine, 100 warm-up steps,
beta2 0.99, weight decay 0.1, clip 1.0), evaluation every 500 steps on 200 batches.
Both run as fresh subprocesses with the same ``OMP_NUM_THREADS``, alternately, ``rounds``
times; the report gives medians of the per-iteration times (evaluation steps excluded)
and the validation losses. MFU is the achieved training FLOP rate (PaLM formula, as
nanoGPT counts it) over a measured fp32 matmul peak of this machine.

Generation: ms per new token of lm_core with and without the KV cache (and with the
approximate "shift" overflow policy, which keeps the cache usable past the window) and of
nanoGPT's ``GPT.generate`` on the same model size and weights (temperature 0.8, top-k
200, as nanoGPT's ``sample.py``), for a short continuation that fits the window and a
long one that slides it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL = {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64, "dropout": 0.0}
BATCH = 12
EVAL_INTERVAL = 500
EVAL_ITERS = 200


# --------------------------------------------------------------------------- helpers


def char_data(text_path: str):
    """Encode like nanoGPT's shakespeare_char/prepare.py: sorted characters, 90/10 split."""
    import torch

    data = Path(text_path).read_text(encoding="utf-8")
    chars = sorted(set(data))
    stoi = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([stoi[ch] for ch in data], dtype=torch.long)
    n = int(len(ids) * 0.9)
    return chars, ids[:n], ids[n:]


def peak_gflops(threads: int, size: int = 512, seconds: float = 2.0) -> float:
    """Best fp32 matmul rate (GFLOP/s) over short bursts: the denominator of MFU."""
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(10):
            torch.mm(a, b)
        elapsed = time.perf_counter() - start
        best = max(best, 10 * 2 * size**3 / elapsed / 1e9)
    return best


def env_for(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["MKL_NUM_THREADS"] = str(threads)
    return env


# --------------------------------------------------------------------------- training


def worker_train(text_path: str, iters: int, threads: int) -> dict:
    """Runs inside a subprocess: train lm_core's GPT, print one JSON line."""
    import torch

    from lm_core.models.gpt import GPT, GPTConfig
    from lm_core.train.loop import TrainConfig, train

    torch.set_num_threads(threads)
    chars, train_ids, val_ids = char_data(text_path)
    torch.manual_seed(1337)
    model = GPT(GPTConfig(vocab_size=len(chars), **MODEL))
    config = TrainConfig(
        max_iters=iters,
        batch_size=BATCH,
        learning_rate=1e-3,
        min_lr=1e-4,
        warmup_iters=100,
        lr_decay_iters=iters,
        weight_decay=0.1,
        beta1=0.9,
        beta2=0.99,
        grad_clip=1.0,
        eval_interval=EVAL_INTERVAL,
        eval_iters=EVAL_ITERS,
        seed=1337,
    )
    times: list[float] = []
    last = [0.0]

    def record(progress) -> None:
        times.append(progress.elapsed_s - last[0])
        last[0] = progress.elapsed_s

    result = train(model, train_ids, val_ids, config, callback=record)
    return {
        "impl": "lm_core",
        "median_ms": 1000 * statistics.median(times),
        "mean_ms": 1000 * result.train_time_s / result.steps,
        "val": {p.step: p.val_loss for p in result.history},
        "params": model.num_parameters(include_position=False),
        "flops_per_iter": model.flops_per_token() * MODEL["block_size"] * BATCH,
    }


def prepare_nanogpt_data(nanogpt: Path, text_path: str) -> None:
    folder = nanogpt / "data" / "shakespeare_char"
    if (folder / "train.bin").is_file() and (folder / "input.txt").is_file():
        if (folder / "input.txt").read_bytes() == Path(text_path).read_bytes():
            return
    shutil.copyfile(text_path, folder / "input.txt")  # prepare.py then skips its download
    subprocess.run([sys.executable, "prepare.py"], cwd=folder, check=True, capture_output=True)


def run_nanogpt_train(nanogpt: Path, iters: int, threads: int, out_dir: str) -> dict:
    command = [
        sys.executable, "train.py", "config/train_shakespeare_char.py", "--device=cpu", "--compile=False",
        f"--block_size={MODEL['block_size']}", f"--batch_size={BATCH}", f"--n_layer={MODEL['n_layer']}",
        f"--n_head={MODEL['n_head']}", f"--n_embd={MODEL['n_embd']}", f"--max_iters={iters}",
        f"--lr_decay_iters={iters}", "--dropout=0.0", f"--eval_interval={EVAL_INTERVAL}",
        f"--eval_iters={EVAL_ITERS}", "--log_interval=1", f"--out_dir={out_dir}",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=nanogpt, env=env_for(threads), capture_output=True, text=True, check=True)
    times, val = [], {}
    for line in done.stdout.splitlines():
        match = re.match(r"iter (\d+): loss [\d.]+, time ([\d.]+)ms", line)
        if match and int(match.group(1)) % EVAL_INTERVAL != 0:  # evaluation steps excluded
            times.append(float(match.group(2)))
        match = re.match(r"step (\d+): train loss [\d.]+, val loss ([\d.]+)", line)
        if match:
            val[int(match.group(1))] = float(match.group(2))
    return {"impl": "nanoGPT", "median_ms": statistics.median(times), "mean_ms": statistics.mean(times), "val": val}


def run_ours_train(text_path: str, iters: int, threads: int) -> dict:
    command = [sys.executable, __file__, text_path, "--worker", "--iters", str(iters), "--threads", str(threads)]
    done = subprocess.run(command, env=env_for(threads), capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- generation


def bench_generation(nanogpt: Path, text_path: str, threads: int, rounds: int) -> dict:
    import torch

    from lm_core.decoding.generation import SamplingSettings, generate
    from lm_core.models.gpt import GPT, GPTConfig

    sys.path.insert(0, str(nanogpt))
    import model as nano  # nanoGPT's model.py, from the temporary folder

    torch.set_num_threads(threads)
    chars, _, _ = char_data(text_path)
    torch.manual_seed(0)
    ours = GPT(GPTConfig(vocab_size=len(chars), **MODEL)).eval()
    theirs = nano.GPT(nano.GPTConfig(vocab_size=len(chars), bias=False, **MODEL)).eval()
    # Same weights in both (the layouts differ only in names).
    mapping = {"transformer.wte.weight": "token_embedding.weight", "transformer.wpe.weight": "position_embedding.weight",
               "transformer.ln_f.weight": "ln_f.weight", "lm_head.weight": "lm_head.weight"}  # fmt: skip
    for i in range(MODEL["n_layer"]):
        for a, b in (("ln_1", "ln1"), ("attn.c_attn", "attn.qkv"), ("attn.c_proj", "attn.proj"), ("ln_2", "ln2"),
                     ("mlp.c_fc", "mlp.fc"), ("mlp.c_proj", "mlp.proj")):  # fmt: skip
            mapping[f"transformer.h.{i}.{a}.weight"] = f"blocks.{i}.{b}.weight"
    ours_state = ours.state_dict()
    theirs.load_state_dict({k: ours_state[v] for k, v in mapping.items()}, strict=False)
    prompt = torch.zeros((1, 1), dtype=torch.long)
    with torch.no_grad():
        check = (theirs(prompt)[0][0, -1] - ours(prompt)[0, -1]).abs().max().item()
    settings = SamplingSettings(temperature=0.8, top_k=200)
    results: dict[str, dict[int, list[float]]] = {"cache": {}, "cache_shift": {}, "no_cache": {}, "nanoGPT": {}}
    for _ in range(rounds):
        for tokens in (60, 500):
            start = time.perf_counter()
            generate(ours, [0], settings, tokens, generator=torch.Generator().manual_seed(1), use_cache=True)
            results["cache"].setdefault(tokens, []).append(1000 * (time.perf_counter() - start) / tokens)
            start = time.perf_counter()
            generate(ours, [0], settings, tokens, generator=torch.Generator().manual_seed(1), overflow="shift")
            results["cache_shift"].setdefault(tokens, []).append(1000 * (time.perf_counter() - start) / tokens)
            start = time.perf_counter()
            generate(ours, [0], settings, tokens, generator=torch.Generator().manual_seed(1), use_cache=False)
            results["no_cache"].setdefault(tokens, []).append(1000 * (time.perf_counter() - start) / tokens)
            start = time.perf_counter()
            with torch.no_grad():
                theirs.generate(prompt, tokens, temperature=0.8, top_k=200)
            results["nanoGPT"].setdefault(tokens, []).append(1000 * (time.perf_counter() - start) / tokens)
    return {
        "max_logit_difference": check,
        "ms_per_token": {k: {n: statistics.median(v) for n, v in d.items()} for k, d in results.items()},
    }


# --------------------------------------------------------------------------- page latency


def bench_page_latency(clicks: int, lang: str = "en") -> list[float]:
    """Seconds from a click on "Next token" to the chart of the new step, in headless Chromium."""
    from playwright.sync_api import sync_playwright
    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, running

    with running("app.py") as (_server, base_url):
        titles_js = "() => Array.from(document.querySelectorAll('.gtitle')).map(e => e.textContent)"
        label = {"en": ("Next token", "Step {n}: the"), "zh": ("下一个词元", "第 {n} 步：模型")}[lang]
        timings = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            # A long prompt (no early end of sentence) and sampling at temperature 1.
            page.goto(f"{base_url}/Generation?lang={lang}&greedy=0")
            page.wait_for_selector(".js-plotly-plot", timeout=120000)
            button = page.get_by_role("button", name=label[0])
            for n in range(1, clicks + 1):
                start = time.perf_counter()
                button.click()
                wanted = label[1].format(n=n)
                while time.perf_counter() - start < 30:
                    if any(wanted in (title or "") for title in page.evaluate(titles_js)):
                        break
                    time.sleep(0.005)
                timings.append(time.perf_counter() - start)
                if any("⏎" in (title or "") for title in page.evaluate(titles_js)):
                    break  # the sentence ended: later clicks add nothing
            browser.close()
        return timings


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="?", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
    parser.add_argument("--nanogpt", default="/tmp/nanogpt", help="folder with karpathy/nanoGPT's source")
    parser.add_argument("--iters", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--page-latency", type=int, metavar="CLICKS", help="only time the page's Next-token clicks")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker_train(args.text, args.iters, args.threads)))
        return

    if args.page_latency:
        for lang in ("en", "zh"):
            timings = bench_page_latency(args.page_latency, lang)
            print(
                f"{lang}: click -> chart drawn (s): {[round(x, 3) for x in timings]}, median {statistics.median(timings):.3f}"
            )
        return
    nanogpt = Path(args.nanogpt)
    if not (nanogpt / "train.py").is_file():
        sys.exit(f"nanoGPT's source not found in {nanogpt} (fetch it into a folder outside the repository)")
    report: dict = {"threads": args.threads, "iters": args.iters, "text": args.text}
    peak = peak_gflops(args.threads)
    report["peak_gflops"] = round(peak, 1)
    print(f"fp32 matmul peak on {args.threads} thread(s): {peak:.1f} GFLOP/s", flush=True)
    if not args.skip_train:
        prepare_nanogpt_data(nanogpt, args.text)
        runs: list[dict] = []
        with tempfile.TemporaryDirectory() as out_dir:
            for round_ in range(args.rounds):
                for impl in ("lm_core", "nanoGPT") if round_ % 2 == 0 else ("nanoGPT", "lm_core"):
                    if impl == "lm_core":
                        run = run_ours_train(args.text, args.iters, args.threads)
                    else:
                        run = run_nanogpt_train(nanogpt, args.iters, args.threads, out_dir)
                    print(json.dumps(run), flush=True)
                    runs.append(run)
        flops = next(r["flops_per_iter"] for r in runs if r["impl"] == "lm_core")
        summary = {}
        for impl in ("lm_core", "nanoGPT"):
            mine = [r for r in runs if r["impl"] == impl]
            ms = statistics.median(r["median_ms"] for r in mine)
            summary[impl] = {
                "median_ms_per_iter": round(ms, 2),
                "tokens_per_s": round(BATCH * MODEL["block_size"] / (ms / 1000)),
                "mfu_percent": round(100 * flops / (ms / 1000) / (peak * 1e9), 1),
                "val_loss": [r["val"] for r in mine],
            }
        summary["throughput_ratio_lm_core_over_nanoGPT"] = round(
            summary["nanoGPT"]["median_ms_per_iter"] / summary["lm_core"]["median_ms_per_iter"], 3
        )
        report["training"] = summary
        print(json.dumps(summary, indent=2), flush=True)
    if not args.skip_generation:
        generation = bench_generation(nanogpt, args.text, args.threads, max(3, args.rounds))
        report["generation"] = generation
        print(json.dumps(generation, indent=2), flush=True)
    print("REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
