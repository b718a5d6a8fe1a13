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

from collections.abc import Callable, Sequence
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

    def last_positions(self, count: int) -> list[int]:
        """The last ``count`` positions (all of them when the text is shorter)."""
        return list(range(max(0, len(self.ids) - count), len(self.ids)))

    def top_tokens(self, positions: Sequence[int], token_of: Callable[[int], str]) -> list[list[list[str]]]:
        """``[row][position][guess]``: the top guesses as token strings (``token_of``: the
        tokenizer's ``id_to_token``) at ``positions``."""
        return [[[token_of(int(i)) for i in self.top_ids[r, c]] for c in positions] for r in range(self.n_rows)]

    def top_probabilities(self, positions: Sequence[int]) -> list[list[list[float]]]:
        """``[row][position][guess]``: the probabilities of :meth:`top_tokens`."""
        return [[[float(p) for p in self.top_probs[r, c]] for c in positions] for r in range(self.n_rows)]

    @property
    def answer(self) -> int:
        """The model's own next-token guess after the last position (the last row's top)."""
        return int(self.top_ids[-1, -1, 0])

    def settled_row(self, position: int = -1) -> int:
        """The first row from which the final answer stays the top guess at ``position``.

        Read from the last row upwards: the answer "appears" at the earliest layer after
        which every later layer agrees with it. ``n_rows - 1`` means only the last layer has it.
        """
        return first_settled_row(self.final_rank_of_answer[:, position].tolist())


def first_settled_row(ranks: Sequence[int]) -> int:
    """Index of the first row of an unbroken run of rank 1 that reaches the last row.

    ``ranks``: per row (embedding, then each layer), the rank of the final answer at one
    position; the last row is always 1 (it *is* the answer). ``[5, 1, 3, 1, 1]`` gives 3:
    row 1 had it too, but row 2 lost it again.
    """
    first = len(ranks) - 1
    while first > 0 and ranks[first - 1] == 1:
        first -= 1
    return first


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


#: The rows of the "what changed since GPT-2" table, in order.
ARCHITECTURE_ASPECTS = ("positions", "norm", "mlp", "heads", "layers", "vocab", "window", "params")

#: One cell of that table: the name of the sentence that says it (the page adds its
#: chapter's prefix and translates it) with that sentence's values; ``None`` for a cell
#: that is a number alone (then ``{"text": ...}``).
ArchitectureCell = tuple[str | None, dict]


def architecture_cells(facts: dict) -> list[ArchitectureCell]:
    """One model's column of the comparison table, one cell per :data:`ARCHITECTURE_ASPECTS`,
    from :func:`describe_architecture`'s facts. Numbers come formatted with thousands
    separators; which sentence is used follows the facts (grouped-query heads, a window
    smaller than the one the model was trained with)."""
    heads = "heads_full" if facts["n_kv_head"] == facts["n_head"] else "heads_gqa"
    if facts["trained_window"] == facts["window"]:
        window: ArchitectureCell = ("window", {"window": facts["window"]})
    else:
        window = ("window_smol", {"trained": f"{facts['trained_window']:,}", "window": f"{facts['window']:,}"})
    return [
        (f"pos_{facts['positions']}", {"window": facts["window"]}),
        (f"norm_{facts['norm']}", {}),
        (f"mlp_{facts['mlp']}", {"width": f"{facts['mlp_width']:,}"}),
        (heads, {"heads": facts["n_head"], "kv": facts["n_kv_head"]}),
        ("layers", {"layers": facts["n_layer"], "width": facts["n_embd"]}),
        (None, {"text": f"{facts['vocab_size']:,}"}),
        window,
        (None, {"text": f"{facts['params']:,}"}),
    ]


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
