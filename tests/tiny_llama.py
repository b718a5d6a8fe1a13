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
