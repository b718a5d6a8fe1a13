"""Warm start: what the first page of a class needs, imported and loaded once per server process.

Why: a teacher starts the server and thirty students open a chapter in the same second. Without
a warm-up, thirty session threads import pandas for plotly at once (Python hands some of them a
half-imported module: "partially initialized module 'pandas' has no attribute 'Series'"), and
each chapter's first visitor waits for its models to load.

:func:`start` runs from ``app.py`` and from ``ui.common.setup_page`` (every page calls it
first), so whichever page a student opens first starts it; later calls return at once.

- The libraries every chart needs (pandas, plotly) are imported right away, under one lock:
  the first session waits a few seconds, the others wait for it, nobody sees half a module.
- The shipped small models (through ``ui.models``, so pages get the very same objects) and then
  SmolLM2 load in a background thread. While SmolLM2 loads, :func:`smollm2_progress` says for
  how long, and ``ui.models.smollm2`` shows "SmolLM2 is getting ready" instead of a silent wait.

Set ``LLM_EXPLAINER_WARMUP=0`` to skip the background loading (the page tests do by default:
under pytest nothing loads in the background unless ``LLM_EXPLAINER_WARMUP=1``).

**First views, visited before the port opens** (``ui/launch.py``, :func:`visit_first_views`):
loading the models is not all a first page does. Chapter 7 with SmolLM2 computes its default
continuation, logit lens and the quantised block on the first open; chapter 8 scores every
method and draws its figures; and the thirty students who arrive together wait for the one
who computes, then for the server to draw thirty pages. So the server opens each chapter's
default view itself (a real session of the running Streamlit, no socket), in both languages:
the per-server caches and the shared figures (``ui.shared``) are full when the port opens.
``LLM_EXPLAINER_WARM_VIEWS``: ``all`` (the default), ``none``, or a comma-separated list of
``Page?query`` (``Generation?lang=en&model=smollm2,Word2vec?lang=zh``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field

LOG = logging.getLogger("llm_explainer.warmup")
ENV = "LLM_EXPLAINER_WARMUP"

#: The shipped small models a first page opens with (loader name in ``ui.models``, its argument).
SMALL_MODELS: tuple[tuple[str, tuple], ...] = (
    ("tiny_gpt", ("gpt_toy_en",)),
    ("tiny_gpt", ("gpt_toy_zh",)),
    ("encoder", ("encoder_toy_en",)),
    ("encoder", ("encoder_toy_zh",)),
    ("encoder_decoder", ("encdec_toy_en",)),
    ("encoder_decoder", ("encdec_toy_zh",)),
    ("translator", ("attention",)),
    ("translator", ("plain",)),
    ("ch8_base", ("en",)),
    ("ch8_base", ("zh",)),
    ("word2vec", ("toy_en",)),
    ("word2vec", ("toy_zh",)),
    ("wordpiece", ()),
    ("qwen_tokenizer", ()),  # chapter 1's token tax (about 0.7 s to read its vocabulary)
    ("minilm", ()),
)

VIEWS_ENV = "LLM_EXPLAINER_WARM_VIEWS"
VIEW_TIMEOUT_S = 180.0

_LOCK = threading.Lock()
_started = False


@dataclass
class Progress:
    """Where SmolLM2's background load stands: ``idle`` (never asked), ``loading``, ``ready``
    or ``failed`` (the error is remembered by ``ui.models``)."""

    state: str = "idle"
    since: float = 0.0
    done: threading.Event = None  # type: ignore[assignment]

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.since) if self.since else 0


_SMOLLM2 = Progress(done=threading.Event())


def background_enabled() -> bool:
    """Background loading is on in a server, off under pytest unless asked for."""
    value = os.environ.get(ENV)
    if value is not None:
        return value not in {"0", "false", "no", ""}
    return "pytest" not in sys.modules


def import_libraries() -> None:
    """Import what every chart needs, fully, before any session thread races for it."""
    import pandas  # noqa: F401 - plotly imports it lazily on a figure's first use
    import plotly.express  # noqa: F401 - pulls plotly's pandas-facing modules
    import plotly.graph_objects  # noqa: F401
    import plotly.io  # noqa: F401


def start() -> None:
    """Once per process: import the libraries now, load the models in the background."""
    global _started
    if _started:  # the common case: a page open on a warm server costs one check
        return
    with _LOCK:  # the first sessions of a cold server wait here for the imports, then go on
        if _started:
            return
        began = time.perf_counter()
        import_libraries()
        LOG.info("warm-up: libraries imported in %.1f s", time.perf_counter() - began)
        if background_enabled():
            threading.Thread(target=_load_models, name="llm-explainer-warmup", daemon=True).start()
        _started = True


def warm_before_serving() -> None:
    """Everything :func:`start` does, done now and waited for: the server's start hook
    (``ui/launch.py``) calls it before the port opens, so the first thirty students find the
    libraries imported, the job workers started and every model loaded, SmolLM2 included.

    A model that fails to load is remembered by ``ui.models`` and explained by the page that
    needs it; the server starts anyway."""
    global _started
    with _LOCK:
        if _started:
            return
        began = time.perf_counter()
        import_libraries()
        from ui import jobs

        jobs.get_queue().start_workers(wait=True)
        _load_models()
        _started = True
        LOG.info("warm-up before serving: done in %.1f s", time.perf_counter() - began)


def _load_models() -> None:
    """Every shipped model through ``ui.models`` (a damaged one is remembered there), then SmolLM2."""
    from ui import jobs, models

    jobs.get_queue().start_workers()  # the first Train then finds its worker process ready
    began = time.perf_counter()
    for loader, args in SMALL_MODELS:
        try:
            getattr(models, loader)(*args)
        except Exception as exc:  # noqa: BLE001 - the page that needs it shows the message
            LOG.warning("warm-up: %s%s not loaded: %s", loader, args, exc)
    LOG.info("warm-up: small models loaded in %.1f s", time.perf_counter() - began)
    if models.smollm2_available():
        load_smollm2_in_background()  # in this thread: the background one, or the start hook's
    load_configured_models()  # last: the administrator's models, after every shipped one


def load_configured_models() -> None:
    """The administrator's models (``LLM_EXPLAINER_MODELS``): each one's tokenizer, then its
    weights when they fit its memory limits (the first ``ui.models.CONFIGURED_KEPT`` models,
    as many as stay loaded), so the first student to pick one does not wait.
    A model refused for memory, or that cannot be read, is skipped with a log line (its page
    says why when a student picks it)."""
    from ui import models

    for number, entry in enumerate(models.configured_models()):
        began = time.perf_counter()
        try:
            models.configured_tokenizer(entry.name)
            if number >= models.CONFIGURED_KEPT:  # loading it would push an earlier one out
                LOG.info("warm-up: %s's tokenizer ready; its weights load when a student picks it", entry.name)
                continue
            models.configured_lm(entry.name)
            LOG.info("warm-up: %s ready in %.1f s", entry.name, time.perf_counter() - began)
        except Exception as exc:  # noqa: BLE001 - an InputError for memory, a damaged folder: skipped
            LOG.warning("warm-up: %s skipped: %s", entry.name, exc)


def load_smollm2_in_background() -> None:
    """Load SmolLM2 (in this thread), recording progress that pages can show."""
    from ui import models

    _SMOLLM2.state, _SMOLLM2.since = "loading", time.monotonic()
    try:
        models.smollm2(show_progress=False)
        _SMOLLM2.state = "ready"
        LOG.info("warm-up: SmolLM2 ready after %d s", _SMOLLM2.seconds)
    except Exception as exc:  # noqa: BLE001 - remembered by ui.models; pages show it
        _SMOLLM2.state = "failed"
        LOG.warning("warm-up: SmolLM2 not loaded: %s", exc)
    finally:
        _SMOLLM2.done.set()


def smollm2_progress() -> Progress:
    """SmolLM2's background load: ``state`` and ``seconds`` so far (``done`` is set at the end)."""
    return _SMOLLM2


def smollm2_loading() -> bool:
    """Whether SmolLM2 is being loaded in the background right now."""
    return _SMOLLM2.state == "loading"


def smollm2_getting_ready(lang: str) -> bool:
    """For a page that would rather not wait: while SmolLM2 loads in the background, show
    "SmolLM2 is getting ready, N s" and return True (the page leaves its SmolLM2 part out this
    run); the page reruns by itself once the model is there. False: go ahead and use it."""
    if not smollm2_loading():
        return False
    import streamlit as st

    from ui import i18n

    st.info(i18n.translate("faults.smollm2_loading", lang, seconds=_SMOLLM2.seconds), icon=":material/hourglass_top:")

    @st.fragment(run_every=2.0)
    def _rerun_when_ready() -> None:
        if not smollm2_loading():
            st.rerun(scope="app")

    _rerun_when_ready()
    return True


# --------------------------------------------------------------------------- first views


def chapter_paths() -> list[str]:
    """Every built chapter's URL path (``ui.chapters.CHAPTERS``); each one's default view is
    visited in both languages before the port opens."""
    from ui.chapters import CHAPTERS
    from ui.lessons import url_path

    return [url_path(chapter.page) for chapter in CHAPTERS if chapter.exists]


def first_views() -> list[tuple[str, str]]:
    """``(URL path, query string)`` of the views to open before the port opens (``VIEWS_ENV``)."""
    value = os.environ.get(VIEWS_ENV, "all").strip()
    if value.lower() in {"none", "0", "no", "false", ""}:
        return []
    if value.lower() != "all":
        return [tuple(item.strip().partition("?")[::2]) for item in value.split(",") if item.strip()]
    views = [("", f"lang={lang}") for lang in ("en", "zh")]
    for path in chapter_paths():
        views += [(path, f"lang={lang}") for lang in ("en", "zh")]
        if path == "Generation":  # chapter 7 with SmolLM2: the class's heaviest first page
            views += [(path, f"lang={lang}&model=smollm2") for lang in ("en", "zh")]
    return views


@dataclass
class _QuietClient:
    """A session client that keeps nothing of what the page sends, but whether it finished and
    the exceptions it showed (a view that fails is logged; the server starts anyway)."""

    finished: threading.Event = field(default_factory=threading.Event)
    exceptions: list[str] = field(default_factory=list)

    def write_forward_msg(self, msg) -> None:  # noqa: ANN001 - streamlit's ForwardMsg
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:200])
        elif kind == "script_finished" and msg.script_finished != msg.FINISHED_EARLY_FOR_RERUN:
            self.finished.set()  # a run that ends with st.rerun() is followed by the next one

    @property
    def client_context(self):  # noqa: ANN201 - no browser, no headers
        return None


async def visit_first_views(views: list[tuple[str, str]] | None = None) -> None:
    """Open each view once in a session of this server's own Streamlit runtime (on its event
    loop, before the port opens), one after the other, and close it. What the pages compute
    stays in the per-server caches; what a session keeps is let go with the session."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.runtime import Runtime

    from ui import session_guard

    views = first_views() if views is None else views
    if not views:
        return
    runtime, began = Runtime.instance(), time.perf_counter()
    code = session_guard.class_code()
    seconds: dict[str, float] = {}
    for path, query in views:
        if code:  # the class code opens the page, as a link with it would
            query = "&".join(q for q in (query, f"{session_guard.CODE_PARAM}={code}") if q)
        client = _QuietClient()
        session_id = runtime.connect_session(client=client, user_info={})
        try:
            msg = BackMsg()
            msg.rerun_script.page_name, msg.rerun_script.query_string = path, query
            view_began = time.perf_counter()
            runtime.handle_backmsg(session_id, msg)
            while not client.finished.is_set():  # the event loop sends the page's messages meanwhile
                if time.perf_counter() - view_began > VIEW_TIMEOUT_S:
                    LOG.warning("warm-up: %s?%s not finished after %.0f s", path, query, VIEW_TIMEOUT_S)
                    break
                await asyncio.sleep(0.05)
            if client.exceptions:
                LOG.warning("warm-up: %s?%s showed %s", path, query, client.exceptions[0])
            seconds[f"{path or 'home'}?{query}"] = time.perf_counter() - view_began
        finally:
            runtime.close_session(session_id)
    # On the server's output, as Streamlit's own start lines: how long the class's first pages took.
    slowest = ", ".join(f"{view} {s:.0f} s" for view, s in sorted(seconds.items(), key=lambda kv: -kv[1])[:3])
    print(f"  Warm-up: {len(views)} first views opened in {time.perf_counter() - began:.0f} s (slowest: {slowest})",
          file=sys.stderr, flush=True)
