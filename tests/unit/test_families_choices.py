"""Chapter 6's choices, checked in lm_core: the example's defaults, a link's mask and span,
the sentence length, and what the three views hand to the page (masks from the one attention)."""

import numpy as np
import pytest
import torch

from lm_core.analysis import families as fam
from lm_core.core.errors import InputError
from lm_core.data.curriculum import FAMILY_EXAMPLES
from lm_core.models import encoder as enc
from lm_core.models import encoder_decoder as ed
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.tokenizers.lm import CharTokenizer
from lm_core.tokenizers.special import SpecialTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return SpecialTokenizer(CharTokenizer("abcdefghij ."))


def test_the_example_opens_on_the_lessons_mask_and_span_other_sentences_in_the_middle():
    for lang, example in FAMILY_EXAMPLES.items():
        assert fam.opening_mask(lang, example.sentence, 20) == list(example.masked)
        assert fam.opening_span(lang, example.sentence, 20) == example.span
    assert fam.opening_mask("en", "another sentence", 7) == [3]
    assert fam.opening_span("en", "another sentence", 7) == (2, 3)
    assert fam.opening_span("en", "another sentence", 2) == (0, 0)


@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), ("", []), ("1,8", [1, 8]), ("8, 1,1", [1, 8]), ("-2,3", [3]),
    ("1,x", None), ("nan", None), ("1,10", None),  # 10 is past the end of 10 tokens
])
def test_a_links_mask_is_read_and_checked(raw, expected):
    assert fam.mask_from_link(raw, 10) == expected


def test_a_links_span_is_read_and_a_span_past_the_end_is_explained():
    assert fam.span_from_link(None, 10) is None and fam.span_from_link("", 10) is None
    assert fam.span_from_link("2-3", 10) == (2, 3)
    for raw in ("5", "a-b", "-3-4", "1.5-2"):
        assert fam.span_from_link(raw, 10) is None, raw
    for raw in ("40-50", "3-2", "9-10"):
        with pytest.raises(InputError) as caught:
            fam.span_from_link(raw, 10)
        assert caught.value.key == "errors.mask.span_past_end" and caught.value.params["count"] == 10


def test_a_span_is_kept_inside_the_sentence():
    assert fam.span_within((8, 3), 5, (0, 1)) == (3, 4)
    assert fam.span_within((-2, 1), 5, (0, 1)) == (0, 1)
    assert fam.span_within("xy", 5, (0, 1)) == (0, 1)
    assert fam.span_within(None, 5, (1, 2)) == (1, 2)


def test_a_sentence_longer_than_the_matrices_is_refused(tokenizer):
    assert fam.sentence_ids(tokenizer, "abc") == tokenizer.encode("abc")
    with pytest.raises(InputError) as caught:
        fam.sentence_ids(tokenizer, "a" * (fam.MAX_SENTENCE_TOKENS + 1))
    assert caught.value.params == {"count": fam.MAX_SENTENCE_TOKENS + 1, "limit": fam.MAX_SENTENCE_TOKENS}


def test_gpt_view_carries_the_causal_mask_of_the_one_attention(tokenizer):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16)).eval()
    view = fam.gpt_predictions(model, tokenizer, tokenizer.encode("abcde"))
    assert view.allowed.shape == (5, 5) and view.allowed.dtype == bool
    assert np.array_equal(view.allowed, np.tril(np.ones((5, 5), dtype=bool)))
    assert not view.weights[~view.allowed].any()  # nobody looks at the future
    np.testing.assert_allclose(view.weights.sum(axis=1), 1.0, rtol=1e-5)


def test_encoder_view_is_the_last_layers_mean_over_heads(tokenizer):
    torch.manual_seed(0)
    model = enc.Encoder(enc.EncoderConfig(vocab_size=tokenizer.vocab_size, block_size=16, n_layer=2,
                                          n_embd=32)).eval()
    ids = tokenizer.encode("abcde")
    view = fam.masked_predictions(model, tokenizer, ids, (1,))
    full = enc.predict_masked(model, tokenizer, ids, (1,))
    assert view.tokens == full.tokens and view.top == full.top
    np.testing.assert_allclose(view.weights, full.weights[-1].mean(dim=0).numpy())
    assert view.weights.shape == (len(ids) + 2, len(ids) + 2)


def test_span_view_rebuilds_tokens_first_to_last(tokenizer):
    torch.manual_seed(0)
    model = ed.EncoderDecoder(ed.EncoderDecoderConfig(vocab_size=tokenizer.vocab_size, block_size=16,
                                                      n_embd=32)).eval()
    ids = tokenizer.encode("abcdef")
    view = fam.rebuild_span(model, tokenizer, ids, 2, 3)
    assert view.expected[1:3] == tokenizer.tokens(ids[2:4])  # after the sentinel: "c d", then the end
    assert isinstance(view.cross, np.ndarray) and view.cross.shape == (len(view.steps), len(view.source))
