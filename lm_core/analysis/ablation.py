"""Chapter 5's "switch this head off": what one head changes, and which heads matter.

The question a head is asked depends on the model:

* a decoder (the tiny GPTs, SmolLM2) predicts the next token: the *right answer* is the
  sentence's last token, read after every token before it; a head matters as much as its
  absence lowers that answer's probability;
* MiniLM is an encoder without a word-prediction head: on the curriculum's sentences the
  question is the claim itself (does "they" still resemble "keys" at the last layer, cosine
  of their vectors?); on other sentences, how far the words' last-layer vectors move.

Every change goes through :mod:`lm_core.models.interventions` (per call, the shared model
untouched). Plain data in and out, so a worker process can compute it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from lm_core.core.errors import InputError
from lm_core.data.curriculum import ATTENTION_SENTENCES, HEAD_SEARCHES
from lm_core.models import interventions as iv
from lm_core.models.capture import Capture

MINILM, SMOLLM2 = "minilm", "smollm2"
#: Most tokens a sentence may have here (as chapter 5's attention views).
MAX_TOKENS = 40
#: Candidates shown beside the right answer.
TOP_K = 6

PROBABILITY, SIMILARITY, MOVEMENT = "probability", "similarity", "movement"


@dataclass(frozen=True)
class HeadEffect:
    """One head switched off: the bars before and after, and the number that matters.

    ``metric``: :data:`PROBABILITY` (bars: the next-token candidates), :data:`SIMILARITY` (bars:
    cosine of the source word with every word) or :data:`MOVEMENT` (bars: how far each word's
    vector moved, 1 - cosine). ``answer``: what the number is about ("morning", "they → keys").
    """

    metric: str
    answer: str
    labels: list[str]
    before: list[float]
    after: list[float]
    answer_before: float
    answer_after: float


@dataclass(frozen=True)
class Importance:
    """Every head switched off in turn: ``drops[layer, head]`` = the answer's number without it
    minus with it (positive: the head helped)."""

    metric: str
    answer: str
    baseline: float
    drops: np.ndarray  # (L, H)

    def most_important(self) -> tuple[int, int]:
        layer, head = np.unravel_index(int(np.argmax(self.drops)), self.drops.shape)
        return int(layer), int(head)


# --------------------------------------------------------------------------- decoders


def decoder_question(tokenizer, text: str) -> tuple[list[int], int, str]:  # noqa: ANN001
    """(context ids, answer id, answer token): the last token, after the ones before it."""
    ids = list(tokenizer.encode(text))
    if len(ids) < 2:
        raise InputError("errors.text.one_token")
    if len(ids) > MAX_TOKENS:
        raise InputError("errors.text.too_many_tokens", limit=MAX_TOKENS, count=len(ids))
    return ids[:-1], ids[-1], str(tokenizer.id_to_token(ids[-1]))


def _spelled_answer(tokenizer, context: list[int], answer: int, model) -> tuple[int, str]:  # noqa: ANN001
    """The last word as the model likes best to spell it: a token may carry what follows the
    word ("▁morning." as well as "▁morning"); the likeliest token that starts with it counts."""
    word = str(tokenizer.id_to_token(answer))
    probs = iv.next_token_probs(model, context)
    spellings = [i for i in np.argsort(-probs)[:50].tolist() if str(tokenizer.id_to_token(i)).startswith(word)]
    best = spellings[0] if spellings and probs[spellings[0]] > probs[answer] else answer
    return best, str(tokenizer.id_to_token(best))


def decoder_effect(model, tokenizer, text: str, layer: int, head: int, k: int = TOP_K) -> HeadEffect:  # noqa: ANN001
    """Next-token probabilities with and without head ``head`` of ``layer``."""
    context, answer, answer_token = decoder_question(tokenizer, text)
    answer, answer_token = _spelled_answer(tokenizer, context, answer, model)
    before = iv.next_token_probs(model, context)
    after = iv.next_token_probs(model, context, [iv.HeadScale(layer, head)])
    shown = list(dict.fromkeys([answer, *np.argsort(-before)[:k].tolist(), *np.argsort(-after)[:2].tolist()]))
    return HeadEffect(PROBABILITY, answer_token, [str(tokenizer.id_to_token(i)) for i in shown],
                      [float(before[i]) for i in shown], [float(after[i]) for i in shown],
                      float(before[answer]), float(after[answer]))


def decoder_importance(model, tokenizer, text: str, progress: Callable | None = None,  # noqa: ANN001
                       should_stop: Callable | None = None) -> Importance:
    """The right answer's probability lost when each head in turn is switched off."""
    context, answer, answer_token = decoder_question(tokenizer, text)
    answer, answer_token = _spelled_answer(tokenizer, context, answer, model)
    config = model.config
    drops = iv.head_importance(model, context, iv.answer_probability(-1, answer), config.n_layer, config.n_head,
                               progress, should_stop)
    baseline = float(iv.next_token_probs(model, context)[answer])
    return Importance(PROBABILITY, answer_token, baseline, drops)


# --------------------------------------------------------------------------- MiniLM


def _word(token: str) -> str:
    return token.lower().removeprefix("##").strip()


def minilm_question(text: str) -> tuple[list[int], list[str], tuple[int, list[int]] | None]:
    """(ids, tokens, (source, targets) when the sentence is one of the curriculum's claims)."""
    from lm_core.models.minilm import encode

    encoding = encode(text, MAX_TOKENS)
    real = [i for i, keep in enumerate(encoding.attention_mask) if keep] or list(range(len(encoding.ids)))
    ids, tokens = [encoding.ids[i] for i in real], [encoding.tokens[i] for i in real]
    for sentence_key, source, targets in HEAD_SEARCHES.values():
        if ATTENTION_SENTENCES[sentence_key].strip().lower() == text.strip().lower():
            sources = [i for i, token in enumerate(tokens) if _word(token) == source]
            found = [i for i, token in enumerate(tokens) if _word(token) in targets]
            if sources and found:
                return ids, tokens, (sources[0], found)
    return ids, tokens, None


def _cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.cosine_similarity(a, b, dim=-1)


def _minilm_number(vectors: torch.Tensor, plain: torch.Tensor, claim: tuple[int, list[int]] | None) -> torch.Tensor:
    """Per row of ``vectors`` (B, T, C): the claim's cosine, or the mean movement from ``plain``."""
    if claim is not None:
        source, targets = claim
        return _cosine(vectors[:, source], vectors[:, targets].mean(dim=1))
    return (1 - _cosine(vectors, plain[None])).mean(dim=1)


def _claim_label(tokens: list[str], claim: tuple[int, list[int]] | None) -> str:
    if claim is None:
        return ""
    return f"{tokens[claim[0]]} → {', '.join(tokens[i] for i in claim[1])}"


def minilm_effect(text: str, layer: int, head: int, tokenizer_model=None) -> HeadEffect:  # noqa: ANN001
    """MiniLM with one head switched off: similarity to the claim's source word (or movement)."""
    from lm_core.models.minilm import minilm_forward

    ids, tokens, claim = minilm_question(text)
    plain = minilm_forward(ids, None, tokenizer_model)[0]
    changed = minilm_forward(ids, Capture.intervening([iv.HeadScale(layer, head)]), tokenizer_model)[0]
    if claim is not None:
        source = claim[0]
        shown = [i for i in range(len(tokens)) if i != source and tokens[i] not in ("[CLS]", "[SEP]")]
        before, after = _cosine(plain[source][None], plain[shown]), _cosine(changed[source][None], changed[shown])
        number_before = float(_minilm_number(plain[None], plain, claim)[0])
        number_after = float(_minilm_number(changed[None], plain, claim)[0])
        return HeadEffect(SIMILARITY, _claim_label(tokens, claim), [tokens[i] for i in shown],
                          before.tolist(), after.tolist(), number_before, number_after)
    moved = (1 - _cosine(changed, plain)).tolist()
    return HeadEffect(MOVEMENT, "", tokens, [0.0] * len(tokens), moved, 0.0, float(np.mean(moved)))


def minilm_importance(text: str, progress: Callable | None = None, should_stop: Callable | None = None,
                      tokenizer_model=None) -> Importance:  # noqa: ANN001
    """Each head in turn switched off: the claim's similarity lost (or how far the words move)."""
    from lm_core.models.minilm import load_minilm, minilm_forward

    tokenizer_model = tokenizer_model or load_minilm()
    config = tokenizer_model[1].config
    n_layers, n_heads = config.num_hidden_layers, config.num_attention_heads
    ids, tokens, claim = minilm_question(text)
    plain = minilm_forward(ids, None, tokenizer_model)[0]
    baseline = float(_minilm_number(plain[None], plain, claim)[0])
    drops = np.zeros((n_layers, n_heads), dtype=np.float32)
    for layer in range(n_layers):
        if should_stop is not None and should_stop():
            break
        changes = [iv.HeadScale(layer, head, 0.0, row=head) for head in range(n_heads)]
        vectors = minilm_forward(ids, Capture.intervening(changes), tokenizer_model, copies=n_heads)
        numbers = _minilm_number(vectors, plain, claim).numpy()
        drops[layer] = baseline - numbers if claim is not None else numbers - baseline
        if progress is not None:
            progress({"layer": layer + 1, "layers": n_layers})
    return Importance(SIMILARITY if claim is not None else MOVEMENT, _claim_label(tokens, claim), baseline, drops)


# --------------------------------------------------------------------------- any model, by name (worker jobs)


def load_by_name(model_name: str):  # noqa: ANN201
    """(model, tokenizer) of a shipped decoder, loaded through lm_core (in a worker process)."""
    if model_name == SMOLLM2:
        from lm_core.models.smollm2 import load_smollm2

        return load_smollm2()
    from lm_core.models.checkpoints import load_gpt

    return load_gpt(model_name)


def importance_job(model_name: str, text: str, progress: Callable, should_stop: Callable) -> Importance:
    """The head-importance map of one (model, sentence): a job of the shared queue."""
    if model_name == MINILM:
        return minilm_importance(text, progress, should_stop)
    model, tokenizer = load_by_name(model_name)
    return decoder_importance(model, tokenizer, text, progress, should_stop)


def effect_of(model_name: str, model, tokenizer, text: str, layer: int, head: int) -> HeadEffect:  # noqa: ANN001
    """:func:`decoder_effect` or :func:`minilm_effect`, by model."""
    if model_name == MINILM:
        return minilm_effect(text, layer, head, (tokenizer, model))
    return decoder_effect(model, tokenizer, text, layer, head)
