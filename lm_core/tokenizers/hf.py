"""The tokenizer of an open model, read from its ``tokenizer.json`` (Qwen2, Llama 3, Mistral, ...).

A model folder from the Hugging Face hub holds its tokenizer as ``tokenizer.json`` (read by
the ``tokenizers`` package, never by running code from the folder) and, in
``tokenizer_config.json``, its special tokens and chat template. :class:`HFTokenizer` wraps
both to meet :class:`~lm_core.tokenizers.base.CausalTokenizer`, as SmolLM2's tokenizer does,
so chapters 5 and 7 can use such a model like SmolLM2:

* byte-level BPE (Qwen2, Llama 3, SmolLM2: ``Ġ`` is a space) and SentencePiece-style BPE
  (Llama 2, Mistral: ``▁`` is a space, ``<0xE4>`` a byte) are both shown readably: a token
  holding only part of a character reads ``⟨e4 bd⟩``;
* the chat template (Jinja, as the model's authors wrote it) is rendered in a sandbox, the
  way ``transformers`` renders it; a model without one has no chat mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from lm_core.core.errors import InputError
from lm_core.tokenizers.lesson import Token, Tokenized, readable_bytes, symbol_to_byte

_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")




def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError("models.errors.file_unreadable", name=path.name, reason=type(exc).__name__) from exc
    return data if isinstance(data, dict) else {}


def _token_text(value: object) -> str | None:
    """A special token as ``tokenizer_config.json`` writes it: a string or ``{"content": ...}``."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


class HFTokenizer:
    """An open model's tokenizer (``tokenizer.json``) with its end token and chat template.

    ``eos_id``: where generation stops: ``generation_config.json``'s ``eos_token_id`` (an
    instruct model's end of turn, e.g. Qwen's ``<|im_end|>``; of a list, the one
    ``tokenizer_config.json`` names, else the first), else the ``eos_token`` of
    ``tokenizer_config.json``, else ``config.json``'s.
    """

    #: ``Tokenized.kind`` of :meth:`lesson_tokens` (chapter 1 names the tokenizer by it).
    lesson_kind = "open"
    kind = "bytes"

    def __init__(self, folder: Path, model_config: dict | None = None) -> None:
        folder = Path(folder)
        self._read(folder / "tokenizer.json")
        self.special_ids = frozenset(
            int(i) for i, token in self._tok.get_added_tokens_decoder().items() if getattr(token, "special", False)
        )
        settings = _read_json(folder / "tokenizer_config.json")
        generation = _read_json(folder / "generation_config.json")
        self.bos_token = _token_text(settings.get("bos_token"))
        self.eos_token = _token_text(settings.get("eos_token"))
        self.eos_id = self._end_id(generation, settings, model_config or {})
        template = settings.get("chat_template")
        if isinstance(template, list):  # several named templates: the default one
            template = next((t.get("template") for t in template if t.get("name") == "default"), None)
        if template is None and (folder / "chat_template.jinja").is_file():
            template = (folder / "chat_template.jinja").read_text(encoding="utf-8")
        self.chat_template = template if isinstance(template, str) else None

    def _read(self, path: Path) -> None:
        """The ``tokenizers`` file itself: vocabulary, merges, whether it is byte-level."""
        from tokenizers import Tokenizer

        try:
            self._tok = Tokenizer.from_file(str(path))
        except Exception as exc:  # noqa: BLE001 - the tokenizers package raises its own Exception
            raise InputError("models.errors.file_unreadable", name=path.name, reason=str(exc)[:80]) from exc
        self._tok.no_padding()
        self._tok.no_truncation()
        self.vocab_size = self._tok.get_vocab_size()
        self.byte_level = "ByteLevel" in json.dumps(json.loads(self._tok.to_str()).get("decoder") or {})

    def _end_id(self, generation: dict, settings: dict, model_config: dict) -> int:
        named = self._tok.token_to_id(self.eos_token) if self.eos_token else None
        listed = generation.get("eos_token_id")
        if isinstance(listed, list) and named in listed:
            return int(named)  # Llama 3.2 lists three ends; its tokenizer names the turn's: <|eot_id|>
        for value in (generation.get("eos_token_id"), named, model_config.get("eos_token_id")):
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, int) and 0 <= value < self.vocab_size:
                return value
        return self.vocab_size  # no end token: an id no step produces, generation runs its length

    # --- the protocol ---------------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``; special tokens written in it (``<|im_start|>``) become their ids."""
        return list(self._tok.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: Sequence[int], skip_special: bool = False) -> str:
        return self._tok.decode([int(i) for i in ids], skip_special_tokens=skip_special)

    def piece(self, i: int) -> str:
        """The token's spelling in the vocabulary (``Ġ``/``▁`` for spaces; never shown as is)."""
        return self._tok.id_to_token(int(i)) or ""

    def token_bytes(self, i: int) -> bytes:
        """The raw bytes a token stands for (possibly part of a character)."""
        piece = self.piece(i)
        if int(i) in self.special_ids:
            return piece.encode("utf-8")
        if self.byte_level:
            return bytes(symbol_to_byte().get(ch, ord(ch) & 0xFF) for ch in piece)
        byte = _BYTE_PIECE.match(piece)
        if byte:
            return bytes([int(byte.group(1), 16)])
        return piece.replace("▁", " ").encode("utf-8")

    def id_to_token(self, i: int) -> str:
        """Readable token: its text, or ``⟨e4 bd⟩`` when its bytes are only part of a character."""
        if int(i) in self.special_ids:
            return self.piece(i)
        return readable_bytes(self.token_bytes(i))

    def tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.id_to_token(i) for i in ids]

    def unknown_characters(self, text: str) -> list[str]:
        """Characters the vocabulary cannot write (none for byte-level BPE or byte fallback)."""
        unknown = self._tok.token_to_id("<unk>")
        if self.byte_level or unknown is None:
            return []
        found: list[str] = []
        for char in dict.fromkeys(text):
            if not char.isspace() and unknown in self.encode(char):
                found.append(char)
        return found

    def lesson_tokens(self, text: str) -> Tokenized:
        """``text`` as chapter 1's :class:`~lm_core.tokenizers.lesson.Tokenized` (readable chips,
        as SmolLM2's): ``Token.text`` is the vocabulary's spelling, spans are characters of ``text``."""
        encoding = self._tok.encode(text, add_special_tokens=False)
        tokens = tuple(
            Token(text=self.piece(i), id=i, start=start, end=end, special=i in self.special_ids,
                  display=self.id_to_token(i))
            for i, (start, end) in zip(encoding.ids, encoding.offsets, strict=True)
        )
        return Tokenized(kind=self.lesson_kind, text=text, tokens=tokens, decoded=self.decode(encoding.ids))

    # --- chat ---------------------------------------------------------------------------

    @property
    def has_chat(self) -> bool:
        return self.chat_template is not None

    def chat_prompt(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        """The model's own chat template filled with ``messages`` (a sandboxed Jinja render)."""
        if self.chat_template is None:
            raise InputError("models.errors.no_chat")
        from jinja2 import TemplateError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise TemplateError(message)

        environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        environment.globals["raise_exception"] = raise_exception
        environment.filters["tojson"] = lambda value, **_: json.dumps(value, ensure_ascii=False)
        try:
            return environment.from_string(self.chat_template).render(
                messages=list(messages),
                add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token or "",
                eos_token=self.eos_token or "",
            )
        except TemplateError as exc:
            raise InputError("models.errors.chat_template", reason=str(exc)[:120]) from exc

    def turn_roles(self, ids: Sequence[int]) -> list[str | None]:
        """For each id of a ChatML text (Qwen2, SmolLM2): the role of the turn it belongs to;
        ``<|im_start|>``, the role's name and ``<|im_end|>`` belong to their turn. Other
        templates: ``None`` for every id (the tokens are shown without roles)."""
        start, end = self._tok.token_to_id("<|im_start|>"), self._tok.token_to_id("<|im_end|>")
        roles: list[str | None] = []
        role, name = None, None  # name: the role's tokens while they are being read
        for i in (int(i) for i in ids):
            if start is not None and i == start:
                role, name = "?", []
            elif name is not None:
                text = self.id_to_token(i)
                if "\n" in text:
                    role = ("".join(name) + text.split("\n")[0]).strip() or "?"
                    roles[-len(name) - 1 :] = [role] * (len(name) + 1)
                    name = None
                else:
                    name.append(text)
            roles.append(role)
            if end is not None and i == end:
                role = None
        return roles
