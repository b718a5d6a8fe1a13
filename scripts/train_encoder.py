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
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tiny_training as tiny  # noqa: E402  (also puts the repository root on the path)

from lm_core.models import encoder as enc  # noqa: E402
from lm_core.tokenizers.special import SpecialTokenizer  # noqa: E402

ITERS = {"en": 3000, "zh": 3000}


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
    data = tiny.toy_data(lang, args.seed)
    tokenizer = data.tokenizer
    config = enc.EncoderConfig(
        vocab_size=tokenizer.vocab_size,
        block_size=tiny.BLOCK_SIZE,
        n_layer=args.layers,
        n_head=4,
        n_embd=args.width,
        dropout=args.dropout,
    )
    torch.manual_seed(args.seed)
    model = enc.Encoder(config)
    max_iters = args.max_iters or ITERS[lang]
    val_batches = make_batches(data.val_ids, tokenizer, random.Random(args.seed + 1), 20, 50)

    def batch_loss(rng: random.Random) -> tuple[torch.Tensor, tuple]:
        loss, mlm, nsp = model.loss(make_batches(data.train_ids, tokenizer, rng, 1, args.batch_size)[0])
        return loss, (mlm, nsp)

    def report(parts: tuple) -> str:
        mlm, nsp = parts
        scores = evaluate(model, val_batches)
        return (f"train mlm {mlm.item():.3f} nsp {nsp.item():.3f}  val mlm {scores['mlm_loss']:.3f} "
                f"top1 {scores['mlm_top1']:.3f} nsp acc {scores['nsp_accuracy']:.3f}")

    loss, started = tiny.train(lang, model, data, args, max_iters, batch_loss, report)
    scores = evaluate(model, val_batches)
    return tiny.save(lang, "encoder_toy", model, data, args, max_iters, loss,
                     {"val_mlm_loss": scores["mlm_loss"], "val_mlm_top1": scores["mlm_top1"],
                      "val_nsp_accuracy": scores["nsp_accuracy"]},
                     started, "scripts/train_encoder.py")


def main(argv: list[str] | None = None) -> None:
    tiny.main(__doc__, ITERS, train_one, argv, batch_size=32, lr=2e-3, layers=3)


if __name__ == "__main__":
    main()
