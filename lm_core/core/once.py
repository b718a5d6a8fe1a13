"""Computed once per process, even when a whole class asks at the same moment.

``functools.lru_cache`` does not make concurrent first callers wait: each computes the value
itself and the last one stored wins. On a just-started server thirty sessions opening chapter 1
in Chinese each built the corpus's word tokenizer (jieba over the whole toy world) and its BPE,
at the same time, in one interpreter: the slowest student waited 43 s for a page that takes
0.3 s warm.

:func:`once` is ``lru_cache`` with one lock per key: the first caller of a key computes it, the
others wait for its value. An exception is not stored (the next caller tries again), and the
keys are bounded (``maxsize``, least recently used first out), as with ``lru_cache``.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
CacheInfo = namedtuple("CacheInfo", "hits misses maxsize currsize")  # lru_cache's fields


def once(maxsize: int = 128) -> Callable[[F], F]:
    """Decorator: ``@once(maxsize=4)`` on a function of hashable arguments."""
    if maxsize < 1:
        raise ValueError("maxsize must be at least 1")

    def decorate(func: F) -> F:
        values: OrderedDict = OrderedDict()
        computing: dict = {}  # key -> the lock its first caller holds while it computes
        guard = threading.Lock()  # held only to read or change the two tables
        stats = {"hits": 0, "misses": 0}

        def _stored(key):  # noqa: ANN001, ANN202 - under ``guard``
            if key in values:
                values.move_to_end(key)
                stats["hits"] += 1
                return True, values[key]
            return False, None

        @functools.wraps(func)
        def wrapper(*args, **kwargs):  # noqa: ANN202
            key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
            with guard:
                found, value = _stored(key)
                if found:
                    return value
                lock = computing.setdefault(key, threading.RLock())
            with lock:  # a second caller of this key waits here for the first one's value
                with guard:
                    found, value = _stored(key)
                    if found:
                        return value
                    stats["misses"] += 1
                try:
                    value = func(*args, **kwargs)
                except BaseException:
                    with guard:
                        computing.pop(key, None)
                    raise
                with guard:  # stored before the key's lock goes: a caller arriving now finds it
                    values[key] = value
                    while len(values) > maxsize:
                        values.popitem(last=False)
                    computing.pop(key, None)
                return value

        def cache_clear() -> None:
            with guard:
                values.clear()
                stats.update(hits=0, misses=0)

        def cache_info() -> CacheInfo:
            with guard:
                return CacheInfo(stats["hits"], stats["misses"], maxsize, len(values))

        wrapper.cache_clear = cache_clear
        wrapper.cache_info = cache_info
        return wrapper  # type: ignore[return-value]

    return decorate
