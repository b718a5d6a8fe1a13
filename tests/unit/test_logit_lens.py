"""The logit lens on the tiny GPT: the last row is the model's own answer; bad input is refused.
(SmolLM2's lens and architecture facts are tested in test_smollm2.py on its real weights.)"""

from __future__ import annotations

import pytest
import torch

from lm_core.analysis.logit_lens import MAX_LENS_TOKENS, describe_architecture, logit_lens
from lm_core.core.errors import InputError
from lm_core.models.gpt import GPT, GPTConfig


@pytest.fixture(scope="module")
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=40, block_size=80, n_layer=3, n_head=2, n_embd=16)).eval().requires_grad_(False)


def test_last_row_is_the_models_answer(model):
    ids = [3, 5, 7, 9, 11]
    lens = logit_lens(model, ids, k=3)
    assert lens.top_ids.shape == (4, 5, 3) and lens.n_rows == 4  # embedding + 3 blocks
    with torch.inference_mode():
        probs = torch.softmax(model(torch.tensor([ids]))[0], -1)
    assert torch.equal(lens.top_ids[-1, :, 0], probs.argmax(-1))
    assert torch.allclose(lens.top_probs[-1, :, 0], probs.max(-1).values, atol=1e-5)
    assert (lens.final_rank_of_answer[-1] == 1).all() and (lens.final_rank_of_answer >= 1).all()
    assert (lens.top_probs[:, :, 0] >= lens.top_probs[:, :, 1]).all()


def test_bad_input(model):
    with pytest.raises(InputError):
        logit_lens(model, [])
    with pytest.raises(InputError) as err:
        logit_lens(model, [1] * (MAX_LENS_TOKENS + 1))
    assert err.value.key == "errors.text.too_many_tokens"


def test_describe_tiny_gpt(model):
    facts = describe_architecture(model)
    assert facts["positions"] == "learned" and facts["norm"] == "layernorm" and facts["mlp"] == "gelu"
    assert facts["n_head"] == facts["n_kv_head"] == 2 and facts["mlp_width"] == 64 and facts["tied"]
    assert facts["params"] == model.num_parameters()
