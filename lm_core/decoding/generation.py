"""Text generation as a sequence of inspectable steps.

A language model only ever answers one question: *given these tokens, how likely is
each possible next token?* Generating text repeats it: pick a token from that
distribution, append it, ask again, until an end token or a length limit.

The choice is shaped by three knobs, written here as small pure functions over logits
and probabilities so a page can redraw a distribution without running the model again:

* temperature: divide the logits by ``T`` before the softmax (``T < 1`` sharpens,
  ``T > 1`` flattens; the order of the candidates never changes);
* top-k: keep only the ``k`` most likely tokens;
* top-p (nucleus): keep the smallest set of most likely tokens whose probabilities add
  up to at least ``p``.

They are applied in that order, then the kept probabilities are renormalised. Greedy
decoding ignores all three and takes the most likely token.

Each step is a :class:`GenerationStep` with the full distribution before and after the
knobs, the candidates kept, the token chosen and its probability, and whether the
context had to be cropped from the left to fit the model's window.

The loop runs any model that meets :class:`~lm_core.models.causal.CausalLM` (the tiny GPT,
SmolLM2): logits for ids, a context window, a key/value cache.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from lm_core.core.errors import InputError
from lm_core.models.causal import CausalLM
from lm_core.models.kv_cache import KVCache

MIN_TEMPERATURE = 0.05
MAX_TEMPERATURE = 5.0


@dataclass(frozen=True)
class SamplingSettings:
    """How the next token is chosen. ``top_k=None`` and ``top_p=1.0`` switch those filters off."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float = 1.0
    greedy: bool = False

    def __post_init__(self) -> None:
        if not MIN_TEMPERATURE <= self.temperature <= MAX_TEMPERATURE:
            raise InputError("errors.setting.temperature_range", low=MIN_TEMPERATURE, high=MAX_TEMPERATURE)
        if self.top_k is not None and self.top_k < 1:
            raise InputError("errors.setting.top_k")
        if not 0.0 < self.top_p <= 1.0:
            raise InputError("errors.setting.top_p")


# --- the knobs, as pure functions -------------------------------------------------


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``logits / temperature`` (the softmax of that is the tempered distribution)."""
    if temperature <= 0:
        raise InputError("errors.setting.temperature_range", low=MIN_TEMPERATURE, high=MAX_TEMPERATURE)
    return logits / temperature


def top_k_mask(probs: torch.Tensor, k: int | None) -> torch.Tensor:
    """Boolean mask (same shape as ``probs``, last dim = vocabulary) of the ``k`` most likely tokens."""
    if k is None or k >= probs.shape[-1]:
        return torch.ones_like(probs, dtype=torch.bool)
    if k < 1:
        raise InputError("errors.setting.top_k")
    keep = torch.zeros_like(probs, dtype=torch.bool)
    indices = torch.topk(probs, k, dim=-1).indices
    return keep.scatter(-1, indices, True)


def top_p_mask(probs: torch.Tensor, p: float) -> torch.Tensor:
    """Mask of the smallest set of most likely tokens whose total probability reaches ``p``.

    The most likely token is always kept, so the set is never empty.
    """
    if p >= 1.0:
        return torch.ones_like(probs, dtype=torch.bool)
    if p <= 0.0:
        raise InputError("errors.setting.top_p")
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    cumulative = torch.cumsum(sorted_probs, dim=-1)
    # Keep a token if the tokens before it had not yet reached p.
    keep_sorted = (cumulative - sorted_probs) < p
    keep_sorted[..., 0] = True
    return torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)


def renormalise(probs: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    kept = torch.where(keep, probs, torch.zeros_like(probs))
    return kept / kept.sum(dim=-1, keepdim=True)


@dataclass
class Distribution:
    """One next-token distribution before and after the knobs (all shape (V,), on the CPU)."""

    logits: torch.Tensor  # raw scores from the model
    probs: torch.Tensor  # softmax(logits): the model's own distribution (temperature 1)
    tempered: torch.Tensor  # softmax(logits / T)
    final: torch.Tensor  # tempered, filtered by top-k and top-p, renormalised
    keep: torch.Tensor  # bool: which tokens survive the filters

    def kept_ids(self) -> list[int]:
        """Surviving token ids, most likely first."""
        ids = torch.nonzero(self.keep).flatten()
        order = torch.argsort(self.final[ids], descending=True)
        return ids[order].tolist()

    def top(self, n: int) -> list[int]:
        """The ``n`` ids with the highest tempered probability (kept or not)."""
        n = min(n, self.tempered.shape[-1])
        return torch.topk(self.tempered, n).indices.tolist()


def shape_distribution(logits: torch.Tensor, settings: SamplingSettings) -> Distribution:
    """Apply temperature, then top-k, then top-p to one row of logits (V,). Pure: no model."""
    logits = logits.detach().to("cpu", torch.float32).flatten()
    probs = torch.softmax(logits, dim=-1)
    if settings.greedy:
        keep = torch.zeros_like(probs, dtype=torch.bool)
        keep[int(torch.argmax(logits))] = True
        return Distribution(logits, probs, probs, keep.to(probs.dtype), keep)
    tempered = torch.softmax(apply_temperature(logits, settings.temperature), dim=-1)
    keep = top_k_mask(tempered, settings.top_k)
    after_k = renormalise(tempered, keep)
    keep = keep & top_p_mask(after_k, settings.top_p)
    return Distribution(logits, probs, tempered, renormalise(tempered, keep), keep)


def choose_token(distribution: Distribution, generator: torch.Generator | None = None, force: int | None = None) -> int:
    """Sample from ``distribution.final`` (greedy: its only kept token), or take ``force``."""
    if force is not None:
        force = int(force)
        if not 0 <= force < distribution.final.shape[-1]:
            raise ValueError(f"forced token id {force} is outside the vocabulary")
        return force
    if int(distribution.keep.sum()) == 1:
        return int(torch.argmax(distribution.final))
    return int(torch.multinomial(distribution.final, 1, generator=generator))


# --- steps ------------------------------------------------------------------------


@dataclass
class GenerationStep:
    """One generated token and everything that led to it."""

    index: int  # 0 for the first generated token
    context: list[int]  # the ids the model saw (after cropping), oldest first
    cropped: int  # how many of the oldest tokens were dropped to fit the window
    distribution: Distribution
    token_id: int
    token_prob: float  # probability of the chosen token in the distribution it came from
    model_prob: float  # its probability under the model alone (temperature 1, no filter)
    forced: bool = False  # chosen by the learner, not by the sampler
    is_end: bool = False  # the end-of-sentence token
    kept: list[int] = field(default_factory=list)  # candidate ids that survived the filters

    @property
    def was_cropped(self) -> bool:
        return self.cropped > 0

    @property
    def rank(self) -> int:
        """1 if the most likely token was chosen, 2 for the second, ..."""
        return int((self.distribution.probs > self.distribution.probs[self.token_id]).sum()) + 1


def _last_logits(model: CausalLM, window: Sequence[int], cache: KVCache | None) -> torch.Tensor:
    device = next(model.parameters()).device
    if cache is None:
        idx = torch.tensor([list(window)], dtype=torch.long, device=device)
        return model(idx, last_only=True)[0, -1]
    if cache.length == len(window) - 1 and cache.length > 0:
        # Only the newest token is new: its query looks at the cached keys and values.
        idx = torch.tensor([[window[-1]]], dtype=torch.long, device=device)
    else:
        idx = torch.tensor([list(window)], dtype=torch.long, device=device)
    return model(idx, kv_cache=cache, last_only=True)[0, -1]


def next_token_logits(model: CausalLM, ids: Sequence[int]) -> tuple[torch.Tensor, list[int], int]:
    """Logits (V,) for the token after ``ids``: (logits, window used, number cropped)."""
    if not ids:
        raise InputError("errors.text.empty")
    block = model.config.block_size
    window = list(ids)[-block:]
    with torch.inference_mode():
        logits = _last_logits(model, window, None).float().cpu()
    return logits, window, len(ids) - len(window)


def make_step(
    index: int,
    logits: torch.Tensor,
    window: list[int],
    cropped: int,
    settings: SamplingSettings,
    generator: torch.Generator | None = None,
    force: int | None = None,
    end_id: int | None = None,
) -> GenerationStep:
    """Turn the logits of one position into a step (choose the token). Pure but for sampling."""
    distribution = shape_distribution(logits, settings)
    token = choose_token(distribution, generator, force)
    return GenerationStep(
        index=index,
        context=window,
        cropped=cropped,
        distribution=distribution,
        token_id=token,
        token_prob=float(distribution.final[token]),
        model_prob=float(distribution.probs[token]),
        forced=force is not None,
        is_end=end_id is not None and token == end_id,
        kept=distribution.kept_ids(),
    )


def generate_steps(
    model: CausalLM,
    prompt_ids: Sequence[int],
    settings: SamplingSettings,
    max_new_tokens: int,
    generator: torch.Generator | None = None,
    end_id: int | None = None,
    use_cache: bool = True,
    forced: Mapping[int, int] | None = None,
    overflow: str = "slide",
) -> Iterator[GenerationStep]:
    """Yield one :class:`GenerationStep` per new token, up to ``max_new_tokens`` or ``end_id``.

    ``generator``: the private random stream for sampling (never the global seed).
    ``use_cache``: keep keys and values of past tokens (fast path): while the text fits
    the window each step feeds only the newest token.
    ``overflow``: what happens once the text no longer fits the window.
    ``"slide"`` (exact, the default): every step crops the oldest token, so the model
    always sees the last ``block_size`` tokens; positions shift, and because this model
    has learned *absolute* positions the cached keys cannot be reused: every step then
    recomputes the whole window (as nanoGPT's sampler does).
    ``"shift"`` (faster, approximate): when the window is full, keep only its newest half,
    rebuild the cache once and go on with cheap one-token steps until it is full again;
    the model then sees between ``block_size / 2`` and ``block_size`` tokens.
    ``forced``: {step index: token id} to take instead of sampling (branching).
    """
    if not prompt_ids:
        raise InputError("errors.text.empty")
    if overflow not in ("slide", "shift"):
        raise ValueError("overflow must be 'slide' or 'shift'")
    forced = dict(forced or {})
    ids = [int(i) for i in prompt_ids]
    block = model.config.block_size
    cache = model.new_kv_cache() if use_cache else None
    start = max(0, len(ids) - block)  # first id inside the window
    with torch.inference_mode():
        for index in range(max_new_tokens):
            if len(ids) - start > block:
                if overflow == "shift" and use_cache:
                    start = len(ids) - max(1, block // 2)
                    cache = model.new_kv_cache()
                else:
                    start = len(ids) - block
                    cache = None  # the window slides from now on: cached positions are stale
            elif start > 0 and overflow == "slide":
                cache = None  # a prompt longer than the window: recompute every step
            window = ids[start:]
            logits = _last_logits(model, window, cache).float().cpu()
            step = make_step(index, logits, window, start, settings, generator, forced.get(index), end_id)
            yield step
            ids.append(step.token_id)
            if step.is_end:
                return


def generate(
    model: CausalLM,
    prompt_ids: Sequence[int],
    settings: SamplingSettings,
    max_new_tokens: int,
    generator: torch.Generator | None = None,
    end_id: int | None = None,
    use_cache: bool = True,
    overflow: str = "slide",
) -> list[int]:
    """Just the generated ids (see :func:`generate_steps`)."""
    steps = generate_steps(model, prompt_ids, settings, max_new_tokens, generator, end_id, use_cache, overflow=overflow)
    return [step.token_id for step in steps]
