"""lm_core.core.once: a value computed once per key, however many threads ask at the same time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lm_core.core.once import once


def test_thirty_callers_at_once_wait_for_one_computation():
    calls = []

    @once(maxsize=4)
    def slow(key):
        calls.append(key)
        time.sleep(0.3)
        return object()

    start = threading.Barrier(30)

    def ask(_):
        start.wait(timeout=30)
        return slow("zh")

    with ThreadPoolExecutor(30) as pool:
        values = list(pool.map(ask, range(30)))
    assert calls == ["zh"]
    assert all(value is values[0] for value in values)
    info = slow.cache_info()
    assert (info.misses, info.hits, info.currsize) == (1, 29, 1)


def test_lru_cache_lets_every_first_caller_compute():
    """The fault the module mends, shown on the standard library's cache."""
    import functools

    calls = []

    @functools.lru_cache(maxsize=4)
    def slow(key):
        calls.append(key)
        time.sleep(0.3)
        return key

    start = threading.Barrier(8)

    def ask(_):
        start.wait(timeout=30)
        return slow("zh")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(ask, range(8)))
    assert len(calls) > 1


def test_a_slow_key_does_not_hold_up_another_key():
    release = threading.Event()

    @once()
    def value(key):
        if key == "slow":
            assert release.wait(10)
        return key.upper()

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(value, "slow")
        assert value("quick") == "QUICK"  # answered while "slow" is still computing
        assert not slow.done()
        release.set()
        assert slow.result(timeout=10) == "SLOW"


def test_an_exception_is_not_stored():
    attempts = []

    @once()
    def flaky(key):
        attempts.append(key)
        if len(attempts) == 1:
            raise OSError("damaged file")
        return len(attempts)

    with pytest.raises(OSError):
        flaky("a")
    assert flaky("a") == 2
    assert flaky("a") == 2
    assert attempts == ["a", "a"]


def test_keys_are_bounded_least_recently_used_first_out_and_can_be_cleared():
    calls = []

    @once(maxsize=2)
    def square(x, power=2):
        calls.append((x, power))
        return x**power

    assert [square(1), square(2), square(1), square(3)] == [1, 4, 1, 9]  # 2 was used least recently
    assert square(1) == 1 and square(2) == 4
    assert calls == [(1, 2), (2, 2), (3, 2), (2, 2)]
    assert square(2, power=3) == 8 and square(2, power=3) == 8  # keyword arguments are part of the key
    square.cache_clear()
    assert square.cache_info().currsize == 0
    square(1)
    assert calls[-1] == (1, 2)
    with pytest.raises(ValueError):
        once(maxsize=0)


def test_chapter_1s_tokenizers_are_built_once_for_a_class_arriving_together(monkeypatch):
    """A just-started server, thirty sessions on chapter 1 in Chinese: the corpus's word and
    character tokenizers are built once, not once per session (43 s for the slowest before)."""
    from lm_core.tokenizers import lesson

    built = []
    real = lesson.build_word_tokenizer

    def counting(sentences):
        built.append(1)
        time.sleep(0.2)  # long enough for every session to arrive while it builds
        return real(sentences)

    monkeypatch.setattr(lesson, "build_word_tokenizer", counting)
    lesson.lesson_word_and_char.cache_clear()
    try:
        with ThreadPoolExecutor(12) as pool:
            pairs = list(pool.map(lambda _: lesson.lesson_word_and_char("toy_zh"), range(12)))
    finally:
        lesson.lesson_word_and_char.cache_clear()  # the next test gets the real builder's tokenizers
    assert len(built) == 1
    assert all(pair is pairs[0] for pair in pairs)
