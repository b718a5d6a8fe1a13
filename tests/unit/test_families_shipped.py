"""The shipped chapter 6 checkpoints load, are small, count right and do their job."""

import pytest
import torch

from lm_core.analysis import sizes
from lm_core.core.paths import CHECKPOINT_DIR
from lm_core.data.curriculum import FAMILY_EXAMPLES
from lm_core.models.encoder import load_encoder, predict_masked
from lm_core.models.encoder_decoder import load_encoder_decoder, reconstruct

SENTENCES = {lang: example.sentence for lang, example in FAMILY_EXAMPLES.items()}  # the page's own


def _load_checked(name: str, load, shape):
    """A shipped checkpoint, loaded read-only, its parameters counted as the size calculator
    counts them, small enough to ship (a shipped file that is missing fails)."""
    model, tokenizer, meta = load(name)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert sizes.count_parameters(shape(model.config.to_dict())).total == model.num_parameters()
    assert sum(p.stat().st_size for p in (CHECKPOINT_DIR / name).iterdir()) < 3.2 * 2**20
    return model, tokenizer, meta


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_shipped_encoder_loads_counts_and_fills_blanks(lang):
    model, tokenizer, meta = _load_checked(f"encoder_toy_{lang}", load_encoder, sizes.encoder_shape)
    assert meta["val_mlm_top1"] > 0.5 and meta["val_nsp_accuracy"] > 0.6
    ids = tokenizer.encode(SENTENCES[lang])
    result = predict_masked(model, tokenizer, ids, [1])
    probs = [p for _, p in result.top[1]]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
    assert result.tokens[0] == "[CLS]" and result.tokens[2] == "[MASK]"
    assert result.weights.shape[-1] == len(ids) + 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_shipped_encoder_decoder_loads_counts_and_rebuilds_spans(lang):
    model, tokenizer, meta = _load_checked(f"encdec_toy_{lang}", load_encoder_decoder, sizes.encoder_decoder_shape)
    assert meta["val_span_exact_match"] > 0.05 and meta["val_token_accuracy"] > 0.8
    ids = tokenizer.encode(SENTENCES[lang])
    result = reconstruct(model, tokenizer, ids, 1, 1)
    assert result.steps[0]["token"] == "<extra_id_0>"  # the decoder first names the hole it fills
    torch.testing.assert_close(result.cross.sum(-1), torch.ones(len(result.steps)))
