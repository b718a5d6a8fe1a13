"""Training chapter 5's by-hand model: the toy world's rain sentences, a few hundred steps.

The sentences are the toy world's own ("It rained this morning.", "It rains every evening.",
"今天早上下雨了。", "每天下午都下雨。"), drawn from its seeded generator and kept when every
word is in the model's small vocabulary. "morning" follows "it rained this" more often than the
other times of day (the chapter's canonical sentence is one of the forms), so a trained model
predicts it. Full-batch Adam in float64 on one thread: the same run gives the same numbers
bit for bit, and ``scripts/train_by_hand.py`` rewrites the shipped file identically.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import torch

from lm_core.data.toyworld import World
from lm_core.models import by_hand

SEED = 23
STEPS = 400
LEARNING_RATE = 0.05
DRAWS = 600  # rain sentences drawn from the toy world before the ones that fit are kept
#: Part of every target spread over the other words: keeps the model from growing sure to
#: the point of 1.00 and 0.00 everywhere (a learner then sees probabilities worth reading,
#: and one step of gradient descent moves them).
LABEL_SMOOTHING = 0.1


def split_words(sentence: str, words: tuple[str, ...]) -> list[str] | None:
    """A sentence as words of ``words`` (lower case, longest match first; spaces and the full
    stop split English), or None when some part is not a word of the vocabulary."""
    text = sentence.lower().replace(".", " . ").replace("。", " 。 ")
    found: list[str] = []
    for chunk in text.split():
        while chunk:
            match = max((w for w in words if chunk.startswith(w)), key=len, default=None)
            if match is None:
                return None
            found.append(match)
            chunk = chunk[len(match):]
    return found


def training_sentences(lang: str, draws: int = DRAWS, seed: int = SEED) -> list[list[str]]:
    """The toy world's rain sentences that the vocabulary can write, in the order drawn."""
    world, rng = World(lang), random.Random(seed)
    words = by_hand.VOCABULARY[lang]
    kept = []
    for _ in range(draws):
        split = split_words(world.rain(rng), words)
        if split and len(split) <= by_hand.MAX_WORDS:
            kept.append(split)
    return kept


def _initial_weights(vocabulary_size: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    return {name: (0.5 * torch.randn(shape, generator=generator, dtype=torch.float64)).requires_grad_()
            for name, shape in by_hand.shapes(vocabulary_size).items()}


def _batch_loss(weights: dict[str, torch.Tensor], batch: dict[tuple[int, ...], int]) -> torch.Tensor:
    """Mean cross-entropy of every next word of every sentence (``batch``: distinct sentence ->
    how often it was drawn; one pass per distinct sentence keeps a step fast)."""
    total, count = 0.0, 0
    for ids, times in batch.items():
        logits = by_hand.forward(weights, ids)["logits"][:-1]
        targets = torch.tensor(ids[1:])
        total = total + times * torch.nn.functional.cross_entropy(logits, targets, reduction="sum",
                                                                 label_smoothing=LABEL_SMOOTHING)
        count += times * (len(ids) - 1)
    return total / count


def train(lang: str, steps: int = STEPS, seed: int = SEED,
          progress: Callable[[int, float], None] | None = None) -> by_hand.ByHandModel:
    """Train one language's model and round it to SHIPPED_DECIMALS (the shipped model)."""
    words = by_hand.VOCABULARY[lang]
    sentences = training_sentences(lang, seed=seed)
    batch = Counter(tuple(words.index(word) for word in sentence) for sentence in sentences)
    generator = torch.Generator().manual_seed(seed)
    weights = _initial_weights(len(words), generator)
    optimiser = torch.optim.Adam(weights.values(), lr=LEARNING_RATE)
    value = float("nan")
    for step in range(steps):
        optimiser.zero_grad()
        batch_loss = _batch_loss(weights, batch)
        batch_loss.backward()
        optimiser.step()
        value = float(batch_loss.detach())
        if progress is not None:
            progress(step, value)
    trained = by_hand.ByHandModel(lang, words, {name: w.detach().numpy().copy() for name, w in weights.items()})
    rounded = by_hand.round_weights(trained)
    with torch.no_grad():
        rounded_loss = float(_batch_loss(by_hand._tensors(rounded.weights), batch))
    rounded.meta = {
        "seed": seed, "steps": steps, "learning_rate": LEARNING_RATE, "optimiser": "Adam, full batch, float64", "label_smoothing": LABEL_SMOOTHING,
        "sentences": len(sentences), "distinct_sentences": len({" ".join(s) for s in sentences}),
        "final_loss": round(value, 4), "loss_after_rounding": round(rounded_loss, 4),
        "decimals": by_hand.SHIPPED_DECIMALS,
    }
    return rounded


def rounded_is_sensible(model: by_hand.ByHandModel) -> bool:
    """The rounded model still predicts the example's word (what the script checks)."""
    sentence, expected = by_hand.EXAMPLE[model.lang]
    word, _ = by_hand.predict(model, sentence)
    return word == expected

