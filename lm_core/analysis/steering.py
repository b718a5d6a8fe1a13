"""Chapter 7's steering: push a model's continuation toward a theme by adding a vector.

The vector is the mean residual stream of a few sentences about the theme minus that of a
few sentences about something else (:func:`lm_core.models.interventions.steering_vector`),
added after one layer at every position, times a strength. The text is continued greedily
twice, without and with the push, so the only difference is the push.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.models import interventions as iv

#: Sentences per side, characters per sentence: small sets the learner can read and edit.
MAX_SENTENCES, MAX_CHARS = 6, 200
TOP_K = 6


@dataclass(frozen=True)
class SteeringRun:
    """Continuations and first-step probabilities without (``before``) and with the push."""

    before_text: str
    after_text: str
    labels: list[str]  # the first step's candidates, union of both top lists
    before: list[float]
    after: list[float]
    vector_norm: float
    residual_norm: float  # typical size of the residual stream there, to compare the push with


def sentences(text: str) -> list[str]:
    """The non-empty lines of a box, checked (at most :data:`MAX_SENTENCES`)."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        raise InputError("errors.text.empty")
    if len(lines) > MAX_SENTENCES:
        raise InputError("errors.text.too_many_sentences", count=len(lines), limit=MAX_SENTENCES)
    return [clean_text(line, max_chars=MAX_CHARS) for line in lines]


def _encode_all(tokenizer, lines: Sequence[str]) -> list[list[int]]:  # noqa: ANN001
    encoded = [list(tokenizer.encode(line)) for line in lines]
    if not any(encoded):
        raise InputError("errors.text.no_words")
    return [ids for ids in encoded if ids]


def steer(model, tokenizer, prompt: str, toward: Sequence[str], away: Sequence[str], layer: int,  # noqa: ANN001
          strength: float, n_tokens: int = 12, progress: Callable | None = None) -> SteeringRun:
    """Continue ``prompt`` without and with ``strength`` x (toward - away) added after ``layer``."""
    ids = list(tokenizer.encode(clean_text(prompt, max_chars=MAX_CHARS * 2)))
    if not ids:
        raise InputError("errors.text.no_words")
    if not 0 <= layer < model.config.n_layer:
        raise InputError("errors.setting.no_such_layer", limit=model.config.n_layer - 1)
    toward_ids, away_ids = _encode_all(tokenizer, toward), _encode_all(tokenizer, away)
    vector = iv.steering_vector(model, toward_ids, away_ids, layer)
    residual = iv.mean_residual(model, [ids], layer)
    if progress is not None:
        progress({"stage": "vector"})
    push = [iv.Steer(layer, vector, float(strength))]
    end = getattr(tokenizer, "eos_id", None)
    before_ids = [token for token, _ in iv.greedy_continuation(model, ids, (), n_tokens, end)]
    after_ids = [token for token, _ in iv.greedy_continuation(model, ids, push, n_tokens, end)]
    first_before, first_after = iv.next_token_probs(model, ids), iv.next_token_probs(model, ids, push)
    shown = list(dict.fromkeys([*np.argsort(-first_before)[:TOP_K // 2].tolist(),
                                *np.argsort(-first_after)[:TOP_K // 2].tolist()]))
    return SteeringRun(
        before_text=tokenizer.decode(before_ids), after_text=tokenizer.decode(after_ids),
        labels=[str(tokenizer.id_to_token(i)) for i in shown],
        before=[float(first_before[i]) for i in shown], after=[float(first_after[i]) for i in shown],
        vector_norm=float(np.linalg.norm(vector)), residual_norm=float(np.linalg.norm(residual)),
    )


def steering_job(model_name: str, prompt: str, toward: tuple[str, ...], away: tuple[str, ...], layer: int,
                 strength: float, n_tokens: int, progress: Callable, should_stop: Callable) -> SteeringRun:
    """:func:`steer` as a job of the shared queue: the model is loaded in the worker."""
    from lm_core.analysis.ablation import load_by_name

    del should_stop  # two short greedy runs: nothing to stop between
    model, tokenizer = load_by_name(model_name)
    return steer(model, tokenizer, prompt, toward, away, layer, strength, n_tokens, progress)
