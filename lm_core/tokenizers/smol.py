"""SmolLM2-135M-Instruct's tokenizer: byte-level BPE (49,152 tokens) and the ChatML chat template.

The model itself is :mod:`lm_core.models.smollm2`; its ``tokenizer.json`` comes from the
same cache folder (:mod:`lm_core.models.smollm2_cache`), and this module only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lm_core.tokenizers.hf import HFTokenizer

DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"


@dataclass(frozen=True)
class ByteToken:
    """One byte-level token: its id, bytes in hex, readable form, and the characters it covers.

    ``parts``: (character, first byte, last byte, bytes in that character), 1-based; a whole
    character reads (c, 1, n, n), a piece (你, 1, 2, 3) = "bytes 1-2 of 3 of 你".
    """

    id: int
    hex: str
    shown: str
    parts: tuple[tuple[str, int, int, int], ...]

    @property
    def partial(self) -> bool:
        return any(first != 1 or last != total for _, first, last, total in self.parts)


class SmolTokenizer(HFTokenizer):
    """SmolLM2's byte-level BPE (49,152 tokens) and its chat template (ChatML).

    Byte-level: the text's UTF-8 bytes are merged into tokens, so nothing is ever unknown,
    but a Chinese character (3 bytes) may be cut into pieces that are not text on their own.
    ``piece(i)`` is the BPE's own spelling (``Ġ`` = a space, ``Ċ`` = a newline, ``ä½`` = two
    bytes written as Latin-1 characters: never show that to a learner); ``id_to_token(i)``
    is the readable form: the text if the bytes are whole characters, else the bytes in hex
    such as ``⟨e4 bd⟩``. Meets :class:`~lm_core.tokenizers.base.CausalTokenizer` (``eos_id``,
    ``tokens``, ``unknown_characters``) as the tiny GPT's tokenizer does, so chapter 7's loop
    can use either.

    An :class:`~lm_core.tokenizers.hf.HFTokenizer` (encoding, bytes, readable tokens, chat
    roles are its) read from the cache's ``tokenizer.json`` alone: the special tokens, the end
    of a turn and the ChatML template are SmolLM2's own, written here, and :meth:`byte_breakdown`
    explains its byte-level pieces.
    """

    lesson_kind = "smollm2"

    def __init__(self, path: Path) -> None:
        self._read(Path(path))
        self.special_ids = frozenset(i for i in range(min(32, self.vocab_size)) if self._is_special(i))
        self.im_start_id = self._tok.token_to_id(IM_START)
        self.eos_id = self._tok.token_to_id(IM_END)  # end of a turn: chat generation stops here
        self.bos_token, self.eos_token, self.chat_template = None, IM_END, None

    def _is_special(self, i: int) -> bool:
        piece = self._tok.id_to_token(i) or ""
        return piece.startswith("<") and piece.endswith(">") and len(piece) > 2

    @property
    def has_chat(self) -> bool:
        return True

    def byte_breakdown(self, text: str) -> list[ByteToken]:
        """Per token: its bytes and which characters (and which of their bytes) it holds.

        Byte-level BPE works on the UTF-8 bytes of ``text``: a Chinese character is 3 bytes
        and may be split over two tokens; this says so instead of printing mojibake.
        """
        char_of_byte: list[tuple[int, int]] = []  # per byte of the text: (char index, byte index in char)
        for index, char in enumerate(text):
            char_of_byte.extend((index, k) for k in range(len(char.encode("utf-8"))))
        out, cursor = [], 0
        for i in self.encode(text):
            raw = self.token_bytes(i)
            parts: dict[int, list[int]] = {}
            if int(i) not in self.special_ids and text.encode("utf-8")[cursor : cursor + len(raw)] == raw:
                for char_index, byte_in_char in char_of_byte[cursor : cursor + len(raw)]:
                    parts.setdefault(char_index, []).append(byte_in_char)
                cursor += len(raw)
            out.append(
                ByteToken(
                    id=int(i),
                    hex=" ".join(f"{b:02x}" for b in raw),
                    shown=self.id_to_token(i),
                    parts=tuple(
                        (text[c], min(bs) + 1, max(bs) + 1, len(text[c].encode("utf-8"))) for c, bs in parts.items()
                    ),
                )
            )
        return out

    def chat_prompt(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        """ChatML, as SmolLM2 was fine-tuned: ``<|im_start|>role\\ncontent<|im_end|>\\n`` per turn.

        Without a system turn first, the model's default system turn is added (as its own
        template does). ``add_generation_prompt`` opens the assistant's turn.
        """
        turns = list(messages)
        if not turns or turns[0].get("role") != "system":
            turns.insert(0, {"role": "system", "content": DEFAULT_SYSTEM})
        text = "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in turns)
        return text + (f"{IM_START}assistant\n" if add_generation_prompt else "")
