"""Training and measuring the English -> Dutch encoder-decoders of chapter 4.

* :func:`build_translator` makes an untrained model with vocabularies built from the pairs;
* :func:`train_translator` trains it with teacher forcing (Adam, gradient clipping), with a
  progress callback and a way to stop; randomness (initial weights, batch order) comes from
  the seed;
* :func:`heldout_pairs` draws fresh pairs from the toy world's grammar with another seed,
  keeping only English sentences the training pairs do not contain, up to a number per
  source-length bucket (the corpus alone has few long sentences);
* :func:`evaluate_by_length` measures exact match and word accuracy per bucket.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from lm_core.core.once import once
from lm_core.data.corpora import load_corpus
from lm_core.data.toyworld import generate_toy_en_nl
from lm_core.models.seq2seq import (
    BOS_ID,
    EOS_ID,
    Seq2Seq,
    Seq2SeqConfig,
    Translator,
    Vocab,
    dutch_words,
    english_words,
    pad_batch,
)

# Source-length buckets (English words), inclusive. The toy pairs have 3 to 21 words.
BUCKETS: tuple[tuple[int, int], ...] = ((3, 5), (6, 8), (9, 11), (12, 14), (15, 17), (18, 21))
HELDOUT_SEED = 404


@dataclass(frozen=True)
class Seq2SeqTrainConfig:
    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 3e-3
    min_lr: float = 3e-4
    grad_clip: float = 1.0
    seed: int = 1337
    max_pairs: int | None = None  # train on the first N shuffled pairs only (quick runs)


@dataclass
class Seq2SeqProgress:
    step: int
    total_steps: int
    epoch: int
    loss: float
    elapsed_s: float


@dataclass
class Seq2SeqTrainResult:
    steps: int
    train_time_s: float
    final_loss: float
    losses: list[float] = field(default_factory=list)  # mean loss per epoch
    stopped_early: bool = False


def word_pairs(pairs: Sequence[tuple[str, str]]) -> list[tuple[list[str], list[str]]]:
    return [(english_words(en), dutch_words(nl)) for en, nl in pairs]


def build_translator(pairs: Sequence[tuple[str, str]], attention: bool, seed: int, **sizes: int) -> Translator:
    """An untrained model (weights from ``seed``) with vocabularies of ``pairs``."""
    words = word_pairs(pairs)
    src_vocab = Vocab.build(en for en, _ in words)
    tgt_vocab = Vocab.build(nl for _, nl in words)
    config = Seq2SeqConfig(len(src_vocab), len(tgt_vocab), attention=attention, **sizes)
    with torch.random.fork_rng(devices=[]):  # the server's global stream stays untouched
        torch.manual_seed(seed)
        model = Seq2Seq(config)
    return Translator(model, src_vocab, tgt_vocab)


def _batches(encoded: list[tuple[list[int], list[int]]], batch_size: int, rng: random.Random):
    order = list(range(len(encoded)))
    rng.shuffle(order)
    for start in range(0, len(order), batch_size):
        chunk = [encoded[i] for i in order[start : start + batch_size]]
        src, lengths = pad_batch([s for s, _ in chunk])
        tgt_in, _ = pad_batch([[BOS_ID, *t] for _, t in chunk])
        tgt_out, _ = pad_batch([[*t, EOS_ID] for _, t in chunk])
        yield src, lengths, tgt_in, tgt_out


def train_translator(
    translator: Translator,
    pairs: Sequence[tuple[str, str]],
    config: Seq2SeqTrainConfig,
    callback: Callable[[Seq2SeqProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Seq2SeqTrainResult:
    """Train ``translator.model`` in place on ``pairs`` (teacher forcing); leaves it in eval mode."""
    model = translator.model
    rng = random.Random(config.seed)
    encoded = [(translator.src_vocab.encode(en), translator.tgt_vocab.encode(nl)) for en, nl in word_pairs(pairs)]
    rng.shuffle(encoded)
    if config.max_pairs:
        encoded = encoded[: config.max_pairs]
    per_epoch = -(-len(encoded) // config.batch_size)
    total = per_epoch * config.epochs
    model.requires_grad_(True)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, total), eta_min=config.min_lr)
    model.train()
    step, elapsed, losses, stopped, loss_value = 0, 0.0, [], False, float("nan")
    for epoch in range(1, config.epochs + 1):
        epoch_losses = []
        for src, lengths, tgt_in, tgt_out in _batches(encoded, config.batch_size, rng):
            started = time.perf_counter()
            loss = model.loss(src, lengths, tgt_in, tgt_out)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            schedule.step()
            elapsed += time.perf_counter() - started
            step += 1
            loss_value = float(loss.item())
            epoch_losses.append(loss_value)
            if callback is not None:
                callback(Seq2SeqProgress(step, total, epoch, loss_value, elapsed))
            if should_stop is not None and should_stop():
                stopped = True
                break
        losses.append(sum(epoch_losses) / max(1, len(epoch_losses)))
        if stopped:
            break
    model.eval().requires_grad_(False)
    return Seq2SeqTrainResult(step, elapsed, loss_value, losses, stopped)


def bucket_of(length: int) -> int | None:
    for i, (low, high) in enumerate(BUCKETS):
        if low <= length <= high:
            return i
    return None


@once(maxsize=4)
def heldout_pairs(per_bucket: int = 100, seed: int = HELDOUT_SEED) -> tuple[tuple[str, str], ...]:
    """Fresh pairs from the toy world's grammar, none of whose English sentences is in the
    shipped training pairs, at most ``per_bucket`` per source-length bucket (in drawing order)."""
    seen = {en for en, _ in load_corpus("toy_en_nl").pairs}
    counts = [0] * len(BUCKETS)
    kept: list[tuple[str, str]] = []
    for en, nl in generate_toy_en_nl(seed=seed, n_pairs=40000):
        if en in seen:
            continue
        bucket = bucket_of(len(english_words(en)))
        if bucket is None or counts[bucket] >= per_bucket:
            continue
        counts[bucket] += 1
        kept.append((en, nl))
    return tuple(kept)


def evaluate_by_length(translator: Translator, pairs: Sequence[tuple[str, str]]) -> list[dict]:
    """Per source-length bucket: number of pairs, exact match (the whole translation right)
    and word accuracy (share of the reference's words the output has at the same position;
    a missing or extra word counts as wrong)."""
    words = word_pairs(pairs)
    outputs = translator.translate_batch([en for en, _ in words])
    rows = [{"low": low, "high": high, "n": 0, "exact": 0, "correct": 0, "words": 0} for low, high in BUCKETS]
    for (en, nl), out in zip(words, outputs, strict=True):
        bucket = bucket_of(len(en))
        if bucket is None:
            continue
        row = rows[bucket]
        row["n"] += 1
        row["exact"] += out == nl
        row["correct"] += sum(a == b for a, b in zip(out, nl, strict=False))
        row["words"] += max(len(nl), len(out))
    return [
        {
            "low": row["low"],
            "high": row["high"],
            "n": row["n"],
            "exact_match": row["exact"] / row["n"] if row["n"] else None,
            "word_accuracy": row["correct"] / row["words"] if row["words"] else None,
        }
        for row in rows
    ]


@once(maxsize=1)
def _references() -> dict[str, str]:
    return {en: nl for en, nl in (*load_corpus("toy_en_nl").pairs, *heldout_pairs())}


def reference_for(sentence: str) -> str | None:
    """The grammar's Dutch translation of ``sentence`` when it is one of the toy pairs
    (training or held-out), else None."""
    return _references().get(" ".join(sentence.split()))


@dataclass(frozen=True)
class QuickRun:
    """A learner's small training run of both models (the chapter's "train your own")."""

    n_pairs: int = 4000
    epochs: int = 2
    hidden_dim: int = 64
    embed_dim: int = 32
    seed: int = 42
    learning_rate: float = 1e-2  # higher than the shipped run's: a few passes must be enough


def train_and_measure(
    run: QuickRun,
    callback: Callable[[str, Seq2SeqProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    """Train a plain and an attention model with the same settings and seed, measure both
    on the held-out pairs. Returns ``{"plain": rows, "attention": rows, "seconds": s,
    "losses": {kind: per-epoch losses}}``; the models themselves are dropped."""
    pairs = load_corpus("toy_en_nl").pairs
    config = Seq2SeqTrainConfig(
        epochs=run.epochs,
        batch_size=64,
        learning_rate=run.learning_rate,
        min_lr=run.learning_rate / 10,
        seed=run.seed,
        max_pairs=run.n_pairs,
    )
    started = time.perf_counter()
    out: dict = {"losses": {}, "stopped_early": False}
    for kind in ("plain", "attention"):
        translator = build_translator(
            pairs, attention=kind == "attention", seed=run.seed, embed_dim=run.embed_dim, hidden_dim=run.hidden_dim
        )

        def report(progress: Seq2SeqProgress, kind: str = kind) -> None:
            if callback is not None:
                callback(kind, progress)

        result = train_translator(translator, pairs, config, callback=report, should_stop=should_stop)
        out["losses"][kind] = result.losses
        out["stopped_early"] |= result.stopped_early
        out[kind] = evaluate_by_length(translator, heldout_pairs())
    out["seconds"] = time.perf_counter() - started
    return out


# --------------------------------------------------------------------------- chapter 4's page: the quick run as a job

RUN_KINDS = ("plain", "attention")  # trained in this order by train_and_measure
REPORT_EVERY = 4  # steps between two progress reports of a quick run (every one is kept for replays)


def quick_run_job(run: QuickRun, progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """A learner's quick run as a job of the shared queue (``functools.partial(quick_run_job,
    run)``): both models trained and measured, plain numbers out (see :func:`train_and_measure`).
    Reports ``{"kind", "step", "total", "loss"}`` every few steps and at each model's last step."""
    from lm_core.core.device import training_threads

    last = {"step": 0}

    def report(kind: str, p: Seq2SeqProgress) -> None:
        if p.step - last["step"] >= REPORT_EVERY or p.step == p.total_steps:
            last["step"] = 0 if p.step == p.total_steps else p.step
            progress({"kind": kind, "step": p.step, "total": p.total_steps, "loss": p.loss})

    with training_threads():
        return train_and_measure(run, callback=report, should_stop=should_stop)


def quick_run_share(report: dict) -> float:
    """How much of a quick run a progress report says is done (0 to 1): the plain model
    is the first half, the attention model the second."""
    done = (RUN_KINDS.index(report["kind"]) + report["step"] / max(report["total"], 1)) / len(RUN_KINDS)
    return min(1.0, done)


# --------------------------------------------------------------------------- chapter 4's page: reading a translation


def strongest_source(weights: Sequence[float]) -> tuple[int, float]:
    """The source position an output step attends to most, and its weight (first on ties)."""
    best = max(range(len(weights)), key=weights.__getitem__)
    return best, float(weights[best])


def words_changed(original: Sequence[str], forced: Sequence[str]) -> int:
    """Output words that differ position by position, plus the difference in length."""
    return sum(a != b for a, b in zip(original, forced, strict=False)) + abs(len(original) - len(forced))


def pairs_measured(rows: Sequence[dict]) -> int:
    """How many held-out pairs a by-length measurement covers (its buckets' ``n`` summed)."""
    return sum(row["n"] for row in rows)


def speedup(recurrent_s: float, parallel_s: float) -> float:
    """How many times faster the parallel computation was than the recurrent one."""
    return recurrent_s / max(parallel_s, 1e-9)
