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


def test_settled_row_is_where_the_answer_stays_on_top():
    from lm_core.analysis.logit_lens import first_settled_row

    assert first_settled_row([5, 1, 3, 1, 1]) == 3  # row 1 had it, row 2 lost it again
    assert first_settled_row([1, 1, 1]) == 0
    assert first_settled_row([4, 2, 1]) == 2  # only the last layer
    assert first_settled_row([1]) == 0


def test_lens_positions_tokens_and_answer(model):
    ids = [3, 5, 7, 9, 11]
    lens = logit_lens(model, ids, k=2)
    assert lens.last_positions(3) == [2, 3, 4] and lens.last_positions(10) == [0, 1, 2, 3, 4]
    tokens = lens.top_tokens([3, 4], lambda i: f"t{i}")
    probs = lens.top_probabilities([3, 4])
    assert len(tokens) == len(probs) == lens.n_rows and len(tokens[0]) == 2 and len(tokens[0][0]) == 2
    assert tokens[-1][-1][0] == f"t{lens.answer}" and probs[-1][-1][0] == pytest.approx(float(lens.top_probs[-1, -1, 0]))
    ranks = lens.final_rank_of_answer[:, -1].tolist()
    row = lens.settled_row()
    assert all(rank == 1 for rank in ranks[row:]) and (row == 0 or ranks[row - 1] != 1)


def test_architecture_cells_follow_the_facts(model):
    from lm_core.analysis.logit_lens import ARCHITECTURE_ASPECTS, architecture_cells

    tiny = architecture_cells(describe_architecture(model))
    assert len(tiny) == len(ARCHITECTURE_ASPECTS)
    assert [key for key, _ in tiny] == ["pos_learned", "norm_layernorm", "mlp_gelu", "heads_full", "layers", None,
                                        "window", None]
    assert tiny[3][1] == {"heads": 2, "kv": 2} and tiny[6][1] == {"window": 80}
    assert tiny[7][1] == {"text": f"{model.num_parameters():,}"}
    llama_like = {"positions": "rotary", "norm": "rmsnorm", "mlp": "swiglu", "n_layer": 30, "n_head": 9,
                  "n_kv_head": 3, "n_embd": 576, "mlp_width": 1536, "vocab_size": 49152, "window": 512,
                  "trained_window": 8192, "params": 134515008, "tied": True}
    cells = dict(zip(ARCHITECTURE_ASPECTS, architecture_cells(llama_like), strict=True))
    assert cells["heads"] == ("heads_gqa", {"heads": 9, "kv": 3})
    assert cells["window"] == ("window_smol", {"trained": "8,192", "window": "512"})
    assert cells["mlp"] == ("mlp_swiglu", {"width": "1,536"}) and cells["params"] == (None, {"text": "134,515,008"})
