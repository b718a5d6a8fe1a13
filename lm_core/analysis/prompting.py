"""Prompting a language model to classify sentences, read from its label probabilities.

The experiment of chapter 8: a model reads an instruction, zero or more labelled
examples, then a new sentence, and is asked for its sentiment. We do not let it write
free text; we ask how likely it finds each of the three label words right after the
prompt (the probability of the whole word, token by token) and take the likeliest.

* **Prompt modes**: zero-shot (no example), one-shot (one), one example per class, and
  few-shot (any list of labelled examples in any order).
* **Contextual calibration** (Zhao et al., 2021): a model may simply prefer one label
  word whatever the sentence. Ask it the same prompt with a content-free "sentence"
  (empty, ``N/A``) and divide each sentence's label probabilities by those.
* **Prefix cache**: every sentence of a test split shares the same beginning (the
  instruction and the examples). Its keys and values are computed once and reused for
  every sentence; only the sentence, the short suffix and the label words are new.

A model enters through a small scorer object (:class:`GPTScorer` for the tiny GPT,
:class:`ChatScorer` for an instruction model with a chat template) that can encode
text, run token ids through the model with a key/value cache, and fork a cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.data.instructions import SENTIMENT_PROMPTS as TEMPLATES

LABELS: tuple[str, ...] = ("positive", "negative", "neutral")
MODES: tuple[str, ...] = ("zero", "one", "per_class", "few")
MAX_EXAMPLES = 8
CONTENT_FREE: tuple[str, ...] = ("", "N/A")
SENTINEL = "\u0000SENTENCE\u0000"


@dataclass(frozen=True)
class PromptParts:
    """A prompt split around the sentence: ``prefix + sentence + suffix + label word``."""

    prefix: str
    suffix: str
    label_words: tuple[str, ...]  # in the order of LABELS

    def full(self, sentence: str) -> str:
        return f"{self.prefix}{sentence}{self.suffix}"


def label_word(lang: str, label: str) -> str:
    return TEMPLATES[_lang(lang)]["label_words"][label]  # type: ignore[index]


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def prompt_body(lang: str, examples: Sequence[tuple[str, str]], sentence: str = SENTINEL) -> str:
    """Instruction, the examples in the given order, then the sentence to classify."""
    template = TEMPLATES[_lang(lang)]
    parts = [str(template["instruction"])]
    for text, label in examples:
        if label not in LABELS:
            raise InputError("errors.labels.unknown", label=str(label)[:20])
        parts.append(str(template["example"]).format(text=text, label=label_word(lang, label)))
    parts.append(str(template["query"]).format(text=sentence))
    return "".join(parts)


def build_prompt(
    lang: str,
    examples: Sequence[tuple[str, str]],
    chat: Callable[[str], str] | None = None,
) -> PromptParts:
    """The prompt for ``examples`` (zero-shot when empty), split around the sentence.

    ``chat``: for an instruction model, a function that wraps the user's message in the
    model's chat template (ending where the assistant's answer begins); its answer then
    starts directly with the label word.
    """
    if len(examples) > MAX_EXAMPLES:
        raise InputError("errors.labels.too_many_examples", limit=MAX_EXAMPLES)
    body = prompt_body(lang, examples)
    words = [label_word(lang, label) for label in LABELS]
    if chat is not None:
        body = chat(body)
    else:
        words = [(" " + w) if _lang(lang) == "en" else w for w in words]
    prefix, suffix = body.split(SENTINEL)
    return PromptParts(prefix, suffix, tuple(words))


def pick_examples(
    train: Sequence[tuple[str, str]], mode: str, k: int = 4, chosen: Sequence[int] | None = None
) -> list[int]:
    """Indices (into ``train``) of the examples a prompt mode uses, in prompt order.

    ``chosen`` (the learner's own pick) wins for ``few``; otherwise the defaults are
    fixed: the first training example (one-shot), the first of each class in the order
    positive, negative, neutral (one per class), or classes in turn (few-shot, ``k``).
    Raises ``errors.labels.no_examples`` for few-shot with nothing chosen.
    """
    if mode not in MODES:
        raise InputError("errors.setting.unknown_prompt_type", mode=str(mode)[:20])
    if mode == "zero":
        return []
    if mode == "one":
        if chosen:
            return [int(chosen[0])]
        return [0]
    by_label: dict[str, list[int]] = {label: [] for label in LABELS}
    for index, (_, label) in enumerate(train):
        if label in by_label:
            by_label[label].append(index)
    if mode == "per_class":
        missing = [label for label, found in by_label.items() if not found]
        if missing:
            raise InputError("errors.labels.missing", labels=", ".join(missing))
        return [by_label[label][0] for label in LABELS]
    if chosen is not None:
        picked = [int(i) for i in chosen if 0 <= int(i) < len(train)]
        if not picked:
            raise InputError("errors.labels.no_examples")
        if len(picked) > MAX_EXAMPLES:
            raise InputError("errors.labels.too_many_examples", limit=MAX_EXAMPLES)
        return picked
    if not 1 <= k <= MAX_EXAMPLES:
        raise InputError("errors.labels.too_many_examples", limit=MAX_EXAMPLES)
    picked, turn = [], 0
    while len(picked) < k and any(by_label.values()):
        label = LABELS[turn % len(LABELS)]
        if by_label[label]:
            picked.append(by_label[label].pop(0))
        turn += 1
    return picked


# --------------------------------------------------------------------------- scorers


class GPTScorer:
    """The tiny GPT as a scorer: BPE / character ids, its own KV cache."""

    chat = None

    def __init__(self, model, tokenizer) -> None:  # noqa: ANN001 (GPT, LMTokenizer)
        self.model = model
        self.tokenizer = tokenizer
        self.block_size = int(model.config.block_size)

    def encode(self, text: str) -> list[int]:
        """Ids of the characters the tokenizer knows (possibly none)."""
        if not text.strip():
            return []
        return self.tokenizer.encode_known(text)

    def new_cache(self):  # noqa: ANN201
        return self.model.new_kv_cache()

    def forward(self, ids: torch.Tensor, cache, last_only: bool = False) -> torch.Tensor:  # noqa: ANN001
        return self.model(ids, kv_cache=cache, last_only=last_only)

    def fork_cache(self, cache, batch: int = 1):  # noqa: ANN001, ANN201
        """A cache holding the same keys and values (shared tensors: appending makes new ones)."""
        fork = self.model.new_kv_cache()
        fork.keys = [None if k is None else k.expand(batch, *k.shape[1:]) for k in cache.keys]
        fork.values = [None if v is None else v.expand(batch, *v.shape[1:]) for v in cache.values]
        return fork


class ChatScorer(GPTScorer):
    """An instruction model with a chat template (SmolLM2): same protocol, its tokenizer."""

    def __init__(self, model, tokenizer, block_size: int | None = None) -> None:  # noqa: ANN001
        self.model = model
        self.tokenizer = tokenizer
        self.block_size = int(block_size or model.config.block_size)

    def chat(self, message: str) -> str:
        return self.tokenizer.chat_prompt([{"role": "user", "content": message}])

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text)) if text else []


# --------------------------------------------------------------------------- scoring


@dataclass
class _Encoded:
    prefix: list[int]
    suffix: list[int]
    labels: list[list[int]]


def _encode_parts(scorer, parts: PromptParts) -> _Encoded:  # noqa: ANN001
    labels = [scorer.encode(word) for word in parts.label_words]
    if any(not ids for ids in labels) or len({tuple(ids) for ids in labels}) < len(labels):
        raise InputError("errors.labels.unreadable")
    return _Encoded(scorer.encode(parts.prefix), scorer.encode(parts.suffix), labels)


def _check_fits(scorer, encoded: _Encoded, n_query: int) -> None:  # noqa: ANN001
    total = len(encoded.prefix) + n_query + len(encoded.suffix) + max(len(ids) for ids in encoded.labels) - 1
    if total > scorer.block_size:
        raise InputError("errors.text.prompt_too_long", tokens=total, limit=scorer.block_size)


def _score_context(scorer, base, context: list[int], labels: list[list[int]], device) -> np.ndarray:  # noqa: ANN001
    """log P(label | cached prefix + context) for every label, in ONE forward pass.

    One row per label: the context followed by that label's tokens but its last, padded on
    the right (causal attention: padding after a row's tokens never changes them). When every
    label is a single token the rows would be identical, so one row serves all.
    """
    if not context:
        raise InputError("errors.text.empty")
    single = all(len(ids) == 1 for ids in labels)
    rows = [context] if single else [context + ids[:-1] for ids in labels]
    width = max(len(r) for r in rows)
    batch = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        batch[i, : len(r)] = torch.tensor(r)
    cache = scorer.fork_cache(base, len(rows)) if base is not None else scorer.new_cache()
    if single:  # only the last position matters: skip the vocabulary scores of the others
        logp = torch.log_softmax(scorer.forward(batch.to(device), cache, last_only=True).float(), dim=-1)
        return np.array([float(logp[0, -1, ids[0]]) for ids in labels])
    logp = torch.log_softmax(scorer.forward(batch.to(device), cache).float(), dim=-1)
    start = len(context) - 1  # the position whose output predicts the first label token
    scores = np.zeros(len(labels))
    for i, ids in enumerate(labels):
        r = 0 if single else i
        scores[i] = sum(float(logp[r, start + j, token]) for j, token in enumerate(ids))
    return scores


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def score_texts(
    scorer,  # noqa: ANN001
    parts: PromptParts,
    texts: Sequence[str],
    reuse_prefix: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Probabilities (n, 3) of the label words for each text, renormalised over the three.

    ``reuse_prefix``: compute the prompt's prefix once and fork its key/value cache for
    every text (the fast way); otherwise every text runs the whole prompt from scratch.
    """
    encoded = _encode_parts(scorer, parts)
    device = next(scorer.model.parameters()).device
    _check_fits(scorer, encoded, 0)
    base = None
    if reuse_prefix and encoded.prefix:
        base = scorer.new_cache()
        with torch.inference_mode():
            scorer.forward(torch.tensor([encoded.prefix], device=device), base)
    out = np.zeros((len(texts), len(LABELS)))
    with torch.inference_mode():
        for row, text in enumerate(texts):
            query = scorer.encode(text)
            _check_fits(scorer, encoded, len(query))
            context = query + encoded.suffix
            if base is not None:
                out[row] = _softmax(_score_context(scorer, base, context, encoded.labels, device))
            else:
                out[row] = _softmax(_score_context(scorer, None, encoded.prefix + context, encoded.labels, device))
            if progress is not None:
                progress(row + 1, len(texts))
    return out


def score_texts_reference(scorer, parts: PromptParts, texts: Sequence[str]) -> np.ndarray:  # noqa: ANN001
    """The plain way, for tests: every (text, label) as one full sequence, no cache at all."""
    encoded = _encode_parts(scorer, parts)
    device = next(scorer.model.parameters()).device
    out = np.zeros((len(texts), len(LABELS)))
    with torch.inference_mode():
        for row, text in enumerate(texts):
            context = encoded.prefix + scorer.encode(text) + encoded.suffix
            scores = []
            for ids in encoded.labels:
                sequence = torch.tensor([context + ids], device=device)
                logp = torch.log_softmax(scorer.model(sequence).float(), dim=-1)[0]
                scores.append(sum(float(logp[len(context) - 1 + j, ids[j]]) for j in range(len(ids))))
            out[row] = _softmax(np.array(scores))
    return out


def content_free_probs(scorer, parts: PromptParts) -> np.ndarray:  # noqa: ANN001
    """Mean label probabilities for content-free "sentences" (the model's bias)."""
    return score_texts(scorer, parts, list(CONTENT_FREE)).mean(axis=0)


def calibrate(probs: np.ndarray, content_free: np.ndarray) -> np.ndarray:
    """Divide by the content-free probabilities and renormalise (contextual calibration)."""
    adjusted = np.asarray(probs) / np.clip(np.asarray(content_free), 1e-12, None)
    return adjusted / adjusted.sum(axis=-1, keepdims=True)


def predictions(probs: np.ndarray) -> list[str]:
    return [LABELS[int(i)] for i in np.argmax(probs, axis=-1)]
