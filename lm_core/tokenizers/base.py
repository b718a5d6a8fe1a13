"""What every tokenizer here can do, lesson or model: text to ids, ids to text, one id shown.

The chapter-1 lesson tokenizers (:mod:`lm_core.tokenizers.lesson`, ``Lesson*``) and the
models' tokenizers (:mod:`lm_core.tokenizers.lm`, :mod:`lm_core.tokenizers.special`,
:mod:`lm_core.tokenizers.smol`) all satisfy :class:`Tokenizer`, so a figure or a trace can
take either. The lesson ones also give a richer view (``tokenize(text)``: tokens with
character spans and what was lost). The tokenizers of the causal models (the tiny GPT's and
SmolLM2's) also satisfy :class:`CausalTokenizer`: what generating text needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Tokenizer(Protocol):
    """``kind`` ("word", "char", "bpe", "wordpiece", "bytes"), ``vocab_size``, and the three conversions."""

    kind: str

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``."""
        ...

    def decode(self, ids: Sequence[int]) -> str:
        """The text the ids stand for."""
        ...

    def id_to_token(self, token_id: int) -> str:
        """How one token is shown to a learner."""
        ...


@runtime_checkable
class CausalTokenizer(Tokenizer, Protocol):
    """A :class:`Tokenizer` a text generator can use: where to stop, what to show, what is lost."""

    @property
    def eos_id(self) -> int:
        """The token that ends a text (the tiny GPT's ``<eos>``) or a turn (SmolLM2's ``<|im_end|>``)."""
        ...

    def tokens(self, ids: Sequence[int]) -> list[str]:
        """How each id is shown to a learner (``id_to_token`` of each)."""
        ...

    def unknown_characters(self, text: str) -> list[str]:
        """Characters of ``text`` the tokenizer cannot write (left out of the ids), once each."""
        ...
