"""Train the shipped English -> Dutch encoder-decoders of chapter 4.

Usage (from the repository root)::

    nice -n 10 .venv/bin/python scripts/train_seq2seq.py              # both models
    nice -n 10 .venv/bin/python scripts/train_seq2seq.py --only plain --epochs 2 --out /tmp/s2s

Both models (``seq2seq_plain``: one context vector; ``seq2seq_attention``: additive
attention over every encoder state) get the same sizes, the same seed (same initial
weights for the parts they share), the same pairs in the same order. They are trained on
all of ``toy_en_nl`` and measured on held-out pairs drawn fresh from the same grammar with
another seed (none of their English sentences is in the training pairs), 100 per
source-length bucket. Prints exact match and word accuracy per bucket as a Markdown table
(for bench/RESULTS.md) and the example translation.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lm_core.core.paths import CHECKPOINT_DIR  # noqa: E402
from lm_core.data.corpora import load_corpus  # noqa: E402
from lm_core.models.seq2seq import EXAMPLE_SENTENCE, save_translator  # noqa: E402
from lm_core.train.seq2seq import (  # noqa: E402
    HELDOUT_SEED,
    Seq2SeqProgress,
    Seq2SeqTrainConfig,
    build_translator,
    evaluate_by_length,
    heldout_pairs,
    train_translator,
)


def corpus_digest(pairs) -> str:
    return hashlib.sha256("\n".join(f"{en}\t{nl}" for en, nl in pairs).encode("utf-8")).hexdigest()[:16]


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def train_one(kind: str, args: argparse.Namespace, pairs, heldout) -> dict:
    translator = build_translator(
        pairs, attention=kind == "attention", seed=args.seed, embed_dim=args.embed, hidden_dim=args.hidden
    )
    config = Seq2SeqTrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed)
    print(f"[{kind}] {len(pairs)} pairs, {translator.model.num_parameters():,} parameters", flush=True)

    def log(progress: Seq2SeqProgress) -> None:
        if progress.step % 100 == 0 or progress.step == progress.total_steps:
            print(
                f"[{kind}] step {progress.step}/{progress.total_steps} epoch {progress.epoch} "
                f"loss {progress.loss:.3f} {progress.elapsed_s:.0f}s",
                flush=True,
            )

    started = time.perf_counter()
    result = train_translator(translator, pairs, config, callback=log)
    wall = time.perf_counter() - started
    rows = evaluate_by_length(translator, heldout)
    example = translator.translate(EXAMPLE_SENTENCE)
    translator.meta = {
        "corpus": "toy_en_nl",
        "corpus_sha256": corpus_digest(pairs),
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "threads": args.threads,
        "final_loss": round(result.final_loss, 4),
        "epoch_losses": [round(x, 4) for x in result.losses],
        "train_time_s": round(result.train_time_s, 1),
        "wall_time_s": round(wall, 1),
        "parameters": translator.model.num_parameters(),
        "heldout_seed": HELDOUT_SEED,
        "heldout_by_length": rows,
        "example": {"source": EXAMPLE_SENTENCE, "output": example.text},
        "trained_by": "scripts/train_seq2seq.py",
    }
    out = Path(args.out) / f"seq2seq_{kind}" if args.out else CHECKPOINT_DIR / f"seq2seq_{kind}"
    save_translator(out, translator)
    size_kb = sum(p.stat().st_size for p in out.iterdir()) / 1024
    print(
        f"[{kind}] final loss {result.final_loss:.3f}; training {result.train_time_s:.0f}s, wall {wall:.0f}s; "
        f"saved {out} ({size_kb:.0f} KB)",
        flush=True,
    )
    print(f"[{kind}] {EXAMPLE_SENTENCE!r} -> {example.text!r}", flush=True)
    if translator.attention:
        for step in example.steps:
            weights = ", ".join(f"{w}={a:.2f}" for w, a in zip(example.source_words, step.attention, strict=True))
            print(f"[{kind}]   {step.output_word:>8} looks at {weights}", flush=True)
    return translator.meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("plain", "attention"))
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="output folder (default: assets/checkpoints)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    pairs = load_corpus("toy_en_nl").pairs
    heldout = heldout_pairs()
    results = {}
    for kind in [args.only] if args.only else ["plain", "attention"]:
        results[kind] = train_one(kind, args, pairs, heldout)
    print(
        "\n| English words | held-out pairs | "
        + " | ".join(f"{kind}: exact % | {kind}: words %" for kind in results)
        + " |"
    )
    print("|---|---|" + "---|---|" * len(results))
    kinds = list(results)
    for i, row in enumerate(results[kinds[0]]["heldout_by_length"]):
        cells = []
        for kind in kinds:
            r = results[kind]["heldout_by_length"][i]
            cells += [percent(r["exact_match"]), percent(r["word_accuracy"])]
        print(f"| {row['low']}-{row['high']} | {row['n']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
