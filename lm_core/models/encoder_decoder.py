"""A tiny T5-like encoder-decoder trained with span corruption.

Span corruption (T5): a few spans of the sentence (about 15 % of its tokens) are cut out
and each is replaced by one sentinel token, ``<extra_id_0>``, ``<extra_id_1>``, ... The
encoder reads the corrupted sentence with bidirectional self-attention; the decoder writes,
one token at a time, each sentinel followed by the span it hid, then ``<eos>``::

    input   The king <extra_id_0> to the whole kingdom .
    target  <extra_id_0> gave a speech <eos>

Each decoder block has causal self-attention over what it has written so far, then
**cross-attention**: its queries come from the decoder, its keys and values from the
encoder's output, so every written token can look at every input token (padding masked
out). Both stacks reuse the encoder's blocks (:mod:`lm_core.models.encoder`) and the one
attention. Token embedding, and the output layer tied to it, are shared by both stacks;
each stack has its own learned position table.

Capture names: ``encoder.blocks.{i}.attn.*`` (self-attention, full mask),
``decoder.blocks.{i}.attn.*`` (causal), ``decoder.blocks.{i}.cross.*`` (cross-attention,
queries = decoder tokens, keys = encoder tokens), ``logits`` (B, T_target, V).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lm_core.core.errors import InputError
from lm_core.models.capture import Capture
from lm_core.models.capture import record as _record
from lm_core.models.config import ConfigMixin, require_heads_divide, require_positive
from lm_core.models.encoder import IGNORE, CrossAttention, EncoderBlock, SelfAttention, init_weights, load_folder
from lm_core.models.gpt import MLP
from lm_core.tokenizers.special import N_SENTINELS, SpecialTokenizer

CORRUPT_FRACTION = 0.15
MEAN_SPAN = 3


@dataclass(frozen=True)
class EncoderDecoderConfig(ConfigMixin):
    vocab_size: int
    block_size: int = 64
    n_encoder_layer: int = 2
    n_decoder_layer: int = 2
    n_head: int = 4
    n_embd: int = 96
    dropout: float = 0.0
    bias: bool = False

    def __post_init__(self) -> None:
        require_positive(vocab_size=self.vocab_size, block_size=self.block_size,
                         n_encoder_layer=self.n_encoder_layer, n_decoder_layer=self.n_decoder_layer,
                         n_head=self.n_head)
        require_heads_divide(self.n_embd, self.n_head)


class DecoderBlock(nn.Module):
    """x + self_attn(ln1(x)) [causal], x + cross(ln_cross(x), memory), x + mlp(ln2(x)).

    ``name``: ``decoder.blocks.{i}``, fixed at construction.
    """

    def __init__(self, config: EncoderDecoderConfig, name: str) -> None:
        super().__init__()
        self.name = name
        self.ln1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = SelfAttention(config, causal=True, name=f"{name}.attn")
        self.ln_cross = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.cross = CrossAttention(config, f"{name}.cross")
        self.ln2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config, f"{name}.mlp")

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        capture: Capture | None = None,
        memory_padding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), capture)
        x = x + self.cross(self.ln_cross(x), memory, capture, memory_padding)
        x = x + self.mlp(self.ln2(x), capture)
        _record(capture, f"{self.name}.resid_post", x)
        return x


class EncoderDecoder(nn.Module):
    """``model(source, target_in, source_padding)`` -> logits (B, T_target, V)."""

    def __init__(self, config: EncoderDecoderConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.encoder_positions = nn.Embedding(config.block_size, config.n_embd)
        self.decoder_positions = nn.Embedding(config.block_size, config.n_embd)
        self.encoder_blocks = nn.ModuleList(
            EncoderBlock(config, f"encoder.blocks.{layer}") for layer in range(config.n_encoder_layer)
        )
        self.encoder_ln = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.decoder_blocks = nn.ModuleList(
            DecoderBlock(config, f"decoder.blocks.{layer}") for layer in range(config.n_decoder_layer)
        )
        self.decoder_ln = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.drop = nn.Dropout(config.dropout)
        init_weights(self, config.n_encoder_layer + config.n_decoder_layer)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def _check(self, ids: torch.Tensor) -> None:
        if ids.dim() != 2:
            raise ValueError(f"ids must have shape (B, T), got {tuple(ids.shape)}")
        if ids.shape[1] > self.config.block_size:
            raise ValueError(f"{ids.shape[1]} tokens do not fit the {self.config.block_size} positions")

    def encode(
        self, source: torch.Tensor, padding: torch.Tensor | None = None, capture: Capture | None = None
    ) -> torch.Tensor:
        """The encoder's output (B, T_source, C): the "memory" the decoder reads."""
        self._check(source)
        x = self.token_embedding(source) + self.encoder_positions(torch.arange(source.shape[1], device=source.device))
        x = self.drop(x)
        for block in self.encoder_blocks:
            x = block(x, capture, padding)
        return self.encoder_ln(x)

    def decode(
        self,
        target_in: torch.Tensor,
        memory: torch.Tensor,
        memory_padding: torch.Tensor | None = None,
        capture: Capture | None = None,
    ) -> torch.Tensor:
        """Logits (B, T_target, V) of the next target token at each position."""
        self._check(target_in)
        positions = self.decoder_positions(torch.arange(target_in.shape[1], device=target_in.device))
        x = self.drop(self.token_embedding(target_in) + positions)
        for block in self.decoder_blocks:
            x = block(x, memory, capture, memory_padding)
        logits = self.decoder_ln(x) @ self.token_embedding.weight.T
        _record(capture, "logits", logits)
        return logits

    def forward(
        self,
        source: torch.Tensor,
        target_in: torch.Tensor,
        source_padding: torch.Tensor | None = None,
        capture: Capture | None = None,
    ) -> torch.Tensor:
        memory = self.encode(source, source_padding, capture)
        return self.decode(target_in, memory, source_padding, capture)

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = self(batch["source"], batch["target_in"], batch["source_padding"])
        return F.cross_entropy(logits.view(-1, logits.size(-1)), batch["target"].view(-1), ignore_index=IGNORE)


# --------------------------------------------------------------------------- span corruption


def corrupt(ids: list[int], spans: list[tuple[int, int]], tokenizer: SpecialTokenizer) -> tuple[list[int], list[int]]:
    """(input, target) for spans ``[(start, length), ...]`` (sorted, not overlapping).

    Input: ``ids`` with span j replaced by sentinel j. Target: sentinel j, span j, ...,
    ``<eos>``.
    """
    source, target, cursor = [], [], 0
    for j, (start, length) in enumerate(spans):
        source += ids[cursor:start] + [tokenizer.sentinel_id(j)]
        target += [tokenizer.sentinel_id(j), *ids[start : start + length]]
        cursor = start + length
    source += ids[cursor:]
    return source, [*target, tokenizer.eos_id]


def random_spans(n_tokens: int, rng: random.Random) -> list[tuple[int, int]]:
    """Spans covering about 15 % of ``n_tokens`` (at least one token), mean length ~3, with gaps."""
    n_corrupt = max(1, round(n_tokens * CORRUPT_FRACTION))
    n_spans = max(1, min(N_SENTINELS, round(n_corrupt / MEAN_SPAN)))
    lengths = [1] * n_spans
    for _ in range(n_corrupt - n_spans):
        lengths[rng.randrange(n_spans)] += 1
    gap_total = n_tokens - n_corrupt
    if gap_total < n_spans - 1:
        return [(0, min(n_tokens, n_corrupt))] if n_tokens > 1 else [(0, 1)]
    # Distribute the remaining tokens into n_spans + 1 gaps (inner gaps at least 1).
    gaps = [0] + [1] * (n_spans - 1) + [0]
    for _ in range(gap_total - (n_spans - 1)):
        gaps[rng.randrange(len(gaps))] += 1
    spans, cursor = [], gaps[0]
    for j, length in enumerate(lengths):
        spans.append((cursor, length))
        cursor += length + gaps[j + 1]
    return spans


def training_example(ids: list[int], tokenizer: SpecialTokenizer, rng: random.Random) -> dict:
    source, target = corrupt(ids, random_spans(len(ids), rng), tokenizer)
    return {"source": source, "target": target}


def collate(examples: list[dict], tokenizer: SpecialTokenizer) -> dict[str, torch.Tensor]:
    pad = tokenizer.pad_id
    width_s = max(len(e["source"]) for e in examples)
    width_t = max(len(e["target"]) for e in examples)
    source = torch.tensor([e["source"] + [pad] * (width_s - len(e["source"])) for e in examples])
    target_in = torch.tensor(
        [[tokenizer.bos_id, *e["target"][:-1]] + [pad] * (width_t - len(e["target"])) for e in examples]
    )
    target = torch.tensor([e["target"] + [IGNORE] * (width_t - len(e["target"])) for e in examples])
    return {"source": source, "source_padding": source == pad, "target_in": target_in, "target": target}


# --------------------------------------------------------------------------- use


@dataclass(frozen=True)
class Reconstruction:
    source_tokens: list[str]  # the corrupted input as shown (sentinels included)
    expected: list[str]  # the target the decoder should write
    steps: list[dict]  # per step: token, probability, top candidates, cross weights (source,)
    written: list[str]  # the tokens the decoder wrote (greedy)
    cross: torch.Tensor  # (steps, T_source) cross-attention of the last layer, mean over heads

    @property
    def exact(self) -> bool:
        return self.written == self.expected


def check_span(n_tokens: int, start: int, length: int) -> None:
    if n_tokens < 2:
        raise InputError("errors.mask.sentence_too_short")
    if length < 1:
        raise InputError("errors.mask.span_empty")
    if start < 0 or start + length > n_tokens:
        raise InputError("errors.mask.span_past_end", count=n_tokens)
    if length >= n_tokens:
        raise InputError("errors.mask.span_everything")


@torch.inference_mode()
def reconstruct(
    model: EncoderDecoder, tokenizer: SpecialTokenizer, ids: list[int], start: int, length: int, k: int = 5
) -> Reconstruction:
    """Hide ``ids[start:start+length]`` behind ``<extra_id_0>`` and let the decoder write it back, greedily."""
    check_span(len(ids), start, length)
    source, target = corrupt(ids, [(start, length)], tokenizer)
    if len(source) > model.config.block_size:
        raise InputError("errors.text.too_many_tokens", count=len(ids), limit=model.config.block_size - 1)
    memory = model.encode(torch.tensor([source]))
    written: list[int] = []
    steps, cross_rows = [], []
    last = model.config.n_decoder_layer - 1
    max_steps = min(model.config.block_size - 1, length + 6)
    for _ in range(max_steps):
        capture = Capture(f"decoder.blocks.{last}.cross.weights")
        logits = model.decode(torch.tensor([[tokenizer.bos_id, *written]]), memory, capture=capture)
        probs = torch.softmax(logits[0, -1].float(), dim=-1)
        values, indices = probs.topk(k)
        token = int(indices[0])
        cross = capture[f"decoder.blocks.{last}.cross.weights"][0, :, -1].mean(dim=0)
        cross_rows.append(cross)
        steps.append(
            {
                "token": tokenizer.id_to_token(token),
                "prob": float(values[0]),
                "top": [(tokenizer.id_to_token(int(i)), float(v)) for v, i in zip(values, indices, strict=True)],
            }
        )
        written.append(token)
        if token == tokenizer.eos_id:
            break
    return Reconstruction(
        source_tokens=tokenizer.tokens(source),
        expected=tokenizer.tokens(target),
        steps=steps,
        written=tokenizer.tokens(written),
        cross=torch.stack(cross_rows),
    )


def load_encoder_decoder(name: str) -> tuple[EncoderDecoder, SpecialTokenizer, dict]:
    """A shipped encoder-decoder (``encdec_toy_en`` / ``encdec_toy_zh``)."""
    from lm_core.core.paths import CHECKPOINT_DIR

    if name not in ("encdec_toy_en", "encdec_toy_zh"):
        raise ValueError(f"no shipped encoder-decoder named {name!r}")
    try:
        return load_folder(CHECKPOINT_DIR / name, EncoderDecoder, EncoderDecoderConfig)
    except Exception as exc:  # a missing or damaged file: say what rebuilds it
        raise InputError("errors.model.checkpoint_broken", name=name, script="scripts/train_encoder_decoder.py") from exc
