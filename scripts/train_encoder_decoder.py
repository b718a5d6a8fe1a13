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
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tiny_training as tiny  # noqa: E402  (also puts the repository root on the path)

from lm_core.models import encoder_decoder as ed  # noqa: E402
from lm_core.models.encoder import IGNORE  # noqa: E402
from lm_core.tokenizers.special import SpecialTokenizer  # noqa: E402

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
    data = tiny.toy_data(lang, args.seed)
    tokenizer, train_ids, val_ids = data.tokenizer, data.train_ids, data.val_ids
    config = ed.EncoderDecoderConfig(
        vocab_size=tokenizer.vocab_size,
        block_size=tiny.BLOCK_SIZE,
        n_encoder_layer=args.layers,
        n_decoder_layer=args.layers,
        n_head=4,
        n_embd=args.width,
        dropout=args.dropout,
    )
    torch.manual_seed(args.seed)
    model = ed.EncoderDecoder(config)
    max_iters = args.max_iters or ITERS[lang]
    val_rng = random.Random(args.seed + 1)
    val_batches = [
        ed.collate(
            [ed.training_example(val_ids[val_rng.randrange(len(val_ids))], tokenizer, val_rng) for _ in range(50)],
            tokenizer,
        )
        for _ in range(20)
    ]

    def batch_loss(rng: random.Random) -> tuple[torch.Tensor, tuple]:
        examples = [
            ed.training_example(train_ids[rng.randrange(len(train_ids))], tokenizer, rng)
            for _ in range(args.batch_size)
        ]
        loss = model.loss(ed.collate(examples, tokenizer))
        return loss, (loss,)

    def report(parts: tuple) -> str:
        scores = evaluate(model, val_batches)
        return f"train {parts[0].item():.3f}  val {scores['loss']:.3f} token acc {scores['token_accuracy']:.3f}"

    loss, started = tiny.train(lang, model, data, args, max_iters, batch_loss, report)
    scores = evaluate(model, val_batches)
    exact = exact_match(model, tokenizer, val_ids, args.seed + 2, 200)
    return tiny.save(lang, "encdec_toy", model, data, args, max_iters, loss,
                     {"val_loss": scores["loss"], "val_token_accuracy": scores["token_accuracy"],
                      "val_span_exact_match": exact},
                     started, "scripts/train_encoder_decoder.py")


def main(argv: list[str] | None = None) -> None:
    tiny.main(__doc__, ITERS, train_one, argv, batch_size=128, lr=3e-3, layers=2)


if __name__ == "__main__":
    main()
