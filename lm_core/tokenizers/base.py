"""What every tokenizer here can do, lesson or model: text to ids, ids to text, one id shown.

The chapter-1 lesson tokenizers (:mod:`lm_core.tokenizers.lesson`, ``Lesson*``) and the
tiny models' tokenizers (:mod:`lm_core.tokenizers.lm`) both satisfy :class:`Tokenizer`, so a
figure or a trace can take either. The lesson ones also give a richer view
(``tokenize(text)``: tokens with character spans and what was lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Tokenizer(Protocol):
    """``kind`` ("word", "char", "bpe", "wordpiece"), ``vocab_size``, and the three conversions."""

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
