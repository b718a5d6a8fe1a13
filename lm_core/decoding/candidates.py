"""The candidates a page shows for one step: the most likely next tokens, reshaped by the knobs.

A step's chart lists a dozen candidates, each with its probability after temperature (the
bar), after top-k / top-p (the label), whether the filters kept it, whether it is the token
taken, and the model's own probability (temperature 1). One :class:`Candidate` holds all of
that for one token, so a figure reads a list of them instead of six parallel lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lm_core.decoding.generation import Distribution, SamplingSettings

#: How many candidates a step's chart shows.
TOP_SHOWN = 12


@dataclass(frozen=True)
class Candidate:
    """One possible next token, as a step's chart draws it."""

    token_id: int
    token: str  # the tokenizer's own string for it (the figure makes it readable)
    tempered: float  # probability after temperature: what top-k / top-p look at (the bar)
    final: float  # after the filters, renormalised; 0 when cut (the label)
    kept: bool  # survives top-k and top-p
    model_prob: float  # the model's own probability (temperature 1, no filter)
    chosen: bool = False  # the token the step took


def top_candidates(
    distribution: Distribution,
    token_of: Callable[[int], str],
    chosen: int | None = None,
    shown: int = TOP_SHOWN,
) -> list[Candidate]:
    """The ``shown`` most likely candidates (tempered), most likely first.

    The chosen token is always among them: when sampling took one outside the top ``shown``,
    it replaces the last. ``token_of``: the tokenizer's ``id_to_token``.
    """
    ids = distribution.top(shown)
    if chosen is not None and chosen not in ids:
        ids = ids[:-1] + [chosen]
    return [
        Candidate(
            token_id=i,
            token=token_of(i),
            tempered=float(distribution.tempered[i]),
            final=float(distribution.final[i]),
            kept=bool(distribution.keep[i]),
            model_prob=float(distribution.probs[i]),
            chosen=i == chosen,
        )
        for i in ids
    ]


def kept_count(distribution: Distribution) -> tuple[int, int]:
    """(candidates that survive the filters, size of the vocabulary)."""
    return int(distribution.keep.sum()), int(distribution.keep.numel())


def shows_model_probs(settings: SamplingSettings) -> bool:
    """Whether the chart should mark the model's own probabilities beside the bars: only when
    a temperature other than 1 made the bars differ from them (greedy has no temperature)."""
    return not settings.greedy and settings.temperature != 1.0
