"""Normalising and validating the text students type or upload.

Every chapter passes user text through :func:`clean_text` first, so the rules are the
same everywhere: Unicode NFC, no control characters, not empty, not too long, and at
least one letter, digit or CJK character.
"""

from __future__ import annotations

import re
import unicodedata

from lm_core.core.errors import InputError

DEFAULT_MAX_CHARS = 2000
DEFAULT_MAX_UPLOAD_KB = 2048

_KEEP_CONTROLS = {"\n", "\t"}


#: The one definition of "CJK" for the whole project: the CJK ideographs, i.e. Chinese
#: characters (also Japanese kanji and Korean hanja), as a regular-expression character
#: range. Three Unicode blocks: CJK Unified Ideographs (U+4E00-U+9FFF), Extension A
#: (U+3400-U+4DBF) and the Compatibility Ideographs (U+F900-U+FAFF). Kana, Hangul and CJK
#: punctuation are not in it: the question every caller asks is "is this Chinese?".
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{CJK_RANGES}]")


def is_cjk(char: str) -> bool:
    """True when ``char`` is one CJK ideograph (a Chinese character, see ``CJK_RANGES``)."""
    return bool(_CJK.fullmatch(char))


def has_cjk(text: str) -> bool:
    """True when ``text`` contains at least one CJK ideograph (see ``CJK_RANGES``)."""
    return bool(_CJK.search(text))


def has_word_characters(text: str) -> bool:
    """True when the text contains a letter or digit (any script, CJK included)."""
    return any(ch.isalnum() for ch in text)


def clean_text(text: str | None, max_chars: int = DEFAULT_MAX_CHARS, require_words: bool = True) -> str:
    """Return ``text`` normalised (NFC, control characters removed, outer space stripped).

    Raises :class:`InputError` with key ``errors.text.empty``, ``errors.text.too_long``
    (params ``limit``, ``length``) or ``errors.text.no_words`` (only punctuation, symbols or
    emoji). HTML is *not* removed: it is ordinary text here, and whoever draws it
    escapes it.
    """
    if text is None:
        raise InputError("errors.text.empty")
    if not isinstance(text, str):
        raise InputError("errors.text.empty")
    # Check the raw length first so a 10 MB paste fails fast, before normalising it.
    if len(text) > max_chars * 4:
        raise InputError("errors.text.too_long", limit=max_chars, length=len(text))
    normalised = unicodedata.normalize("NFC", text)
    kept = "".join(
        ch for ch in normalised if ch in _KEEP_CONTROLS or unicodedata.category(ch)[0] != "C" or ch == "\u200d"
    )
    kept = kept.replace("\r\n", "\n").strip()
    if not kept:
        raise InputError("errors.text.empty")
    if len(kept) > max_chars:
        raise InputError("errors.text.too_long", limit=max_chars, length=len(kept))
    if require_words and not has_word_characters(kept):
        raise InputError("errors.text.no_words")
    return kept


def decode_upload(data: bytes | None, max_kb: int = DEFAULT_MAX_UPLOAD_KB) -> str:
    """Decode an uploaded ``.txt`` file to text, refusing what is not plain text.

    Raises ``errors.file.empty``, ``errors.file.too_large`` (param ``limit_kb``) or
    ``errors.file.not_text`` (NUL bytes, or not UTF-8 / UTF-16 / GB18030 text).
    """
    if not data:
        raise InputError("errors.file.empty")
    if len(data) > max_kb * 1024:
        raise InputError("errors.file.too_large", limit_kb=max_kb)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError("errors.file.not_text") from exc
    else:
        if b"\x00" in data:
            raise InputError("errors.file.not_text")
        text = None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise InputError("errors.file.not_text")
    # Many control characters (other than newlines and tabs) mean a binary file.
    controls = sum(1 for ch in text[:10000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    if controls > 10:
        raise InputError("errors.file.not_text")
    return clean_text(text, max_chars=max_kb * 1024)
