"""The class's server, warm before its port opens: ``streamlit run ui/launch.py`` (``make run``).

Why: Streamlit runs a page's code only when a browser opens it, so a server started with
``streamlit run app.py`` is listening before anything is imported or loaded; the first thirty
students of a lesson then wait together for pandas, the job workers and every model (SmolLM2
takes the longest). Streamlit's ``st.App`` takes a start hook (a Starlette lifespan) that runs
before the server accepts a connection: here it runs :func:`ui.warmup.warm_before_serving`, then
opens every chapter's first view once in the running Streamlit (:func:`ui.warmup.visit_first_views`).
The app itself is unchanged (``app.py`` and ``pages/``); ``streamlit run app.py`` still works
and warms up on the first page open instead.

Run it from the repository root (its ``.streamlit/config.toml`` is read from there).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
# `streamlit run ui/launch.py` puts ui/ first on the import path, where `ui` itself is not
# importable and its modules (jobs, models, ...) would pose as top-level ones: the repository
# root goes there instead, as `streamlit run app.py` would have it.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "ui"]


@contextlib.asynccontextmanager
async def warm_before_serving(_app: st.App) -> AsyncIterator[None]:
    """Warm up in a thread (the event loop stays free), then serve; nothing to undo at the end
    (the job workers stop with the process)."""
    if os.environ.get("LLM_EXPLAINER_WARMUP", "1") not in {"0", "false", "no", ""}:
        from ui import warmup

        await anyio.to_thread.run_sync(warmup.warm_before_serving)
        await warmup.visit_first_views()  # each chapter's first view, computed and drawn once
        from ui import jobs

        kept = jobs.set_aside_what_stays()  # no session yet: what is alive now stays for good
        print(f"  Warm-up: {kept:,} objects set aside from the garbage collector", file=sys.stderr, flush=True)
    yield


app = st.App(ROOT / "app.py", lifespan=warm_before_serving)

if __name__ == "__main__":  # python ui/launch.py: the same, with config from .streamlit/ and flags
    app.run()
