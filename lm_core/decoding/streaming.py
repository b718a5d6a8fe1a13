"""Text shown while tokens are still coming, without "�" flickering in.

A byte-level tokenizer (SmolLM2's) often writes one Chinese character as two or three
tokens, each a piece of its three UTF-8 bytes. Decoding after every token then shows the
replacement character "�" for the piece that has arrived, until the rest follows. Here the
last tokens whose bytes do not yet make a whole character are held back, as a streaming
decoder does, and shown once the character is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

REPLACEMENT = "\ufffd"  # what a decoder writes for bytes that are not (yet) a whole character
MAX_HELD = 4  # a UTF-8 character is at most 4 bytes, so at most 3 tokens ever wait for the rest


class Decodes(Protocol):
    def decode(self, ids: Sequence[int]) -> str: ...


def readable_text(tokenizer: Decodes, ids: Sequence[int], final: bool = False) -> str:
    """The text of ``ids``, leaving out trailing tokens that are only part of a character.

    ``final``: the run has ended (nothing more will come): everything is shown, including a
    piece the model never completed."""
    ids = list(ids)
    text = tokenizer.decode(ids)
    if final:
        return text
    held = 0
    while text.endswith(REPLACEMENT) and held < min(MAX_HELD, len(ids)):
        held += 1
        text = tokenizer.decode(ids[: len(ids) - held])
    return text
