"""Chapter 7's quantisation lab: the model at 8, 4, 3 and 2 bits against float32, measured.

For each number of bits a private copy of the model is quantised per block of 32 weights
(:func:`lm_core.models.quantise.quantised_copy`) and compared with the float32 model on the
same text: memory of the matrices, the weights' error (a histogram), how often both pick the
same next token, perplexity, and time per token. Plain data out: a job of the shared queue.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lm_core.data.corpora import load_corpus
from lm_core.models import quantise as qz
from lm_core.models.kv_cache import seconds_per_token
from lm_core.train.pretrain import split_sentences

#: Tokens of text each copy is compared on, and the bits compared with float32.
TEXT_TOKENS = 300
BITS = (8, 4, 3, 2)
#: The seed the tiny GPTs' training split its sentences with (their checkpoints' meta).
SPLIT_SEED = 1337


def held_out_sentences(model_name: str) -> list[str]:
    """Toy-world sentences from the validation part of the tiny GPTs' training split (the toy
    world repeats its sentences, so the model has seen most of them in other places)."""
    corpus = load_corpus("toy_zh" if model_name == "gpt_toy_zh" else "toy_en")
    _, held_out = split_sentences(list(corpus.sentences), SPLIT_SEED)
    return held_out[:80]


def comparison_ids(model_name: str, tokenizer) -> list[int]:  # noqa: ANN001
    """The text every copy is read on, as the model reads text: a tiny GPT as it was trained
    (each sentence followed by its end-of-text token), SmolLM2 as running English text."""
    sentences = held_out_sentences(model_name)
    if hasattr(tokenizer, "encode_corpus"):
        return list(tokenizer.encode_corpus(sentences))[:TEXT_TOKENS]
    return list(tokenizer.encode(" ".join(sentences)))[:TEXT_TOKENS]


def histogram(errors: np.ndarray, limit: float, bins: int = 41) -> list[float]:
    """Share of weights per error bin on [-limit, limit] (the same bins for every number of bits)."""
    counts, _ = np.histogram(np.clip(errors, -limit, limit), bins=bins, range=(-limit, limit))
    return (counts / max(1, counts.sum())).tolist()


def _time_per_token(model, prompt: list[int]) -> float:  # noqa: ANN001
    """Median of three greedy runs of 16 tokens (after one warm-up run)."""
    seconds_per_token(model, prompt, 2, True)
    return sorted(seconds_per_token(model, prompt, 16, True) for _ in range(3))[1]


def quantisation_job(model_name: str, bits: tuple[int, ...], progress: Callable, should_stop: Callable) -> dict:
    """Every number of bits against float32 on :func:`comparison_ids`; plain data for the page."""
    from lm_core.analysis.ablation import load_by_name

    model, tokenizer = load_by_name(model_name)
    window = int(model.config.block_size)
    ids = comparison_ids(model_name, tokenizer)
    prompt = ids[:8]
    rows: list[dict] = []
    samples: dict[int, np.ndarray] = {}
    float_time = _time_per_token(model, prompt)
    for bit_count in bits:
        if should_stop():
            break
        twin, numbers = qz.quantised_copy(model, bit_count)
        measured = qz.compare(model, twin, ids, window)
        rows.append({"bits": bit_count, "megabytes": numbers["quant_bytes"] / 2**20,
                     "mean_abs_error": numbers["mean_abs_error"], "agreement": measured["agreement"],
                     "perplexity": measured["perplexity"], "ms_per_token": _time_per_token(twin, prompt) * 1000})
        samples[bit_count] = numbers["error_sample"]
        float_row = {"bits": 32, "megabytes": numbers["float_bytes"] / 2**20, "mean_abs_error": 0.0,
                     "agreement": 1.0, "perplexity": measured["perplexity_float"], "ms_per_token": float_time * 1000}
        del twin
        progress({"bits": bit_count})
    limit = float(max((np.abs(s).max() for s in samples.values()), default=1.0)) or 1.0
    return {"rows": [float_row, *rows] if rows else [], "tokens": int(measured["predictions"]) if rows else 0,
            "limit": limit,
            "histograms": {b: histogram(s, limit) for b, s in samples.items()}}
