"""Chapter 8: sentences/s scoring a test split with and without prefix key/value reuse,
and the time each panel's defaults take.

Usage (from the repository root)::

    .venv/bin/python bench/bench_prompt_cache.py --rounds 3                 # tiny GPT, both sets
    .venv/bin/python bench/bench_prompt_cache.py --model smollm2 --sentences 40 --rounds 3
    .venv/bin/python bench/bench_prompt_cache.py --panels                   # each panel's defaults
    .venv/bin/python bench/bench_prompt_cache.py --f1                       # F1 table of the results

Cache: the few-shot prompt (one example per class plus one more, the page's few-shot
default) over the test split; "reuse" computes the prompt's prefix once and forks its
key/value cache for every sentence, "no reuse" runs the whole prompt for every sentence.
The two alternate, ``rounds`` times, in one process on one torch thread (the server's
setting); the report gives medians and their ratio, and checks both give the same
probabilities.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lm_core.analysis import ch8_lab as lab  # noqa: E402
from lm_core.analysis.prompting import ChatScorer, GPTScorer, build_prompt, pick_examples, score_texts  # noqa: E402


def make_scorer(model: str, lang: str):
    if model == "smollm2":
        from lm_core.models import smollm2

        return ChatScorer(*smollm2.load_smollm2())
    return GPTScorer(*lab.load_base(lang))


def bench_cache(model: str, lang: str, rounds: int, sentences: int | None) -> dict:
    scorer = make_scorer(model, lang)
    train_split, test_split = lab.sentiment_splits(lang)
    texts = [text for text, _ in test_split][:sentences]
    indices = pick_examples(train_split, "few", k=4)
    parts = build_prompt(lang, [train_split[i] for i in indices], chat=getattr(scorer, "chat", None))
    prefix_tokens = len(scorer.encode(parts.prefix))
    score_texts(scorer, parts, texts[:3])  # warm-up
    times = {True: [], False: []}
    outputs = {}
    for _ in range(rounds):
        for reuse in (True, False):
            started = time.perf_counter()
            outputs[reuse] = score_texts(scorer, parts, texts, reuse_prefix=reuse)
            times[reuse].append(time.perf_counter() - started)
    with_reuse = len(texts) / statistics.median(times[True])
    without = len(texts) / statistics.median(times[False])
    return {
        "model": model,
        "lang": lang,
        "sentences": len(texts),
        "prefix_tokens": prefix_tokens,
        "with": with_reuse,
        "without": without,
        "speedup": with_reuse / without,
        "max_diff": float(np.abs(outputs[True] - outputs[False]).max()),
    }


class _Clock:
    """Wall time and this process's CPU time (what a quiet machine would need) of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def bench_panels(lang: str) -> list[tuple[str, tuple[float, float]]]:
    """(panel, (wall seconds, CPU seconds)) for each panel's defaults."""
    from lm_core.data.corpora import load_corpus
    from lm_core.train.finetune import FinetuneConfig
    from lm_core.train.pretrain import prepare_data, pretrain

    rows = []
    with _Clock() as clock:
        data = prepare_data(load_corpus(f"toy_{lang}").sentences, lang, seed=42)
        pretrain(data, "s", 300, seed=42)
    rows.append(("pretraining (size s, 300 steps, incl. tokenizer and 8 samples)", (clock.wall, clock.cpu)))
    model, tokenizer = lab.load_base(lang)
    with _Clock() as clock:
        tuned, _ = lab.instruction_tune(model, tokenizer, lang, FinetuneConfig(steps=150, seed=42))
        lab.answer_questions(tuned, tokenizer, lab.split_pairs(lang)[1])
    rows.append(("instruction tuning (150 steps + held-out answers)", (clock.wall, clock.cpu)))
    with _Clock() as clock:
        own, _ = lab.finetune_sentiment(model, tokenizer, lang, FinetuneConfig(steps=150, seed=42))
        lab.prompt_probs(GPTScorer(own, tokenizer), lang, "zero")
    rows.append(("task fine-tuning (150 steps + test split)", (clock.wall, clock.cpu)))
    with _Clock() as clock:
        lab.prompt_probs(GPTScorer(model, tokenizer), lang, "per_class")
    rows.append(("prompting the tiny GPT (one per class, test split)", (clock.wall, clock.cpu)))
    try:
        from lm_core.models import smollm2
    except ImportError:
        return rows
    if smollm2.smollm2_available():
        scorer = ChatScorer(*smollm2.load_smollm2())
        with _Clock() as clock:
            lab.prompt_probs(scorer, lang, "per_class")
        rows.append(("prompting SmolLM2 (one per class, test split)", (clock.wall, clock.cpu)))
    return rows


def f1_table() -> None:
    """Weighted F1 (raw / calibrated) of every method in the shipped results, both sets."""
    import json

    from lm_core.analysis.evaluation import evaluate
    from lm_core.analysis.prompting import LABELS, calibrate, predictions
    from lm_core.core.paths import ASSETS_DIR

    results = json.loads((ASSETS_DIR / "results" / "ch8_results.json").read_text(encoding="utf-8"))
    print("| set | method | weighted F1 | calibrated | accuracy | examples in prompt |")
    print("|---|---|---|---|---|---|")
    for lang in ("en", "zh"):
        entry = results.get(lang)
        if not entry:
            continue
        gold = entry["gold"]
        for key, method in entry["methods"].items():
            probs = np.asarray(method["probs"])
            raw = evaluate(gold, predictions(probs), LABELS)
            cal = "-"
            if method.get("content_free") and not key.endswith("finetuned"):
                cal = f"{evaluate(gold, predictions(calibrate(probs, np.asarray(method['content_free']))), LABELS).weighted_f1:.3f}"
            print(
                f"| {lang} | {key} | {raw.weighted_f1:.3f} | {cal} | {raw.accuracy:.3f} | "
                f"{len(method.get('examples', []))} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["gpt", "smollm2"], default="gpt")
    parser.add_argument("--lang", choices=["en", "zh", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sentences", type=int, help="only the first N test sentences")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--panels", action="store_true", help="time each panel's defaults instead")
    parser.add_argument("--f1", action="store_true", help="print the weighted F1 table of the shipped results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    langs = ["en", "zh"] if args.lang == "both" else [args.lang]
    if args.f1:
        f1_table()
        return
    if args.panels:
        for lang in langs:
            for name, seconds in bench_panels(lang):
                print(f"| {lang} | {name} | {seconds[0]:.1f} | {seconds[1]:.1f} |", flush=True)
        return
    print("| model | set | sentences | prefix tokens | reuse (sent/s) | no reuse (sent/s) | speed-up | max diff |")
    print("|---|---|---|---|---|---|---|---|")
    for lang in langs:
        r = bench_cache(args.model, lang, args.rounds, args.sentences)
        print(
            f"| {r['model']} | {r['lang']} | {r['sentences']} | {r['prefix_tokens']} | {r['with']:.1f} | "
            f"{r['without']:.1f} | {r['speedup']:.2f}x | {r['max_diff']:.1e} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
