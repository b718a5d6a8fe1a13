"""The logit lens: what would the model say next if it had to answer after layer l?

A decoder's residual stream carries one vector per position from the embedding to the last
block; only at the end does the final norm + unembedding turn it into next-token scores.
The lens applies that same final norm and unembedding to the stream after *every* block
(nostalgebraist, 2020), so one sees the answer form layer by layer: early layers often
guess a copy of the current token or a frequent word, later layers settle on the answer.

Works for any model here with ``ln_f`` and a tied unembedding: the tiny GPT
(``lm_head``) and SmolLM2 (``unembed``). Row 0 is the embedding (before any block),
row l is after block l; the last row equals the model's real output.

Also here: :func:`describe_architecture`, the facts a "what changed since GPT-2" table
needs, read from a model's modules and config (never typed in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from lm_core.core.device import inference_threads
from lm_core.core.errors import InputError
from lm_core.models.capture import Capture

MAX_LENS_TOKENS = 256  # the lens runs the step-by-step path: keep the context short


@dataclass(frozen=True)
class LogitLens:
    """Top guesses per (layer, position). ``top_ids``/``top_probs``: (L + 1, T, k)."""

    ids: list[int]  # the input ids (positions)
    top_ids: torch.Tensor
    top_probs: torch.Tensor
    final_rank_of_answer: torch.Tensor  # (L + 1, T): rank of the model's final guess at each layer (1 = top)

    @property
    def n_rows(self) -> int:
        return int(self.top_ids.shape[0])


def _unembed(model: nn.Module):
    if hasattr(model, "unembed"):
        return model.unembed
    return model.lm_head


def _stream_names(model: nn.Module) -> list[str]:
    first = "embed.sum" if hasattr(model, "position_embedding") else "embed.token"
    return [first] + [f"blocks.{i}.resid_post" for i in range(model.config.n_layer)]


def logit_lens(model: nn.Module, ids: Sequence[int], k: int = 3) -> LogitLens:
    """Run ``ids`` once and read the next-token guess after every block (see the module docstring)."""
    ids = [int(i) for i in ids]
    if not ids:
        raise InputError("errors.text.empty")
    if len(ids) > MAX_LENS_TOKENS:
        raise InputError("errors.text.too_many_tokens", limit=MAX_LENS_TOKENS, count=len(ids))
    names = _stream_names(model)
    capture = Capture(include=set(names))
    with inference_threads(), torch.inference_mode():
        model(torch.tensor([ids]), capture=capture)
        stream = torch.stack([capture[name][0] for name in names])  # (L + 1, T, C)
        logits = _unembed(model)(model.ln_f(stream))
        probs = torch.softmax(logits.float(), dim=-1)
        top = torch.topk(probs, k, dim=-1)
        final_guess = probs[-1].argmax(-1)  # (T,)
        answer_prob = probs.gather(-1, final_guess[None, :, None].expand(probs.shape[0], -1, 1))
        rank = (probs > answer_prob).sum(-1) + 1
    return LogitLens(ids=ids, top_ids=top.indices, top_probs=top.values, final_rank_of_answer=rank)


def describe_architecture(model: nn.Module) -> dict:
    """Facts for a comparison table, read from the model itself.

    Keys: ``positions`` ("learned" | "rotary"), ``norm`` ("layernorm" | "rmsnorm"),
    ``mlp`` ("gelu" | "swiglu"), ``n_layer``, ``n_head``, ``n_kv_head``, ``n_embd``,
    ``mlp_width``, ``vocab_size``, ``window``, ``params``, ``tied``.
    """
    cfg = model.config
    block = model.blocks[0]
    rotary = not hasattr(model, "position_embedding")
    norm = "layernorm" if isinstance(block.ln1, nn.LayerNorm) else "rmsnorm"
    swiglu = hasattr(block.mlp, "gate")
    mlp_width = block.mlp.gate.out_features if swiglu else block.mlp.fc.out_features
    n_kv = getattr(cfg, "n_kv_head", cfg.n_head)
    embedding = model.embed if rotary else model.token_embedding
    head = getattr(model, "lm_head", None)
    return {
        "positions": "rotary" if rotary else "learned",
        "norm": norm,
        "mlp": "swiglu" if swiglu else "gelu",
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_kv_head": n_kv,
        "n_embd": cfg.n_embd,
        "mlp_width": mlp_width,
        "vocab_size": cfg.vocab_size,
        "window": cfg.block_size,
        "trained_window": getattr(cfg, "max_position", cfg.block_size),
        "params": model.num_parameters(),
        "tied": head is None or head.weight is embedding.weight,
    }
