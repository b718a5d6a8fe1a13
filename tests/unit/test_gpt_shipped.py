"""The shipped tiny GPTs load read-only and complete toy-world prompts sensibly."""

from __future__ import annotations

import pytest
import torch

from lm_core.decoding.generation import SamplingSettings, generate
from lm_core.models.checkpoints import CHECKPOINT_DIR, gpt_meta, load_gpt
from lm_core.models.gpt import Capture

torch.set_num_threads(1)

def greedy(name: str, prompt: str, tokens: int = 20) -> str:
    model, tokenizer = load_gpt(name)
    ids = tokenizer.encode(prompt)
    out = generate(model, ids, SamplingSettings(greedy=True), tokens, end_id=tokenizer.eos_id)
    return tokenizer.decode(ids + out).strip()


def test_checkpoints_are_small_and_load_read_only() -> None:
    for name in ("gpt_toy_en", "gpt_toy_zh"):
        size = sum(p.stat().st_size for p in (CHECKPOINT_DIR / name).iterdir())
        assert size < 5 * 1024 * 1024, (name, size)
        model, tokenizer = load_gpt(name)
        assert not model.training and not any(p.requires_grad for p in model.parameters())
        assert model.config.vocab_size == tokenizer.vocab_size
        assert gpt_meta(name)["final_val_loss"] > 0
    assert load_gpt("gpt_toy_en")[1].kind == "bpe" and load_gpt("gpt_toy_zh")[1].kind == "char"
    with pytest.raises(ValueError):
        load_gpt("gpt_missing")


def test_english_completions_read_as_the_toy_world() -> None:
    assert greedy("gpt_toy_en", "It rained this").startswith("It rained this morning")
    assert "coat" in greedy("gpt_toy_en", "I lost my keys") or "pocket" in greedy("gpt_toy_en", "I lost my keys")
    king = greedy("gpt_toy_en", "The king")
    assert king.startswith("The king ") and king.endswith((".", "!", "?"))


def test_chinese_completion_reads_as_the_toy_world() -> None:
    text = greedy("gpt_toy_zh", "今天早上", 15)
    assert text.startswith("今天早上") and len(text) > 5 and text.endswith(("。", "！", "？"))


def test_capture_on_a_shipped_model_matches_its_fast_path() -> None:
    model, tokenizer = load_gpt("gpt_toy_en")
    ids = torch.tensor([tokenizer.encode("I lost my keys yesterday but they were in my coat.")])
    capture = Capture(include=lambda name: name.startswith("blocks.0.") or name == "logits")
    torch.testing.assert_close(model(ids, capture=capture), model(ids), atol=1e-4, rtol=1e-4)
    weights = capture["blocks.0.attn.weights"]
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))


def test_a_truncated_checkpoint_raises_a_clear_input_error(tmp_path):
    import shutil

    import pytest

    from lm_core.core.errors import InputError
    from lm_core.core.paths import CHECKPOINT_DIR
    from lm_core.models.checkpoints import WEIGHTS_FILE, load_checkpoint

    source = CHECKPOINT_DIR / "gpt_toy_en"
    damaged = tmp_path / "gpt_toy_en"
    shutil.copytree(source, damaged)
    weights = damaged / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(InputError) as info:
        load_checkpoint(damaged)
    assert info.value.key == "errors.model.checkpoint_broken"
    assert info.value.params["script"] == "scripts/train_gpt.py"
