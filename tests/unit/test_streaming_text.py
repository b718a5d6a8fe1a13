"""Streamed text never shows "�" for a character whose bytes are still arriving."""

from lm_core.decoding.streaming import readable_text


class ByteTokenizer:
    """One token per byte, like the pieces of a Chinese character in a byte-level BPE."""

    def decode(self, ids):
        return bytes(ids).decode("utf-8", errors="replace")


def test_a_chinese_character_appears_only_when_all_its_bytes_have_come():
    ids = list("你好!".encode())  # e4 bd a0, e5 a5 bd, 21
    shown = [readable_text(ByteTokenizer(), ids[:n]) for n in range(1, len(ids) + 1)]
    assert shown == ["", "", "你", "你", "你", "你好", "你好!"]
    assert not any("\ufffd" in text for text in shown)


def test_a_piece_never_completed_is_shown_at_the_end_and_a_broken_middle_stays():
    ids = [*b"a", 0xE4, 0xBD]
    assert readable_text(ByteTokenizer(), ids) == "a"
    assert readable_text(ByteTokenizer(), ids, final=True) == "a\ufffd"
    broken = [0xE4, *b"bc"]  # a lone first byte followed by other text: the model's own output
    assert readable_text(ByteTokenizer(), broken) == "\ufffdbc"


def test_smollm2_streams_chinese_without_replacement_characters():
    import pytest

    from lm_core.models import smollm2_cache

    try:
        tokenizer = smollm2_cache.load_smollm2_tokenizer()
    except Exception:  # noqa: BLE001 (no SmolLM2 files on this machine)
        pytest.skip("SmolLM2's tokenizer is not available here")
    ids = tokenizer.encode("今天天气很好，我们去公园散步吧。")
    assert any("\ufffd" in tokenizer.decode(ids[:n]) for n in range(1, len(ids)))  # pieces of characters exist
    for n in range(1, len(ids) + 1):
        assert "\ufffd" not in readable_text(tokenizer, ids[:n])
    assert readable_text(tokenizer, ids) == "今天天气很好，我们去公园散步吧。"
