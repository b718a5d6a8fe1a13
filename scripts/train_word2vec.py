"""Train the shipped word2vec checkpoints: ``assets/checkpoints/w2v_<corpus>.{safetensors,json}``.

    .venv/bin/python scripts/train_word2vec.py            # both toy corpora
    .venv/bin/python scripts/train_word2vec.py toy_en     # one of them

Reproducible: the corpus is generated from a seed and training is seeded (TOY_CONFIG.seed),
on the CPU with one thread. The JSON records the words, counts, settings, the analogy
checks and one snapshot per epoch (of the words that have a semantic group) for the
page's replay.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lm_core.embeddings.vectors import WordVectors, evaluate_analogies  # noqa: E402
from lm_core.embeddings.word2vec import (  # noqa: E402
    EARLY_SNAPSHOTS,
    TOY_ANALOGIES,
    TOY_CONFIG,
    TOY_CORPORA,
    checkpoint_stem,
    load_toy_corpus,
    save_vectors,
    train_word2vec,
)


def train_one(name: str) -> dict:
    corpus = load_toy_corpus(name)
    result = train_word2vec(corpus.sentences, TOY_CONFIG, snapshots_per_epoch=1,
                            snapshot_words=10**9, extra_snapshot_steps=EARLY_SNAPSHOTS)
    vectors = WordVectors(result.vocab.words, result.vectors, result.vocab.counts, corpus.word_groups)
    scores = evaluate_analogies(vectors, TOY_ANALOGIES[name])
    # Keep the replay small: snapshots of the words that have a group only.
    rows = [i for i, w in enumerate(result.vocab.words) if w in corpus.word_groups]
    snapshots = [(step, snap[rows]) for step, snap in result.snapshots]
    extra = {
        "corpus": name,
        "lang": corpus.lang,
        "snapshot_words": [result.vocab.words[i] for i in rows],
        "losses": [[s, round(v, 5)] for s, v in result.losses],
        "analogy_accuracy": scores["accuracy"],
        "analogies_wrong": scores["wrong"],
        "words_trained": result.words_trained,
    }
    save_vectors(checkpoint_stem(name), result.vectors, result.vocab.words, result.vocab.counts,
                 TOY_CONFIG, extra=extra, snapshots=snapshots)
    return {"corpus": name, "vocab": len(result.vocab), "seconds": round(result.seconds, 2),
            "accuracy": scores["accuracy"], "wrong": scores["wrong"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", metavar="corpus", help=f"any of {', '.join(TOY_CORPORA)} (default: all)")
    args = parser.parse_args()
    unknown = [c for c in args.corpora if c not in TOY_CORPORA]
    if unknown:
        parser.error(f"unknown corpus {unknown}; choose from {TOY_CORPORA}")
    torch.set_num_threads(1)
    for name in args.corpora or TOY_CORPORA:
        start = time.perf_counter()
        print(train_one(name), f"total {time.perf_counter() - start:.1f}s", flush=True)


if __name__ == "__main__":
    main()
