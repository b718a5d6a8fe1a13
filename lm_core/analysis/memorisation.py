"""What a model can leak: does the tiny GPT repeat the sentences it was trained on, word for word?

Verbatim recall, measured the way studies of training-data extraction do, at toy scale:
prompt the model with the first half of a line (its tokens), let it complete greedily
(always the most likely next token) for as many tokens as the line has left, and compare.
Two numbers per set of lines: the share completed exactly, and the share of completed
tokens that match the line's own, position by position.

Two sets of lines from the same generator (:mod:`lm_core.data.toyworld`): lines of the
model's *training* split, and *held-out* lines, new sentences of the same grammar (another
seed) that appear nowhere in its corpus. The gap between the two is what the model learned
about those particular lines rather than about the grammar.

The training split is the one ``scripts/train_gpt.py`` made (a seeded shuffle, 10 % kept for
validation); :func:`train_split` repeats it (a test checks they agree).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence

import torch

from lm_core.core.errors import InputError

TINY_GPT = {"en": "gpt_toy_en", "zh": "gpt_toy_zh"}
TINY_CORPUS = {"en": "toy_en", "zh": "toy_zh"}
HELD_OUT_SEED = 20_260  # the generator's seed for new lines (the corpora use 1 and 2)
VAL_FRACTION = 0.1


def train_split(sentences: Sequence[str], seed: int, val_fraction: float = VAL_FRACTION) -> tuple[list[str], list[str]]:
    """``(training lines, validation lines)`` as the tiny GPT's training script split them."""
    order = torch.randperm(len(sentences), generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = max(1, int(len(sentences) * val_fraction))
    return [sentences[i] for i in order[n_val:]], [sentences[i] for i in order[:n_val]]


def _corpus(lang: str) -> list[str]:
    from lm_core.data.corpora import load_corpus

    return list(load_corpus(TINY_CORPUS[lang]).sentences)


def training_lines(lang: str, n: int, seed: int, train_seed: int) -> list[tuple[str, int]]:
    """``n`` distinct lines of the training split, drawn with ``seed``, each with how many
    times the model saw it (the toy world repeats many sentences)."""
    train, _ = train_split(_corpus(lang), train_seed)
    counts = Counter(train)
    distinct = sorted(counts)
    chosen = random.Random(seed).sample(distinct, min(n, len(distinct)))
    return [(line, counts[line]) for line in chosen]


def held_out_lines(lang: str, n: int, seed: int) -> list[str]:
    """``n`` distinct new lines of the same grammar that the corpus never contains."""
    from lm_core.data.toyworld import World

    seen = set(_corpus(lang))
    fresh = [line for line in dict.fromkeys(World(lang).sentences(HELD_OUT_SEED, 4000)) if line not in seen]
    return random.Random(seed).sample(fresh, min(n, len(fresh)))


def complete(model, tokenizer, line: str) -> dict:  # noqa: ANN001
    """Prompt with the first half of ``line``'s tokens, complete greedily, compare with the rest."""
    ids = tokenizer.encode(line)
    if len(ids) < 2:
        raise InputError("errors.mask.sentence_too_short")
    cut = len(ids) // 2
    prompt, expected = ids[:cut], ids[cut:]
    context = [int(tokenizer.eos_id), *prompt]
    block = int(model.config.block_size)
    produced: list[int] = []
    device = next(model.parameters()).device
    with torch.inference_mode():
        for _ in expected:
            window = torch.tensor([context[-block:]], device=device)
            next_id = int(model(window)[0, -1].argmax())
            produced.append(next_id)
            context.append(next_id)
    matches = sum(int(a == b) for a, b in zip(produced, expected, strict=True))
    return {
        "line": line,
        "prompt": tokenizer.decode(prompt),
        "expected": tokenizer.decode(expected),
        "completion": tokenizer.decode(produced).replace("\n", " ⏎ "),
        "exact": produced == expected,
        "token_accuracy": matches / len(expected),
        "tokens": len(expected),
    }


def recall(model, tokenizer, lines: Sequence[str], progress: Callable[[int, int], None] | None = None) -> dict:  # noqa: ANN001
    """Exact-match rate and per-token accuracy of greedy completion over ``lines``."""
    results = []
    for i, line in enumerate(lines):
        results.append(complete(model, tokenizer, line))
        if progress is not None:
            progress(i + 1, len(lines))
    n = len(results)
    return {
        "n": n,
        "exact": sum(r["exact"] for r in results) / n if n else float("nan"),
        "token_accuracy": sum(r["token_accuracy"] for r in results) / n if n else float("nan"),
        "examples": results,
    }


def memorisation_table(model, tokenizer, lang: str, n: int, seed: int, train_seed: int,
                       progress: Callable[[int, int], None] | None = None) -> dict:  # noqa: ANN001
    """Recall on ``n`` training lines against ``n`` held-out lines, and on the training lines
    seen once against those seen more often."""
    train = training_lines(lang, n, seed, train_seed)
    held = held_out_lines(lang, n, seed)
    total = len(train) + len(held)

    def step(offset: int) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, _: progress(offset + done, total))

    on_train = recall(model, tokenizer, [line for line, _ in train], step(0))
    for example, (_, times) in zip(on_train["examples"], train, strict=True):
        example["times_seen"] = times
    on_held = recall(model, tokenizer, held, step(len(train)))
    once = [e for e in on_train["examples"] if e["times_seen"] == 1]
    often = [e for e in on_train["examples"] if e["times_seen"] > 1]
    return {
        "lang": lang,
        "seed": seed,
        "train": on_train,
        "held_out": on_held,
        "seen_once": _rates(once),
        "seen_often": _rates(often),
    }


def _rates(examples: list[dict]) -> dict:
    n = len(examples)
    return {
        "n": n,
        "exact": sum(e["exact"] for e in examples) / n if n else float("nan"),
        "token_accuracy": sum(e["token_accuracy"] for e in examples) / n if n else float("nan"),
    }


def memorisation_job(lang: str, n: int, seed: int, progress=None, should_stop=None) -> dict:  # noqa: ANN001
    """A job of the shared queue: load the tiny GPT of ``lang`` in the worker and measure."""
    from lm_core.models.checkpoints import gpt_meta, load_gpt

    name = TINY_GPT[lang]
    model, tokenizer = load_gpt(name)
    model.eval().requires_grad_(False)

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress({"done": done, "total": total})

    return memorisation_table(model, tokenizer, lang, n, seed, int(gpt_meta(name)["seed"]), report)
