"""Chapter 8's experiments, each one function a page or a script can call.

* the chapter's base GPTs (``assets/checkpoints/ch8_base_{en,zh}``), loaded read-only;
* :func:`prompt_probs`: a prompting method's label probabilities on the test split
  (with the content-free probabilities for calibration);
* :func:`finetune_sentiment`: the base GPT fine-tuned on the training split by
  label-word prediction, then scored with the zero-shot prompt;
* :func:`instruction_tune` and :func:`answer_questions`: instruction tuning on the
  toy world's facts, and greedy answers to held-out questions before and after;
* :func:`scaling_sweep`: several model sizes trained for the same compute;
* :func:`compute_results`: all the default results, for ``scripts/train_ch8.py``.

Every training function works on a copy (:func:`lm_core.train.finetune.trainable_copy`):
a shared model is never changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lm_core.analysis.evaluation import evaluate, fit_power_law
from lm_core.analysis.prompting import (
    LABELS,
    GPTScorer,
    build_prompt,
    content_free_probs,
    pick_examples,
    predictions,
    score_texts,
)
from lm_core.core.errors import InputError
from lm_core.core.paths import CHECKPOINT_DIR
from lm_core.data.corpora import load_corpus
from lm_core.data.instructions import InstructionPair, split_pairs
from lm_core.decoding.generation import SamplingSettings, generate
from lm_core.models.checkpoints import load_checkpoint
from lm_core.train.finetune import FinetuneConfig, encode_pairs, finetune, trainable_copy
from lm_core.train.loop import TrainConfig, train
from lm_core.train.pretrain import MODEL_SIZES, make_gpt, prepare_data

BASE_NAME = "ch8_base_{lang}"


def base_available(lang: str) -> bool:
    return (CHECKPOINT_DIR / BASE_NAME.format(lang=_lang(lang)) / "model.safetensors").is_file()


def load_base(lang: str):  # noqa: ANN201
    """The chapter's base GPT for ``lang``: eval mode, gradients off (share it read-only)."""
    return load_checkpoint(CHECKPOINT_DIR / BASE_NAME.format(lang=_lang(lang)))


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def sentiment_splits(lang: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    corpus = load_corpus(f"sentiment_{_lang(lang)}")
    return corpus.split("train"), corpus.split("test")


@dataclass
class PromptOutcome:
    probs: np.ndarray  # (n, 3) raw label probabilities
    content_free: np.ndarray  # (3,) probabilities for content-free input
    examples: list[int]  # indices into the training split, in prompt order
    prompt: str  # the full prompt for the first test sentence


def prompt_probs(
    scorer,  # noqa: ANN001
    lang: str,
    mode: str,
    chosen: Sequence[int] | None = None,
    k: int = 4,
    texts: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PromptOutcome:
    """Label probabilities of a prompting method on the test split (or on ``texts``)."""
    train_split, test_split = sentiment_splits(lang)
    indices = pick_examples(train_split, mode, k=k, chosen=chosen)
    parts = build_prompt(lang, [train_split[i] for i in indices], chat=getattr(scorer, "chat", None))
    texts = [text for text, _ in test_split] if texts is None else list(texts)
    probs = score_texts(scorer, parts, texts, progress=progress)
    return PromptOutcome(probs, content_free_probs(scorer, parts), indices, parts.full(texts[0] if texts else ""))


def sentiment_pairs(lang: str, examples: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(zero-shot prompt around the sentence, its label word): what task fine-tuning learns."""
    parts = build_prompt(lang, [])
    words = dict(zip(LABELS, parts.label_words, strict=True))
    return [(parts.full(text), words[label]) for text, label in examples]


def finetune_sentiment(
    model,  # noqa: ANN001
    tokenizer,  # noqa: ANN001
    lang: str,
    config: FinetuneConfig,
    callback: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    train_examples: Sequence[tuple[str, str]] | None = None,
):  # noqa: ANN201
    """A fine-tuned copy of ``model`` (label-word prediction) and its loss history."""
    train_split, _ = sentiment_splits(lang)
    examples = list(train_split if train_examples is None else train_examples)
    present = {label for _, label in examples}
    missing = [label for label in LABELS if label not in present]
    if missing:
        raise InputError("errors.labels.missing", labels=", ".join(missing))
    scorer = GPTScorer(model, tokenizer)
    pairs = encode_pairs(scorer.encode, sentiment_pairs(lang, examples), tokenizer.eos_id, model.config.block_size)
    own = trainable_copy(model)
    result = finetune(own, pairs, config, callback, should_stop)
    return own, result


def instruction_tune(
    model,  # noqa: ANN001
    tokenizer,  # noqa: ANN001
    lang: str,
    config: FinetuneConfig,
    callback: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
):  # noqa: ANN201
    """A copy of ``model`` tuned on the question -> answer pairs that are not held out."""
    tuning, _ = split_pairs(_lang(lang))
    scorer = GPTScorer(model, tokenizer)
    pairs = encode_pairs(
        scorer.encode, [(p.prompt, p.answer) for p in tuning], tokenizer.eos_id, model.config.block_size
    )
    own = trainable_copy(model)
    result = finetune(own, pairs, config, callback, should_stop)
    return own, result


def answer_questions(model, tokenizer, pairs: Sequence[InstructionPair], max_tokens: int = 8) -> list[str]:  # noqa: ANN001
    """The model's greedy continuation of each question prompt (up to the end of sentence)."""
    scorer = GPTScorer(model, tokenizer)
    answers = []
    with torch.inference_mode():
        for pair in pairs:
            ids = scorer.encode(pair.prompt)
            out = generate(model, ids, SamplingSettings(greedy=True), max_tokens, end_id=tokenizer.eos_id)
            out = [i for i in out if i != tokenizer.eos_id]
            answers.append(tokenizer.decode(out).strip() if out else "")
    return answers


def is_correct(answer: str, expected: str) -> bool:
    """Does the answer start with the expected fact (punctuation and case aside)?"""

    def norm(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    return bool(norm(expected)) and norm(answer).startswith(norm(expected))


def is_right_kind(answer: str, pair: InstructionPair, lang: str) -> bool:
    """Does the answer name *some* fact of the asked kind (a capital, a language...), right or not?"""
    from lm_core.data.instructions import instruction_pairs

    kinds = {p.answer for p in instruction_pairs(_lang(lang)) if p.relation == pair.relation}
    return any(is_correct(answer, kind) for kind in kinds)


# --------------------------------------------------------------------------- scaling


@dataclass
class ScalingRun:
    size: str
    parameters: int
    flops_per_step: float
    steps: int
    points: list[tuple[float, float]] = field(default_factory=list)  # (compute in FLOPs, val loss)
    seconds: float = 0.0


def scaling_sweep(
    lang: str = "en",
    sizes: Sequence[str] = ("xs", "s", "m", "l"),
    budget_steps_largest: int = 150,
    batch_size: int = 16,
    seed: int = 0,
    evaluations: int = 8,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Train every size for the same compute (what the largest does in ``budget_steps_largest``
    steps); record validation loss against compute; fit power laws."""
    for size in sizes:
        if size not in MODEL_SIZES:
            raise InputError("errors.setting.unknown_size", size=str(size)[:20], known=", ".join(MODEL_SIZES))
    data = prepare_data(load_corpus(f"toy_{_lang(lang)}").sentences, _lang(lang), seed=seed)
    models = {size: make_gpt(size, data.tokenizer.vocab_size, seed=seed) for size in sizes}
    block = next(iter(models.values())).config.block_size
    per_step = {size: model.flops_per_token() * batch_size * block for size, model in models.items()}
    budget = max(per_step.values()) * budget_steps_largest
    runs = []
    for size, model in models.items():
        steps = max(1, int(budget // per_step[size]))
        run = ScalingRun(size, model.num_parameters(), per_step[size], steps)
        config = TrainConfig(
            max_iters=steps,
            batch_size=batch_size,
            learning_rate=3e-3,
            min_lr=3e-4,
            warmup_iters=min(50, steps // 10),
            eval_interval=max(1, steps // evaluations),
            eval_iters=8,
            seed=seed,
        )
        started = time.perf_counter()

        def record(progress, run=run) -> None:  # noqa: ANN001
            if progress.val_loss is not None:
                run.points.append((progress.step * run.flops_per_step, float(progress.val_loss)))

        train(model, data.train_ids, data.val_ids, config, callback=record)
        run.seconds = time.perf_counter() - started
        runs.append(run)
        if log:
            log(
                f"scaling {size}: {run.parameters} params, {steps} steps, final {run.points[-1][1]:.3f}, "
                f"{run.seconds:.0f}s"
            )
    return summarise_scaling(runs, budget)


def compute_frontier(runs: Sequence[ScalingRun]) -> list[tuple[float, float]]:
    """The lowest loss reached at each compute so far, over all sizes (the envelope)."""
    points = sorted(p for run in runs for p in run.points)
    frontier, best = [], float("inf")
    for compute, loss in points:
        if loss < best:
            frontier.append((compute, loss))
            best = loss
    return frontier


def summarise_scaling(runs: Sequence[ScalingRun], budget: float) -> dict:
    frontier = compute_frontier(runs)
    a_c, b_c = fit_power_law([c for c, _ in frontier], [loss for _, loss in frontier])
    a_n, b_n = fit_power_law([r.parameters for r in runs], [r.points[-1][1] for r in runs])
    return {
        "budget_flops": budget,
        "runs": [
            {
                "size": r.size,
                "parameters": r.parameters,
                "steps": r.steps,
                "seconds": round(r.seconds, 1),
                "points": [[c, round(loss, 4)] for c, loss in r.points],
            }
            for r in runs
        ],
        "frontier": [[c, round(loss, 4)] for c, loss in frontier],
        "fit_compute": {"a": a_c, "b": b_c},
        "fit_parameters": {"a": a_n, "b": b_n},
    }


# --------------------------------------------------------------------------- all defaults


def method_summary(probs: np.ndarray, gold: Sequence[str]) -> dict:
    ev = evaluate(list(gold), predictions(probs), LABELS)
    return {"weighted_f1": round(ev.weighted_f1, 4), "accuracy": round(ev.accuracy, 4), "confusion": ev.confusion}


def compute_results(
    langs: Sequence[str],
    seed: int = 1337,
    quick: bool = False,
    log: Callable[[str], None] | None = None,
    smollm2: tuple | None = None,
    include_gpt: bool = True,
    modes: Sequence[str] = ("zero", "one", "per_class", "few"),
) -> dict:
    """Every default result of the chapter (see ``scripts/train_ch8.py``)."""
    log = log or (lambda message: None)
    out: dict = {}
    for lang in langs:
        model, tokenizer = load_base(lang)
        scorer = GPTScorer(model, tokenizer)
        train_split, test_split = sentiment_splits(lang)
        gold = [label for _, label in test_split]
        entry: dict = {"gold": gold, "methods": {}}
        scorers = ([("gpt", scorer)] if include_gpt else []) + ([("smollm2", smollm2[0])] if smollm2 else [])
        for model_key, active in scorers:
            for mode in modes:
                started = time.perf_counter()
                outcome = prompt_probs(active, lang, mode)
                entry["methods"][f"{model_key}:{mode}"] = {
                    "probs": np.round(outcome.probs, 4).tolist(),
                    "content_free": np.round(outcome.content_free, 4).tolist(),
                    "examples": outcome.examples,
                    "seconds": round(time.perf_counter() - started, 2),
                }
                log(f"[{lang}] {model_key}:{mode} F1 {method_summary(outcome.probs, gold)['weighted_f1']}")
        if not include_gpt:
            out[_lang(lang)] = entry
            continue
        config = FinetuneConfig(steps=30 if quick else 150, seed=seed)
        own, result = finetune_sentiment(model, tokenizer, lang, config)
        outcome = prompt_probs(GPTScorer(own, tokenizer), lang, "zero")
        entry["methods"]["gpt:finetuned"] = {
            "probs": np.round(outcome.probs, 4).tolist(),
            "content_free": np.round(outcome.content_free, 4).tolist(),
            "examples": [],
            "losses": [round(loss, 4) for _, loss in result.losses],
            "seconds": round(result.train_time_s, 2),
        }
        log(f"[{lang}] gpt:finetuned F1 {method_summary(outcome.probs, gold)['weighted_f1']}")
        tuned, tune_result = instruction_tune(
            model, tokenizer, lang, FinetuneConfig(steps=30 if quick else 150, seed=seed)
        )
        _, held = split_pairs(_lang(lang))
        before = answer_questions(model, tokenizer, held)
        after = answer_questions(tuned, tokenizer, held)
        entry["instruction"] = {
            "questions": [p.question for p in held],
            "expected": [p.answer.strip() for p in held],
            "before": before,
            "after": after,
            "losses": [round(loss, 4) for _, loss in tune_result.losses],
        }
        log(
            f"[{lang}] instruction: before {sum(map(is_correct, before, entry['instruction']['expected']))} "
            f"after {sum(map(is_correct, after, entry['instruction']['expected']))} of {len(held)}"
        )
        out[_lang(lang)] = entry
    return out
