"""What ``train_encoder.py`` and ``train_encoder_decoder.py`` share: the toy-world sentences
with the tiny GPT's tokenizer plus the special tokens, the training loop (AdamW, warm-up and
cosine decay, gradient clipping, a held-out report six times a run), the checkpoint folder
with its meta, and the command line. Each script keeps only what its model family does
differently: the model, its examples, its scores.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_gpt import MODELS, corpus_digest, load_sentences, split_sentences  # noqa: E402

from lm_core.core.paths import CHECKPOINT_DIR  # noqa: E402
from lm_core.core.seeding import seed_everything  # noqa: E402
from lm_core.models.encoder import save_folder  # noqa: E402
from lm_core.tokenizers.lm import load_tokenizer  # noqa: E402
from lm_core.tokenizers.special import SpecialTokenizer  # noqa: E402
from lm_core.train.loop import TrainConfig, learning_rate_at, make_optimizer  # noqa: E402

BLOCK_SIZE = 64


def tokenized(tokenizer: SpecialTokenizer, sentences: list[str], block_size: int) -> list[list[int]]:
    rows = [tokenizer.base.encode_known(s) for s in sentences]
    return [row for row in rows if 2 <= len(row) <= block_size - 3]


@dataclass
class ToyData:
    """One language's toy-world corpus, split and tokenized (the tiny GPT's split and tokenizer)."""

    corpus: str
    sentences: list[str]
    tokenizer: SpecialTokenizer
    train_ids: list[list[int]]
    val_ids: list[list[int]]


def toy_data(lang: str, seed: int) -> ToyData:
    """Seeds everything, then the corpus, its split and the tokenizer with the special tokens."""
    seed_everything(seed)
    corpus = MODELS[lang]["corpus"]
    sentences = load_sentences(corpus, None)
    train_text, val_text = split_sentences(sentences, seed)
    tokenizer = SpecialTokenizer(load_tokenizer(CHECKPOINT_DIR / f"gpt_toy_{lang}" / "tokenizer.json"))
    return ToyData(corpus, sentences, tokenizer, tokenized(tokenizer, train_text, BLOCK_SIZE),
                   tokenized(tokenizer, val_text, BLOCK_SIZE))


def train(
    lang: str,
    model: torch.nn.Module,
    data: ToyData,
    args: argparse.Namespace,
    max_iters: int,
    batch_loss: Callable[[random.Random], tuple[torch.Tensor, tuple]],
    report: Callable[[tuple], str],
) -> tuple[torch.Tensor, float]:
    """``max_iters`` steps of ``batch_loss(rng)`` (the loss and what ``report`` shows of it; the
    rng is seeded with ``args.seed``). ``report(parts)`` is the line's middle, six times a run.
    Returns the last loss and the start time (``time.perf_counter``)."""
    schedule = TrainConfig(max_iters=max_iters, learning_rate=args.lr, min_lr=args.lr / 10, warmup_iters=100)
    optimizer = make_optimizer(model, schedule)
    rng = random.Random(args.seed)
    print(
        f"[{lang}] {len(data.train_ids)} train / {len(data.val_ids)} val sentences, vocab {data.tokenizer.vocab_size}, "
        f"{model.num_parameters():,} parameters",
        flush=True,
    )
    torch.set_num_threads(args.threads)
    model.train()
    started = time.perf_counter()
    for step in range(1, max_iters + 1):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step - 1, schedule)
        loss, parts = batch_loss(rng)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % max(1, max_iters // 6) == 0 or step == max_iters:
            print(f"[{lang}] step {step:5d}  {report(parts)}  {time.perf_counter() - started:.0f}s", flush=True)
    model.eval().requires_grad_(False)
    return loss, started


def save(
    lang: str,
    folder_prefix: str,
    model: torch.nn.Module,
    data: ToyData,
    args: argparse.Namespace,
    max_iters: int,
    loss: torch.Tensor,
    scores: dict,
    started: float,
    script: str,
) -> dict:
    """The checkpoint folder (``args.out``, else ``assets/checkpoints/{folder_prefix}_{lang}``)
    with the run's meta; returns the meta."""
    meta = {
        "corpus": data.corpus,
        "corpus_sha256": corpus_digest(data.sentences),
        "seed": args.seed,
        "max_iters": max_iters,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "final_train_loss": round(loss.item(), 4),
        **{name: round(value, 4) for name, value in scores.items()},
        "train_time_s": round(time.perf_counter() - started, 1),
        "parameters": model.num_parameters(),
        "trained_by": script,
    }
    out = Path(args.out) if args.out else CHECKPOINT_DIR / f"{folder_prefix}_{lang}"
    save_folder(out, model, data.tokenizer, meta)
    size_kb = sum(p.stat().st_size for p in out.iterdir()) / 1024
    print(f"[{lang}] {meta} -> {out} ({size_kb:.0f} KB)", flush=True)
    return meta


def main(
    doc: str,
    iters: dict[str, int],
    train_one: Callable[[str, argparse.Namespace], dict],
    argv: list[str] | None,
    *,
    batch_size: int,
    lr: float,
    layers: int,
) -> None:
    """The shared command line; ``train_one(lang, args)`` for each language asked for."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(iters))
    parser.add_argument("--max-iters", type=int)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--layers", type=int, default=layers)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    for lang in [args.only] if args.only else list(iters):
        train_one(lang, args)
