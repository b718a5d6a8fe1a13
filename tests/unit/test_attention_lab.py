"""Chapter 5's engine: the step-by-step attention must be the model's own computation."""

import math

import numpy as np
import pytest
import torch

from lm_core.analysis import attention_lab as lab
from lm_core.core.errors import InputError
from lm_core.data.curriculum import HEAD_SEARCHES
from lm_core.models.minilm import load_minilm


@pytest.fixture(scope="module")
def keys_trace():
    return lab.trace_minilm(lab.EXAMPLE_SENTENCES["keys"])


def test_minilm_recomputation_reproduces_the_models_own_attentions(keys_trace):
    # Independent check: ask transformers for its own attention weights and compare.
    tokenizer, model = load_minilm()
    words = [tok for tok in keys_trace.tokens]
    ids = [tokenizer.token_to_id(tok) for tok in words]
    with torch.inference_mode():
        own = model(input_ids=torch.tensor([ids]), output_attentions=True).attentions
    assert len(own) == keys_trace.n_layers == 6
    assert keys_trace.n_heads == 12 and keys_trace.head_dim == 32
    for layer in range(6):
        ours = keys_trace[f"blocks.{layer}.attn.weights"]
        np.testing.assert_allclose(ours, own[layer][0].numpy(), atol=1e-5)
    assert keys_trace.max_weight_error < 1e-5


def test_minilm_trace_has_every_named_step_with_its_shape(keys_trace):
    n = keys_trace.n_tokens
    assert keys_trace.tokens[0] == "[CLS]" and keys_trace.tokens[-1] == "[SEP]"
    assert keys_trace["embed.token"].shape == (n, 384)
    np.testing.assert_allclose(
        keys_trace["embed.sum"],
        keys_trace["embed.token"] + keys_trace["embed.position"] + keys_trace["embed.token_type"], atol=1e-6)
    # BERT normalises its input: what enters block 0 is the LayerNorm of the sum.
    np.testing.assert_allclose(keys_trace["blocks.0.attn.input"], keys_trace["embed.layernorm"], atol=1e-5)
    for name in ("q", "k", "v", "head_out"):
        assert keys_trace[f"blocks.3.attn.{name}"].shape == (12, n, 32)
    for name in ("scores", "scaled", "masked", "weights"):
        assert keys_trace[f"blocks.3.attn.{name}"].shape == (12, n, n)
    np.testing.assert_allclose(keys_trace["blocks.3.attn.scaled"], keys_trace["blocks.3.attn.scores"] / math.sqrt(32),
                               rtol=1e-5, atol=1e-5)
    assert keys_trace["blocks.3.attn.out"].shape == (n, 384)


def test_attention_rows_sum_to_one_everywhere(keys_trace):
    weights = keys_trace.all_weights()
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
    assert (weights >= 0).all()


def test_steps_at_temperature_one_are_the_models_weights(keys_trace):
    steps = lab.attention_steps(keys_trace, layer=3, head=1)
    np.testing.assert_allclose(steps.weights, keys_trace["blocks.3.attn.weights"][1], atol=1e-5)
    np.testing.assert_allclose(steps.head_out, keys_trace["blocks.3.attn.head_out"][1], atol=1e-5)
    assert not steps.causal


def test_causal_what_if_zeroes_everything_above_the_diagonal(keys_trace):
    steps = lab.attention_steps(keys_trace, layer=2, head=4, causal=True)
    n = keys_trace.n_tokens
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert (steps.weights[upper] == 0).all()
    assert np.isneginf(steps.masked[upper]).all()
    np.testing.assert_allclose(steps.weights.sum(axis=-1), 1.0, atol=1e-5)
    assert steps.weights[0, 0] == pytest.approx(1.0)  # the first token can only see itself


def test_temperature_sharpens_and_flattens(keys_trace):
    masked = lab.attention_steps(keys_trace, 3, 1).masked
    frames = lab.temperature_frames(masked, (0.25, 1.0, 4.0))
    entropies = [lab.entropy(frame).mean() for frame in frames]
    assert entropies[0] < entropies[1] < entropies[2]
    with pytest.raises(InputError) as info:
        lab.softmax(masked, 0.0)
    assert info.value.key == "errors.setting.temperature_positive"


def test_search_finds_the_curriculums_heads_in_real_minilm(keys_trace):
    # "they" -> "keys": MiniLM really has such a head (found, not hard-coded).
    keys, rained_search = HEAD_SEARCHES["keys"], HEAD_SEARCHES["rained"]
    matches = lab.find_heads(keys_trace, keys.source, keys.targets)
    assert matches and matches[0].weight > 0.5 and matches[0].is_top
    best = matches[0]
    assert keys_trace.tokens[best.source] == keys.source
    row = keys_trace[f"blocks.{best.layer}.attn.weights"][best.head][best.source]
    assert row[keys_trace.tokens.index(keys.targets[0])] == pytest.approx(best.weight, abs=1e-6)
    rained = lab.trace_minilm(lab.EXAMPLE_SENTENCES[rained_search.sentence])
    assert lab.find_heads(rained, rained_search.source, rained_search.targets)
    # Words that are not there give nothing rather than an invented head.
    assert lab.find_heads(keys_trace, "umbrella", ["keys"]) == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "errors.text.empty"),
        ("   ", "errors.text.empty"),
        ("!!! 🙂🙂", "errors.text.no_words"),
        ("hello", "errors.text.one_token"),
        ("word " * 60, "errors.text.too_many_tokens"),
        ("x" * (lab.MAX_CHARS + 1), "errors.text.too_long"),
    ],
)
def test_bad_input_raises_input_error(text, key):
    with pytest.raises(InputError) as info:
        lab.trace_minilm(text)
    assert info.value.key == key


def test_html_is_kept_as_plain_tokens():
    trace = lab.trace_minilm("<img src=x onerror=alert(1)> hello")
    # WordPiece splits the tag into pieces; "<" and ">" stay ordinary tokens (escaped later).
    assert "<" in trace.tokens and ">" in trace.tokens and "hello" in trace.tokens


def test_layer_and_head_out_of_range(keys_trace):
    with pytest.raises(InputError):
        lab.attention_steps(keys_trace, layer=6, head=0)
    with pytest.raises(InputError):
        lab.attention_steps(keys_trace, layer=0, head=12)


class _CharTokenizer:
    def __init__(self, alphabet):
        self.alphabet = alphabet

    def encode(self, text):
        return [self.alphabet.index(ch) for ch in text if ch in self.alphabet]

    def id_to_token(self, index):
        return self.alphabet[index]


def test_gpt_trace_comes_from_its_capture_path_and_is_causal():
    from lm_core.models.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    alphabet = " abcdefghijklmnopqrstuvwxyz"
    model = GPT(GPTConfig(vocab_size=len(alphabet), block_size=32, n_layer=2, n_head=2, n_embd=16)).eval()
    trace = lab.trace_gpt("it rained", model, _CharTokenizer(alphabet), model_name="gpt_test")
    assert trace.causal and trace.n_layers == 2 and trace.n_heads == 2 and trace.head_dim == 8
    assert trace.tokens == list("it rained")
    assert trace.max_weight_error < 1e-5
    n = trace.n_tokens
    weights = trace.all_weights()
    assert (weights[..., np.triu(np.ones((n, n), dtype=bool), k=1)] == 0).all()
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    steps = lab.attention_steps(trace, 1, 1, causal=False)  # a decoder keeps its mask
    assert steps.causal
    np.testing.assert_allclose(steps.weights, trace["blocks.1.attn.weights"][1], atol=1e-5)
    assert trace["embed.position"].shape == (n, 16)


def test_steps_at_a_temperature_divide_the_scaled_scores(keys_trace):
    cold = lab.attention_steps(keys_trace, layer=3, head=1, temperature=0.5)
    plain = lab.attention_steps(keys_trace, layer=3, head=1)
    np.testing.assert_allclose(cold.scaled, plain.scaled, atol=1e-6)  # what the model computes
    np.testing.assert_allclose(cold.weights, lab.softmax(plain.masked, 0.5), atol=1e-5)
    np.testing.assert_allclose(cold.head_out, cold.weights @ plain.v, atol=1e-4)
    assert lab.entropy(cold.weights).mean() < lab.entropy(plain.weights).mean()
