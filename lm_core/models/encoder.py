"""A tiny bidirectional encoder (BERT-like) trained to fill in blanks.

Input: ``[CLS] sentence A [SEP] sentence B [SEP]`` (or just ``[CLS] A [SEP]``), padded
with ``[PAD]`` to the longest sequence of a batch. Each position gets the sum of three
embeddings: its token, its position and its segment (0 for A and the first ``[SEP]``, 1
for B). Then ``n_layer`` pre-LayerNorm blocks whose self-attention is **not** causal:
every token looks at every other real token, left and right (padding is masked out).

Two training objectives, both from BERT:

* masked language modelling (MLM): 15 % of the tokens are chosen; of those 80 % become
  ``[MASK]``, 10 % a random token, 10 % stay as they are, and the model predicts the
  original token at each chosen position (:func:`mask_tokens`). The output layer shares
  its weights with the token embedding, as in the tiny GPT;
* next-sentence prediction (NSP): from the ``[CLS]`` position, a two-way classifier says
  whether B really continues A. In the toy world sentences do not follow one another, so a
  pair is one sentence cut in two at a word boundary (B continues A) or the first part of
  one sentence with the second part of another (it does not) (:func:`make_pair`).

The blocks reuse the tiny GPT's feed-forward network and the one attention
(:func:`lm_core.models.attention.attend`); :class:`SelfAttention` and
:class:`CrossAttention` here are shared with the encoder-decoder. Capture names:

``embed.token|position|segment|sum`` (B, T, C); ``blocks.{i}.attn.q|k|v|scores|scaled|
masked|weights|head_out`` (as the tiny GPT); ``blocks.{i}.attn.out``, ``blocks.{i}.resid_post``;
``ln_f``; ``logits`` (B, T, V); ``nsp_logits`` (B, 2).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_model, save_model
from torch import nn

from lm_core.core.errors import InputError
from lm_core.models.attention import attend, merge_heads, split_heads
from lm_core.models.capture import Capture, edit
from lm_core.models.capture import record as _record
from lm_core.models.config import ConfigMixin, require_heads_divide, require_positive
from lm_core.models.gpt import MLP
from lm_core.tokenizers.special import SpecialTokenizer, load_special_tokenizer, save_special_tokenizer

WEIGHTS_FILE, CONFIG_FILE, TOKENIZER_FILE = "model.safetensors", "config.json", "tokenizer.json"
MASK_FRACTION = 0.15
IGNORE = -100


@dataclass(frozen=True)
class EncoderConfig(ConfigMixin):
    vocab_size: int
    block_size: int = 64  # the longest input, [CLS] and [SEP]s included
    n_layer: int = 3
    n_head: int = 4
    n_embd: int = 96
    dropout: float = 0.0
    bias: bool = False
    n_segments: int = 2

    def __post_init__(self) -> None:
        require_positive(vocab_size=self.vocab_size, block_size=self.block_size, n_layer=self.n_layer,
                         n_head=self.n_head)
        require_heads_divide(self.n_embd, self.n_head)


# --------------------------------------------------------------------------- shared blocks


class SelfAttention(nn.Module):
    """Multi-head self-attention: causal (a decoder) or bidirectional (an encoder).

    ``name`` (e.g. ``blocks.0.attn``): where its steps are recorded, fixed at construction.
    """

    def __init__(self, config, causal: bool, name: str) -> None:  # noqa: ANN001 (any config with n_embd/n_head/bias/dropout)
        super().__init__()
        self.name = name
        self.n_head, self.causal, self.dropout = config.n_head, causal, config.dropout
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)

    def forward(
        self, x: torch.Tensor, capture: Capture | None = None, key_padding: torch.Tensor | None = None
    ) -> torch.Tensor:
        q, k, v = (split_heads(part, self.n_head) for part in self.qkv(x).split(x.shape[-1], dim=2))
        dropout = self.dropout if self.training else 0.0
        heads = attend(
            q, k, v, causal=self.causal, key_padding=key_padding, capture=capture, prefix=self.name, dropout=dropout
        )
        out = self.proj(merge_heads(heads))
        _record(capture, f"{self.name}.out", out)
        return out


class CrossAttention(nn.Module):
    """Queries from the decoder, keys and values from the encoder's output (its "memory").

    ``name`` (e.g. ``decoder.blocks.0.cross``): where its steps are recorded.
    """

    def __init__(self, config, name: str) -> None:  # noqa: ANN001
        super().__init__()
        self.name = name
        self.n_head, self.dropout = config.n_head, config.dropout
        self.q = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.kv = nn.Linear(config.n_embd, 2 * config.n_embd, bias=config.bias)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        capture: Capture | None = None,
        memory_padding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        q = split_heads(self.q(x), self.n_head)
        k, v = (split_heads(part, self.n_head) for part in self.kv(memory).split(x.shape[-1], dim=2))
        dropout = self.dropout if self.training else 0.0
        heads = attend(q, k, v, key_padding=memory_padding, capture=capture, prefix=self.name, dropout=dropout)
        out = self.proj(merge_heads(heads))
        _record(capture, f"{self.name}.out", out)
        return out


class EncoderBlock(nn.Module):
    """x + attn(ln1(x)), then x + mlp(ln2(x)); attention sees both sides.

    ``name``: ``blocks.{i}`` in the encoder, ``encoder.blocks.{i}`` in the encoder-decoder.
    """

    def __init__(self, config, name: str) -> None:  # noqa: ANN001
        super().__init__()
        self.name = name
        self.ln1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = SelfAttention(config, causal=False, name=f"{name}.attn")
        self.ln2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config, f"{name}.mlp")

    def forward(
        self, x: torch.Tensor, capture: Capture | None = None, key_padding: torch.Tensor | None = None
    ) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), capture, key_padding)
        x = x + self.mlp(self.ln2(x), capture)
        x = edit(capture, f"{self.name}.resid_post", x)  # patched or steered, if asked
        _record(capture, f"{self.name}.resid_post", x)
        return x


def init_weights(model: nn.Module, n_layer: int) -> None:
    """GPT-2's initialisation (as the tiny GPT): N(0, 0.02), residual projections scaled by depth."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
    for name, parameter in model.named_parameters():
        if name.endswith("attn.proj.weight") or name.endswith("cross.proj.weight") or name.endswith("mlp.proj.weight"):
            nn.init.normal_(parameter, mean=0.0, std=0.02 / (2 * n_layer) ** 0.5)


# --------------------------------------------------------------------------- the encoder


class Encoder(nn.Module):
    """``model(idx, segments, padding)`` -> (MLM logits (B, T, V), NSP logits (B, 2))."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.position_embedding = nn.Embedding(config.block_size, config.n_embd)
        self.segment_embedding = nn.Embedding(config.n_segments, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(EncoderBlock(config, f"blocks.{layer}") for layer in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.nsp_head = nn.Linear(config.n_embd, 2)
        init_weights(self, config.n_layer)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def trunk(
        self,
        idx: torch.Tensor,
        segments: torch.Tensor | None = None,
        padding: torch.Tensor | None = None,
        capture: Capture | None = None,
    ) -> torch.Tensor:
        """The last layer's vectors (B, T, C), after the final LayerNorm."""
        if idx.dim() != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        if idx.shape[1] > self.config.block_size:
            raise ValueError(f"{idx.shape[1]} tokens do not fit the {self.config.block_size} positions")
        segments = torch.zeros_like(idx) if segments is None else segments
        tokens = self.token_embedding(idx)
        positions = self.position_embedding(torch.arange(idx.shape[1], device=idx.device))
        segment_vectors = self.segment_embedding(segments)
        x = tokens + positions + segment_vectors
        for name, value in (("token", tokens), ("position", positions), ("segment", segment_vectors), ("sum", x)):
            _record(capture, f"embed.{name}", value)
        x = self.drop(x)
        for block in self.blocks:
            x = block(x, capture, padding)
        x = self.ln_f(x)
        _record(capture, "ln_f", x)
        return x

    def forward(
        self,
        idx: torch.Tensor,
        segments: torch.Tensor | None = None,
        padding: torch.Tensor | None = None,
        capture: Capture | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.trunk(idx, segments, padding, capture)
        logits = x @ self.token_embedding.weight.T  # tied: the embedding table scores every token
        _record(capture, "logits", logits)
        nsp = self.nsp_head(x[:, 0])
        _record(capture, "nsp_logits", nsp)
        return logits, nsp

    def loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(total, MLM, NSP) cross-entropy losses of a batch from :func:`collate`."""
        logits, nsp = self(batch["ids"], batch["segments"], batch["padding"])
        mlm = F.cross_entropy(logits.view(-1, logits.size(-1)), batch["targets"].view(-1), ignore_index=IGNORE)
        if (batch["nsp"] != IGNORE).any():
            nsp_loss = F.cross_entropy(nsp, batch["nsp"], ignore_index=IGNORE)
        else:
            nsp_loss = logits.new_zeros(())
        return mlm + nsp_loss, mlm, nsp_loss


# --------------------------------------------------------------------------- data


def build_input(tokenizer: SpecialTokenizer, a: list[int], b: list[int] | None = None) -> tuple[list[int], list[int]]:
    """``[CLS] a [SEP]`` (segment 0) and, if given, ``b [SEP]`` (segment 1): ids and segments."""
    ids = [tokenizer.cls_id, *a, tokenizer.sep_id]
    segments = [0] * len(ids)
    if b is not None:
        ids += [*b, tokenizer.sep_id]
        segments += [1] * (len(b) + 1)
    return ids, segments


def split_words(ids: list[int], tokenizer: SpecialTokenizer, rng: random.Random) -> int | None:
    """A cut point between two words (a token starting with ``▁``, or any character for Chinese)."""
    if tokenizer.kind == "bpe":
        starts = [i for i in range(2, len(ids) - 1) if tokenizer.id_to_token(ids[i]).startswith("▁")]
    else:
        starts = list(range(2, len(ids) - 1))
    return rng.choice(starts) if starts else None


def make_pair(
    sentences: list[list[int]], index: int, tokenizer: SpecialTokenizer, rng: random.Random
) -> tuple[list[int], list[int], int]:
    """(ids, segments, label): label 1 if B continues A, 0 if B is from another sentence, -100 if single."""
    ids = sentences[index]
    cut = split_words(ids, tokenizer, rng)
    if cut is None or rng.random() < 1 / 3:
        a_ids, seg = build_input(tokenizer, ids)
        return a_ids, seg, IGNORE
    a, b = ids[:cut], ids[cut:]
    label = 1
    if rng.random() < 0.5:
        other = sentences[rng.randrange(len(sentences))]
        other_cut = split_words(other, tokenizer, rng)
        if other_cut is not None and other[other_cut:] != b:
            b, label = other[other_cut:], 0
    all_ids, seg = build_input(tokenizer, a, b)
    return all_ids, seg, label


def mask_tokens(
    ids: list[int], tokenizer: SpecialTokenizer, rng: random.Random, fraction: float = MASK_FRACTION
) -> tuple[list[int], list[int]]:
    """BERT's masking: (input ids, targets). 15 % of ordinary tokens (at least one) are chosen;
    80 % of them become ``[MASK]``, 10 % a random ordinary token, 10 % stay; targets hold the
    original id at chosen positions and -100 elsewhere."""
    candidates = [i for i, token in enumerate(ids) if not tokenizer.is_special(token)]
    chosen = rng.sample(candidates, max(1, round(len(candidates) * fraction))) if candidates else []
    inputs, targets = list(ids), [IGNORE] * len(ids)
    for position in chosen:
        targets[position] = ids[position]
        roll = rng.random()
        if roll < 0.8:
            inputs[position] = tokenizer.mask_id
        elif roll < 0.9:
            inputs[position] = rng.randrange(1, tokenizer.base_vocab_size)
    return inputs, targets


def collate(examples: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad a list of examples ({"ids", "segments", "targets", "nsp"}) into tensors."""
    width = max(len(e["ids"]) for e in examples)

    def pad(rows: list[list[int]], value: int) -> torch.Tensor:
        return torch.tensor([row + [value] * (width - len(row)) for row in rows], dtype=torch.long)

    ids = pad([e["ids"] for e in examples], pad_id)
    return {
        "ids": ids,
        "segments": pad([e["segments"] for e in examples], 0),
        "targets": pad([e["targets"] for e in examples], IGNORE),
        "nsp": torch.tensor([e["nsp"] for e in examples], dtype=torch.long),
        "padding": ids == pad_id,
    }


def training_example(sentences: list[list[int]], index: int, tokenizer: SpecialTokenizer, rng: random.Random) -> dict:
    ids, segments, label = make_pair(sentences, index, tokenizer, rng)
    inputs, targets = mask_tokens(ids, tokenizer, rng)
    return {"ids": inputs, "segments": segments, "targets": targets, "nsp": label}


# --------------------------------------------------------------------------- use


@dataclass(frozen=True)
class MaskPrediction:
    tokens: list[str]  # the input as shown, with [MASK] at the masked positions
    masked: tuple[int, ...]  # positions (in ``tokens``) that were masked
    top: dict[int, list[tuple[str, float]]]  # position -> (token, probability), best first
    weights: torch.Tensor  # (layers, heads, T, T) attention weights


@torch.inference_mode()
def predict_masked(
    model: Encoder, tokenizer: SpecialTokenizer, ids: list[int], masked: list[int] | tuple[int, ...], k: int = 5
) -> MaskPrediction:
    """Replace tokens at ``masked`` (indices into ``ids``) by ``[MASK]`` and read the model's guesses."""
    masked = tuple(sorted(set(int(m) for m in masked)))
    if not masked:
        raise InputError("errors.mask.nothing")
    if len(masked) >= len(ids):
        raise InputError("errors.mask.everything")
    if masked[0] < 0 or masked[-1] >= len(ids):
        raise InputError("errors.mask.no_such_token", count=len(ids))
    inputs = [tokenizer.mask_id if i in masked else token for i, token in enumerate(ids)]
    full, segments = build_input(tokenizer, inputs)
    capture = Capture(lambda name: name.endswith("attn.weights"))
    logits, _ = model(torch.tensor([full]), torch.tensor([segments]), capture=capture)
    probs = torch.softmax(logits[0].float(), dim=-1)
    ordinary = torch.zeros(probs.shape[-1], dtype=torch.bool)
    ordinary[1 : tokenizer.base_vocab_size] = True  # guesses are ordinary tokens
    top = {}
    for position in masked:
        p = probs[position + 1].masked_fill(~ordinary, 0.0)
        values, indices = p.topk(k)
        top[position] = [(tokenizer.id_to_token(int(i)), float(v)) for v, i in zip(values, indices, strict=True)]
    weights = torch.stack([capture[f"blocks.{i}.attn.weights"][0] for i in range(model.config.n_layer)])
    return MaskPrediction(tokenizer.tokens(full), masked, top, weights)


# --------------------------------------------------------------------------- checkpoints


def save_folder(folder: str | Path, model: nn.Module, tokenizer: SpecialTokenizer, meta: dict | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(model, str(folder / WEIGHTS_FILE))
    config = {"model": model.config.to_dict(), "meta": meta or {}}
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    save_special_tokenizer(tokenizer, folder / TOKENIZER_FILE)
    return folder


def load_folder(folder: str | Path, model_class, config_class):  # noqa: ANN001, ANN201
    """(model, tokenizer, meta): eval mode, gradients off."""
    folder = Path(folder)
    data = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    model = model_class(config_class.from_dict(data["model"]))
    load_model(model, str(folder / WEIGHTS_FILE))
    model.eval()
    model.requires_grad_(False)
    tokenizer = load_special_tokenizer(folder / TOKENIZER_FILE)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise ValueError(f"tokenizer has {tokenizer.vocab_size} tokens, model expects {model.config.vocab_size}")
    return model, tokenizer, data.get("meta", {})


def load_encoder(name: str) -> tuple[Encoder, SpecialTokenizer, dict]:
    """A shipped encoder (``encoder_toy_en`` / ``encoder_toy_zh``)."""
    from lm_core.core.paths import CHECKPOINT_DIR

    if name not in ("encoder_toy_en", "encoder_toy_zh"):
        raise ValueError(f"no shipped encoder named {name!r}")
    try:
        return load_folder(CHECKPOINT_DIR / name, Encoder, EncoderConfig)
    except Exception as exc:  # a missing or damaged file: say what rebuilds it
        raise InputError("errors.model.checkpoint_broken", name=name, script="scripts/train_encoder.py") from exc
