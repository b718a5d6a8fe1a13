"""One learner's generation run: the steps taken from a prompt, as an object a page keeps.

A run belongs to one (model, prompt, seed). It owns its random stream, so the same seed
and the same clicks give the same text; it grows one step at a time (``take``) or many
(``extend``, which yields each step as it comes, for streaming); any step can be branched
(``branch``: drop that step and what follows, then continue from another token); and it
starts again with ``reset``. The model and its logits are passed in: a run holds no
model, so a shared read-only model serves every learner's run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field

import torch

from lm_core.decoding.generation import GenerationStep, SamplingSettings, generate_steps, make_step

#: Logits of the next token after ``ids``: ``(logits, window, cropped)`` as
#: ``lm_core.decoding.generation.next_token_logits`` returns them (possibly cached).
LogitsFn = Callable[[Sequence[int]], tuple[torch.Tensor, list[int], int]]


@dataclass
class GenerationRun:
    """The steps generated after ``prompt_ids`` with one random stream."""

    key: Hashable  # what the run belongs to: (model name, prompt ids, seed)
    prompt_ids: list[int]
    seed: int
    end_id: int | None = None
    steps: list[GenerationStep] = field(default_factory=list)
    previous_ids: list[int] | None = None  # the text before the last branch, to compare
    generator: torch.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.generator = torch.Generator().manual_seed(self.seed)

    # -- what the page shows ------------------------------------------------------------

    @property
    def ids(self) -> list[int]:
        """Prompt and generated tokens."""
        return self.prompt_ids + [step.token_id for step in self.steps]

    @property
    def ended(self) -> bool:
        """True once the model produced its end-of-text token."""
        return bool(self.steps) and self.steps[-1].is_end

    # -- growing it --------------------------------------------------------------------

    def take(self, logits_fn: LogitsFn, settings: SamplingSettings) -> GenerationStep | None:
        """One more token (``None`` if the run has ended)."""
        if self.ended:
            return None
        logits, window, cropped = logits_fn(self.ids)
        step = make_step(len(self.steps), logits, window, cropped, settings, self.generator, end_id=self.end_id)
        self.steps.append(step)
        return step

    def replay(self, logits_fn: LogitsFn, settings: SamplingSettings, token_ids: Sequence[int]) -> None:
        """Take ``token_ids`` as the next steps, each with the logits the model gives there (a
        shared link's text rebuilt: the same tokens, the same charts). They count as drawn, not
        as the learner's branch choices. Stops at the end-of-text token."""
        for token_id in token_ids:
            if self.ended:
                return
            logits, window, cropped = logits_fn(self.ids)
            step = make_step(len(self.steps), logits, window, cropped, settings, self.generator, int(token_id),
                             self.end_id)
            step.forced = False
            self.steps.append(step)

    def extend(self, model, settings: SamplingSettings, n: int, forced_first: int | None = None) -> Iterator[GenerationStep]:
        """Up to ``n`` more tokens with the KV cache, each yielded as it is taken."""
        if self.ended:
            return
        start = len(self.steps)
        forced = {0: forced_first} if forced_first is not None else None
        for step in generate_steps(model, self.ids, settings, n, self.generator, self.end_id, forced=forced):
            step.index = start + step.index
            self.steps.append(step)
            yield step

    def branch(self, index: int) -> int:
        """Forget step ``index`` and everything after it (remembering the text so far, to
        compare); returns how many steps were dropped."""
        if not 0 <= index < len(self.steps):
            raise IndexError(f"no step {index} in a run of {len(self.steps)}")
        self.previous_ids = self.ids
        dropped = len(self.steps) - index
        del self.steps[index:]
        return dropped

    def reset(self) -> None:
        """Back to the prompt, with the random stream from its seed again."""
        self.steps.clear()
        self.previous_ids = None
        self.generator = torch.Generator().manual_seed(self.seed)
