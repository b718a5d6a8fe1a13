"""Chapter 6's tiny encoder and encoder-decoder: shapes, masks, capture == fast path, data recipes."""

import random

import pytest
import torch

from lm_core.analysis import sizes
from lm_core.core.errors import InputError
from lm_core.models import encoder as enc
from lm_core.models import encoder_decoder as ed
from lm_core.models.capture import Capture
from lm_core.tokenizers.lm import CharTokenizer
from lm_core.tokenizers.special import SpecialTokenizer, special_tokenizer_from_dict


@pytest.fixture(scope="module")
def tokenizer():
    return SpecialTokenizer(CharTokenizer("abcdefghij ."))


@pytest.fixture(scope="module")
def encoder(tokenizer):
    torch.manual_seed(0)
    return enc.Encoder(enc.EncoderConfig(vocab_size=tokenizer.vocab_size, block_size=16, n_layer=2, n_embd=32)).eval()


@pytest.fixture(scope="module")
def encdec(tokenizer):
    torch.manual_seed(0)
    config = ed.EncoderDecoderConfig(vocab_size=tokenizer.vocab_size, block_size=16, n_embd=32)
    return ed.EncoderDecoder(config).eval()


def test_special_tokens_follow_the_base_vocabulary_and_round_trip(tokenizer):
    assert tokenizer.mask_id == tokenizer.base_vocab_size + 3
    assert tokenizer.id_to_token(tokenizer.sentinel_id(1)) == "<extra_id_1>"
    again = special_tokenizer_from_dict(tokenizer.to_dict())
    assert again.vocab_size == tokenizer.vocab_size and again.encode("abc") == tokenizer.encode("abc")
    assert tokenizer.decode([*tokenizer.encode("ab"), tokenizer.mask_id]) == "ab"


def test_encoder_shapes_and_capture_equals_fast_path(encoder, tokenizer):
    ids, segments = enc.build_input(tokenizer, tokenizer.encode("abc"), tokenizer.encode("de"))
    idx, seg = torch.tensor([ids, ids]), torch.tensor([segments, segments])
    padding = torch.zeros_like(idx, dtype=torch.bool)
    padding[1, -2:] = True
    with torch.no_grad():
        fast_logits, fast_nsp = encoder(idx, seg, padding)
        capture = Capture()
        slow_logits, slow_nsp = encoder(idx, seg, padding, capture=capture)
    assert fast_logits.shape == (2, len(ids), tokenizer.vocab_size) and fast_nsp.shape == (2, 2)
    torch.testing.assert_close(fast_logits, slow_logits, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(fast_nsp, slow_nsp, atol=1e-5, rtol=1e-4)
    weights = capture["blocks.0.attn.weights"]
    assert weights.shape == (2, 4, len(ids), len(ids))
    # Bidirectional: the first token looks at later ones; padding gets no weight.
    assert weights[0, :, 0, -1].min() > 0
    assert weights[1, :, :, -2:].abs().max() == 0
    assert "embed.segment" in capture and "nsp_logits" in capture


def test_encoder_decoder_capture_equals_fast_path_and_masks(encdec, tokenizer):
    source = torch.tensor([tokenizer.encode("abcd.") + [tokenizer.pad_id]])
    padding = source == tokenizer.pad_id
    target_in = torch.tensor([[tokenizer.bos_id, *tokenizer.encode("ab")]])
    with torch.no_grad():
        fast = encdec(source, target_in, padding)
        capture = Capture()
        slow = encdec(source, target_in, padding, capture=capture)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-4)
    self_weights = capture["decoder.blocks.0.attn.weights"][0]
    assert torch.triu(self_weights, diagonal=1).abs().max() == 0  # causal
    cross = capture["decoder.blocks.1.cross.weights"][0]
    assert cross.shape == (4, 3, 6)  # heads x decoder tokens x encoder tokens
    assert cross[..., -1].abs().max() == 0  # padding is never looked at
    torch.testing.assert_close(cross.sum(-1), torch.ones(4, 3))
    assert capture["encoder.blocks.0.attn.weights"][0, :, 0, 4].min() > 0  # encoder sees ahead


def test_masking_follows_80_10_10(tokenizer):
    rng = random.Random(0)
    ids = tokenizer.encode("abcdefghij" * 2)
    counts = {"mask": 0, "random": 0, "same": 0}
    for _ in range(500):
        inputs, targets = enc.mask_tokens(ids, tokenizer, rng)
        chosen = [i for i, t in enumerate(targets) if t != enc.IGNORE]
        assert len(chosen) == 3  # 15 % of 20
        for i in chosen:
            if inputs[i] == tokenizer.mask_id:
                counts["mask"] += 1
            elif inputs[i] == ids[i]:
                counts["same"] += 1
            else:
                counts["random"] += 1
    total = sum(counts.values())
    assert 0.75 < counts["mask"] / total < 0.85
    assert 0.06 < counts["same"] / total < 0.16  # unchanged, plus random draws of the same token
    assert 0.05 < counts["random"] / total < 0.14


def test_pairs_label_continuations(tokenizer):
    rng = random.Random(1)
    sentences = [tokenizer.encode(s) for s in ("abc def ghi", "jjj iii hhh", "aaa bbb ccc")]
    labels = set()
    for _ in range(60):
        ids, segments, label = enc.make_pair(sentences, 0, tokenizer, rng)
        labels.add(label)
        assert ids[0] == tokenizer.cls_id and ids[-1] == tokenizer.sep_id and len(ids) == len(segments)
        if label == 1:
            assert [t for t in ids if not tokenizer.is_special(t)] == sentences[0]
    assert labels == {0, 1, enc.IGNORE}


def test_span_corruption_hides_spans_behind_sentinels(tokenizer):
    ids = tokenizer.encode("abcdefghij")
    source, target = ed.corrupt(ids, [(1, 2), (6, 1)], tokenizer)
    assert tokenizer.tokens(source) == ["a", "<extra_id_0>", "d", "e", "f", "<extra_id_1>", "h", "i", "j"]
    assert tokenizer.tokens(target) == ["<extra_id_0>", "b", "c", "<extra_id_1>", "g", "⏎"]
    rng = random.Random(2)
    for n in range(1, 40):
        spans = ed.random_spans(n, rng)
        covered = [i for start, length in spans for i in range(start, start + length)]
        assert covered == sorted(set(covered)) and all(0 <= i < n for i in covered) and covered


@pytest.mark.parametrize(
    ("masked", "key"),
    [([], "errors.mask.nothing"), ([0, 1, 2], "errors.mask.everything"), ([7], "errors.mask.no_such_token")],
)
def test_bad_masks_raise(encoder, tokenizer, masked, key):
    with pytest.raises(InputError) as caught:
        enc.predict_masked(encoder, tokenizer, tokenizer.encode("abc"), masked)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("start", "length", "key"),
    [(3, 2, "errors.mask.span_past_end"), (0, 0, "errors.mask.span_empty"), (0, 4, "errors.mask.span_everything")],
)
def test_bad_spans_raise(encdec, tokenizer, start, length, key):
    with pytest.raises(InputError) as caught:
        ed.reconstruct(encdec, tokenizer, tokenizer.encode("abcd"), start, length)
    assert caught.value.key == key


def test_reconstruction_records_every_step(encdec, tokenizer):
    result = ed.reconstruct(encdec, tokenizer, tokenizer.encode("abcdef"), 2, 2)
    assert result.source_tokens[2] == "<extra_id_0>"
    assert result.expected == ["<extra_id_0>", "c", "d", "⏎"]
    assert result.cross.shape == (len(result.steps), len(result.source_tokens))
    torch.testing.assert_close(result.cross.sum(-1), torch.ones(len(result.steps)))


def test_calculator_counts_the_new_models_exactly(encoder, encdec):
    assert sizes.count_parameters(sizes.encoder_shape(encoder.config.to_dict())).total == encoder.num_parameters()
    assert sizes.count_parameters(sizes.encoder_decoder_shape(encdec.config.to_dict())).total == encdec.num_parameters()
