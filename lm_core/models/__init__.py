"""The networks, each in one readable file, with a fast path and a capture path that records named internals.

Each block and attention module knows the name it records under from construction
(``blocks.{i}.attn``), so ``forward`` takes only the capture object (:mod:`.capture`). Shared
pieces: :mod:`.attention` (the one attention), :mod:`.kv_cache` (fast generation),
:mod:`.config` (the configs' JSON and checks), :mod:`.causal` (what generation needs of a
model). SmolLM2 is three modules: the network (:mod:`.smollm2`), its checked cache and loader
(:mod:`.smollm2_cache`) and its tokenizer (:mod:`lm_core.tokenizers.smol`); its network is
the Llama family's (:mod:`.llama`), which also opens other open models: :mod:`.open_model`
(a folder, a GGUF file, a hub id) and :mod:`.model_list` (the administrator's list of them).
"""
