"""Train the shipped tiny encoder-decoders (``assets/checkpoints/encdec_toy_en``, ``encdec_toy_zh``).

Span corruption on the toy-world corpora (lm_core.models.encoder_decoder), with the tiny
GPT's tokenizer plus the sentinels <extra_id_0>... Usage (from the repository root)::

    nice -n 10 .venv/bin/python scripts/train_encoder_decoder.py            # both languages
    nice -n 10 .venv/bin/python scripts/train_encoder_decoder.py --only zh --max-iters 50 --out /tmp/ed

Reproducible from ``--seed``. Prints held-out loss, token accuracy and the exact-match rate of
greedy span reconstruction (one span hidden per held-out sentence).
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

from train_encoder import tokenized  # noqa: E402
from train_gpt import MODELS, corpus_digest, load_sentences, split_sentences  # noqa: E402

from lm_core.core.paths import CHECKPOINT_DIR  # noqa: E402
from lm_core.core.seeding import seed_everything  # noqa: E402
from lm_core.models import encoder_decoder as ed  # noqa: E402
from lm_core.models.encoder import IGNORE, save_folder  # noqa: E402
from lm_core.tokenizers.lm import load_tokenizer  # noqa: E402
from lm_core.tokenizers.special import SpecialTokenizer  # noqa: E402
from lm_core.train.loop import TrainConfig, learning_rate_at, make_optimizer  # noqa: E402

ITERS = {"en": 2000, "zh": 1500}


@torch.no_grad()
def evaluate(model: ed.EncoderDecoder, batches: list[dict]) -> dict[str, float]:
    model.eval()
    loss = correct = total = 0.0
    for batch in batches:
        logits = model(batch["source"], batch["target_in"], batch["source_padding"])
        keep = batch["target"] != IGNORE
        loss += torch.nn.functional.cross_entropy(logits[keep], batch["target"][keep], reduction="sum").item()
        correct += (logits[keep].argmax(-1) == batch["target"][keep]).sum().item()
        total += keep.sum().item()
    model.train()
    return {"loss": loss / total, "token_accuracy": correct / total}


def exact_match(
    model: ed.EncoderDecoder, tokenizer: SpecialTokenizer, sentences: list[list[int]], seed: int, n: int
) -> float:
    """Greedy reconstruction of one random span (1-3 tokens) per held-out sentence: share exactly right."""
    rng = random.Random(seed)
    hits = 0
    sample = [sentences[rng.randrange(len(sentences))] for _ in range(n)]
    for ids in sample:
        length = rng.randint(1, min(3, len(ids) - 1))
        start = rng.randrange(len(ids) - length + 1)
        hits += ed.reconstruct(model, tokenizer, ids, start, length).exact
    return hits / n


def train_one(lang: str, args: argparse.Namespace) -> dict:
    seed_everything(args.seed)
    corpus = MODELS[lang]["corpus"]
    sentences = load_sentences(corpus, None)
    train_text, val_text = split_sentences(sentences, args.seed)
    tokenizer = SpecialTokenizer(load_tokenizer(CHECKPOINT_DIR / f"gpt_toy_{lang}" / "tokenizer.json"))
    config = ed.EncoderDecoderConfig(
        vocab_size=tokenizer.vocab_size,
        block_size=64,
        n_encoder_layer=args.layers,
        n_decoder_layer=args.layers,
        n_head=4,
        n_embd=args.width,
        dropout=args.dropout,
    )
    train_ids = tokenized(tokenizer, train_text, config.block_size)
    val_ids = tokenized(tokenizer, val_text, config.block_size)
    torch.manual_seed(args.seed)
    model = ed.EncoderDecoder(config)
    max_iters = args.max_iters or ITERS[lang]
    schedule = TrainConfig(max_iters=max_iters, learning_rate=args.lr, min_lr=args.lr / 10, warmup_iters=100)
    optimizer = make_optimizer(model, schedule)
    rng = random.Random(args.seed)
    val_rng = random.Random(args.seed + 1)
    val_batches = [
        ed.collate(
            [ed.training_example(val_ids[val_rng.randrange(len(val_ids))], tokenizer, val_rng) for _ in range(50)],
            tokenizer,
        )
        for _ in range(20)
    ]
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
        examples = [
            ed.training_example(train_ids[rng.randrange(len(train_ids))], tokenizer, rng)
            for _ in range(args.batch_size)
        ]
        loss = model.loss(ed.collate(examples, tokenizer))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % max(1, max_iters // 6) == 0 or step == max_iters:
            scores = evaluate(model, val_batches)
            print(
                f"[{lang}] step {step:5d}  train {loss.item():.3f}  val {scores['loss']:.3f} "
                f"token acc {scores['token_accuracy']:.3f}  {time.perf_counter() - started:.0f}s",
                flush=True,
            )
    model.eval().requires_grad_(False)
    scores = evaluate(model, val_batches)
    exact = exact_match(model, tokenizer, val_ids, args.seed + 2, 200)
    meta = {
        "corpus": corpus,
        "corpus_sha256": corpus_digest(sentences),
        "seed": args.seed,
        "max_iters": max_iters,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "final_train_loss": round(loss.item(), 4),
        "val_loss": round(scores["loss"], 4),
        "val_token_accuracy": round(scores["token_accuracy"], 4),
        "val_span_exact_match": round(exact, 4),
        "train_time_s": round(time.perf_counter() - started, 1),
        "parameters": model.num_parameters(),
        "trained_by": "scripts/train_encoder_decoder.py",
    }
    out = Path(args.out) if args.out else CHECKPOINT_DIR / f"encdec_toy_{lang}"
    save_folder(out, model, tokenizer, meta)
    size_kb = sum(p.stat().st_size for p in out.iterdir()) / 1024
    print(f"[{lang}] {meta} -> {out} ({size_kb:.0f} KB)", flush=True)
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(ITERS))
    parser.add_argument("--max-iters", type=int)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    for lang in [args.only] if args.only else list(ITERS):
        train_one(lang, args)


if __name__ == "__main__":
    main()
