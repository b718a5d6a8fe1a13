"""The learner's own model: the tiny GPT pretrained in chapter 8, offered on the pages that
can show a tiny GPT (generation, self-attention), in the session that trained it only.

The model lives in that session's ``st.session_state`` (chapter 8 keeps its run under
``ch8_pt_run``). The pages list it as the choice :data:`OWN`; for computing they use
:func:`cache_key`, a name carrying a random per-run id and the run's progress, so results a
page caches server-wide are filed under a name no other session can reach, and a later
checkpoint of the same run is a new name. A shared link naming ``own`` in a session without
such a model falls back to the page's default (it is not among :func:`choices`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import streamlit as st

from lm_core.core.errors import InputError

OWN = "own"  # the choice as it appears in a link (?model=own)
_PREFIX = "own:"
_RUN_KEY = "ch8_pt_run"  # chapter 8's pretraining run in this session


def _run() -> dict | None:
    """This session's pretraining run if it has a model worth showing (finished, or stopped
    after at least one checkpoint)."""
    run = st.session_state.get(_RUN_KEY)
    if not isinstance(run, dict) or run.get("model") is None or run.get("tokenizer") is None:
        return None
    if not (run.get("finished") or run.get("checkpoints")):
        return None
    run.setdefault("run_id", uuid.uuid4().hex)  # a new run is a new dict, hence a new id
    return run


def available() -> bool:
    return _run() is not None


def choices(models: Sequence[str]) -> list[str]:
    """The models this session can pick: the page's own list, plus :data:`OWN` when this
    session trained one."""
    return [*models, OWN] if available() else list(models)


def language() -> str:
    """The language of the corpus the own model read ("zh" reads characters, "en" BPE)."""
    run = _run()
    return "zh" if run is not None and run["tokenizer"].kind == "char" else "en"


def cache_key(choice: str) -> str:
    """The name to compute and cache under: the choice itself, or for :data:`OWN` a name
    private to this run and its current weights."""
    if choice != OWN:
        return choice
    run = _run()
    if run is None:
        raise InputError("errors.model.own_missing")
    return f"{_PREFIX}{run['run_id']}:{len(run['checkpoints'])}:{int(bool(run['finished']))}"


def is_own(name: str) -> bool:
    return name == OWN or name.startswith(_PREFIX)


def choice_of(name: str) -> str:
    """The choice (and URL value) behind a cache key."""
    return OWN if is_own(name) else name


def resolve(name: str):
    """(model, tokenizer) of this session's own model for ``name`` (a :func:`cache_key`);
    InputError when this session has no such model (another session's name, or a run since
    replaced)."""
    run = _run()
    if run is None or (name != OWN and cache_key(OWN) != name):
        raise InputError("errors.model.own_missing")
    return run["model"], run["tokenizer"]


def final_val_loss() -> float | str:
    run = _run()
    if run is None or not run["checkpoints"]:
        return "?"
    return round(float(run["checkpoints"][-1].val_loss), 3)


def label(lang_translate) -> str:
    """The select box's label for the own model (``lang_translate`` is the page's ``t``)."""
    return lang_translate("common.own_model")
