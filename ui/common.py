"""What every page calls: ``lang = setup_page("ch3")`` first, then ``t``, ``md``,
``show_error`` and the query-parameter helpers.

State that must survive a page switch (language, seed) is kept in plain session-state
keys (``_lang``, ``_seed``) and mirrored into the URL, so a shared link opens the same
view; the sidebar widgets only edit those keys.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator, Sequence

import streamlit as st

from lm_core.core.device import configure_process_threads, describe_device, pick_device
from lm_core.core.errors import InputError
from ui import i18n
from ui.chapters import available_chapters

LOG = logging.getLogger("llm_explainer")
DEFAULT_SEED = 42
MAX_SEED = 2**31 - 1


@st.cache_resource(show_spinner=False)
def _process_setup() -> tuple[str, str]:
    """Once per server process: thread policy for small-model inference; the device's
    type and its name."""
    configure_process_threads()
    device = pick_device()
    return device.type, describe_device(device)


def _device_label(device_type: str, device_name: str, lang: str) -> str:
    if device_type == "cpu":  # the only name with words to translate
        return i18n.translate("common.cpu", lang, cores=os.cpu_count() or 1)
    return device_name


def current_language() -> str:
    return st.session_state.get("_lang", i18n.DEFAULT_LANGUAGE)


def current_seed() -> int:
    return int(st.session_state.get("_seed", DEFAULT_SEED))


def t(key: str, **params: object):
    """The string ``key`` in the page's language, ``{placeholders}`` filled from params."""
    return i18n.translate(key, current_language(), **params)


def template(key: str) -> str:
    """The string ``key`` with its ``{placeholders}`` left in, for a figure that fills them itself."""
    return i18n.template(key, current_language())


def md(name: str) -> str:
    """The Markdown document ``assets/content/{lang}/{name}.md``."""
    return i18n.markdown(name, current_language())


def query_param(name: str, default: str | None = None) -> str | None:
    """A value from the URL's query string (the view a shared link asks for)."""
    value = st.query_params.get(name)
    return default if value is None else value


def set_query_param(name: str, value: object) -> None:
    """Record part of the view in the URL, so a copied link reproduces it."""
    text = str(value)
    if st.query_params.get(name) != text:
        st.query_params[name] = text


def int_query_param(name: str, default: int, low: int, high: int) -> int:
    """An integer from the URL, clamped to ``[low, high]``; ``default`` if absent or not a number."""
    try:
        value = int(str(query_param(name, str(default))))
    except (TypeError, ValueError):
        return default
    return min(high, max(low, value))


def float_query_param(name: str, default: float, low: float, high: float) -> float:
    """A number from the URL, clamped to ``[low, high]``; ``default`` if absent, not a
    number, or not finite (``nan``, ``inf``)."""
    try:
        value = float(str(query_param(name, str(default))))
    except (TypeError, ValueError):
        return default
    if not math.isfinite(value):
        return default
    return min(high, max(low, value))


def choice_query_param(name: str, options: Sequence[str], default: str) -> str:
    """One of ``options`` from the URL; ``default`` for anything else."""
    value = query_param(name, default)
    return value if value in options else default


def _parse_seed(value: object) -> int | None:
    try:
        seed = int(str(value))
    except (TypeError, ValueError):
        return None
    return seed if 0 <= seed <= MAX_SEED else None


def _sync_state_from_url() -> None:
    url_lang = st.query_params.get("lang")
    if url_lang is not None:
        st.session_state["_lang"] = i18n.normalise_language(url_lang)
    st.session_state.setdefault("_lang", i18n.DEFAULT_LANGUAGE)
    url_seed = _parse_seed(st.query_params.get("seed"))
    if url_seed is not None:
        st.session_state["_seed"] = url_seed
    st.session_state.setdefault("_seed", DEFAULT_SEED)


def _on_language_change() -> None:
    st.session_state["_lang"] = st.session_state["_lang_choice"]
    st.query_params["lang"] = st.session_state["_lang"]


def _on_seed_change() -> None:
    st.session_state["_seed"] = int(st.session_state["_seed_choice"])
    st.query_params["seed"] = str(st.session_state["_seed"])


def _sidebar(device_name: str) -> None:
    lang = current_language()
    with st.sidebar:
        st.session_state["_lang_choice"] = lang
        st.radio(
            i18n.translate("common.language", lang),
            options=list(i18n.LANGUAGES),
            format_func=lambda code: {"en": "English", "zh": "中文"}[code],
            key="_lang_choice",
            horizontal=True,
            on_change=_on_language_change,
        )
        st.markdown(f"**{i18n.translate('common.chapters', lang)}**")
        link_params = {"lang": lang}
        st.page_link("app.py", label=i18n.translate("nav.home", lang), icon=":material/home:", query_params=link_params)
        for chapter in available_chapters():
            st.page_link(
                chapter.page,
                label=f"{chapter.number}. {i18n.translate(f'nav.{chapter.key}', lang)}",
                icon=chapter.icon,
                query_params=link_params,
            )
        st.divider()
        st.session_state["_seed_choice"] = current_seed()
        st.number_input(
            i18n.translate("common.seed", lang),
            min_value=0,
            max_value=MAX_SEED,
            step=1,
            key="_seed_choice",
            on_change=_on_seed_change,
            help=i18n.translate("common.seed_help", lang),
        )
        st.caption(i18n.translate("common.device", lang, device=device_name))


def setup_page(namespace: str) -> str:
    """First call of every page: page config, sidebar, language. Returns ``"en"``/``"zh"``."""
    _sync_state_from_url()
    lang = current_language()
    title = i18n.translate(f"nav.{namespace}", lang)
    st.set_page_config(
        page_title=f"{title} · {i18n.translate('common.app_name', lang)}",
        page_icon=":material/psychology:",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    device_type, device_name = _process_setup()
    set_query_param("lang", lang)
    _sidebar(_device_label(device_type, device_name, lang))
    return lang


def error_message(exc: InputError) -> str:
    """The student-facing message of an InputError in the current language."""
    message = t(exc.key, **exc.params)
    if message == exc.key:  # a key nobody wrote a message for: still say something useful
        message = t("errors.generic_input", detail=str(exc))
    return message


def show_error(exc: InputError, warning: bool = False) -> None:
    """Show an InputError in the page (never a traceback)."""
    (st.warning if warning else st.error)(error_message(exc), icon=":material/error:")


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Run a block of a page; bad input shows a message, a bug shows a short apology.

    Streamlit's own control flow (``st.stop``, ``st.rerun``) derives from BaseException
    and passes through untouched.
    """
    try:
        yield
    except InputError as exc:
        show_error(exc)
    except Exception as exc:  # a bug: log it for us, keep the page usable for the student
        LOG.exception("unexpected error in page")
        st.error(t("errors.unexpected", kind=type(exc).__name__), icon=":material/bug_report:")
