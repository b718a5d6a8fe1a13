"""transformers, used by one thread at a time while it imports and loads.

transformers 5 fills its namespace lazily (its ``_LazyModule``): ``from transformers import X``
imports X's submodule on first use, and two threads doing that at once can fail with
``ImportError: cannot import name 'AutoModelForCausalLM' from 'transformers'``. Seen on a
just-started server on a new machine: chapter 1's first SmolLM2 conversion (a GGUF read through
transformers) beside another chapter's MiniLM load; the chapter showed a traceback. Seen alone
too, four threads importing three names at once: 2 runs in 11 failed.

Every use of transformers in the project goes through :func:`transformers_held` (a test checks
that no other module imports it): the import, the name lookups and the load they serve run
under one lock. Each is a load done once per process (MiniLM about 1 s, a GGUF conversion
about 20 s once per machine), so a second loader waits for the first one's end, never for long.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

#: Held while a thread imports, resolves or loads through transformers (re-entrant: a load may
#: call another helper that holds it).
LOCK = threading.RLock()


@contextmanager
def transformers_held(module: str = "transformers") -> Iterator[ModuleType]:
    """``with transformers_held() as tf: tf.AutoModel.from_pretrained(...)``: transformers (or
    one of its submodules, ``module``), with every other thread's use of it waiting."""
    if module != "transformers" and not module.startswith("transformers."):
        raise ValueError(f"not a module of transformers: {module}")
    with LOCK:
        yield importlib.import_module(module)
