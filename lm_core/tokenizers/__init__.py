"""Text to ids and back, one protocol (base.Tokenizer): the lesson tokenizers of chapter 1, the tiny models' tokenizers, the pretrained ones.

The causal models' tokenizers (:mod:`.lm` for the tiny GPT, :mod:`.smol` for SmolLM2) also
meet ``base.CausalTokenizer``: the end token, token strings and unknown characters that
generation uses.
"""
