"""The Llama family in one readable file: Llama 2/3, Qwen2/2.5, SmolLM/SmolLM2, Mistral.

Today's open decoders differ from one another in their *config*, not in their code: how wide,
how deep, how many key/value heads, the RoPE base and stretch, whether q/k/v carry a bias
(Qwen2), whether the unembedding is the embedding matrix again (tied) or a matrix of its own.
So one network serves them all, read from a config (:class:`LlamaConfig`); SmolLM2, the model
the app ships, is one instance of it (:mod:`lm_core.models.smollm2`). Where the weights of
another model come from (a folder, a GGUF file, the hub) is :mod:`lm_core.models.open_model`.

What changed since GPT-2 (and the tiny GPT):

* no position embedding: **RoPE** rotates each query and key by an angle that grows with
  its position, so a score ``q·k`` depends on how far apart two tokens are. The base
  (``rope_theta``) sets how slowly the last pairs turn; Llama 3 also *stretches* the slow
  pairs for long contexts (``rope_scaling`` "llama3"), others stretch all of them ("linear");
* **RMSNorm** instead of LayerNorm: divide by the root mean square, no mean subtraction,
  no bias;
* **grouped-query attention**: query heads share key/value heads (query head ``h`` reads
  key/value head ``h // (n_head / n_kv_head)``, :func:`kv_head_of`), so the cache is smaller;
* **SwiGLU** MLP: ``down(silu(gate(x)) * up(x))`` instead of ``proj(gelu(fc(x)))``;
* tied embeddings (SmolLM2, Qwen2.5-0.5B, Llama 3.2-1B) or an unembedding of its own.

Mistral's *sliding window* (each token sees only the last W tokens) is not written here:
the window this app lets such a model use is capped at W, where full attention and a
sliding window give the same result.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lm_core.core.errors import InputError
from lm_core.core.hf import transformers_held
from lm_core.models.attention import attend, kv_head_of, merge_heads
from lm_core.models.capture import Capture, edit, fast
from lm_core.models.capture import record as _record
from lm_core.models.config import ConfigMixin, require_heads_divide, require_positive
from lm_core.models.kv_cache import KVCache

__all__ = [
    "Llama",
    "LlamaConfig",
    "config_from_hf",
    "hf_name",
    "kv_head_of",
    "rope_frequencies",
    "transformers_twin",
    "weights_from_transformers",
]

#: The RoPE stretches this file knows (``rope_scaling``'s type); any other is refused.
ROPE_SCALINGS = ("default", "linear", "llama3")
#: The window this app lets a model use at most (memory and speed on a CPU).
APP_WINDOW = 2048


# --- configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class LlamaConfig(ConfigMixin):
    """Shape of a Llama-family model. Frozen: it never changes after loading.

    The defaults are SmolLM2-135M's (the instance the app ships). ``rope_scaling`` is a
    tuple of (name, value) pairs (hashable, like the rest of the config), e.g.
    ``(("rope_type", "llama3"), ("factor", 32.0), ...)``; empty means none.
    """

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
    block_size: int = APP_WINDOW  # the window this app lets it use (memory and speed on a CPU)
    qkv_bias: bool = False  # Qwen2: queries, keys and values get a bias (the output does not)
    rope_scaling: tuple = ()

    def __post_init__(self) -> None:
        require_positive(vocab_size=self.vocab_size, n_layer=self.n_layer, n_head=self.n_head,
                         n_kv_head=self.n_kv_head, block_size=self.block_size)
        require_heads_divide(self.n_embd, self.n_head)
        kv_head_of(0, self.n_head, self.n_kv_head)  # query heads must share key/value heads evenly
        scaling = self.rope_scaling
        if isinstance(scaling, dict):
            scaling = scaling.items()
        # JSON gives lists back: keep pairs as sorted tuples so the config stays hashable.
        object.__setattr__(self, "rope_scaling", tuple(sorted((str(k), v) for k, v in scaling)))
        rope_type = self.rope_type
        if rope_type not in ROPE_SCALINGS:
            raise InputError("models.errors.rope_scaling", kind=rope_type, known=", ".join(ROPE_SCALINGS))

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @property
    def rope_type(self) -> str:
        return str(dict(self.rope_scaling).get("rope_type", "default"))


# --- the network -----------------------------------------------------------------------


class RMSNorm(nn.Module):
    """x / sqrt(mean(x²) + eps) * weight: rescale each vector to unit size, no centring, no bias."""

    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_frequencies(config: LlamaConfig, device: torch.device | str | None = None) -> torch.Tensor:
    """(D/2,) how fast each channel pair turns per position: ``theta^(-2i/D)``, stretched as
    the config's ``rope_scaling`` says.

    "linear" divides every frequency by ``factor`` (positions read as if ``factor`` times
    closer). "llama3" leaves the fast pairs alone, divides the slow ones (wavelength beyond
    ``original_max_position_embeddings / low_freq_factor``) by ``factor`` and blends the ones
    between, as Llama 3.1/3.2 were trained.
    """
    head_dim = config.head_dim
    inv_freq = config.rope_theta ** (-torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim)
    scaling = dict(config.rope_scaling)
    kind = config.rope_type
    if kind == "linear":
        return inv_freq / float(scaling["factor"])
    if kind == "llama3":
        factor = float(scaling["factor"])
        low, high = float(scaling["low_freq_factor"]), float(scaling["high_freq_factor"])
        old_context = float(scaling["original_max_position_embeddings"])
        wavelength = 2 * math.pi / inv_freq
        stretched = torch.where(wavelength > old_context / low, inv_freq / factor, inv_freq)
        smooth = (old_context / wavelength - low) / (high - low)
        blended = (1 - smooth) * stretched / factor + smooth * stretched
        between = (wavelength >= old_context / high) & (wavelength <= old_context / low)
        return torch.where(between, blended, stretched)
    return inv_freq


def rope_cos_sin(positions: torch.Tensor, head_dim: int, theta: float,
                 inv_freq: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (T, D) of the rotation angles ``position * theta^(-2i/D)`` (or ``inv_freq``).

    Channel pair i (channels i and i + D/2) turns by its own frequency: the first pairs fast,
    the last slowly, so near and far distances are both visible in ``q·k``.
    """
    if inv_freq is None:
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

    def __init__(self, config: LlamaConfig, name: str, layer: int) -> None:
        super().__init__()
        self.name, self.layer = name, layer
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.n_kv_head, config.head_dim
        kv_width = config.n_kv_head * config.head_dim
        self.q_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.qkv_bias)
        self.k_proj = nn.Linear(config.n_embd, kv_width, bias=config.qkv_bias)
        self.v_proj = nn.Linear(config.n_embd, kv_width, bias=config.qkv_bias)
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

    def __init__(self, config: LlamaConfig, name: str) -> None:
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

    def __init__(self, config: LlamaConfig, layer: int) -> None:
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


class Llama(nn.Module):
    """The decoder-only LLM. ``model(idx)`` returns logits (B, T, V), like the tiny GPT.

    An untied model has its own unembedding, ``lm_head``; a tied one reads the embedding
    matrix backwards (:meth:`unembed` either way)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config, layer) for layer in range(config.n_layer))
        self.ln_f = RMSNorm(config.n_embd, config.eps)
        if not config.tie:
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

    def num_parameters(self) -> int:
        """Parameters, a tied unembedding counted once (SmolLM2: 134,515,008)."""
        return sum(p.numel() for p in self.parameters())

    def new_kv_cache(self) -> KVCache:
        return KVCache(self.config.n_layer)

    def unembed(self, x: torch.Tensor) -> torch.Tensor:
        """Scores over the vocabulary for residual vectors x (..., C)."""
        if self.config.tie:
            return x @ self.embed.weight.T
        return self.lm_head(x)

    def rope_frequencies(self, device: torch.device | str | None = None) -> torch.Tensor:
        """(D/2,) the turning speed of each channel pair (:func:`rope_frequencies`)."""
        return rope_frequencies(self.config, device)

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
        inv_freq = None if self.config.rope_type == "default" else self.rope_frequencies(idx.device)
        cos, sin = rope_cos_sin(positions, self.config.head_dim, self.config.rope_theta, inv_freq)
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


# --- transformers' names for the same weights and config --------------------------------

_HF_NAMES = {
    "embed.weight": "model.embed_tokens.weight",
    "ln_f.weight": "model.norm.weight",
    "lm_head.weight": "lm_head.weight",
}
_HF_BLOCK = {
    "ln1.weight": "input_layernorm.weight",
    "ln2.weight": "post_attention_layernorm.weight",
    "attn.q_proj.weight": "self_attn.q_proj.weight",
    "attn.k_proj.weight": "self_attn.k_proj.weight",
    "attn.v_proj.weight": "self_attn.v_proj.weight",
    "attn.q_proj.bias": "self_attn.q_proj.bias",
    "attn.k_proj.bias": "self_attn.k_proj.bias",
    "attn.v_proj.bias": "self_attn.v_proj.bias",
    "attn.o_proj.weight": "self_attn.o_proj.weight",
    "mlp.gate.weight": "mlp.gate_proj.weight",
    "mlp.up.weight": "mlp.up_proj.weight",
    "mlp.down.weight": "mlp.down_proj.weight",
}

#: Our config field -> the field of a Hugging Face ``config.json`` (Llama, Qwen2, Mistral).
HF_CONFIG = {
    "vocab_size": "vocab_size",
    "n_layer": "num_hidden_layers",
    "n_head": "num_attention_heads",
    "n_kv_head": "num_key_value_heads",
    "n_embd": "hidden_size",
    "ffn_dim": "intermediate_size",
    "max_position": "max_position_embeddings",
    "eps": "rms_norm_eps",
}
#: The ``model_type`` values this network reads (others differ in more than their config).
FAMILIES = ("llama", "qwen2", "mistral")


def hf_name(ours: str) -> str:
    """Our parameter name -> the name in a transformers ``LlamaForCausalLM`` / ``Qwen2ForCausalLM``."""
    if ours in _HF_NAMES:
        return _HF_NAMES[ours]
    _, layer, rest = ours.split(".", 2)
    return f"model.layers.{layer}.{_HF_BLOCK[rest]}"


def _rope_of(hf: dict, default_theta: float) -> tuple[float, dict]:
    """(theta, scaling) from either layout: transformers 5's ``rope_parameters`` or the older
    ``rope_theta`` + ``rope_scaling`` (the layout of most folders on the hub)."""
    params = dict(hf.get("rope_parameters") or {})
    scaling = dict(hf.get("rope_scaling") or {})
    merged = {**scaling, **params}
    theta = float(merged.pop("rope_theta", None) or hf.get("rope_theta") or default_theta)
    kind = merged.pop("rope_type", merged.pop("type", "default")) or "default"
    if kind == "default":
        return theta, {}
    keep = ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")
    return theta, {"rope_type": kind, **{k: merged[k] for k in keep if k in merged}}


def config_from_hf(hf: dict, default_rope_theta: float = 10000.0) -> LlamaConfig:
    """Our config for a Hugging Face ``config.json`` (as a dict) of the Llama family.

    Refused with an InputError naming what is not supported: another ``model_type``, another
    activation than SiLU, a head width that is not ``hidden_size / num_attention_heads``,
    biases in the MLP or the output projection, an unknown RoPE stretch. Mistral's sliding
    window caps the window this app uses (full attention equals it up to there).
    """
    kind = hf.get("model_type", "llama")
    if kind not in FAMILIES:
        raise InputError("models.errors.family", kind=kind, known=", ".join(FAMILIES))
    missing = [theirs for theirs in HF_CONFIG.values() if theirs not in hf and theirs != "num_key_value_heads"]
    if missing:
        raise InputError("models.errors.config_field", field=", ".join(missing))
    if hf.get("hidden_act", "silu") != "silu" or hf.get("mlp_bias"):
        raise InputError("models.errors.unsupported", what=f"hidden_act={hf.get('hidden_act')}, mlp_bias")
    if kind == "llama" and hf.get("attention_bias"):
        raise InputError("models.errors.unsupported", what="attention_bias (output projection)")
    head_dim = hf.get("head_dim")
    if head_dim and head_dim * hf["num_attention_heads"] != hf["hidden_size"]:
        raise InputError("models.errors.unsupported", what=f"head_dim={head_dim}")
    theta, scaling = _rope_of(hf, default_rope_theta)
    window = min(APP_WINDOW, int(hf["max_position_embeddings"]))
    sliding = hf.get("sliding_window")
    if sliding and hf.get("use_sliding_window", kind == "mistral"):
        window = min(window, int(sliding))  # within the sliding window, full attention is the same
    fields = {ours: hf.get(theirs) for ours, theirs in HF_CONFIG.items()}
    fields["n_kv_head"] = fields["n_kv_head"] or fields["n_head"]
    fields["eps"] = float(fields["eps"])
    return LlamaConfig(
        **fields,
        rope_theta=theta,
        tie=bool(hf.get("tie_word_embeddings", False)),
        block_size=window,
        qkv_bias=kind == "qwen2" or bool(hf.get("attention_bias", False)),
        rope_scaling=tuple(scaling.items()),
    )


def weights_from_transformers(hf_state: dict[str, torch.Tensor], config: LlamaConfig) -> dict[str, torch.Tensor]:
    """transformers' state dict renamed to ours (every parameter of :class:`Llama`, contiguous copies).

    A tied model's file may or may not hold ``lm_head.weight``; it is not read then."""
    with torch.device("meta"):
        names = list(Llama(config).state_dict())
    missing = [hf_name(name) for name in names if hf_name(name) not in hf_state]
    if missing:
        raise InputError("models.errors.weights_missing", names=", ".join(missing[:3]), count=len(missing))
    return {name: hf_state[hf_name(name)].contiguous().clone() for name in names}


def transformers_twin(model: Llama, bos_id: int = 1, eos_id: int = 2):  # noqa: ANN201 (a transformers LlamaForCausalLM)
    """transformers' ``LlamaForCausalLM`` holding exactly ``model``'s weights (shared, not
    copied): the reference that tests and benchmarks hold our forward pass and token loop
    against. Built on the meta device (no random initialisation of the weights), in eval
    mode without gradients; ``bos_id``/``eos_id`` as begin, end and pad (SmolLM2: 1 and 2,
    ``<|im_start|>``, ``<|im_end|>``). Models without q/k/v biases (Llama's own layout)."""
    cfg = model.config
    if cfg.qkv_bias:
        raise ValueError("transformers' Llama has no q/k/v-only bias: compare a Qwen2 model with Qwen2ForCausalLM")
    rope = {"rope_theta": cfg.rope_theta, "rope_type": cfg.rope_type, **dict(cfg.rope_scaling)}
    state = {hf_name(name): tensor for name, tensor in model.state_dict().items()}
    if cfg.tie:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    with transformers_held("transformers.models.llama.modeling_llama") as llama:
        hf_cfg = llama.LlamaConfig(
            **{theirs: getattr(cfg, ours) for ours, theirs in HF_CONFIG.items()},
            rope_theta=cfg.rope_theta,
            rope_parameters=rope,
            tie_word_embeddings=cfg.tie,
            bos_token_id=bos_id,
            eos_token_id=eos_id,
            pad_token_id=eos_id,
        )
        with torch.device("meta"):
            hf = llama.LlamaForCausalLM(hf_cfg)
        hf.load_state_dict(state, assign=True, strict=True)
        hf.model.rotary_emb = llama.LlamaRotaryEmbedding(config=hf_cfg)  # its buffers, computed by transformers
    return hf.eval().requires_grad_(False)
