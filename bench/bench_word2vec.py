"""Benchmark lm_core's word2vec against gensim's Word2Vec, side by side, same settings.

Usage (from the repository root)::

    .venv/bin/python bench/bench_word2vec.py [TEXT] --rounds 3 --threads 1 2

``TEXT`` defaults to ``../shared/data/tinyshakespeare.txt`` (relative to the repository;
benchmark-only text, never copied into the repository). gensim is a benchmark-only
dependency (requirements-dev.txt); the app never imports it.

Settings (the issue's): skip-gram, negative 5, dimension 100, window 5, min_count 5,
5 epochs, sample 1e-3, alpha 0.025 -> 0.0000025 linearly. Both get the same tokenized
sentences (``lm_core.embeddings.word2vec.tokenize``: lowercase words).

Throughput is *effective words per second*: words kept after frequent-word subsampling,
summed over epochs, divided by the training time (vocabulary building excluded for both:
gensim's ``build_vocab`` is timed apart from ``train``, ours reports ``setup_seconds``).
gensim's ``workers`` and our ``workers`` (Hogwild threads, torch on one thread each) are set
to the same number; for 2 cores, our single worker with torch's own 2 intra-op threads is
measured too. Runs alternate
(gensim, ours, gensim, ours, ...) ``rounds`` times; the report gives medians and the ratio.

Quality: top-1 accuracy on the project's toy-world analogy list
(``lm_core.embeddings.word2vec.TOY_ANALOGIES``), for both implementations, with the benchmark settings
and with the page's settings (``TOY_CONFIG``: dim 50, min_count 2, 20 epochs), over
``rounds`` seeds.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lm_core.embeddings import word2vec as w2v  # noqa: E402
from lm_core.embeddings.vectors import WordVectors, evaluate_analogies  # noqa: E402

BENCH = w2v.Word2VecConfig(dim=100, window=5, negative=5, epochs=5, min_count=5, sg=True, alpha=0.025, sample=1e-3)


def read_text_sentences(path: Path) -> list[list[str]]:
    """One sentence per non-empty line, lowercase words (tiny Shakespeare has short lines)."""
    return w2v.tokenize_corpus(path.read_text(encoding="utf-8").splitlines(), "en")


def run_gensim(sentences, config: w2v.Word2VecConfig, threads: int, seed: int):
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=config.dim, window=config.window, negative=config.negative, sg=int(config.sg),
                     min_count=config.min_count, sample=config.sample, alpha=config.start_alpha(),
                     min_alpha=config.start_alpha() * 1e-4, workers=threads, seed=seed, hs=0)
    model.build_vocab(sentences)
    start = time.perf_counter()
    effective, _raw = model.train(sentences, total_examples=model.corpus_count, epochs=config.epochs)
    seconds = time.perf_counter() - start
    words = list(model.wv.index_to_key)
    vectors = WordVectors(words, model.wv.vectors, np.array([model.wv.get_vecattr(w, "count") for w in words]))
    return effective / seconds, vectors


def run_ours(sentences, config: w2v.Word2VecConfig, threads: int, seed: int, mode: str = "workers"):
    """``mode="workers"``: ``threads`` Hogwild workers, torch on one thread each (the
    design); ``mode="torch"``: one worker, torch's own intra-op threads = ``threads``."""
    torch.set_num_threads(1 if mode == "workers" else threads)
    result = w2v.train_word2vec(sentences, w2v.Word2VecConfig(**{**config.__dict__, "seed": seed}),
                                workers=threads if mode == "workers" else 1)
    return result.words_per_second, WordVectors(result.vocab.words, result.vectors, result.vocab.counts)


def throughput(name: str, sentences, threads_list, rounds: int) -> list[str]:
    n_words = sum(len(s) for s in sentences)
    rows = []
    for threads in threads_list:
        modes = ["workers"] if threads == 1 else ["workers", "torch"]
        speeds: dict[str, list[float]] = {"gensim": [], **{m: [] for m in modes}}
        for r in range(rounds):  # alternate: gensim, ours, (ours with torch threads), gensim, ...
            speeds["gensim"].append(run_gensim(sentences, BENCH, threads, seed=r + 1)[0])
            for mode in modes:
                speeds[mode].append(run_ours(sentences, BENCH, threads, seed=r + 1, mode=mode)[0])
        g = statistics.median(speeds["gensim"])
        for mode in modes:
            o = statistics.median(speeds[mode])
            how = f"{threads} worker(s), torch 1 thread" if mode == "workers" else f"1 worker, torch {threads} threads"
            rows.append(f"| {name} ({n_words:,} words) | {threads} | {how} | {g:,.0f} | {o:,.0f} | {o / g:.2f}x |")
            print(rows[-1], "  runs gensim:", [f"{s:,.0f}" for s in speeds["gensim"]], "ours:",
                  [f"{s:,.0f}" for s in speeds[mode]], flush=True)
    return rows


def quality(rounds: int) -> list[str]:
    rows = []
    for corpus_name in w2v.TOY_CORPORA:
        sentences = w2v.load_toy_corpus(corpus_name).sentences
        questions = w2v.TOY_ANALOGIES[corpus_name]
        for label, config in (("bench settings", BENCH), ("page settings", w2v.TOY_CONFIG)):
            scores = {"gensim": [], "ours": []}
            for r in range(rounds):
                for impl, run in (("gensim", run_gensim), ("ours", run_ours)):
                    _, vectors = run(sentences, config, 1, seed=r + 1)
                    scores[impl].append(evaluate_analogies(vectors, questions)["accuracy"])
            g, o = statistics.mean(scores["gensim"]), statistics.mean(scores["ours"])
            rows.append(f"| {corpus_name} | {label} | {len(questions)} | {g:.2f} | {o:.2f} |")
            print(rows[-1], "  per seed gensim:", scores["gensim"], "ours:", scores["ours"], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    toy = w2v.load_toy_corpus("toy_en").sentences
    text = read_text_sentences(Path(args.text))
    print(f"load average before: {os.getloadavg()}")
    print("| corpus | cores (gensim workers) | lm_core mode | gensim words/s | lm_core words/s | lm_core / gensim |")
    print("|---|---|---|---|---|---|")
    throughput("toy_en", toy, args.threads, args.rounds)
    throughput(Path(args.text).name, text, args.threads, args.rounds)
    if not args.skip_quality:
        print()
        print("| corpus | settings | questions | gensim accuracy | lm_core accuracy |")
        print("|---|---|---|---|---|")
        quality(args.rounds)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
