"""A tiny GPT: a decoder-only transformer in one readable file.

The shape of the code follows nanoGPT's ``model.py``: token and position embeddings,
``n_layer`` pre-LayerNorm blocks (masked multi-head self-attention, then an MLP, each
added back to the residual stream), a final LayerNorm and a linear head that shares
its weights with the token embedding ("weight tying").

One code path, two modes:

* **fast path** (``capture=None``): attention runs through PyTorch's fused
  ``scaled_dot_product_attention``; generation can pass a
  :class:`~lm_core.models.kv_cache.KVCache` so each new
  token only computes its own query, key and value.
* **capture path** (``capture=Capture()``): attention is written out step by step
  (scores, scaling, mask, softmax, weighted sum) and every intermediate is recorded in
  the capture object under a stable dotted name. The capture object belongs to the
  call, never to the model: no module hooks and no state on the module, because one
  model is shared by every session of the server. Each block knows its own name
  (``blocks.{i}``) from construction, so ``forward`` takes only the capture object.

Names recorded by the capture path (B batch, H heads, T tokens, D head dim = C / H,
C ``n_embd``, V vocabulary size):

==============================  ============  =========================================
name                            shape         what
==============================  ============  =========================================
``embed.token``                 (B, T, C)     token embedding of each input id
``embed.position``              (T, C)        position embedding of positions 0..T-1
``embed.sum``                   (B, T, C)     their sum: the residual stream enters
``blocks.{i}.ln1``              (B, T, C)     LayerNorm before attention
``blocks.{i}.attn.q|k|v``       (B, H, T, D)  queries, keys, values per head
``blocks.{i}.attn.scores``      (B, H, T, T)  raw Q·Kᵀ (row = query, column = key)
``blocks.{i}.attn.scaled``      (B, H, T, T)  scores / √D
``blocks.{i}.attn.masked``      (B, H, T, T)  scaled, -inf above the diagonal
``blocks.{i}.attn.weights``     (B, H, T, T)  softmax of masked: rows sum to 1
``blocks.{i}.attn.head_out``    (B, H, T, D)  weights @ v, per head
``blocks.{i}.attn.out``         (B, T, C)     heads concatenated, output projection
``blocks.{i}.resid_mid``        (B, T, C)     residual stream after attention
``blocks.{i}.ln2``              (B, T, C)     LayerNorm before the MLP
``blocks.{i}.mlp.act``          (B, T, 4C)    MLP hidden activations after GELU
``blocks.{i}.resid_post``       (B, T, C)     residual stream after the block
``ln_f``                        (B, T, C)     final LayerNorm
``logits``                      (B, T, V)     next-token scores at every position
==============================  ============  =========================================

All captured tensors are detached copies on the CPU (float32).

Interventions go through the same per-call object (:mod:`lm_core.models.interventions`):
``blocks.{i}.attn.head_out`` (a head switched off or scaled), ``blocks.{i}.mlp.act`` (a neuron
silenced) and ``blocks.{i}.resid_post`` (an activation patched in, a steering vector added)
can be changed on the way; ``Capture.intervening(edits)`` does it on the fast path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lm_core.models.attention import attend, merge_heads, split_heads
from lm_core.models.capture import Capture, edit, fast
from lm_core.models.capture import record as _record
from lm_core.models.config import ConfigMixin, require_dropout, require_heads_divide, require_positive
from lm_core.models.kv_cache import KVCache


@dataclass(frozen=True)
class GPTConfig(ConfigMixin):
    """Hyper-parameters of a GPT. Frozen: a model's shape never changes after creation."""

    vocab_size: int
    block_size: int = 64  # context window: the most tokens the model can look at
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False  # biases in Linear and LayerNorm (nanoGPT's default is False too)

    def __post_init__(self) -> None:
        require_positive(vocab_size=self.vocab_size, block_size=self.block_size, n_layer=self.n_layer,
                         n_head=self.n_head)
        require_heads_divide(self.n_embd, self.n_head)
        require_dropout(self.dropout)

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


class CausalSelfAttention(nn.Module):
    """Multi-head masked self-attention: every token looks only at itself and the past.

    ``name`` (``blocks.{i}.attn``) is where its steps are recorded; ``layer`` is its slot
    in a :class:`KVCache`. Both are fixed at construction, so ``forward`` needs neither.
    """

    def __init__(self, config: GPTConfig, name: str, layer: int) -> None:
        super().__init__()
        self.name, self.layer = name, layer
        self.n_head = config.n_head
        self.head_dim = config.head_dim
        # One matrix computes queries, keys and values of all heads at once.
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(
        self, x: torch.Tensor, capture: Capture | None = None, kv_cache: KVCache | None = None
    ) -> torch.Tensor:
        batch, tokens, channels = x.shape
        q, k, v = (split_heads(part, self.n_head) for part in self.qkv(x).split(channels, dim=2))
        if not fast(capture) and kv_cache is not None:
            raise ValueError("the capture path runs on the whole context: pass kv_cache=None")
        past = 0
        if kv_cache is not None:
            past = kv_cache.layer_length(self.layer)
            k, v = kv_cache.append(self.layer, k, v)
        dropout = self.dropout if self.training else 0.0
        heads = attend(q, k, v, causal=True, past=past, capture=capture, prefix=self.name, dropout=dropout)
        out = self.resid_dropout(self.proj(merge_heads(heads)))
        _record(capture, f"{self.name}.out", out)
        return out


class MLP(nn.Module):
    """Position-wise feed-forward network: widen to 4C, GELU, project back to C.

    ``name`` (``blocks.{i}.mlp``): where its hidden activations are recorded (``{name}.act``).
    """

    def __init__(self, config, name: str) -> None:  # noqa: ANN001 (any config with n_embd/bias/dropout)
        super().__init__()
        self.name = name
        self.fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, capture: Capture | None = None) -> torch.Tensor:
        hidden = edit(capture, f"{self.name}.act", F.gelu(self.fc(x)))  # a neuron silenced, if asked
        _record(capture, f"{self.name}.act", hidden)
        return self.dropout(self.proj(hidden))


class Block(nn.Module):
    """Transformer block ``layer`` (pre-LayerNorm): x + attn(ln1(x)), then x + mlp(ln2(x)).

    It knows its name, ``blocks.{layer}``, from construction (as TransformerLens's blocks
    know their index) and records under it.
    """

    def __init__(self, config: GPTConfig, layer: int) -> None:
        super().__init__()
        self.name = f"blocks.{layer}"
        self.ln1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config, f"{self.name}.attn", layer)
        self.ln2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config, f"{self.name}.mlp")

    def forward(
        self, x: torch.Tensor, capture: Capture | None = None, kv_cache: KVCache | None = None
    ) -> torch.Tensor:
        normed = self.ln1(x)
        _record(capture, f"{self.name}.ln1", normed)
        x = x + self.attn(normed, capture, kv_cache)
        _record(capture, f"{self.name}.resid_mid", x)
        normed = self.ln2(x)
        _record(capture, f"{self.name}.ln2", normed)
        x = x + self.mlp(normed, capture)
        x = edit(capture, f"{self.name}.resid_post", x)  # patched or steered, if asked
        _record(capture, f"{self.name}.resid_post", x)
        return x


class GPT(nn.Module):
    """The decoder-only language model. ``model(idx)`` returns logits of shape (B, T, V)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.position_embedding = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config, layer) for layer in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying: the same matrix turns ids into vectors and vectors into scores.
        self.lm_head.weight = self.token_embedding.weight
        self.apply(self._init_weights)
        # GPT-2's trick: scale the projections that write into the residual stream so
        # its variance does not grow with depth.
        for name, parameter in self.named_parameters():
            if name.endswith("attn.proj.weight") or name.endswith("mlp.proj.weight"):
                nn.init.normal_(parameter, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self, include_position: bool = True) -> int:
        """Number of parameters (the tied head is counted once)."""
        total = sum(parameter.numel() for parameter in self.parameters())
        if not include_position:
            total -= self.position_embedding.weight.numel()
        return total

    def forward(
        self,
        idx: torch.Tensor,
        capture: Capture | None = None,
        kv_cache: KVCache | None = None,
        last_only: bool = False,
    ) -> torch.Tensor:
        """Logits (B, T, V) for token ids ``idx`` (B, T).

        ``capture``: record intermediates (slower, step-by-step attention).
        ``kv_cache``: fast path only; ``idx`` then holds only the tokens not yet cached,
        and their positions continue after the cached ones.
        ``last_only``: only the last position's logits, shape (B, 1, V) (generation needs
        nothing else; ignored when capturing, which always records every position).
        """
        if idx.dim() != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        tokens = idx.shape[1]
        start = kv_cache.length if kv_cache is not None else 0
        if start + tokens > self.config.block_size:
            raise ValueError(
                f"{start + tokens} tokens do not fit the context window of {self.config.block_size}; crop from the left"
            )
        positions = torch.arange(start, start + tokens, device=idx.device)
        token_vectors = self.token_embedding(idx)
        position_vectors = self.position_embedding(positions)
        x = token_vectors + position_vectors
        _record(capture, "embed.token", token_vectors)
        _record(capture, "embed.position", position_vectors)
        _record(capture, "embed.sum", x)
        x = self.drop(x)
        for block in self.blocks:
            x = block(x, capture, kv_cache)
        if last_only and fast(capture):
            x = x[:, -1:, :]
        x = self.ln_f(x)
        _record(capture, "ln_f", x)
        logits = self.lm_head(x)
        _record(capture, "logits", logits)
        return logits

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of predicting ``targets`` (B, T) from ``idx`` (B, T)."""
        logits = self(idx)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)

    def new_kv_cache(self) -> KVCache:
        return KVCache(self.config.n_layer)

    def flops_per_token(self, tokens: int | None = None) -> float:
        """Training FLOPs per token (forward + backward), PaLM appendix B, as nanoGPT counts.

        6 N for the weights plus 12 L H D T for the attention matmuls.
        """
        cfg = self.config
        tokens = tokens or cfg.block_size
        return 6 * self.num_parameters(include_position=False) + 12 * cfg.n_layer * cfg.n_head * cfg.head_dim * tokens
