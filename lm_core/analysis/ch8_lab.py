"""Chapter 8's experiments, each one function a page or a script can call.

* the chapter's base GPTs (``assets/checkpoints/ch8_base_{en,zh}``), loaded read-only;
* :func:`prompt_probs`: a prompting method's label probabilities on the test split
  (with the content-free probabilities for calibration);
* :func:`finetune_sentiment`: the base GPT fine-tuned on the training split by
  label-word prediction, then scored with the zero-shot prompt;
* :func:`instruction_tune` and :func:`answer_questions`: instruction tuning on the
  toy world's facts, and greedy answers to held-out questions before and after;
* :func:`scaling_sweep`: several model sizes trained for the same compute;
* :func:`compute_results`: all the default results, for ``scripts/train_ch8.py``;
* what the page shows of them: :func:`load_results`, :func:`evaluate_methods` (every
  method's scores, calibrated or not: the one place the weighted F1 is computed),
  :func:`report_rows`, :func:`tally` of the instruction answers;
* the page's queue jobs, :func:`pretraining_job` and :func:`tuning_job`: module-level
  functions (a worker process can receive them as ``functools.partial``) that load what
  they need themselves and return plain data.

Every training function works on a copy (:func:`lm_core.train.finetune.trainable_copy`):
a shared model is never changed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from lm_core.analysis.evaluation import Evaluation, evaluate, fit_power_law
from lm_core.analysis.prompting import (
    LABELS,
    MAX_EXAMPLES,
    MODES,
    ChatScorer,
    GPTScorer,
    build_prompt,
    calibrate,
    content_free_probs,
    pick_examples,
    predictions,
    score_texts,
)
from lm_core.core.device import inference_threads, training_threads
from lm_core.core.errors import InputError
from lm_core.core.paths import ASSETS_DIR, CHECKPOINT_DIR
from lm_core.core.text import decode_upload
from lm_core.data.corpora import load_corpus
from lm_core.data.instructions import InstructionPair, split_pairs
from lm_core.decoding.generation import SamplingSettings, generate
from lm_core.models.checkpoints import load_checkpoint
from lm_core.train.finetune import FinetuneConfig, encode_pairs, finetune, trainable_copy
from lm_core.train.loop import TrainConfig, train
from lm_core.train.pretrain import MODEL_SIZES, make_gpt, prepare_data, pretrain, upload_sentences

BASE_NAME = "ch8_base_{lang}"
RESULTS_FILE = ASSETS_DIR / "results" / "ch8_results.json"


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


def open_model_scorer(model, tokenizer) -> ChatScorer:  # noqa: ANN001 - Llama, HFTokenizer
    """An administrator's model (lm_core.models.open_model) as a scorer: its own chat template
    wraps the prompt as SmolLM2's does; a model without one is prompted with the plain text."""
    scorer = ChatScorer(model, tokenizer)
    if not tokenizer.has_chat:
        scorer.chat = None  # build_prompt then writes the prompt as for the tiny GPT
    return scorer


def open_model_prompt_job(source: str, lang: str, mode: str, shots: tuple[int, ...],
                          progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """A configured model prompted on the test split, in a worker of the shared queue (picklable
    with ``functools.partial``; the model is opened in the worker from its ``source``).
    Returns the method's entry as chapter 8 keeps it: probabilities, content-free ones, examples."""
    from lm_core.models.open_model import open_model

    model, tokenizer = open_model(source)

    def report(done: int, total: int) -> None:
        progress({"done": done, "total": total})
        if should_stop():
            raise InputError("jobs.cancelled")

    with inference_threads():
        outcome = prompt_probs(open_model_scorer(model, tokenizer), lang, mode,
                               chosen=list(shots) if mode in ("few", "one") else None, progress=report)
    return {"probs": outcome.probs, "content_free": outcome.content_free, "examples": list(outcome.examples)}


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


def tally(answers: Sequence[str], pairs: Sequence[InstructionPair], lang: str) -> dict[str, int]:
    """How many ``answers`` to ``pairs`` are right, how many name a fact of the asked kind
    (right or not), out of how many: the score line above the instruction table."""
    return {
        "right": sum(is_correct(a, p.answer) for a, p in zip(answers, pairs, strict=True)),
        "kind": sum(is_right_kind(a, p, lang) for a, p in zip(answers, pairs, strict=True)),
        "total": len(pairs),
    }


def marked(answer: str, expected: str) -> str:
    """An answer as the table shows it: ✓ or ✗ in front, ∅ for an empty answer."""
    return ("✓ " if is_correct(answer, expected) else "✗ ") + (answer if answer else "∅")


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
    ev = evaluate_probs(gold, probs)
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


# --------------------------------------------------------------------------- what the page shows

#: The methods in the order the story chart shows them: fine-tuned first, then each model's prompts.
METHOD_ORDER: tuple[str, ...] = (
    "gpt:finetuned",
    "gpt:finetuned_own",
    "gpt:zero",
    "gpt:one",
    "gpt:per_class",
    "gpt:few",
    "smollm2:zero",
    "smollm2:one",
    "smollm2:per_class",
    "smollm2:few",
)
#: How a method adapts the model (the story chart's colours and the first question's answers).
METHOD_KINDS: tuple[str, ...] = ("finetune", "prompt_gpt", "prompt_llm")


def load_results(path: Path = RESULTS_FILE) -> dict:
    """The measured results every learner sees first (written by ``scripts/train_ch8.py``);
    empty before they exist."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def shipped_methods(results: Mapping, lang: str) -> dict[str, dict]:
    """The measured methods for a data set: ``{"gpt:zero": {"probs", "content_free", "examples"}, ...}``."""
    return dict(results.get(_lang(lang), {}).get("methods", {}))


def all_methods(results: Mapping, lang: str, own: Mapping[str, dict]) -> dict[str, dict]:
    """Every method's test probabilities: the shipped ones, then the learner's own runs
    (``own``; one of them replaces a shipped method of the same name)."""
    methods = shipped_methods(results, lang)
    methods.update(own)
    return methods


def method_kind(key: str) -> str:
    """How method ``key`` adapts the model: "finetune", "prompt_gpt" (the tiny GPT prompted)
    or "prompt_llm" (SmolLM2, or a model the administrator added, prompted)."""
    if key.endswith("finetuned") or key.endswith("finetuned_own"):
        return "finetune"
    return "prompt_gpt" if key.startswith("gpt:") else "prompt_llm"  # SmolLM2 or a configured model


def apply_calibration(entry: Mapping, calibrated: bool) -> np.ndarray:
    """A method's label probabilities (n, 3), divided by its content-free ones when
    ``calibrated`` and the method has them."""
    probs = np.asarray(entry["probs"], dtype=float)
    if calibrated and entry.get("content_free") is not None and not entry.get("no_calibration"):
        return calibrate(probs, np.asarray(entry["content_free"], dtype=float))
    return probs


def method_probs(key: str, entry: Mapping, calibrated: bool) -> np.ndarray:
    """The probabilities the page shows for method ``key``. Calibration is for prompts only:
    a fine-tuned model learnt its label words, it has no prompt bias to divide out."""
    return apply_calibration(entry, calibrated and method_kind(key) != "finetune")


def evaluate_probs(gold: Sequence[str], probs: np.ndarray) -> Evaluation:
    """Scores of label probabilities against the gold labels (the likeliest label is the answer)."""
    return evaluate(list(gold), predictions(probs), LABELS)


def evaluate_methods(methods: Mapping[str, Mapping], gold: Sequence[str], calibrated: bool) -> dict[str, Evaluation]:
    """Every method's scores (weighted F1, accuracy, confusion, report), in ``methods``' order:
    the story chart, its question and the side-by-side results all read these."""
    return {key: evaluate_probs(gold, method_probs(key, entry, calibrated)) for key, entry in methods.items()}


def story_order(methods: Mapping[str, object]) -> list[str]:
    """The keys of ``methods`` that the story chart shows, in its order."""
    shipped = [key for key in METHOD_ORDER if key in methods]
    # then a configured model's prompting methods ("<its name>:zero", ...), in the order they ran
    return shipped + [key for key in methods if key not in METHOD_ORDER and key.partition(":")[2] in MODES]


def majority_baseline(gold: Sequence[str]) -> tuple[float, float]:
    """``(weighted F1, accuracy)`` of always answering the commonest label: the bar to beat."""
    gold = list(gold)
    counts = [gold.count(label) for label in LABELS]
    commonest = LABELS[int(np.argmax(counts))]
    return evaluate(gold, [commonest] * len(gold), LABELS).weighted_f1, max(counts) / len(gold)


def report_rows(evaluation: Evaluation) -> list[dict]:
    """The classification report as table rows, each label then ``"weighted avg"``, rounded as shown:
    ``{"label", "precision", "recall", "f1", "support"}``."""
    rows = []
    for label in (*evaluation.labels, "weighted avg"):
        values = evaluation.report[label]
        rows.append(
            {
                "label": label,
                "precision": round(values["precision"], 3),
                "recall": round(values["recall"], 3),
                "f1": round(values["f1-score"], 3),
                "support": int(values["support"]),
            }
        )
    return rows


def parse_shots(text: str | None, n_train: int) -> list[int]:
    """Example indices from a link (``"3,17,5"``): junk, repeats and out-of-range values are
    dropped, at most :data:`MAX_EXAMPLES` kept."""
    picked: list[int] = []
    for piece in str(text or "").split(","):
        piece = piece.strip()
        if piece.isdigit() and int(piece) < n_train and int(piece) not in picked:
            picked.append(int(piece))
    return picked[:MAX_EXAMPLES]


# --------------------------------------------------------------------------- uploads


def upload_digest(raw: bytes) -> str:
    """A short fingerprint of an uploaded file: the same file uploaded twice is one training run."""
    return hashlib.sha256(raw).hexdigest()[:16]


def corpus_sentences(corpus: str, upload: bytes | None = None) -> tuple[list[str], str, str | None]:
    """``(sentences, language, fingerprint)`` of a pretraining corpus: a shipped corpus by name
    (fingerprint None), or ``"upload"`` with the uploaded file's bytes."""
    if corpus == "upload":
        if upload is None:
            raise InputError("errors.file.none_uploaded")
        sentences, lang = upload_sentences(decode_upload(upload))
        return sentences, lang, upload_digest(upload)
    shipped = load_corpus(corpus)
    return list(shipped.sentences), shipped.lang, None


# --------------------------------------------------------------------------- queue jobs
# Called as ``fn(*args, progress, should_stop)`` through ``functools.partial`` (see ui/jobs.py):
# module-level, so a worker process can receive them; they load what they need themselves and
# report and return plain data only.

TUNING_KINDS: tuple[str, ...] = ("instruct", "finetune")


def pretraining_job(
    sentences: Sequence[str],
    corpus_lang: str,
    size: str,
    steps: int,
    seed: int,
    progress: Callable[[dict], None],
    should_stop: Callable[[], bool],
) -> dict:
    """Pretrain a fresh GPT of ``size`` on ``sentences``.

    Reports ``{"kind": "prepared", "tokenizer", "tokens"}`` once the data is ready, then
    ``{"kind": "step", "step", "total", "loss"}`` every step; at each evaluation the report also
    holds the ``checkpoint`` and a copy of the weights (``state``), so a learner who stops keeps
    the model of the last checkpoint. Returns ``{"state": final weights, "stopped": bool}``.
    """
    data = prepare_data(list(sentences), corpus_lang, seed=seed)
    progress({"kind": "prepared", "tokenizer": data.tokenizer, "tokens": int(data.train_ids.numel())})

    def on_step(current, step) -> None:  # noqa: ANN001 (PretrainRun, Progress)
        report = {"kind": "step", "step": step.step, "total": step.max_iters, "loss": step.loss}
        if step.val_loss is not None:
            report["checkpoint"] = current.checkpoints[-1]
            report["state"] = {name: w.detach().clone() for name, w in current.model.state_dict().items()}
        progress(report)

    with training_threads():
        run = pretrain(data, size, steps, seed=seed, on_step=on_step, should_stop=should_stop)
    return {"state": run.model.state_dict(), "stopped": bool(run.result.stopped_early)}


def tuning_job(
    kind: str,
    lang: str,
    steps: int,
    seed: int,
    progress: Callable[[dict], None],
    should_stop: Callable[[], bool],
) -> dict:
    """Tune a copy of the base GPT: ``"instruct"`` (instruction tuning on the toy world's
    questions) or ``"finetune"`` (sentiment by label-word prediction). One loop, two data sets.

    Reports ``{"step", "total", "loss"}`` every step. Returns the loss history (``losses``),
    the training time (``seconds``) and what the page shows of the tuned model: its answers to
    the held-out questions (``after``) or its zero-shot probabilities on the test split (``probs``).
    """
    if kind not in TUNING_KINDS:
        raise ValueError(f"unknown tuning kind {kind!r}")
    model, tokenizer = load_base(lang)
    tune = instruction_tune if kind == "instruct" else finetune_sentiment
    with training_threads():
        tuned, result = tune(
            model,
            tokenizer,
            lang,
            FinetuneConfig(steps=steps, seed=seed),
            callback=lambda step, loss: progress({"step": step, "total": steps, "loss": loss}),
            should_stop=should_stop,
        )
    with inference_threads():
        if kind == "instruct":
            shown = {"after": answer_questions(tuned, tokenizer, split_pairs(_lang(lang))[1])}
        else:
            shown = {"probs": prompt_probs(GPTScorer(tuned, tokenizer), lang, "zero").probs}
    return {"losses": result.losses, "seconds": result.train_time_s, **shown}
