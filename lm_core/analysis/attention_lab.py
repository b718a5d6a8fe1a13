"""Self-attention, one step at a time, from a real model's own internals.

Chapter 5 follows one token from its embedding to the output of one attention head:

    input vectors -> Q, K, V -> scores Q·Kᵀ -> ÷ √d -> mask -> softmax -> weights · V

This module produces the same *named trace* for two kinds of model, so the figures and
the page treat them alike:

- the tiny GPT of this project (decoder-only, causal), through its capture path
  (:class:`lm_core.models.capture.Capture`), checked against its fused fast path;
- MiniLM (a real pretrained BERT-style encoder, 6 layers x 12 heads), opened up by
  :func:`lm_core.models.minilm.capture_minilm` under the same names and checked against the
  model's own ``output_attentions`` (:attr:`AttentionTrace.max_weight_error`).

Every step (and chapter 5's what-ifs: a causal mask on an encoder, a softmax temperature)
is computed by the one attention, :func:`lm_core.models.attention.attend`.

Names (batch dimension dropped; T tokens, C model width, H heads, D = C / H):

    embed.token (T,C)   embed.position (T,C)   embed.token_type (T,C, MiniLM only)
    embed.sum (T,C)     embed.layernorm (T,C, MiniLM only: BERT normalises its input)
    blocks.{i}.attn.input (T,C)   what enters attention in block i
    blocks.{i}.attn.q / k / v (H,T,D)
    blocks.{i}.attn.scores (H,T,T)  raw Q·Kᵀ
    blocks.{i}.attn.scaled (H,T,T)  ÷ √D
    blocks.{i}.attn.masked (H,T,T)  causal models: -inf above the diagonal
    blocks.{i}.attn.weights (H,T,T) softmax, rows sum to 1
    blocks.{i}.attn.head_out (H,T,D) weights · V
    blocks.{i}.attn.out (T,C)       heads concatenated, through the output projection

Everything here is numpy/torch only: no Streamlit, no plotly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.data.curriculum import ATTENTION_SENTENCES
from lm_core.models.attention import allowed_mask, attend
from lm_core.models.capture import Capture

#: Most tokens a sentence may have on this page (special tokens included). Beyond
#: this the heatmaps become unreadable and BertViz's model view grows to megabytes.
MAX_TOKENS = 40
#: Characters accepted before tokenising (a paste of a book fails fast).
MAX_CHARS = 300

#: The default sentences of the chapter (defined with the curriculum's other examples).
EXAMPLE_SENTENCES = ATTENTION_SENTENCES

MINILM = "minilm"


@dataclass
class AttentionTrace:
    """The named internals of one forward pass over one sentence (numpy, float32)."""

    model_name: str
    tokens: list[str]
    n_layers: int
    n_heads: int
    head_dim: int
    causal: bool
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    #: Indices of special tokens ([CLS], [SEP]); searches for heads skip them.
    special: list[int] = field(default_factory=list)
    #: Proof the step-by-step trace is the model's own computation: MiniLM, the largest
    #: |our weights - its own attention weights|; tiny GPT, |step-by-step - fused| head outputs.
    max_weight_error: float = 0.0
    #: Grouped-query attention (SmolLM2): key/value heads, each shared by n_heads // n_kv_heads
    #: query heads; ``k``/``v``/``k_pre_rope`` in ``tensors`` then have Hkv heads (Hkv, T, D):
    #: index them with :meth:`kv_head_of`. 0 = one key/value head per query head.
    n_kv_heads: int = 0
    #: Rotary positions (SmolLM2): ``q_pre_rope`` / ``k_pre_rope`` hold Q and K before the
    #: rotation; ``max_rope_error`` checks our rotation against the model's own.
    rope: bool = False
    max_rope_error: float = 0.0

    def kv_head_of(self, head: int) -> int:
        """The key/value head query head ``head`` reads (itself without grouped-query attention)."""
        if not self.n_kv_heads:
            return head
        return head // (self.n_heads // self.n_kv_heads)

    def heads_sharing(self, head: int) -> list[int]:
        """The query heads that read the same keys and values as ``head`` (itself included)."""
        group = self.kv_head_of(head)
        return [h for h in range(self.n_heads) if self.kv_head_of(h) == group]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def all_weights(self) -> np.ndarray:
        """Attention weights of every layer: shape (L, H, T, T)."""
        return np.stack([self.tensors[f"blocks.{i}.attn.weights"] for i in range(self.n_layers)])


@dataclass
class AttentionSteps:
    """Every intermediate of one head of one layer, ready to draw (numpy arrays)."""

    layer: int
    head: int
    tokens: list[str]
    inputs: np.ndarray  # (T, C) what enters attention
    q: np.ndarray  # (T, D)
    k: np.ndarray  # (T, D)
    v: np.ndarray  # (T, D)
    scores: np.ndarray  # (T, T) Q·Kᵀ
    scaled: np.ndarray  # (T, T) ÷ √D
    masked: np.ndarray  # (T, T) -inf where a token may not look
    weights: np.ndarray  # (T, T) softmax(masked / temperature)
    head_out: np.ndarray  # (T, D) weights · V
    causal: bool
    temperature: float
    head_dim: int


# ---------------------------------------------------------------------------
# Small pieces a student can read aloud (the attention itself is lm_core.models.attention)
# ---------------------------------------------------------------------------


def apply_mask(scaled: np.ndarray, causal: bool) -> np.ndarray:
    """Scores with -inf where the causal mask forbids looking ahead (a copy), using the
    same mask as every model's attention (:func:`lm_core.models.attention.allowed_mask`)."""
    masked = np.array(scaled, dtype=np.float32, copy=True)
    allowed = allowed_mask(masked.shape[-2], masked.shape[-1], causal=causal)
    if allowed is not None:
        masked[..., ~allowed.numpy()] = -np.inf
    return masked


def softmax(masked: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``masked / temperature`` (temperature is a teaching device).

    -inf entries get weight exactly 0. Temperature 1 is what the model computes.
    """
    _check_temperature(temperature)
    tempered = torch.as_tensor(np.asarray(masked, dtype=np.float64)) / temperature
    return torch.softmax(tempered, dim=-1).numpy().astype(np.float32)


def _check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise InputError("errors.setting.temperature_positive")


def attention_steps(trace: AttentionTrace, layer: int, head: int, causal: bool | None = None,
                    temperature: float = 1.0) -> AttentionSteps:
    """The step-by-step computation of one head, recomputed from its captured Q, K, V by
    the one attention every model uses (:func:`lm_core.models.attention.attend`).

    ``causal=None`` uses the model's own masking; ``True`` on an encoder shows what a
    causal mask *would* do (a what-if, not what MiniLM computes). ``temperature`` divides
    the scaled scores before the softmax; 1.0 is the model.
    """
    if not 0 <= layer < trace.n_layers:
        raise InputError("errors.setting.no_such_layer", limit=trace.n_layers - 1)
    if not 0 <= head < trace.n_heads:
        raise InputError("errors.setting.no_such_head", limit=trace.n_heads - 1)
    _check_temperature(temperature)
    use_causal = trace.causal if causal is None else bool(causal)
    if trace.causal and not use_causal:
        # A decoder was trained with its mask: removing it would show nothing it computes.
        use_causal = True
    prefix = f"blocks.{layer}.attn"
    kv_head = trace.kv_head_of(head)  # grouped-query: several query heads read one key/value head
    q = torch.from_numpy(trace[f"{prefix}.q"][head][None, None])
    k = torch.from_numpy(trace[f"{prefix}.k"][kv_head][None, None])
    v = torch.from_numpy(trace[f"{prefix}.v"][kv_head][None, None])
    scale = 1.0 / math.sqrt(trace.head_dim)
    steps = Capture()
    attend(q, k, v, causal=use_causal, capture=steps, prefix="step", scale=scale)
    weights, head_out = steps["step.weights"], steps["step.head_out"]
    if temperature != 1.0:
        # Dividing the scaled scores by T is the same attention with the scale 1 / (√D·T).
        tempered = Capture(("step.weights", "step.head_out"))
        attend(q, k, v, causal=use_causal, capture=tempered, prefix="step", scale=scale / temperature)
        weights, head_out = tempered["step.weights"], tempered["step.head_out"]

    def step(tensor: torch.Tensor) -> np.ndarray:
        return tensor[0, 0].numpy()

    return AttentionSteps(
        layer=layer, head=head, tokens=list(trace.tokens), inputs=trace[f"{prefix}.input"],
        q=step(q), k=step(k), v=step(v), scores=step(steps["step.scores"]), scaled=step(steps["step.scaled"]),
        masked=step(steps["step.masked"]), weights=step(weights), head_out=step(head_out),
        causal=use_causal, temperature=float(temperature), head_dim=trace.head_dim,
    )


def entropy(weights: np.ndarray) -> np.ndarray:
    """Shannon entropy (bits) of each attention row: 0 = looks at one token."""
    p = np.clip(np.asarray(weights, dtype=np.float64), 1e-12, 1.0)
    return -(p * np.log2(p)).sum(axis=-1)


# ---------------------------------------------------------------------------
# Checking the input
# ---------------------------------------------------------------------------


def check_sentence(text: str | None) -> str:
    """Normalise a typed sentence (see :func:`lm_core.core.text.clean_text`)."""
    return clean_text(text, max_chars=MAX_CHARS)


def _check_token_count(n_tokens: int, n_special: int) -> None:
    if n_tokens > MAX_TOKENS:
        raise InputError("errors.text.too_many_tokens", limit=MAX_TOKENS, count=n_tokens)
    if n_tokens - n_special < 2:
        raise InputError("errors.text.one_token")


# ---------------------------------------------------------------------------
# MiniLM: the trace computed from the real weights
# ---------------------------------------------------------------------------


def _unbatched(capture: Capture) -> dict[str, np.ndarray]:
    """Captured tensors without their batch dimension of one, as numpy float32."""
    return {name: value[0].numpy() for name, value in capture.items()}


def trace_minilm(text: str, tokenizer=None, model=None) -> AttentionTrace:
    """Run MiniLM on ``text`` and rebuild every attention step from its weights
    (:func:`lm_core.models.minilm.capture_minilm`).

    ``tokenizer``/``model`` default to :func:`lm_core.models.minilm.load_minilm` (shared,
    read-only). Raises :class:`InputError` for empty, too long or one-token input.
    """
    from lm_core.models.minilm import capture_minilm, load_minilm

    text = check_sentence(text)
    if tokenizer is None or model is None:
        tokenizer, model = load_minilm()
    encoding = tokenizer.encode(text)
    # MiniLM's tokenizer.json pads every sentence to 128: keep only the real tokens.
    real = [i for i, keep in enumerate(encoding.attention_mask) if keep] or list(range(len(encoding.ids)))
    tokens = [encoding.tokens[i] for i in real]
    special = [i for i, tok in enumerate(tokens) if tok in ("[CLS]", "[SEP]", "[PAD]")]
    _check_token_count(len(tokens), len(special))

    capture = Capture()
    worst = capture_minilm([encoding.ids[i] for i in real], capture, (tokenizer, model))
    config = model.config
    n_heads = config.num_attention_heads
    return AttentionTrace(
        model_name=MINILM, tokens=tokens, n_layers=config.num_hidden_layers, n_heads=n_heads,
        head_dim=config.hidden_size // n_heads, causal=False, tensors=_unbatched(capture),
        special=special, max_weight_error=worst,
    )


# ---------------------------------------------------------------------------
# The tiny GPT: its own capture path
# ---------------------------------------------------------------------------


def trace_gpt(text: str, model, tokenizer, model_name: str = "gpt") -> AttentionTrace:
    """Run the project's tiny GPT with a :class:`lm_core.models.capture.Capture` and keep its trace."""
    text = check_sentence(text)
    ids = list(tokenizer.encode(text))
    if not ids:
        raise InputError("errors.text.no_words")
    _check_token_count(len(ids), 0)
    block_size = getattr(getattr(model, "config", None), "block_size", None)
    if block_size is not None and len(ids) > block_size:
        raise InputError("errors.text.too_many_tokens", limit=min(block_size, MAX_TOKENS), count=len(ids))
    tokens = [str(tokenizer.id_to_token(i)) for i in ids]

    from lm_core.core.device import inference_threads

    capture = Capture()
    with inference_threads(), torch.inference_mode():
        model(torch.tensor([ids]), capture=capture)
    captured = _unbatched(capture)
    captured["embed.position"] = capture["embed.position"].numpy()  # (T, C): shared by the batch
    if captured["embed.position"].ndim == 3:
        captured["embed.position"] = captured["embed.position"][0]
    n_layers = 0
    while f"blocks.{n_layers}.attn.weights" in capture:
        n_layers += 1
    out = {name: captured[name] for name in ("embed.token", "embed.position", "embed.sum")}
    for index in range(n_layers):
        prefix = f"blocks.{index}.attn"
        out[f"{prefix}.input"] = captured[f"blocks.{index}.ln1"]
        for name in ("q", "k", "v", "scores", "scaled", "masked", "weights", "head_out", "out"):
            out[f"{prefix}.{name}"] = captured[f"{prefix}.{name}"]
    n_heads, _, head_dim = out["blocks.0.attn.q"].shape
    # The trace is the step-by-step path; check it against the fused path the model runs fast.
    worst = 0.0
    for index in range(n_layers):
        q, k, v = (capture[f"blocks.{index}.attn.{name}"] for name in "qkv")
        fast = attend(q, k, v, causal=True)
        worst = max(worst, float((fast - capture[f"blocks.{index}.attn.head_out"]).abs().max()))
    return AttentionTrace(
        model_name=model_name, tokens=tokens, n_layers=n_layers, n_heads=n_heads, head_dim=head_dim,
        causal=True, tensors=out, special=[], max_weight_error=worst,
    )


# ---------------------------------------------------------------------------
# SmolLM2: a real LLM through our own Llama forward pass (capture path)
# ---------------------------------------------------------------------------

SMOLLM2 = "smollm2"
#: SmolLM2 has 30 layers x 9 heads: its views (every head, BertViz's model view) grow with
#: 270 maps of T x T, so it gets a lower cap than MAX_TOKENS.
SMOLLM2_MAX_TOKENS = 24


def rope_angles(positions: np.ndarray, head_dim: int, theta: float, frequencies: np.ndarray | None = None) -> np.ndarray:
    """(T, D/2): the angle by which pair i of a vector at position p turns, p · theta^(-2i/D)
    (or p · ``frequencies[i]`` for a model that stretches them, such as Llama 3)."""
    if frequencies is None:
        frequencies = theta ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    return np.asarray(positions, dtype=np.float64)[:, None] * frequencies[None, :]


def rotate_pairs(x: np.ndarray, positions: np.ndarray, theta: float, frequencies: np.ndarray | None = None) -> np.ndarray:
    """RoPE written as complex numbers, independently of the model's code: channel pair
    (i, i + D/2) is the point a + b·i, multiplied by e^(i·angle) turns it (..., T, D)."""
    half = x.shape[-1] // 2
    points = x[..., :half].astype(np.float64) + 1j * x[..., half:].astype(np.float64)
    turned = points * np.exp(1j * rope_angles(positions, x.shape[-1], theta, frequencies))
    return np.concatenate([turned.real, turned.imag], axis=-1).astype(np.float32)


def trace_smollm2(text: str, model=None, tokenizer=None, model_name: str = SMOLLM2) -> AttentionTrace:
    """Run SmolLM2 with a capture and keep its attention trace, RoPE and key/value groups.

    Any Llama-family model (:mod:`lm_core.models.llama`) goes the same way: pass it with its
    tokenizer and the name its trace is filed under (``model_name``).

    The weights are the model's own (the capture path of the forward pass that generates
    its text; a unit test proves it equals transformers' Llama). Checks recorded on the
    trace: recomputing softmax(mask(QKᵀ/√D)) from the captured Q and K gives its weights
    (``max_weight_error``), and rotating the captured Q/K before RoPE with our own
    rotation gives the rotated ones (``max_rope_error``).
    """
    from lm_core.core.device import inference_threads
    from lm_core.models.smollm2 import load_smollm2

    text = check_sentence(text)
    if model is None or tokenizer is None:
        model, tokenizer = load_smollm2()
    ids = tokenizer.encode(text)
    if not ids:
        raise InputError("errors.text.no_words")
    special = [i for i, token_id in enumerate(ids) if token_id in tokenizer.special_ids]
    if len(ids) > SMOLLM2_MAX_TOKENS:
        raise InputError("errors.text.too_many_tokens", limit=SMOLLM2_MAX_TOKENS, count=len(ids))
    _check_token_count(len(ids), len(special))
    cfg = model.config
    stretched = getattr(cfg, "rope_type", "default") != "default"  # e.g. Llama 3's: the model's own frequencies
    frequencies = model.rope_frequencies().double().numpy() if stretched else None
    kept = ("q_pre_rope", "k_pre_rope", "q", "k", "v", "weights")
    capture = Capture(
        include=lambda name: name == "embed.token"
        or name.endswith(".ln1")
        or (".attn." in name and name.rsplit(".", 1)[-1] in kept)
    )
    with inference_threads(), torch.inference_mode():
        model(torch.tensor([ids]), capture=capture)

    def get(name: str) -> np.ndarray:
        return capture[name][0].numpy()

    # Kept: what the page draws (scores, mask and head outputs are recomputed from Q, K, V).
    out: dict[str, np.ndarray] = {"embed.token": get("embed.token")}
    worst_rope = worst = 0.0
    for index in range(cfg.n_layer):
        prefix = f"blocks.{index}.attn"
        out[f"{prefix}.input"] = get(f"blocks.{index}.ln1")
        for name in kept:
            out[f"{prefix}.{name}"] = get(f"{prefix}.{name}")  # k, v, k_pre_rope: (Hkv, T, D)
        for before, after in (("q_pre_rope", "q"), ("k_pre_rope", "k")):
            ours = rotate_pairs(out[f"{prefix}.{before}"], np.arange(len(ids)), cfg.rope_theta, frequencies)
            worst_rope = max(worst_rope, float(np.abs(ours - out[f"{prefix}.{after}"]).max()))
        check = Capture(("check.weights",))
        q, k, v = (torch.from_numpy(out[f"{prefix}.{name}"])[None] for name in "qkv")
        attend(q, k, v, causal=True, capture=check, prefix="check")  # grouped-query: k, v have Hkv heads
        worst = max(worst, float(np.abs(check["check.weights"][0].numpy() - out[f"{prefix}.weights"]).max()))
    return AttentionTrace(
        model_name=model_name, tokens=tokenizer.tokens(ids), n_layers=cfg.n_layer, n_heads=cfg.n_head,
        head_dim=cfg.head_dim, causal=True, tensors=out, special=special, max_weight_error=worst,
        n_kv_heads=cfg.n_kv_head, rope=True, max_rope_error=worst_rope,
    )


# ---------------------------------------------------------------------------
# Looking for heads that do something a person can name
# ---------------------------------------------------------------------------


def _normalise_token(token: str) -> str:
    return token.lower().removeprefix("##").removeprefix("ġ").removeprefix("▁").strip()


def token_positions(trace: AttentionTrace, word: str) -> list[int]:
    """Indices of tokens equal to ``word`` (case-insensitive, WordPiece marks ignored)."""
    target = word.lower().strip()
    return [i for i, tok in enumerate(trace.tokens) if i not in trace.special and _normalise_token(tok) == target]


@dataclass(frozen=True)
class HeadMatch:
    """A head where ``source`` attends to ``targets``: its weight and whether it is the
    strongest link from ``source`` to any ordinary (non-special, non-self) token."""

    layer: int
    head: int
    weight: float
    is_top: bool
    source: int
    targets: tuple[int, ...]


#: How much of its attention a word must put on the target words for a head to count as found.
HEAD_MIN_WEIGHT = 0.3


def find_heads(trace: AttentionTrace, source_word: str, target_words: list[str] | tuple[str, ...],
               min_weight: float = HEAD_MIN_WEIGHT) -> list[HeadMatch]:
    """Every head where ``source_word`` puts at least ``min_weight`` of its attention on
    ``target_words`` (summed), best first. Empty when the words are absent or no head
    links them: the page then says so instead of inventing one."""
    sources = token_positions(trace, source_word)
    targets = sorted({i for word in target_words for i in token_positions(trace, word)})
    if not sources or not targets:
        return []
    source = sources[0]
    weights = trace.all_weights()  # (L, H, T, T)
    others = [i for i in range(trace.n_tokens) if i not in trace.special and i != source]
    matches = []
    for layer in range(trace.n_layers):
        for head in range(trace.n_heads):
            row = weights[layer, head, source]
            weight = float(row[targets].sum())
            if weight < min_weight:
                continue
            best_other = max(others, key=lambda i: row[i]) if others else None
            matches.append(HeadMatch(layer, head, weight, best_other in targets, source, tuple(targets)))
    matches.sort(key=lambda m: (m.is_top, m.weight), reverse=True)
    return matches


#: Temperatures offered by the teaching slider (1.0 is what the model computes).
TEMPERATURES = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


def temperature_frames(masked: np.ndarray, temperatures: tuple[float, ...] = TEMPERATURES) -> list[np.ndarray]:
    """softmax(masked / t) for every t: the frames of the temperature slider."""
    return [softmax(masked, t) for t in temperatures]


def focus_scores(trace: AttentionTrace) -> np.ndarray:
    """(L, H): how sharply each head focuses, 1 - entropy / log2(T), averaged over the
    ordinary tokens (1 = every token looks at a single token, 0 = spread evenly)."""
    weights = trace.all_weights()
    rows = [i for i in range(trace.n_tokens) if i not in trace.special] or list(range(trace.n_tokens))
    if trace.n_tokens < 2:
        return np.zeros((trace.n_layers, trace.n_heads), dtype=np.float32)
    spread = entropy(weights[:, :, rows, :]) / np.log2(trace.n_tokens)
    return (1.0 - spread.mean(axis=-1)).astype(np.float32)


# ---------------------------------------------------------------------------
# Every head at once, for an explorer that runs in the learner's browser
# ---------------------------------------------------------------------------


def explorer_arrays(trace: AttentionTrace) -> dict[str, np.ndarray]:
    """Every number chapter 5's explorer draws, for every layer and head, in one go.

    A browser can then move between layers, heads and tokens without asking the server.
    Scores, weights and head outputs are computed by the one attention
    (:func:`attention_steps`) with the model's own masking; the weights are the model's own.
    What the browser still computes itself is only what the page offers as a teaching
    what-if: a softmax temperature and, on an encoder, a causal mask (both redo the softmax
    of these scores, see :func:`softmax`).

    Shapes (L layers, H query heads, Hkv key/value heads, T tokens, C width, D head width):
    ``inputs`` (L,T,C); ``q``, ``head_out`` (L,H,T,D); ``k``, ``v`` (L,Hkv,T,D);
    ``scores``, ``weights`` (L,H,T,T), scores raw Q·Kᵀ; with RoPE also ``q_pre_rope`` (L,H,T,D)
    and ``k_pre_rope`` (L,Hkv,T,D); ``sharpness`` (L,H) from :func:`focus_scores`.
    """
    arrays: dict[str, list[np.ndarray]] = {name: [] for name in ("inputs", "q", "k", "v", "scores", "weights",
                                                                  "head_out")}
    if trace.rope:
        arrays.update(q_pre_rope=[], k_pre_rope=[])
    for layer in range(trace.n_layers):
        prefix = f"blocks.{layer}.attn"
        steps = [attention_steps(trace, layer, head) for head in range(trace.n_heads)]
        arrays["inputs"].append(trace[f"{prefix}.input"])
        arrays["q"].append(trace[f"{prefix}.q"])
        arrays["k"].append(trace[f"{prefix}.k"])
        arrays["v"].append(trace[f"{prefix}.v"])
        arrays["scores"].append(np.stack([step.scores for step in steps]))
        arrays["weights"].append(trace[f"{prefix}.weights"])
        arrays["head_out"].append(np.stack([step.head_out for step in steps]))
        if trace.rope:
            arrays["q_pre_rope"].append(trace[f"{prefix}.q_pre_rope"])
            arrays["k_pre_rope"].append(trace[f"{prefix}.k_pre_rope"])
    stacked = {name: np.stack(parts).astype(np.float32) for name, parts in arrays.items()}
    stacked["sharpness"] = focus_scores(trace)
    return stacked
