"""Quantisation by hand: one real Q4_1 block decodes to SmolLM2's own weights; fewer bits, more error."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lm_core.models import quantise as qz
from lm_core.models.checkpoints import load_gpt


def test_a_hand_made_block_round_trips() -> None:
    scale, minimum = np.float16(0.05), np.float16(-0.3)
    quants = list(range(16)) + list(range(15, -1, -1))
    packed = bytes((quants[i] | (quants[i + 16] << 4)) for i in range(16))
    raw = scale.tobytes() + minimum.tobytes() + packed
    got_scale, got_minimum, got_quants, weights = qz.decode_q4_1(raw)
    assert got_quants == quants
    assert np.allclose(weights, np.float32(got_scale) * np.array(quants) + np.float32(got_minimum))


def test_one_real_block_of_the_file_is_the_models_weights() -> None:
    from lm_core.models.smollm2_cache import GGUF_FILE, load_smollm2, package_folder, smollm2_available

    if not smollm2_available() or package_folder() is None:
        pytest.skip("SmolLM2's package is not installed")
    block = qz.read_q4_1_block(str(package_folder() / GGUF_FILE), "blk.0.ffn_gate.weight", row=0, block=1)
    model, _ = load_smollm2()
    assert torch.equal(model.blocks[0].mlp.gate.weight[0, 32:64], torch.tensor(block.weights))
    assert len(block.raw) == 20 and all(0 <= q <= 15 for q in block.quants)


def test_fewer_bits_more_error_and_the_shared_model_untouched() -> None:
    model, tokenizer = load_gpt("gpt_toy_en")
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    ids = tokenizer.encode("It rained this morning. The king gave a speech to the whole kingdom.")
    errors, agreements = [], []
    for bits in (8, 4, 2):
        twin, numbers = qz.quantised_copy(model, bits)
        errors.append(numbers["mean_abs_error"])
        agreements.append(qz.compare(model, twin, ids)["agreement"])
        assert numbers["quant_bytes"] < numbers["float_bytes"] / 3
    assert errors[0] < errors[1] < errors[2] and agreements[0] >= agreements[2]
    assert agreements[0] > 0.9
    assert all(torch.equal(before[name], tensor) for name, tensor in model.state_dict().items())
