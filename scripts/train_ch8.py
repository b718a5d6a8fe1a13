"""Chapter 8: train the base GPTs and precompute the results every learner sees.

Usage (from the repository root)::

    .venv/bin/python scripts/train_ch8.py base              # assets/checkpoints/ch8_base_{en,zh}
    .venv/bin/python scripts/train_ch8.py results           # assets/results/ch8_results.json
    .venv/bin/python scripts/train_ch8.py results --only en --quick
    .venv/bin/python scripts/train_ch8.py scaling           # the scaling sweep (English toy world)

``base``: a 4-layer GPT per language (context 128 tokens) pretrained on the toy world
plus the unlabelled sentiment training sentences (see ``lm_core.train.pretrain.ch8_base_texts``).
``results``: every prompting method and the fine-tuned model on the test split of both
sentiment sets (tiny GPT, and SmolLM2-135M-Instruct when installed), and instruction tuning
before/after on held-out facts. ``scaling``: four sizes trained for the same compute. Reproducible with ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lm_core.core.paths import ASSETS_DIR, CHECKPOINT_DIR  # noqa: E402
from lm_core.models.checkpoints import save_checkpoint  # noqa: E402
from lm_core.models.gpt import GPT, GPTConfig  # noqa: E402
from lm_core.tokenizers.lm import BPETokenizer, CharTokenizer  # noqa: E402
from lm_core.train.loop import Progress, TrainConfig, train  # noqa: E402
from lm_core.train.pretrain import ch8_base_texts, greedy_sample, split_sentences  # noqa: E402

BASE_BLOCK = 192
BASE_ITERS = {"en": 400, "zh": 400}
BASE_BATCH = 8
RESULTS_FILE = ASSETS_DIR / "results" / "ch8_results.json"


def train_base(lang: str, args: argparse.Namespace) -> None:
    texts, extra = ch8_base_texts(lang)
    train_part, val_part = split_sentences(texts, args.seed)
    if lang == "zh":
        tokenizer = CharTokenizer.train(train_part + extra)
    else:
        tokenizer = BPETokenizer.train(train_part + extra, vocab_size=1536)
    train_ids = torch.tensor(tokenizer.encode_corpus(train_part), dtype=torch.long)
    val_ids = torch.tensor(tokenizer.encode_corpus(val_part), dtype=torch.long)
    config = GPTConfig(
        vocab_size=tokenizer.vocab_size, block_size=BASE_BLOCK, n_layer=4, n_head=4, n_embd=128, dropout=0.1
    )
    torch.manual_seed(args.seed)
    model = GPT(config)
    iters = args.max_iters or BASE_ITERS[lang]
    train_config = TrainConfig(
        max_iters=iters,
        batch_size=BASE_BATCH,
        learning_rate=2e-3,
        min_lr=2e-4,
        warmup_iters=80,
        eval_interval=50,
        eval_iters=10,
        seed=args.seed,
    )
    print(
        f"[{lang}] vocab {tokenizer.vocab_size}, {train_ids.numel()} train tokens, "
        f"{model.num_parameters():,} parameters",
        flush=True,
    )

    started = time.perf_counter()

    def save(step: int, result_losses: tuple[float | None, float | None]) -> None:
        meta = {
            "purpose": "chapter 8 base model",
            "seed": args.seed,
            "max_iters": iters,
            "stopped_at": step,
            "batch_size": BASE_BATCH,
            "final_train_loss": round(result_losses[0] or 0.0, 4),
            "final_val_loss": round(result_losses[1] or 0.0, 4),
            "train_time_s": round(time.perf_counter() - started, 1),
            "parameters": model.num_parameters(),
            "trained_by": f"scripts/train_ch8.py base --only {lang} --max-iters {iters} --stop-at {step}",
        }
        was_training = model.training
        save_checkpoint(CHECKPOINT_DIR / f"ch8_base_{lang}", model, tokenizer, meta)
        model.train(was_training)

    def log(progress: Progress) -> None:
        if progress.val_loss is not None:
            print(
                f"[{lang}] step {progress.step} train {progress.train_loss:.3f} val {progress.val_loss:.3f} "
                f"{progress.elapsed_s:.0f}s",
                flush=True,
            )
            # Saved at every evaluation: a long run can be cut short and still leave a model
            # (reproduce it with --stop-at that step: same schedule, stopped there).
            save(progress.step, (progress.train_loss, progress.val_loss))

    torch.set_num_threads(args.threads)
    stop_at = args.stop_at or iters
    done = [0]

    def count(progress: Progress) -> None:
        done[0] = progress.step
        log(progress)

    result = train(
        model,
        train_ids,
        val_ids,
        train_config,
        callback=count,
        should_stop=lambda: done[0] + 1 >= stop_at if stop_at < iters else False,
    )
    model.eval().requires_grad_(False)
    sample = greedy_sample(model, tokenizer, "The capital of Japan" if lang == "en" else "日本的首都", 20)
    print(f"[{lang}] sample: {sample!r}", flush=True)
    save(result.steps, (result.final_train_loss, result.final_val_loss))
    print(f"[{lang}] saved at step {result.steps}, val loss {result.final_val_loss:.4f}", flush=True)


def smollm2_scorer():
    """SmolLM2 as a scorer when it is installed, else None (its rows are then left out)."""
    try:
        from lm_core.models import smollm2
    except ImportError:
        return None
    if not smollm2.smollm2_available():
        return None
    from lm_core.analysis.prompting import ChatScorer

    return (ChatScorer(*smollm2.load_smollm2()),)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["base", "results", "scaling"])
    parser.add_argument("--only", choices=["en", "zh"])
    parser.add_argument("--max-iters", type=int)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--stop-at", type=int, help="base: stop after this step (the schedule still spans --max-iters)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="results: fewer steps, for a smoke test")
    parser.add_argument("--out", default=str(RESULTS_FILE))
    parser.add_argument("--smollm2-only", action="store_true", help="results: only SmolLM2's prompting rows")
    parser.add_argument("--no-smollm2", action="store_true", help="results: leave SmolLM2 out")
    parser.add_argument("--modes", default="zero,one,per_class,few", help="results: prompt modes, comma-separated")
    args = parser.parse_args(argv)
    langs = [args.only] if args.only else ["en", "zh"]
    if args.what == "base":
        for lang in langs:
            train_base(lang, args)
    else:
        from lm_core.analysis.ch8_lab import compute_results, scaling_sweep

        torch.set_num_threads(args.threads)
        log = lambda message: print(message, flush=True)  # noqa: E731
        if args.what == "scaling":
            results = {
                "scaling": scaling_sweep("en", budget_steps_largest=20 if args.quick else 60, seed=args.seed, log=log)
            }
            log(
                f"scaling exponent (compute) {results['scaling']['fit_compute']['b']:.4f}, "
                f"(parameters) {results['scaling']['fit_parameters']['b']:.4f}"
            )
        else:
            results = compute_results(
                langs,
                seed=args.seed,
                quick=args.quick,
                log=log,
                smollm2=None if args.no_smollm2 else smollm2_scorer(),
                include_gpt=not args.smollm2_only,
                modes=args.modes.split(","),
            )
        out = Path(args.out)
        previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
        for key, value in results.items():  # merge method by method: parts can be computed apart
            if isinstance(value, dict) and isinstance(previous.get(key), dict) and "methods" in value:
                methods = {**previous[key].get("methods", {}), **value["methods"]}
                previous[key] = {**previous[key], **value, "methods": methods}
            else:
                previous[key] = value
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(previous, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
