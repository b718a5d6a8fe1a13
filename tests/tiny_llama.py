"""Tiny random Llama-family model folders for tests (a few hundred kB, written in milliseconds).

``tiny_tokenizer_json`` trains a byte-level BPE of ~300 tokens (ChatML's special tokens
included); ``write_tiny_folder`` writes a random model of Qwen2's shape (q/k/v biases,
untied head, grouped keys/values, RoPE base 50,000) as a Hugging Face folder with our own
writer, so the page tests need no ``transformers``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TEXTS = [
    "The cat sat on the mat because it was warm.",
    "A small model reads every token and guesses the next one.",
    "小猫坐在垫子上，因为垫子很暖和。",
    "Attention lets each token look back at the tokens before it.",
] * 4


def tiny_tokenizer_json(path: Path, vocab_size: int = 300) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(TEXTS, trainer)
    tokenizer.save(str(path))
    return path


def tokenizer_settings() -> dict:
    return {"eos_token": "<|im_end|>", "bos_token": None, "chat_template": CHATML}


def write_tiny_folder(folder: Path, seed: int = 0, **shape: object) -> Path:
    """A random Qwen2-shaped model as a Hugging Face folder (our writer, no transformers)."""
    from lm_core.models.llama import Llama, LlamaConfig
    from lm_core.models.open_model import save_folder

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer_json = tiny_tokenizer_json(folder / "tokenizer.source.json")
    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    size = len(vocab["model"]["vocab"]) + len([t for t in vocab["added_tokens"] if t["content"] not in vocab["model"]["vocab"]])
    config = LlamaConfig(**{"vocab_size": size, "n_layer": 2, "n_head": 4, "n_kv_head": 2, "n_embd": 32, "ffn_dim": 48,
                            "max_position": 256, "rope_theta": 50000.0, "eps": 1e-6, "tie": False, "qkv_bias": True,
                            "block_size": 256, **shape})
    torch.manual_seed(seed)
    model = Llama(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.2)
    save_folder(model, folder, tokenizer_json, tokenizer_config=tokenizer_settings())
    tokenizer_json.unlink()
    return folder


def _llama_cpp_order(weight, n_head: int):  # noqa: ANN001, ANN202
    """llama.cpp stores a query/key matrix with each head's rotation pairs interleaved."""
    return weight.reshape(n_head, 2, weight.shape[0] // n_head // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def write_tiny_gguf(path: Path, seed: int = 0):  # noqa: ANN201 - (path, the Llama it holds)
    """A tiny random Llama (tied, grouped keys/values) as a float32 GGUF file, with a byte-level
    BPE tokenizer and ChatML: what llama.cpp's converter would write for such a model."""
    import gguf
    import numpy as np

    from lm_core.models.llama import Llama, LlamaConfig

    path = Path(path)
    source = json.loads(tiny_tokenizer_json(path.with_suffix(".tokenizer.json")).read_text(encoding="utf-8"))
    path.with_suffix(".tokenizer.json").unlink()
    tokens = sorted(source["model"]["vocab"], key=source["model"]["vocab"].get)
    special = {token["id"] for token in source["added_tokens"]}
    config = LlamaConfig(vocab_size=len(tokens), n_layer=2, n_head=4, n_kv_head=2, n_embd=32, ffn_dim=48,
                         max_position=256, rope_theta=50000.0, eps=1e-6, tie=True, block_size=256)
    torch.manual_seed(seed)
    model = Llama(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.2)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(config.n_layer)
    writer.add_context_length(config.max_position)
    writer.add_embedding_length(config.n_embd)
    writer.add_feed_forward_length(config.ffn_dim)
    writer.add_head_count(config.n_head)
    writer.add_head_count_kv(config.n_kv_head)
    writer.add_rope_freq_base(config.rope_theta)
    writer.add_layer_norm_rms_eps(config.eps)
    writer.add_rope_dimension_count(config.head_dim)
    writer.add_vocab_size(config.vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in source["model"]["merges"]])
    writer.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(2)
    writer.add_chat_template(CHATML)
    state = {name: tensor.numpy().astype(np.float32) for name, tensor in model.state_dict().items()}
    writer.add_tensor("token_embd.weight", state["embed.weight"])
    writer.add_tensor("output_norm.weight", state["ln_f.weight"])
    names = {"ln1.weight": "attn_norm", "attn.v_proj.weight": "attn_v", "attn.o_proj.weight": "attn_output",
             "ln2.weight": "ffn_norm", "mlp.gate.weight": "ffn_gate", "mlp.up.weight": "ffn_up", "mlp.down.weight": "ffn_down"}
    for layer in range(config.n_layer):
        ours = f"blocks.{layer}."
        writer.add_tensor(f"blk.{layer}.attn_q.weight", _llama_cpp_order(state[ours + "attn.q_proj.weight"], config.n_head))
        writer.add_tensor(f"blk.{layer}.attn_k.weight", _llama_cpp_order(state[ours + "attn.k_proj.weight"], config.n_kv_head))
        for name, theirs in names.items():
            writer.add_tensor(f"blk.{layer}.{theirs}.weight", state[ours + name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path, model
