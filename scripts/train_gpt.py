"""Train the shipped tiny GPTs (``assets/checkpoints/gpt_toy_en``, ``gpt_toy_zh``).

Usage (from the repository root)::

    .venv/bin/python scripts/train_gpt.py            # both models
    .venv/bin/python scripts/train_gpt.py --only en  # one of them
    .venv/bin/python scripts/train_gpt.py --only en --max-iters 200 --out /tmp/gpt_try
    .venv/bin/python scripts/train_gpt.py --check   # were they trained on today's corpora?

Reproducible: every random choice (weights, batches, tokenizer training data order)
comes from ``--seed``. Runs in a few minutes on 2 CPU cores. Prints the final
validation loss and the training time, and greedy completions of toy-world prompts.
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

from lm_core.core.seeding import seed_everything  # noqa: E402
from lm_core.decoding.generation import SamplingSettings, generate  # noqa: E402
from lm_core.models.checkpoints import CHECKPOINT_DIR, save_checkpoint  # noqa: E402
from lm_core.models.gpt import GPT, GPTConfig  # noqa: E402
from lm_core.tokenizers.lm import BPETokenizer, CharTokenizer, LMTokenizer  # noqa: E402
from lm_core.train.loop import Progress, TrainConfig, train  # noqa: E402

MODELS = {
    # Iterations: the English corpus is ~90k BPE tokens and starts to overfit after ~800
    # steps of 32 x 64 tokens; the Chinese one is ~290k characters.
    "en": {
        "corpus": "toy_en",
        "tokenizer": "bpe",
        "iters": 800,
        "prompts": ["It rained this", "The king", "I lost my keys"],
    },
    "zh": {"corpus": "toy_zh", "tokenizer": "char", "iters": 1200, "prompts": ["今天早上", "国王", "我的钥匙"]},
}
BPE_VOCAB = 1024


def load_sentences(corpus: str, text_file: str | None) -> list[str]:
    if text_file:
        return [line.strip() for line in Path(text_file).read_text(encoding="utf-8").splitlines() if line.strip()]
    from lm_core.data.corpora import load_corpus

    return list(load_corpus(corpus).sentences)


def corpus_digest(sentences: list[str]) -> str:
    """Fingerprint of the training text, so a stale checkpoint can be detected."""
    return hashlib.sha256("\n".join(sentences).encode("utf-8")).hexdigest()[:16]


def split_sentences(sentences: list[str], seed: int, val_fraction: float = 0.1) -> tuple[list[str], list[str]]:
    """Shuffle with a private generator, keep 10 % of the sentences for validation."""
    order = torch.randperm(len(sentences), generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = max(1, int(len(sentences) * val_fraction))
    val = [sentences[i] for i in order[:n_val]]
    train_part = [sentences[i] for i in order[n_val:]]
    return train_part, val


def build_tokenizer(kind: str, sentences: list[str]) -> LMTokenizer:
    if kind == "bpe":
        return BPETokenizer.train(sentences, vocab_size=BPE_VOCAB)
    return CharTokenizer.train(sentences)


def train_one(lang: str, args: argparse.Namespace) -> dict:
    spec = MODELS[lang]
    seed_everything(args.seed)
    sentences = load_sentences(spec["corpus"], args.text_file if args.only else None)
    train_sentences, val_sentences = split_sentences(sentences, args.seed)
    tokenizer = build_tokenizer(spec["tokenizer"], train_sentences)
    train_ids = torch.tensor(tokenizer.encode_corpus(train_sentences), dtype=torch.long)
    val_ids = torch.tensor(tokenizer.encode_corpus(val_sentences), dtype=torch.long)
    config = GPTConfig(
        vocab_size=tokenizer.vocab_size, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=args.dropout
    )
    torch.manual_seed(args.seed)
    model = GPT(config)
    max_iters = args.max_iters or spec["iters"]
    train_config = TrainConfig(
        max_iters=max_iters,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        min_lr=args.lr / 10,
        warmup_iters=100,
        eval_interval=max(1, max_iters // 8),
        eval_iters=20,
        seed=args.seed,
    )
    print(
        f"[{lang}] {len(sentences)} sentences, {tokenizer.kind} vocab {tokenizer.vocab_size}, "
        f"{train_ids.numel()} train / {val_ids.numel()} val tokens, {model.num_parameters():,} parameters",
        flush=True,
    )

    def log(progress: Progress) -> None:
        if progress.val_loss is not None:
            print(
                f"[{lang}] step {progress.step:5d}  train {progress.train_loss:.3f}  val {progress.val_loss:.3f}  "
                f"lr {progress.learning_rate:.2e}  {progress.elapsed_s:.0f}s",
                flush=True,
            )

    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    result = train(model, train_ids, val_ids, train_config, callback=log)
    wall = time.perf_counter() - started
    model.eval().requires_grad_(False)

    completions = {}
    for prompt in spec["prompts"]:
        ids = generate(model, tokenizer.encode(prompt), SamplingSettings(greedy=True), 30, end_id=tokenizer.eos_id)
        completions[prompt] = tokenizer.decode(tokenizer.encode(prompt) + ids).strip()
        print(f"[{lang}] greedy: {completions[prompt]!r}", flush=True)

    meta = {
        "corpus": spec["corpus"] if not (args.only and args.text_file) else Path(args.text_file).name,
        "corpus_sha256": corpus_digest(sentences),
        "seed": args.seed,
        "max_iters": max_iters,
        "dropout": args.dropout,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "threads": args.threads,
        "train_tokens": train_ids.numel(),
        "val_tokens": val_ids.numel(),
        "final_train_loss": round(result.final_train_loss or 0.0, 4),
        "final_val_loss": round(result.final_val_loss or 0.0, 4),
        "train_time_s": round(result.train_time_s, 1),
        "wall_time_s": round(wall, 1),
        "tokens_per_s": round(result.tokens_per_s),
        "parameters": model.num_parameters(),
        "greedy_completions": completions,
        "trained_by": "scripts/train_gpt.py",
    }
    out = Path(args.out) if args.out else CHECKPOINT_DIR / f"gpt_toy_{lang}"
    save_checkpoint(out, model, tokenizer, meta)
    size_kb = sum(p.stat().st_size for p in out.iterdir()) / 1024
    print(
        f"[{lang}] final val loss {result.final_val_loss:.4f} (train {result.final_train_loss:.4f}); "
        f"training {result.train_time_s:.1f}s, wall {wall:.1f}s on {args.threads} thread(s); "
        f"saved {out} ({size_kb:.0f} KB)",
        flush=True,
    )
    return meta


def check_checkpoints(langs: list[str]) -> int:
    """0 when every shipped checkpoint was trained on the current corpus, else 1 (retrain)."""
    from lm_core.models.checkpoints import read_meta

    stale = 0
    for lang in langs:
        folder = CHECKPOINT_DIR / f"gpt_toy_{lang}"
        trained = read_meta(folder).get("corpus_sha256") if (folder / "config.json").is_file() else None
        current = corpus_digest(load_sentences(MODELS[lang]["corpus"], None))
        ok = trained == current
        stale += not ok
        print(f"[{lang}] {'up to date' if ok else 'STALE: retrain'} (checkpoint {trained}, corpus {current})")
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(MODELS), help="train just one model")
    parser.add_argument("--max-iters", type=int, help="training steps (default: per model, 800 en / 1200 zh)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy 2-core box)")
    parser.add_argument("--out", help="output folder (default: assets/checkpoints/gpt_toy_<lang>)")
    parser.add_argument("--text-file", help="with --only: train on these lines instead of the shipped corpus")
    parser.add_argument("--check", action="store_true", help="only report whether the checkpoints match the corpora")
    args = parser.parse_args(argv)
    if args.check:
        sys.exit(check_checkpoints([args.only] if args.only else list(MODELS)))
    for lang in [args.only] if args.only else list(MODELS):
        train_one(lang, args)


if __name__ == "__main__":
    main()
