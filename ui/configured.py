"""The administrator's models on a page: the notices a model box needs, and the time limit.

The models themselves (the list, the cached loader) are in :mod:`ui.models`; the engine
(reading the TOML file, checking memory, opening a folder or a GGUF file) in
:mod:`lm_core.models.model_list` and :mod:`lm_core.models.open_model`. A configured model is
a plain choice of the page's model box (``?model=<name>`` in a link), like SmolLM2.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

import streamlit as st

from lm_core.core.errors import InputError
from ui import models
from ui.common import plain, query_param, show_error, t

Step = TypeVar("Step")


def link_notice(choices: list[str]) -> None:
    """On a fresh visit: say when the administrator's list is bad (the shipped models still
    work), and when the link names a model this server does not offer (another is shown)."""
    problem = models.configured_problem()
    if problem is not None:
        show_error(problem, warning=True)
    wanted = query_param("model")
    if wanted is not None and wanted not in choices:
        show_error(InputError("models.list.link_fallback", name=str(wanted)[:60]), warning=True)


def loading_text(name: str) -> str | None:
    """The spinner's words while a configured model loads (None for the other models)."""
    label = models.configured_label(name)
    return None if label is None else t("models.about.loading", label=label)


def time_limited(name: str, steps: Iterable[Step]) -> Iterator[Step]:
    """``steps`` until the administrator's time limit for model ``name`` runs out; then one
    message saying so (the steps taken are kept). Other models: every step."""
    limit = models.configured_seconds(name)
    start = time.monotonic()
    for step in steps:
        yield step
        if limit is not None and time.monotonic() - start > limit:
            st.warning(t("models.limits.time_stopped", seconds=f"{limit:g}", label=plain(models.configured_label(name))),
                       icon=":material/timer:")
            return
