"""The tiny GPT's tokenizer plus the special tokens an encoder and an encoder-decoder need.

The encoder (chapter 6) reads ``[CLS] sentence A [SEP] sentence B [SEP]`` and predicts
``[MASK]``-ed tokens; the encoder-decoder reads text whose spans were replaced by the
sentinels ``<extra_id_0>``, ``<extra_id_1>``, ... and writes each sentinel followed by the
span it hid. :class:`SpecialTokenizer` wraps a :class:`~lm_core.tokenizers.lm.LMTokenizer`
(BPE for English, characters for Chinese: the very tokenizer of the tiny GPT, so one
sentence splits into the same tokens in all three model families) and appends the special
tokens after its vocabulary. Typed text never produces a special token: ``[MASK]`` typed
by a learner is just the characters ``[``, ``M``, ... (whatever the base tokenizer knows).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from lm_core.tokenizers.lm import LMTokenizer, tokenizer_from_dict

PAD, CLS, SEP, MASK, BOS = "[PAD]", "[CLS]", "[SEP]", "[MASK]", "<s>"
N_SENTINELS = 8
SENTINELS = tuple(f"<extra_id_{i}>" for i in range(N_SENTINELS))
SPECIALS = (PAD, CLS, SEP, MASK, BOS, *SENTINELS)


class SpecialTokenizer:
    """A base tokenizer's ids ``0 .. V-1`` followed by the special tokens ``V ..``."""

    def __init__(self, base: LMTokenizer, specials: Sequence[str] = SPECIALS) -> None:
        self.base = base
        self.specials = tuple(specials)
        self._special_ids = {name: base.vocab_size + i for i, name in enumerate(self.specials)}
        self.kind = base.kind

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size + len(self.specials)

    @property
    def base_vocab_size(self) -> int:
        return self.base.vocab_size

    @property
    def eos_id(self) -> int:
        return self.base.eos_id

    @property
    def pad_id(self) -> int:
        return self._special_ids[PAD]

    @property
    def cls_id(self) -> int:
        return self._special_ids[CLS]

    @property
    def sep_id(self) -> int:
        return self._special_ids[SEP]

    @property
    def mask_id(self) -> int:
        return self._special_ids[MASK]

    @property
    def bos_id(self) -> int:
        return self._special_ids[BOS]

    def sentinel_id(self, index: int) -> int:
        return self._special_ids[SENTINELS[index]]

    def is_special(self, token_id: int) -> bool:
        return int(token_id) >= self.base.vocab_size or int(token_id) == self.base.eos_id

    def encode(self, text: str) -> list[int]:
        """Ids of typed text (the base tokenizer's; raises its InputErrors)."""
        return self.base.encode(text)

    def unknown_characters(self, text: str) -> list[str]:
        return self.base.unknown_characters(text)

    def id_to_token(self, token_id: int) -> str:
        token_id = int(token_id)
        if token_id >= self.base.vocab_size:
            return self.specials[token_id - self.base.vocab_size]
        return self.base.id_to_token(token_id)

    def tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.id_to_token(i) for i in ids]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of the ordinary ids (special tokens left out)."""
        return self.base.decode([int(i) for i in ids if not self.is_special(i)])

    def to_dict(self) -> dict:
        return {"kind": "special", "specials": list(self.specials), "base": self.base.to_dict()}


def special_tokenizer_from_dict(data: dict) -> SpecialTokenizer:
    if data.get("kind") != "special":
        raise ValueError("not a tokenizer with special tokens")
    return SpecialTokenizer(tokenizer_from_dict(data["base"]), data["specials"])


def save_special_tokenizer(tokenizer: SpecialTokenizer, path: str | Path) -> None:
    Path(path).write_text(json.dumps(tokenizer.to_dict(), ensure_ascii=False), encoding="utf-8")


def load_special_tokenizer(path: str | Path) -> SpecialTokenizer:
    return special_tokenizer_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
