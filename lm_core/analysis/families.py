"""Chapter 6: one sentence through the three families, the three masks, and sentence vectors.

* :func:`sentence_ids`: the sentence's tokens, checked (the three models share one tokenizer);
  :func:`opening_mask`, :func:`opening_span`: what the encoder hides and the encoder-decoder
  rebuilds on a new sentence; :func:`mask_from_link`, :func:`span_from_link`,
  :func:`span_within`: a link's or a slider's choice, checked against the sentence;
* :func:`masked_predictions`: the encoder's guesses for masked tokens and its attention
  (last layer, mean over heads); :func:`rebuild_span`: the encoder-decoder writing a span back;
* :func:`gpt_predictions`: the tiny GPT's next-token guess at every position, and its
  causal attention (last layer, mean over heads);
* :func:`mask_panels`: the full, causal and cross masks as boolean matrices, built by the
  very function every model's attention uses (:func:`lm_core.models.attention.allowed_mask`);
* :func:`encoder_vectors`, :func:`minilm_vectors`: one unit vector per sentence (mean of
  the last layer's token vectors), :func:`search`: cosine similarity, best first.

numpy/torch only: no Streamlit, no plotly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.data.curriculum import FAMILY_EXAMPLES
from lm_core.models.attention import allowed_mask
from lm_core.models.capture import Capture
from lm_core.models.encoder import Encoder, build_input, predict_masked
from lm_core.models.encoder_decoder import EncoderDecoder, reconstruct
from lm_core.tokenizers.special import SpecialTokenizer

MAX_SENTENCE_TOKENS = 40  # one sentence for three models, drawn as token-by-token matrices


# --------------------------------------------------------------------------- the sentence and its choices


def sentence_ids(tokenizer: SpecialTokenizer, text: str) -> list[int]:
    """The sentence's tokens; InputError when it is too long to draw token by token."""
    ids = tokenizer.encode(text)
    if len(ids) > MAX_SENTENCE_TOKENS:
        raise InputError("errors.text.too_many_tokens", count=len(ids), limit=MAX_SENTENCE_TOKENS)
    return ids


def opening_mask(lang: str, text: str, n_tokens: int) -> list[int]:
    """The tokens the encoder hides on a new sentence: the lesson's word on its example,
    else the middle token."""
    example = FAMILY_EXAMPLES[lang]
    wanted = list(example.masked) if text == example.sentence else [n_tokens // 2]
    return [i for i in wanted if 0 <= i < n_tokens]


def opening_span(lang: str, text: str, n_tokens: int) -> tuple[int, int]:
    """(first, last) token the encoder-decoder rebuilds on a new sentence: the lesson's
    span on its example, else one or two tokens in the middle."""
    example = FAMILY_EXAMPLES[lang]
    if text == example.sentence:
        return example.span
    return max(0, n_tokens // 2 - 1), min(n_tokens - 2, n_tokens // 2)


def mask_from_link(raw: str | None, n_tokens: int) -> list[int] | None:
    """A link's masked positions (``"1,8"``), sorted; ``None`` when absent, not numbers, or
    naming a token past the end (the page then opens on :func:`opening_mask`)."""
    if raw is None:
        return None
    try:
        wanted = sorted({int(part) for part in raw.split(",") if part.strip() != ""})
    except ValueError:
        return None
    if any(i >= n_tokens for i in wanted):
        return None
    return [i for i in wanted if i >= 0]


def span_from_link(raw: str | None, n_tokens: int) -> tuple[int, int] | None:
    """A link's span (``"7-8"``); ``None`` when absent or not two numbers. InputError when
    it lies outside the sentence (the learner is told, the page opens on its default)."""
    if not raw:
        return None
    try:
        first, last = (int(part) for part in raw.split("-", 1))
    except ValueError:
        return None
    if not 0 <= first <= last < n_tokens:
        raise InputError("errors.mask.span_past_end", count=n_tokens)
    return first, last


def span_within(value: object, n_tokens: int, default: tuple[int, int]) -> tuple[int, int]:
    """A (first, last) pair kept inside the sentence (a slider's value after the sentence
    changed); ``default`` when it is not a pair of numbers."""
    try:
        first, last = sorted(int(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        first, last = default
    return max(0, min(first, n_tokens - 1)), max(0, min(last, n_tokens - 1))


# --------------------------------------------------------------------------- the three families


@dataclass(frozen=True)
class MaskedView:
    tokens: list[str]  # the encoder's input as shown ([CLS] ... [MASK] ... [SEP])
    top: dict[int, list[tuple[str, float]]]  # masked position -> best guesses, best first
    weights: np.ndarray  # (T, T) last layer, mean over heads


@torch.inference_mode()
def masked_predictions(
    model: Encoder, tokenizer: SpecialTokenizer, ids: list[int], masked: tuple[int, ...]
) -> MaskedView:
    """The encoder fills in the tokens at ``masked``, seeing both sides."""
    result = predict_masked(model, tokenizer, ids, masked)
    return MaskedView(tokens=result.tokens, top=result.top, weights=result.weights[-1].mean(dim=0).numpy())


@dataclass(frozen=True)
class SpanView:
    source: list[str]  # the encoder's input, the span replaced by a sentinel
    expected: list[str]  # what the decoder should write
    steps: list[dict]  # per written token: token, prob, top candidates
    written: list[str]  # what it wrote
    cross: np.ndarray  # (steps, T_source) cross-attention, last layer, mean over heads


@torch.inference_mode()
def rebuild_span(model: EncoderDecoder, tokenizer: SpecialTokenizer, ids: list[int], first: int, last: int) -> SpanView:
    """The encoder-decoder writes back tokens ``first..last`` hidden behind a sentinel."""
    result = reconstruct(model, tokenizer, ids, first, last - first + 1)
    return SpanView(result.source_tokens, result.expected, result.steps, result.written, result.cross.numpy())


@dataclass(frozen=True)
class NextTokenView:
    tokens: list[str]
    predicted: list[str]  # the most likely next token after each position
    predicted_prob: list[float]
    actual_prob: list[float | None]  # probability the model gave the token that really follows (None at the end)
    weights: np.ndarray  # (T, T) last layer, mean over heads

    @property
    def allowed(self) -> np.ndarray:
        """(T, T) True where a position may look (itself and the left): the causal mask
        every decoder's attention uses."""
        n = len(self.tokens)
        return allowed_mask(n, n, causal=True).numpy()


@torch.inference_mode()
def gpt_predictions(model, tokenizer, ids: list[int]) -> NextTokenView:  # noqa: ANN001 (GPT, LMTokenizer)
    """Next-token prediction at every position of ``ids`` (one forward pass, capture path)."""
    if len(ids) > model.config.block_size:
        raise InputError("errors.text.too_many_tokens", count=len(ids), limit=model.config.block_size)
    last = model.config.n_layer - 1
    capture = Capture(f"blocks.{last}.attn.weights")
    logits = model(torch.tensor([ids]), capture=capture)[0]
    probs = torch.softmax(logits.float(), dim=-1)
    best_p, best = probs.max(dim=-1)
    actual = [float(probs[i, ids[i + 1]]) for i in range(len(ids) - 1)] + [None]
    return NextTokenView(
        tokens=tokenizer.tokens(ids),
        predicted=tokenizer.tokens(best.tolist()),
        predicted_prob=[float(p) for p in best_p],
        actual_prob=actual,
        weights=capture[f"blocks.{last}.attn.weights"][0].mean(dim=0).numpy(),
    )


def mask_panels(source_tokens: list[str], target_tokens: list[str], n_padding: int = 2, pad: str = "[PAD]"):
    """(name, allowed (rows, cols), row labels, column labels) for the full, causal and cross masks.

    The cross mask's keys are the encoder tokens followed by ``n_padding`` padding
    positions (a batch pads its shorter inputs), which nobody may look at.
    """
    n_source, n_target = len(source_tokens), len(target_tokens)
    full = allowed_mask(n_source, n_source)
    full = torch.ones(n_source, n_source, dtype=torch.bool) if full is None else full
    causal = allowed_mask(n_target, n_target, causal=True)
    keys = [*source_tokens, *([pad] * n_padding)]
    padding = torch.tensor([[False] * n_source + [True] * n_padding])
    cross = allowed_mask(n_target, len(keys), key_padding=padding)[0, 0].expand(n_target, len(keys))
    return [
        ("full", full.numpy(), source_tokens, source_tokens),
        ("causal", causal.numpy(), target_tokens, target_tokens),
        ("cross", cross.numpy(), target_tokens, keys),
    ]


def _unit(matrix: torch.Tensor) -> np.ndarray:
    vectors = matrix.float().numpy().astype(np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@torch.inference_mode()
def encoder_vectors(model: Encoder, tokenizer: SpecialTokenizer, texts: list[str]) -> np.ndarray:
    """(N, C) unit vectors: mean of the encoder's last-layer vectors over each text's tokens.

    Characters the toy model never saw are left out; a text longer than its positions is cut.
    A text with no known character at all gets the zero vector (similar to nothing).
    """
    rows = []
    for text in texts:
        ids = tokenizer.base.encode_known(text)[: model.config.block_size - 2]
        if not ids:
            rows.append(torch.zeros(model.config.n_embd))
            continue
        full, _ = build_input(tokenizer, ids)
        rows.append(model.trunk(torch.tensor([full]))[0, 1:-1].mean(dim=0))
    return _unit(torch.stack(rows))


@torch.inference_mode()
def minilm_vectors(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """(N, 384) unit vectors from MiniLM: mean pooling over tokens (how it was trained to be used)."""
    from lm_core.models.minilm import MAX_TOKENS, load_minilm

    tokenizer, model = load_minilm()
    out = []
    for start in range(0, len(texts), batch_size):
        encodings = [tokenizer.encode(text).ids[:MAX_TOKENS] for text in texts[start : start + batch_size]]
        width = max(len(ids) for ids in encodings)
        ids = torch.tensor([e + [0] * (width - len(e)) for e in encodings])
        mask = torch.tensor([[1] * len(e) + [0] * (width - len(e)) for e in encodings])
        hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
        summed = (hidden * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        out.append(summed)
    return _unit(torch.cat(out))


def search(query: np.ndarray, vectors: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """(index, cosine similarity) of the ``k`` rows most similar to ``query`` (unit vectors)."""
    scores = np.asarray(vectors) @ np.asarray(query).reshape(-1)
    order = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in order]
