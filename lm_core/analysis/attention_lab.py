"""Self-attention, one step at a time, from a real model's own internals.

Chapter 5 follows one token from its embedding to the output of one attention head:

    input vectors -> Q, K, V -> scores Q·Kᵀ -> ÷ √d -> mask -> softmax -> weights · V

This module produces the same *named trace* for two kinds of model, so the figures and
the page treat them alike:

- the tiny GPT of this project (decoder-only, causal), through its capture path
  (:class:`lm_core.models.gpt.Capture`);
- MiniLM (a real pretrained BERT-style encoder, 6 layers x 12 heads). transformers'
  ``BertModel`` has no capture path, so the trace is computed honestly from its weights:
  the model runs once with ``output_hidden_states``; then, layer by layer, the layer's
  own ``query``/``key``/``value`` Linear modules are applied to the hidden state that
  entered that layer, and the result is checked against the model's own
  ``output_attentions`` (:attr:`AttentionTrace.max_weight_error`).

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

#: Most tokens a sentence may have on this page (special tokens included). Beyond
#: this the heatmaps become unreadable and BertViz's model view grows to megabytes.
MAX_TOKENS = 40
#: Characters accepted before tokenising (a paste of a book fails fast).
MAX_CHARS = 300

#: The default sentences of the chapter (the curriculum's examples).
EXAMPLE_SENTENCES = {
    "rained": "It rained this morning",
    "keys": "She looked for her keys because they were not on the table",
    "zh": "今天早上下雨了，所以我带了伞",
}

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
    #: Largest |our weights - the model's own attention weights| over every layer/head
    #: (MiniLM: proof the step-by-step recomputation is the model's own computation).
    max_weight_error: float = 0.0

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
# Small pieces a student can read aloud
# ---------------------------------------------------------------------------


def causal_mask(n_tokens: int) -> np.ndarray:
    """Boolean (T, T): True where token ``row`` may *not* look (a later token)."""
    return np.triu(np.ones((n_tokens, n_tokens), dtype=bool), k=1)


def apply_mask(scaled: np.ndarray, causal: bool) -> np.ndarray:
    """Scores with -inf where the causal mask forbids looking ahead (a copy)."""
    masked = np.array(scaled, dtype=np.float32, copy=True)
    if causal:
        masked[..., causal_mask(masked.shape[-1])] = -np.inf
    return masked


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature`` (temperature is a teaching device).

    -inf entries get weight exactly 0. Temperature 1 is what the model computes.
    """
    if not temperature > 0:
        raise InputError("ch5.err_temperature")
    scaled = np.asarray(scores, dtype=np.float64) / temperature
    shifted = scaled - np.max(scaled, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def attention_steps(trace: AttentionTrace, layer: int, head: int, causal: bool | None = None,
                    temperature: float = 1.0) -> AttentionSteps:
    """The step-by-step computation of one head, recomputed from its captured Q, K, V.

    ``causal=None`` uses the model's own masking; ``True`` on an encoder shows what a
    causal mask *would* do (a what-if, not what MiniLM computes). ``temperature`` divides
    the scaled scores before the softmax; 1.0 is the model.
    """
    if not 0 <= layer < trace.n_layers:
        raise InputError("ch5.err_layer", limit=trace.n_layers - 1)
    if not 0 <= head < trace.n_heads:
        raise InputError("ch5.err_head", limit=trace.n_heads - 1)
    use_causal = trace.causal if causal is None else bool(causal)
    if trace.causal and not use_causal:
        # A decoder was trained with its mask: removing it would show nothing it computes.
        use_causal = True
    prefix = f"blocks.{layer}.attn"
    q = trace[f"{prefix}.q"][head]
    k = trace[f"{prefix}.k"][head]
    v = trace[f"{prefix}.v"][head]
    scores = q @ k.T
    scaled = scores / math.sqrt(trace.head_dim)
    masked = apply_mask(scaled, use_causal)
    weights = softmax(masked, temperature)
    head_out = weights @ v
    return AttentionSteps(
        layer=layer, head=head, tokens=list(trace.tokens), inputs=trace[f"{prefix}.input"],
        q=q, k=k, v=v, scores=scores, scaled=scaled, masked=masked, weights=weights,
        head_out=head_out, causal=use_causal, temperature=float(temperature),
        head_dim=trace.head_dim,
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
        raise InputError("ch5.err_too_many_tokens", limit=MAX_TOKENS, count=n_tokens)
    if n_tokens - n_special < 2:
        raise InputError("ch5.err_one_token")


# ---------------------------------------------------------------------------
# MiniLM: the trace computed from the real weights
# ---------------------------------------------------------------------------


def _heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(T, C) -> (H, T, D)."""
    n_tokens, width = x.shape
    return x.view(n_tokens, n_heads, width // n_heads).transpose(0, 1)


def trace_minilm(text: str, tokenizer=None, model=None) -> AttentionTrace:
    """Run MiniLM on ``text`` and rebuild every attention step from its weights.

    ``tokenizer``/``model`` default to :func:`lm_core.models.minilm.load_minilm` (shared,
    read-only). Raises :class:`InputError` for empty, too long or one-token input.
    """
    text = check_sentence(text)
    if tokenizer is None or model is None:
        from lm_core.models.minilm import load_minilm

        tokenizer, model = load_minilm()
    encoding = tokenizer.encode(text)
    # MiniLM's tokenizer.json pads every sentence to 128: keep only the real tokens.
    real = [i for i, keep in enumerate(encoding.attention_mask) if keep] or list(range(len(encoding.ids)))
    tokens = [encoding.tokens[i] for i in real]
    token_ids = [encoding.ids[i] for i in real]
    special = [i for i, tok in enumerate(tokens) if tok in ("[CLS]", "[SEP]", "[PAD]")]
    _check_token_count(len(tokens), len(special))

    from lm_core.core.device import inference_threads

    config = model.config
    n_heads = config.num_attention_heads
    head_dim = config.hidden_size // n_heads
    ids = torch.tensor([token_ids])
    token_type_ids = torch.zeros_like(ids)
    positions = torch.arange(len(tokens)).unsqueeze(0)
    out: dict[str, np.ndarray] = {}
    worst = 0.0
    with inference_threads(), torch.inference_mode():
        result = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=token_type_ids,
                       output_hidden_states=True, output_attentions=True)
        emb = model.embeddings
        token_vectors = emb.word_embeddings(ids)[0]
        position_vectors = emb.position_embeddings(positions)[0]
        type_vectors = emb.token_type_embeddings(token_type_ids)[0]
        summed = token_vectors + position_vectors + type_vectors
        out["embed.token"] = token_vectors
        out["embed.position"] = position_vectors
        out["embed.token_type"] = type_vectors
        out["embed.sum"] = summed
        out["embed.layernorm"] = emb.LayerNorm(summed)
        for index, layer in enumerate(model.encoder.layer):
            x = result.hidden_states[index][0]  # what entered this layer
            attn = layer.attention
            q = _heads(attn.self.query(x), n_heads)
            k = _heads(attn.self.key(x), n_heads)
            v = _heads(attn.self.value(x), n_heads)
            scores = q @ k.transpose(-1, -2)
            scaled = scores / math.sqrt(head_dim)
            masked = scaled.clone()  # an encoder: every token may look at every token
            weights = torch.softmax(masked, dim=-1)
            head_out = weights @ v
            concatenated = head_out.transpose(0, 1).reshape(len(tokens), -1)
            prefix = f"blocks.{index}.attn"
            out[f"{prefix}.input"] = x
            out[f"{prefix}.q"], out[f"{prefix}.k"], out[f"{prefix}.v"] = q, k, v
            out[f"{prefix}.scores"], out[f"{prefix}.scaled"] = scores, scaled
            out[f"{prefix}.masked"], out[f"{prefix}.weights"] = masked, weights
            out[f"{prefix}.head_out"] = head_out
            out[f"{prefix}.out"] = attn.output.dense(concatenated)
            own = result.attentions[index][0]
            worst = max(worst, float((own - weights).abs().max()))
    if np.isnan(worst) or worst > 1e-4:
        raise RuntimeError(f"recomputed MiniLM attention differs from the model's own by {worst}")
    return AttentionTrace(
        model_name=MINILM, tokens=tokens, n_layers=config.num_hidden_layers, n_heads=n_heads,
        head_dim=head_dim, causal=False,
        tensors={name: value.detach().float().cpu().numpy() for name, value in out.items()},
        special=special, max_weight_error=worst,
    )


# ---------------------------------------------------------------------------
# The tiny GPT: its own capture path
# ---------------------------------------------------------------------------


def trace_gpt(text: str, model, tokenizer, model_name: str = "gpt") -> AttentionTrace:
    """Run the project's tiny GPT with a :class:`lm_core.models.gpt.Capture` and keep its trace."""
    from lm_core.models.gpt import Capture

    text = check_sentence(text)
    ids = list(tokenizer.encode(text))
    if not ids:
        raise InputError("errors.no_words")
    _check_token_count(len(ids), 0)
    block_size = getattr(getattr(model, "config", None), "block_size", None)
    if block_size is not None and len(ids) > block_size:
        raise InputError("ch5.err_too_many_tokens", limit=min(block_size, MAX_TOKENS), count=len(ids))
    tokens = [str(tokenizer.id_to_token(i)) for i in ids]

    from lm_core.core.device import inference_threads

    capture = Capture()
    with inference_threads(), torch.inference_mode():
        model(torch.tensor([ids]), capture=capture)

    def get(name: str) -> np.ndarray:
        value = capture[name]
        if isinstance(value, torch.Tensor):
            value = value.detach().float().cpu().numpy()
        return np.asarray(value, dtype=np.float32)

    n_layers = 0
    while True:
        try:
            capture[f"blocks.{n_layers}.attn.weights"]
        except KeyError:
            break
        n_layers += 1
    out: dict[str, np.ndarray] = {
        "embed.token": get("embed.token")[0],
        "embed.position": get("embed.position"),
        "embed.sum": get("embed.sum")[0],
    }
    if out["embed.position"].ndim == 3:
        out["embed.position"] = out["embed.position"][0]
    for index in range(n_layers):
        prefix = f"blocks.{index}.attn"
        out[f"{prefix}.input"] = get(f"blocks.{index}.ln1")[0]
        for name in ("q", "k", "v", "scores", "scaled", "masked", "weights", "head_out"):
            out[f"{prefix}.{name}"] = get(f"{prefix}.{name}")[0]
        out[f"{prefix}.out"] = get(f"{prefix}.out")[0]
    q0 = out["blocks.0.attn.q"]
    n_heads, _, head_dim = q0.shape
    # The capture path's weights are the model's own; check the recomputation agrees.
    worst = 0.0
    for index in range(n_layers):
        prefix = f"blocks.{index}.attn"
        recomputed = softmax(apply_mask(out[f"{prefix}.q"] @ np.swapaxes(out[f"{prefix}.k"], -1, -2)
                                        / math.sqrt(head_dim), True))
        worst = max(worst, float(np.abs(recomputed - out[f"{prefix}.weights"]).max()))
    return AttentionTrace(
        model_name=model_name, tokens=tokens, n_layers=n_layers, n_heads=n_heads, head_dim=head_dim,
        causal=True, tensors=out, special=[], max_weight_error=worst,
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


def find_heads(trace: AttentionTrace, source_word: str, target_words: list[str] | tuple[str, ...],
               min_weight: float = 0.3) -> list[HeadMatch]:
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


def head_scores(trace: AttentionTrace, source: int, targets: list[int]) -> np.ndarray:
    """(L, H): attention from token ``source`` to the ``targets`` (summed), per head."""
    weights = trace.all_weights()
    if not targets:
        return np.zeros((trace.n_layers, trace.n_heads), dtype=np.float32)
    return weights[:, :, source][:, :, targets].sum(axis=-1)


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
