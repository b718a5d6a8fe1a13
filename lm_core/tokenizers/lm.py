"""Tokenizers for the tiny GPT: characters for Chinese, BPE for English.

* :class:`CharTokenizer`: one token per character seen in the training text. Chinese
  has no spaces between words and thousands of characters, so for a toy corpus each
  character is a natural token.
* :class:`BPETokenizer`: byte-pair encoding trained with Hugging Face ``tokenizers`` on
  the corpus (frequent character pairs merge into sub-words, then words). Spaces become
  the visible marker ``▁`` at the start of a word, the way SentencePiece shows them.

Both have the special token ``<eos>`` (end of sentence, id 0): training text is the
corpus sentences each followed by ``<eos>``, so a model learns when to stop. Text is
encoded only with what the tokenizer knows: characters it never saw are left out
(:meth:`LMTokenizer.unknown_characters` lists them) and text with nothing known at all
raises :class:`~lm_core.core.errors.InputError` (``errors.text.nothing_known``).

A tokenizer saves to one JSON file next to the checkpoint (:func:`save_tokenizer`).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from lm_core.core.errors import InputError

EOS = "<eos>"
UNK = "<unk>"
SPACE_MARK = "▁"  # U+2581, how BPE tokens show a leading space
EOS_DISPLAY = "⏎"


class LMTokenizer:
    """A tiny model's tokenizer: :class:`lm_core.tokenizers.base.CausalTokenizer` (``encode`` /
    ``decode`` / ``id_to_token`` / ``vocab_size`` / ``kind``, and what generation uses:
    ``eos_id``, ``tokens``, ``unknown_characters``), plus the characters it knows."""

    kind: str = ""
    eos_id: int = 0

    @property
    def vocab_size(self) -> int:
        raise NotImplementedError

    def known_characters(self) -> frozenset[str]:
        raise NotImplementedError

    def _prepare(self, text: str) -> str:
        return unicodedata.normalize("NFC", text)

    def unknown_characters(self, text: str) -> list[str]:
        """Characters of ``text`` this tokenizer cannot represent (in order, once each)."""
        known = self.known_characters()
        seen: dict[str, None] = {}
        for ch in self._prepare(text):
            if ch not in known and not ch.isspace():
                seen.setdefault(ch)
        return list(seen)

    def _encode_known(self, text: str) -> list[int]:
        """Ids of already prepared text, unknown characters left out (each kind's own)."""
        raise NotImplementedError

    def encode_known(self, text: str) -> list[int]:
        """Ids of what this tokenizer knows of ``text``, never an error: unknown characters
        are left out and text with nothing known gives ``[]`` (a search over many texts, a
        prompt's pieces). :meth:`encode` is the same with a message for empty results."""
        return self._encode_known(self._prepare(text or ""))

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; unknown characters are left out.

        Raises ``InputError("errors.text.nothing_known", chars=...)`` when no character of
        the text is known (emoji only, Chinese into the English model, ...).
        """
        text = self._prepare(text or "")
        ids = self._encode_known(text)
        if not ids:
            unknown = "".join(self.unknown_characters(text))[:20]
            if not text.strip():
                raise InputError("errors.text.empty")
            raise InputError("errors.text.nothing_known", chars=unknown)
        return ids

    def encode_corpus(self, sentences: Iterable[str]) -> list[int]:
        """One long id stream: every sentence followed by ``<eos>`` (for training)."""
        stream: list[int] = []
        for sentence in sentences:
            stream.extend(self.encode_known(sentence))
            stream.append(self.eos_id)
        return stream

    def decode(self, ids: Sequence[int]) -> str:
        """Text of ``ids``; ``<eos>`` becomes a line break."""
        pieces: list[str] = []
        segment: list[int] = []
        for token_id in ids:
            if int(token_id) == self.eos_id:
                pieces.append(self._decode_segment(segment))
                segment = []
            else:
                segment.append(int(token_id))
        pieces.append(self._decode_segment(segment))
        return "\n".join(pieces)

    def _decode_segment(self, ids: list[int]) -> str:
        raise NotImplementedError

    def id_to_token(self, token_id: int) -> str:
        """How a token is shown to a student: ``▁king``, ``王``, ``⏎`` for end of sentence."""
        raise NotImplementedError

    def tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.id_to_token(i) for i in ids]

    def to_dict(self) -> dict:
        raise NotImplementedError


class CharTokenizer(LMTokenizer):
    """One id per character. Id 0 is ``<eos>``; then the characters in sorted order."""

    kind = "char"

    def __init__(self, characters: Iterable[str]) -> None:
        chars = sorted({ch for ch in characters if ch and ch != "\n"})
        self._itos = [EOS, *chars]
        self._stoi = {ch: i for i, ch in enumerate(self._itos)}
        self.eos_id = 0
        self._known = frozenset(chars)

    @classmethod
    def train(cls, sentences: Iterable[str]) -> CharTokenizer:
        chars: set[str] = set()
        for sentence in sentences:
            chars.update(unicodedata.normalize("NFC", sentence))
        return cls(chars)

    @property
    def vocab_size(self) -> int:
        return len(self._itos)

    def known_characters(self) -> frozenset[str]:
        return self._known

    def _encode_known(self, text: str) -> list[int]:
        return [self._stoi[ch] for ch in text if ch in self._known]

    def _decode_segment(self, ids: list[int]) -> str:
        return "".join(self._itos[i] for i in ids if 0 < i < len(self._itos))

    def id_to_token(self, token_id: int) -> str:
        token_id = int(token_id)
        if token_id == self.eos_id:
            return EOS_DISPLAY
        token = self._itos[token_id]
        return "␣" if token == " " else token

    def to_dict(self) -> dict:
        return {"kind": self.kind, "chars": self._itos[1:]}


class BPETokenizer(LMTokenizer):
    """Byte-pair encoding from Hugging Face ``tokenizers``, trained on the corpus."""

    kind = "bpe"

    def __init__(self, hf_tokenizer, lowercase: bool = False) -> None:  # noqa: ANN001 (tokenizers.Tokenizer)
        self._hf = hf_tokenizer
        self.lowercase = lowercase
        self.eos_id = self._hf.token_to_id(EOS)
        self.unk_id = self._hf.token_to_id(UNK)
        if self.eos_id != 0:
            raise ValueError("the BPE tokenizer must have <eos> as id 0")
        vocab = self._hf.get_vocab()
        self._itos = [""] * len(vocab)
        for token, token_id in vocab.items():
            self._itos[token_id] = token
        known: set[str] = set()
        for token in self._itos:
            if token not in (EOS, UNK):
                known.update(token.replace(SPACE_MARK, ""))
        self._known = frozenset(known)

    @classmethod
    def train(cls, sentences: Sequence[str], vocab_size: int = 1000, min_frequency: int = 2) -> BPETokenizer:
        from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

        sentences = [unicodedata.normalize("NFC", s) for s in sentences]
        # A corpus written all in lower case gets a lower-casing tokenizer, so "The King"
        # still reaches the model as words it knows.
        lowercase = not any(ch.isupper() for s in sentences for ch in s)
        tokenizer = Tokenizer(models.BPE(unk_token=UNK))
        steps = [normalizers.NFC()] + ([normalizers.Lowercase()] if lowercase else [])
        tokenizer.normalizer = normalizers.Sequence(steps)
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SPACE_MARK, prepend_scheme="always")
        tokenizer.decoder = decoders.Metaspace(replacement=SPACE_MARK, prepend_scheme="always")
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[EOS, UNK], show_progress=False
        )
        tokenizer.train_from_iterator(sentences, trainer=trainer)
        return cls(tokenizer, lowercase=lowercase)

    @property
    def vocab_size(self) -> int:
        return self._hf.get_vocab_size()

    def known_characters(self) -> frozenset[str]:
        return self._known

    def _prepare(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text)
        return text.lower() if self.lowercase else text

    def _encode_known(self, text: str) -> list[int]:
        # Leave unknown characters out before BPE, so they never become <unk> tokens
        # that the model has never been trained on.
        known = "".join(ch if (ch in self._known or ch.isspace()) else " " for ch in text)
        known = " ".join(known.split())
        if not known:
            return []
        return [i for i in self._hf.encode(known).ids if i != self.unk_id]

    def _decode_segment(self, ids: list[int]) -> str:
        return self._hf.decode(ids, skip_special_tokens=True) if ids else ""

    def id_to_token(self, token_id: int) -> str:
        token_id = int(token_id)
        if token_id == self.eos_id:
            return EOS_DISPLAY
        return self._itos[token_id]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "lowercase": self.lowercase, "hf": json.loads(self._hf.to_str())}


def tokenizer_from_dict(data: dict) -> LMTokenizer:
    kind = data.get("kind")
    if kind == "char":
        return CharTokenizer(data["chars"])
    if kind == "bpe":
        from tokenizers import Tokenizer

        return BPETokenizer(Tokenizer.from_str(json.dumps(data["hf"])), lowercase=bool(data.get("lowercase")))
    raise ValueError(f"unknown tokenizer kind {kind!r}")


def save_tokenizer(tokenizer: LMTokenizer, path: str | Path) -> None:
    Path(path).write_text(json.dumps(tokenizer.to_dict(), ensure_ascii=False), encoding="utf-8")


def load_tokenizer(path: str | Path) -> LMTokenizer:
    return tokenizer_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
