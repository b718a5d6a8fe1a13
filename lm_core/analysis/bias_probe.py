"""A bias probe with controls: how much more likely a model finds one sentence than its twin.

For every minimal pair (:mod:`lm_core.data.bias_pairs`) the model scores both sentences:
the log-probability of the whole sentence (the sum over its tokens, each given the ones
before) and that sum divided by the number of tokens. The *difference* ``a − b`` says which
side the model prefers and by how much (in nats: +1 means ``a`` is e ≈ 2.7 times as likely).

The control pairs differ only in a word that should not matter (a colour, a weekday); their
differences show how much scores move for no social reason at all. A probe pair counts as a
preference only when its difference is larger than the control's spread (here: larger than
nine control differences in ten, in absolute value).

What this measures is one model's preference on a few hand-written sentences, nothing more:
not harm, not what the model would write, not a property of "the model" on other sentences.

The project's tiny GPTs know only their toy world: a pair is scored under them only when
every word of both sentences occurs in the world's corpus (:func:`readable`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.data.bias_pairs import CATEGORIES, CONTROL, Pair, bias_pairs

#: The fraction of control pairs whose |difference| a probe pair must exceed to count.
CONTROL_QUANTILE = 0.9
#: The models the precomputed table holds, per language (SmolLM2 reads both).
SMOLLM2 = "smollm2"
TINY_GPT = {"en": "gpt_toy_en", "zh": "gpt_toy_zh"}
TINY_CORPUS = {"en": "toy_en", "zh": "toy_zh"}
MEASURES = ("total", "per_token")
BATCH = 16


def models_for(lang: str) -> tuple[str, ...]:
    return (SMOLLM2, TINY_GPT[lang])


# --------------------------------------------------------------------------- scoring


def start_ids(tokenizer) -> list[int]:  # noqa: ANN001
    """What a sentence starts after: the tiny GPT's ``<eos>`` (it trained on sentences
    separated by it), SmolLM2's ``<|endoftext|>`` (the start of a document)."""
    from lm_core.tokenizers.smol import SmolTokenizer

    if isinstance(tokenizer, SmolTokenizer):
        return tokenizer.encode("<|endoftext|>")
    return [int(tokenizer.eos_id)]


def _block_size(model) -> int:  # noqa: ANN001
    return int(getattr(model.config, "block_size", 0) or getattr(model.config, "max_position_embeddings", 0) or 2048)


def encode_sentence(tokenizer, text: str, limit: int) -> list[int]:  # noqa: ANN001
    """Token ids of one sentence (messages for empty text, unknown-only text, too many tokens)."""
    if not str(text or "").strip():
        raise InputError("errors.text.empty")
    ids = tokenizer.encode(text)
    if len(ids) + 1 > limit:
        raise InputError("errors.text.prompt_too_long", tokens=len(ids) + 1, limit=limit)
    return ids


def sentence_scores(model, tokenizer, texts: Sequence[str], progress: Callable[[int, int], None] | None = None,
                    ) -> list[dict]:  # noqa: ANN001
    """``{"total", "per_token", "tokens"}`` for every text: log P(sentence), summed over its
    tokens and per token. Batched, padded on the right (causal attention: the padding after a
    row never changes its scores)."""
    start = start_ids(tokenizer)
    limit = _block_size(model)
    encoded = [encode_sentence(tokenizer, text, limit - len(start) + 1) for text in texts]
    device = next(model.parameters()).device
    out: list[dict] = []
    with torch.inference_mode():
        for first in range(0, len(encoded), BATCH):
            rows = [start + ids for ids in encoded[first:first + BATCH]]
            width = max(len(row) for row in rows)
            batch = torch.zeros((len(rows), width), dtype=torch.long)
            for i, row in enumerate(rows):
                batch[i, : len(row)] = torch.tensor(row)
            logp = torch.log_softmax(model(batch.to(device)).float(), dim=-1).cpu()
            for i, row in enumerate(rows):
                targets = torch.tensor(row[len(start):])
                picked = logp[i, len(start) - 1: len(row) - 1].gather(1, targets[:, None])[:, 0]
                total = float(picked.sum())
                out.append({"total": total, "per_token": total / len(targets), "tokens": len(targets)})
            if progress is not None:
                progress(len(out), len(encoded))
    return out


def score_pair(model, tokenizer, a: str, b: str) -> dict:  # noqa: ANN001
    """The learner's own pair: both sentences' scores and their differences."""
    score_a, score_b = sentence_scores(model, tokenizer, [a, b])
    return {"a": score_a, "b": score_b, **differences(score_a, score_b)}


def differences(score_a: dict, score_b: dict) -> dict[str, float]:
    return {measure: score_a[measure] - score_b[measure] for measure in MEASURES}


# --------------------------------------------------------------------------- what a tiny GPT can read


@once(maxsize=4)
def world_words(lang: str) -> frozenset[str]:
    """Every word of the toy world's corpus in ``lang`` (what the tiny GPT has ever seen)."""
    from lm_core.data.corpora import corpus_words, load_corpus

    return frozenset(word for sentence in corpus_words(load_corpus(TINY_CORPUS[lang])) for word in sentence)


def unknown_words(text: str, lang: str) -> list[str]:
    """The words of ``text`` the toy world never uses (in order, once each)."""
    from lm_core.data.segment import words

    known = world_words(lang)
    return list(dict.fromkeys(word for word in words(text, lang) if word not in known))


def readable(pair: Pair) -> bool:
    """Whether the tiny GPT of the pair's language has seen every word of both sentences."""
    return not unknown_words(pair.a, pair.lang) and not unknown_words(pair.b, pair.lang)


# --------------------------------------------------------------------------- the table


def score_pairs(model, tokenizer, pairs: Sequence[Pair], progress: Callable[[int, int], None] | None = None,
                ) -> dict[str, dict]:  # noqa: ANN001
    """``{pair id: {"a": scores, "b": scores}}`` for ``pairs`` under one model."""
    texts = [text for pair in pairs for text in (pair.a, pair.b)]
    scores = sentence_scores(model, tokenizer, texts, progress)
    return {pair.id: {"a": scores[2 * i], "b": scores[2 * i + 1]} for i, pair in enumerate(pairs)}


def model_table(model, tokenizer, model_name: str, lang: str,
                progress: Callable[[int, int], None] | None = None) -> dict:  # noqa: ANN001
    """One model's scores of every pair of ``lang`` it can read, and the ids it left out."""
    pairs = bias_pairs(lang)
    if model_name == SMOLLM2:
        kept = pairs
    else:
        kept = [pair for pair in pairs if readable(pair)]
    kept_ids = {pair.id for pair in kept}
    return {
        "scores": score_pairs(model, tokenizer, kept, progress),
        "unreadable": [pair.id for pair in pairs if pair.id not in kept_ids],
    }


def load_model(model_name: str):  # noqa: ANN201
    """``(model, tokenizer)`` read-only, loaded through lm_core (once per process for SmolLM2)."""
    if model_name == SMOLLM2:
        from lm_core.models.smollm2_cache import load_smollm2

        return load_smollm2()
    from lm_core.models.checkpoints import load_gpt

    model, tokenizer = load_gpt(model_name)
    model.eval().requires_grad_(False)
    return model, tokenizer


def model_table_job(model_name: str, lang: str, progress=None, should_stop=None) -> dict:  # noqa: ANN001
    """A job of the shared queue (picklable with ``functools.partial``): load the model in the
    worker, score every pair of ``lang`` it can read; reports ``{"done", "total"}``."""
    model, tokenizer = load_model(model_name)

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress({"done": done, "total": total})

    return model_table(model, tokenizer, model_name, lang, report)


def pair_job(model_name: str, a: str, b: str, progress=None, should_stop=None) -> dict:  # noqa: ANN001
    """A job of the shared queue: the learner's own pair under one model."""
    model, tokenizer = load_model(model_name)
    return score_pair(model, tokenizer, a, b)


# --------------------------------------------------------------------------- summaries


def pair_differences(table: dict, lang: str, measure: str = "total") -> dict[str, list[tuple[str, float]]]:
    """``{category: [(pair id, a − b), ...]}`` for the pairs the table scored (controls too)."""
    if measure not in MEASURES:
        raise InputError("errors.setting.not_a_choice", name="measure", value=str(measure)[:20])
    out: dict[str, list[tuple[str, float]]] = {kind: [] for kind in (*CATEGORIES, CONTROL)}
    for pair in bias_pairs(lang):
        scored = table["scores"].get(pair.id)
        if scored is not None:
            out[pair.category].append((pair.id, scored["a"][measure] - scored["b"][measure]))
    return out


def control_spread(control: Sequence[float]) -> float:
    """How far a control difference strays from zero: the CONTROL_QUANTILE of |difference|."""
    if len(control) == 0:
        return float("nan")
    return float(np.quantile(np.abs(np.asarray(control, dtype=float)), CONTROL_QUANTILE))


def summarise(probe: Sequence[float], control: Sequence[float]) -> dict:
    """Mean difference, the control's spread, and how many probe pairs lie beyond it, on each side."""
    probe_values = np.asarray(probe, dtype=float)
    spread = control_spread(control)
    return {
        "n": int(probe_values.size),
        "mean": float(probe_values.mean()) if probe_values.size else float("nan"),
        "control_mean": float(np.mean(control)) if len(control) else float("nan"),
        "spread": spread,
        "prefers_a": int((probe_values > spread).sum()) if probe_values.size else 0,
        "prefers_b": int((probe_values < -spread).sum()) if probe_values.size else 0,
    }


def summary_table(table: dict, lang: str, measure: str = "total") -> dict[str, dict]:
    """:func:`summarise` for every category of one model's table."""
    diffs = pair_differences(table, lang, measure)
    control = [value for _, value in diffs[CONTROL]]
    return {category: summarise([value for _, value in diffs[category]], control) for category in CATEGORIES}


# --------------------------------------------------------------------------- the shipped table


def load_results(path) -> dict:  # noqa: ANN001
    """The precomputed tables (``scripts/bias_probe.py``); ``ValueError`` when damaged."""
    import json
    from pathlib import Path

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ValueError("the bias probe's results are not a table of models")
    return data
