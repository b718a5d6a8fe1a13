"""Saving and loading GPT checkpoints: safetensors weights + JSON config + tokenizer JSON.

A checkpoint is a folder::

    assets/checkpoints/gpt_toy_en/
        model.safetensors   weights (no pickle: safe to load whatever its origin)
        config.json         {"model": GPTConfig fields, "meta": training facts}
        tokenizer.json      the tokenizer (see lm_core.tokenizers.lm)

The shipped ones are written by ``scripts/train_gpt.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_model, save_model

from lm_core.core.errors import InputError
from lm_core.core.paths import CHECKPOINT_DIR  # noqa: E402
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.tokenizers.lm import LMTokenizer, load_tokenizer, save_tokenizer

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"


def save_checkpoint(folder: str | Path, model: GPT, tokenizer: LMTokenizer, meta: dict | None = None) -> Path:
    """Write ``model`` (weights + config) and ``tokenizer`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # save_model handles the tied embedding / head weights (stored once).
    save_model(model, str(folder / WEIGHTS_FILE))
    config = {"model": model.config.to_dict(), "meta": meta or {}}
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    save_tokenizer(tokenizer, folder / TOKENIZER_FILE)
    return folder


def read_meta(folder: str | Path) -> dict:
    """The ``meta`` block of a checkpoint's config (training facts: loss, steps, corpus)."""
    data = json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8"))
    return data.get("meta", {})


#: The script that rebuilds the shipped GPT checkpoints (named in the fault message).
REBUILD_SCRIPT = "scripts/train_gpt.py"


def load_checkpoint(folder: str | Path, device: torch.device | str = "cpu") -> tuple[GPT, LMTokenizer]:
    """Load a checkpoint folder: the model comes back in eval mode with gradients off.

    A missing, truncated or half-written file raises ``InputError("errors.model.checkpoint_broken")``
    naming the checkpoint and the script that rebuilds it (never a raw traceback)."""
    folder = Path(folder)
    try:
        return _load_checkpoint(folder, device)
    except Exception as exc:  # any damage to the files: say what to rebuild
        raise InputError("errors.model.checkpoint_broken", name=folder.name, script=REBUILD_SCRIPT) from exc


def _load_checkpoint(folder: Path, device: torch.device | str) -> tuple[GPT, LMTokenizer]:
    data = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    config = GPTConfig.from_dict(data["model"])
    model = GPT(config)
    load_model(model, str(folder / WEIGHTS_FILE), device=str(device))
    model.to(device)
    model.eval()
    model.requires_grad_(False)
    tokenizer = load_tokenizer(folder / TOKENIZER_FILE)
    if tokenizer.vocab_size != config.vocab_size:
        raise ValueError(f"tokenizer has {tokenizer.vocab_size} tokens, model expects {config.vocab_size}")
    return model, tokenizer


def list_gpts() -> list[str]:
    """Names of the shipped GPT checkpoints (``gpt_toy_en``, ``gpt_toy_zh``)."""
    if not CHECKPOINT_DIR.is_dir():
        return []
    return sorted(
        path.name
        for path in CHECKPOINT_DIR.iterdir()
        if path.name.startswith("gpt_") and (path / WEIGHTS_FILE).is_file()
    )


def checkpoint_path(name: str) -> Path:
    if name not in list_gpts():
        raise ValueError(f"no shipped GPT named {name!r}; available: {list_gpts()}")
    return CHECKPOINT_DIR / name


def load_gpt(name: str, device: torch.device | str = "cpu") -> tuple[GPT, LMTokenizer]:
    """A shipped GPT by name, ``.eval()`` and ``requires_grad_(False)``, with its tokenizer."""
    return load_checkpoint(checkpoint_path(name), device=device)


def gpt_meta(name: str) -> dict:
    try:
        return read_meta(checkpoint_path(name))
    except Exception as exc:
        raise InputError("errors.model.checkpoint_broken", name=name, script=REBUILD_SCRIPT) from exc
