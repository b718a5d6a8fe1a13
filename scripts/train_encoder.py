"""Train the shipped tiny encoders (``assets/checkpoints/encoder_toy_en``, ``encoder_toy_zh``).

Masked language modelling (15 % of tokens, 80/10/10) and next-sentence prediction on the
toy-world corpora, with the tiny GPT's own tokenizer plus [CLS]/[SEP]/[MASK]/[PAD]
(see lm_core.models.encoder). Usage (from the repository root)::

    nice -n 10 .venv/bin/python scripts/train_encoder.py            # both languages
    nice -n 10 .venv/bin/python scripts/train_encoder.py --only en --max-iters 50 --out /tmp/enc

Reproducible from ``--seed``. Prints held-out MLM top-1 accuracy and NSP accuracy.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_gpt import MODELS, corpus_digest, load_sentences, split_sentences  # noqa: E402

from lm_core.core.paths import CHECKPOINT_DIR  # noqa: E402
from lm_core.core.seeding import seed_everything  # noqa: E402
from lm_core.models import encoder as enc  # noqa: E402
from lm_core.tokenizers.lm import load_tokenizer  # noqa: E402
from lm_core.tokenizers.special import SpecialTokenizer  # noqa: E402
from lm_core.train.loop import TrainConfig, learning_rate_at, make_optimizer  # noqa: E402

ITERS = {"en": 3000, "zh": 3000}


def tokenized(tokenizer: SpecialTokenizer, sentences: list[str], block_size: int) -> list[list[int]]:
    rows = [tokenizer.base._encode_known(tokenizer.base._prepare(s)) for s in sentences]
    return [row for row in rows if 2 <= len(row) <= block_size - 3]


@torch.no_grad()
def evaluate(model: enc.Encoder, batches: list[dict]) -> dict[str, float]:
    model.eval()
    mlm_loss = correct = total = nsp_correct = nsp_total = 0.0
    for batch in batches:
        logits, nsp = model(batch["ids"], batch["segments"], batch["padding"])
        chosen = batch["targets"] != enc.IGNORE
        mlm_loss += torch.nn.functional.cross_entropy(logits[chosen], batch["targets"][chosen], reduction="sum").item()
        correct += (logits[chosen].argmax(-1) == batch["targets"][chosen]).sum().item()
        total += chosen.sum().item()
        labelled = batch["nsp"] != enc.IGNORE
        nsp_correct += (nsp[labelled].argmax(-1) == batch["nsp"][labelled]).sum().item()
        nsp_total += labelled.sum().item()
    model.train()
    return {"mlm_loss": mlm_loss / total, "mlm_top1": correct / total, "nsp_accuracy": nsp_correct / max(1, nsp_total)}


def make_batches(sentences: list[list[int]], tokenizer: SpecialTokenizer, rng: random.Random, n: int, size: int):
    return [
        enc.collate(
            [enc.training_example(sentences, rng.randrange(len(sentences)), tokenizer, rng) for _ in range(size)],
            tokenizer.pad_id,
        )
        for _ in range(n)
    ]


def train_one(lang: str, args: argparse.Namespace) -> dict:
    seed_everything(args.seed)
    corpus = MODELS[lang]["corpus"]
    sentences = load_sentences(corpus, None)
    train_text, val_text = split_sentences(sentences, args.seed)
    # The tiny GPT's tokenizer (trained on the same split), plus the special tokens.
    tokenizer = SpecialTokenizer(load_tokenizer(CHECKPOINT_DIR / f"gpt_toy_{lang}" / "tokenizer.json"))
    config = enc.EncoderConfig(
        vocab_size=tokenizer.vocab_size,
        block_size=64,
        n_layer=args.layers,
        n_head=4,
        n_embd=args.width,
        dropout=args.dropout,
    )
    train_ids = tokenized(tokenizer, train_text, config.block_size)
    val_ids = tokenized(tokenizer, val_text, config.block_size)
    torch.manual_seed(args.seed)
    model = enc.Encoder(config)
    max_iters = args.max_iters or ITERS[lang]
    schedule = TrainConfig(max_iters=max_iters, learning_rate=args.lr, min_lr=args.lr / 10, warmup_iters=100)
    optimizer = make_optimizer(model, schedule)
    rng = random.Random(args.seed)
    val_batches = make_batches(val_ids, tokenizer, random.Random(args.seed + 1), 20, 50)
    print(
        f"[{lang}] {len(train_ids)} train / {len(val_ids)} val sentences, vocab {tokenizer.vocab_size}, "
        f"{model.num_parameters():,} parameters",
        flush=True,
    )
    torch.set_num_threads(args.threads)
    model.train()
    started = time.perf_counter()
    for step in range(1, max_iters + 1):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step - 1, schedule)
        batch = make_batches(train_ids, tokenizer, rng, 1, args.batch_size)[0]
        loss, mlm, nsp = model.loss(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % max(1, max_iters // 6) == 0 or step == max_iters:
            scores = evaluate(model, val_batches)
            print(
                f"[{lang}] step {step:5d}  train mlm {mlm.item():.3f} nsp {nsp.item():.3f}  "
                f"val mlm {scores['mlm_loss']:.3f} top1 {scores['mlm_top1']:.3f} nsp acc {scores['nsp_accuracy']:.3f}  "
                f"{time.perf_counter() - started:.0f}s",
                flush=True,
            )
    model.eval().requires_grad_(False)
    scores = evaluate(model, val_batches)
    meta = {
        "corpus": corpus,
        "corpus_sha256": corpus_digest(sentences),
        "seed": args.seed,
        "max_iters": max_iters,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "final_train_loss": round(loss.item(), 4),
        "val_mlm_loss": round(scores["mlm_loss"], 4),
        "val_mlm_top1": round(scores["mlm_top1"], 4),
        "val_nsp_accuracy": round(scores["nsp_accuracy"], 4),
        "train_time_s": round(time.perf_counter() - started, 1),
        "parameters": model.num_parameters(),
        "trained_by": "scripts/train_encoder.py",
    }
    out = Path(args.out) if args.out else CHECKPOINT_DIR / f"encoder_toy_{lang}"
    enc.save_folder(out, model, tokenizer, meta)
    size_kb = sum(p.stat().st_size for p in out.iterdir()) / 1024
    print(f"[{lang}] {meta} -> {out} ({size_kb:.0f} KB)", flush=True)
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(ITERS))
    parser.add_argument("--max-iters", type=int)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    for lang in [args.only] if args.only else list(ITERS):
        train_one(lang, args)


if __name__ == "__main__":
    main()
