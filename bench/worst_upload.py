"""The worst text chapter 3 accepts for training: close to 2 MB and as many distinct words as fit.

Shared by the memory test (tests/e2e/test_memory.py) and ``bench/bench_load.py --upload``.
Deterministic for a seed; two seeds give two texts that share almost no rare word (two
uploads that the queue cannot share). About 335,000 running words in sentences of 15, 70 %
of them five-letter words drawn at random (nearly all distinct: about 235,000 distinct words,
as the 1.9 MB upload of issue 20 had), the rest from 2,000 frequent words.
"""

from __future__ import annotations

import numpy as np

MAX_BYTES = 2_000_000  # under the page's 2048 KB upload limit
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def worst_upload(seed: int = 0, max_bytes: int = MAX_BYTES) -> bytes:
    rng = np.random.default_rng(seed)
    common = ["".join(rng.choice(LETTERS, size=rng.integers(3, 8))) for _ in range(2000)]
    weights = 1.0 / np.arange(1, len(common) + 1)
    n = max_bytes // 5  # more words than fit; the text is cut at max_bytes
    rare = ["".join(row) for row in rng.choice(LETTERS, size=(n, 5))]
    frequent = rng.choice(len(common), size=n, p=weights / weights.sum())
    is_rare = rng.random(n) < 0.7
    words = [rare[i] if is_rare[i] else common[frequent[i]] for i in range(n)]
    sentences = (" ".join(words[i:i + 15]).capitalize() + ". " for i in range(0, n, 15))
    text, size = [], 0
    for sentence in sentences:
        if size + len(sentence) > max_bytes:
            break
        text.append(sentence)
        size += len(sentence)
    return "".join(text).encode("ascii")


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    data = worst_upload()
    words = data.split()
    print(f"{len(data):,} bytes, {len(words):,} words, {len({w.strip(b'.').lower() for w in words}):,} distinct, "
          f"{time.perf_counter() - start:.1f} s")
