"""What every page calls: ``lang = setup_page("ch3")`` first, then ``t``, ``md``,
``show_error`` and the query-parameter helpers.

State that must survive a page switch (language, seed) is kept in plain session-state
keys (``_lang``, ``_seed``) and mirrored into the URL, so a shared link opens the same
view; the sidebar widgets only edit those keys.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
from collections.abc import Iterator, Sequence

import streamlit as st

from lm_core.core.device import configure_process_threads, describe_device, pick_device
from lm_core.core.errors import InputError
from ui import i18n
from ui.chapters import ROOT, available_chapters
from viz.style import projector_style
from viz.text import for_markdown, for_plotly

#: The page icon is a file the app serves itself (a Material symbol or an emoji as page
#: icon makes the browser fetch it from a font/emoji host: not offline).
PAGE_ICON = ROOT / "assets" / "icon.png"
#: Longest typed text written into a shared link; longer text stays out of the URL (the
#: link then opens the example) rather than making a link no chat will carry.
URL_TEXT_MAX = 1500

LOG = logging.getLogger("llm_explainer")
DEFAULT_SEED = 42
MAX_SEED = 2**31 - 1


@st.cache_resource(show_spinner=False, max_entries=1)
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


#: Sentences one after another, with no space after Chinese punctuation (see ``i18n``).
join_sentences = i18n.join_sentences


def md(name: str) -> str:
    """The Markdown document ``assets/content/{lang}/{name}.md`` (a chapter's with each
    glossary term linked where the page first uses it: ``ui.wayfinding``)."""
    from ui import wayfinding  # it imports this module

    lang = current_language()
    return wayfinding.with_glossary_links(name, i18n.markdown(name, lang), lang)


def plain(text: object) -> str:
    """Learner text shown literally inside Markdown (see ``viz.text``)."""
    return for_markdown(text)


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


def number_choice_query_param(name: str, options: Sequence[float], default: float, kind: type = float) -> float:
    """One of ``options`` (numbers: a temperature, a grid step) from the URL, read as
    ``kind`` (``float`` or ``int``); ``default`` if absent, not a number or not an option."""
    raw = query_param(name)
    try:
        value = kind(raw) if raw is not None else None
    except (TypeError, ValueError, OverflowError):
        return default
    return value if value is not None and value in options else default


def text_query_param(name: str, default: str, max_chars: int = URL_TEXT_MAX) -> str:
    """Typed text from the URL (shown literally, checked like typed text); ``default``
    if absent or longer than a link may carry."""
    value = query_param(name)
    if value is None or len(value) > max_chars:
        return default
    return value


def set_text_query_param(name: str, value: str, default: str) -> None:
    """Typed text into the URL; the example itself (or text too long for a link) is
    left out, which opens the same view."""
    if value == default or len(value) > URL_TEXT_MAX:
        if name in st.query_params:
            del st.query_params[name]
    else:
        set_query_param(name, value)


def seed_widget(key: str, value: object) -> None:
    """The starting value of widget ``key`` (read from the URL by the caller), set once:
    afterwards the widget owns its value, and the page writes it back to the URL."""
    if key not in st.session_state:
        st.session_state[key] = value


def reset_button(keys: Sequence[str], params: Sequence[str], label_key: str = "common.reset") -> None:
    """A "back to the example" button: forgets the widgets ``keys`` and the URL's
    ``params`` so the page opens its example again."""

    def _reset() -> None:
        for key in keys:
            st.session_state.pop(key, None)
        for name in params:
            if name in st.query_params:
                del st.query_params[name]

    st.button(t(label_key), on_click=_reset, icon=":material/restart_alt:", key=f"_reset_{keys[0] if keys else 'page'}")


def projector_on() -> bool:
    """The projector layout (``?projector=1`` or the sidebar toggle)."""
    return bool(st.session_state.get("_projector", False))


def chart(figure, key: str | None = None, **kwargs):
    """``st.plotly_chart`` the way every page shows a figure: full width, learner text
    in titles and labels shown literally, and larger type in the projector layout.

    A figure from the server's store (``ui.shared.figure``) was made literal when it was stored,
    and is read as JSON here, never built into a Plotly object, outside the projector."""
    if stored_layout(figure) is None:
        safe_figure_text(figure)
    if projector_on():
        projector_style(figure)
    kwargs.setdefault("width", "stretch")
    kwargs["config"] = dict(kwargs.get("config") or {"displaylogo": False})  # a copy: a caller's stays as it was
    with_export(figure, key, kwargs["config"])
    if key is not None and _side_by_side_panels(figure) >= 3:
        # Three panels side by side cannot share a phone's 390 px: there the chart keeps a
        # readable width and scrolls sideways in its own box (PHONE_CSS) instead of squeezing.
        with st.container(key=f"wide_{key}"):
            return st.plotly_chart(figure, key=key, **kwargs)
    return st.plotly_chart(figure, key=key, **kwargs)


def with_export(figure, key: str | None, config: dict) -> dict:
    """The picture the chart's downloads give (``ui.export``): PNG at slide resolution, named
    after the chapter and the chart; a page's own ``toImageButtonOptions`` wins. Every
    ``st.plotly_chart`` of the app gets its ``config`` through here (``chart``,
    ``ui.shared.shared_chart``, the questions' bars); returns ``config``."""
    from ui import export

    config.setdefault("toImageButtonOptions", export.image_options(figure, export.current_chapter(), key))
    return config


def stored_layout(figure) -> dict | None:
    """The layout of a stored figure not yet built into a Plotly object, as JSON
    (``ui.shared.StoredFigure``); None for any other figure (read ``figure.layout``)."""
    peek = getattr(type(figure), "peek_layout", None)
    return peek(figure) if peek is not None else None


def _side_by_side_panels(figure) -> int:
    """How many subplots share the figure's width (distinct x domains)."""
    layout = stored_layout(figure)
    if layout is not None:
        domains = {tuple(value.get("domain") or (0, 1)) for name, value in layout.items()
                   if name.startswith("xaxis") and isinstance(value, dict)}
        return len(domains or {(0, 1)})
    domains = {tuple(figure.layout[name].domain or (0, 1)) for name in figure.layout if name.startswith("xaxis")}
    return len(domains)


def _figure_text(text: object) -> str:
    return "<br>".join(for_plotly(part) for part in str(text).split("<br>"))


def safe_figure_text(figure) -> None:
    """Titles, axis titles, legend names and category labels: ``<b>``, ``<a href>`` typed
    by a learner appear as text (Plotly reads pseudo-HTML in them). A figure's own line
    break ``<br>`` stays a line break: the figure factories write it between two lines of a
    label (a learner's text reaches them escaped already, as ``&lt;br&gt;``)."""
    layout = figure.layout
    if layout.title and layout.title.text:
        layout.title.text = _figure_text(layout.title.text)
    for name in [n for n in layout if n.startswith(("xaxis", "yaxis"))]:
        axis = layout[name]
        if axis.title and axis.title.text:
            axis.title.text = _figure_text(axis.title.text)
        if axis.ticktext is not None:
            axis.ticktext = [_figure_text(tick) for tick in axis.ticktext]
    for trace in figure.data:
        if getattr(trace, "name", None):
            trace.name = _figure_text(trace.name)
        for axis_name in ("x", "y"):
            values = getattr(trace, axis_name, None)
            if values is not None and len(values) and isinstance(values[0], str):
                setattr(trace, axis_name, [_figure_text(v) for v in values])


def _parse_seed(value: object) -> int | None:
    try:
        seed = int(str(value))
    except (TypeError, ValueError):
        return None
    return seed if 0 <= seed <= MAX_SEED else None


def _sync_state_from_url() -> None:
    url_projector = st.query_params.get("projector")
    if url_projector is not None:
        st.session_state["_projector"] = url_projector == "1"
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


def _on_projector_change() -> None:
    st.session_state["_projector"] = bool(st.session_state["_projector_choice"])
    if st.session_state["_projector"]:
        st.query_params["projector"] = "1"
    elif "projector" in st.query_params:
        del st.query_params["projector"]


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
        st.session_state["_projector_choice"] = projector_on()
        st.toggle(
            i18n.translate("common.projector", lang),
            key="_projector_choice",
            on_change=_on_projector_change,
            help=i18n.translate("common.projector_help", lang),
        )
        st.markdown(f"**{i18n.translate('common.chapters', lang)}**")
        link_params = {"lang": lang, **({"projector": "1"} if projector_on() else {})}
        st.page_link("app.py", label=i18n.translate("nav.home", lang), icon=":material/home:", query_params=link_params)
        for chapter in available_chapters():
            st.page_link(
                chapter.page,
                label=f"{chapter.number}. {i18n.translate(f'nav.{chapter.key}', lang)}",
                icon=chapter.icon,
                query_params=link_params,
            )
        st.page_link("app.py", label=i18n.translate("glossary.link", lang), icon=":material/menu_book:",
                     query_params={**link_params, "glossary": "1"})
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
    from ui import warmup

    warmup.start()  # once per server process: whichever page a class opens first
    from ui import downloads

    downloads.keep_clicked_files_here()  # a file built on a click waits for the browser (once per server)
    _sync_state_from_url()
    lang = current_language()
    title = i18n.translate(f"nav.{namespace}", lang)
    st.set_page_config(
        page_title=f"{title} · {i18n.translate('common.app_name', lang)}",
        page_icon=str(PAGE_ICON),
        layout="wide",
        # "auto": open on a laptop, closed at phone width; the projector wants the room.
        initial_sidebar_state="collapsed" if projector_on() else "auto",
    )
    from ui import faults, session_guard

    session_guard.require_class_code(lang)  # before anything else renders (when a code is set)
    device_type, device_name = _process_setup()
    set_query_param("lang", lang)
    _sidebar(_device_label(device_type, device_name, lang))
    st.html(PHONE_CSS)
    st.html(WHOLE_WORDS_CSS)
    if projector_on():
        st.html(PROJECTOR_CSS)
    faults.show_content_faults(lang)
    session_guard.check_lost_model(namespace, lang)
    from ui import presenter

    presenter.lesson_bar(namespace, lang)  # a chapter opened from a lesson step: back to it, arrow keys
    from ui import wayfinding

    wayfinding.chapter_footer(namespace, lang)  # previous / next chapter and the glossary, shown last
    from ui import export

    export.page_tools(namespace, lang)  # "Download: SVG · PNG · CSV" under every chart (in the browser)
    return lang


#: At phone width a chart of three or more panels side by side (see ``chart``) keeps a
#: readable width and scrolls sideways inside its own box.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [class*="st-key-wide_"] { overflow-x: auto; }
  [class*="st-key-wide_"] > [data-testid="stElementContainer"] { min-width: 820px; }
}
</style>"""


#: Names stay whole: the sidebar's chapter names wrap onto a second line instead of ending in
#: "…", and a card's title on the home page wraps between words (hyphenated where the browser
#: knows how) instead of breaking anywhere ("Tokenizati on"); the home page's eight progress cards
#: wrap onto a second row rather than shrink below their longest word. Lesson buttons show their
#: whole label.
WHOLE_WORDS_CSS = """<style>
[data-testid="stSidebarNavLink"] span, [data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] span:not([data-testid="stIconMaterial"]),
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] p { white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stSidebarNav"] span, [data-testid="stColumn"] strong, [data-testid="stColumn"] h3 {
  word-break: normal; overflow-wrap: normal; hyphens: auto;
}
[class*="st-key-present_"] button p { white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stHorizontalBlock"]:has([class*="st-key-progress_"]) { flex-wrap: wrap; }
[data-testid="stHorizontalBlock"]:has([class*="st-key-progress_"]) > [data-testid="stColumn"] {
  min-width: 9.5rem; flex: 1 1 9.5rem;
}
</style>"""


#: Projector layout: larger type everywhere, little padding above the title, so the
#: chapter's main chart fits the first screen at 1280x720. The title reaches up under
#: Streamlit's header bar (3.75rem): a see-through bar, or it cuts the tops of Chinese titles
#: (the bar's only buttons, the sidebar's and "Contents", sit left and right of the title).
#: The bar lets clicks through to the title under it; its own buttons still take theirs.
PROJECTOR_CSS = """<style>
html { font-size: 18px; }
[data-testid="stHeader"] { background: transparent; }
[data-testid="stHeader"], [data-testid="stHeader"] * { pointer-events: none !important; }
[data-testid="stHeader"] :is(button, a), [data-testid="stHeader"] :is(button, a) * { pointer-events: auto !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.3rem; padding-bottom: 2rem; }
[data-testid="stMain"] h1 { font-size: 1.9rem; padding-top: 0; padding-bottom: 0.2rem; }
[data-testid="stMain"] h2 { font-size: 1.45rem; padding-top: 0.6rem; padding-bottom: 0.3rem; }
[data-testid="stMain"] h3 { font-size: 1.25rem; padding-top: 0.3rem; padding-bottom: 0.2rem; }
</style>"""


def main_chart():
    """The container of a chapter's main chart (the one the projector layout must show
    on the first screen; the browser test finds it by this key)."""
    return st.container(key="main_chart")


#: Projector layout: the tallest a chapter's main figure may be (px), so that it fits the
#: first screen at 1280x720 under the title and the few controls it needs.
PROJECTOR_MAIN_HEIGHT = 500


def projector_fit(figure, height: int = PROJECTOR_MAIN_HEIGHT):
    """The main figure no taller than ``height`` in the projector layout (its type stays as
    large as ``projector_style`` makes it; only the plot area gives up room). Returns a
    resized copy there, so a shared figure stays untouched; the figure itself elsewhere."""
    if not projector_on() or (figure.layout.height or 450) <= height:
        return figure
    import plotly.graph_objects as go

    fitted = go.Figure(figure)
    fitted.layout.height = height
    return fitted


def projector_first():
    """The place right under the title where the projector layout draws the chapter's main
    chart (its controls follow it); ``None`` in the ordinary layout, where the chart keeps
    its place after the controls."""
    return st.container() if projector_on() else None


def folded(label: str):
    """Explanations that the projector layout folds into an expander below the chart
    (a plain container otherwise)."""
    return st.expander(label) if projector_on() else st.container()


def explain_after(name: str, label_key: str = "common.read_more") -> bool:
    """In the projector layout, a section's prose folds in below its chart: call it
    before the chart (returns False there, True when it already showed the prose) and
    again after with ``intro`` if it returned False."""
    if projector_on():
        return False
    st.markdown(md(name))
    return True


def intro(name: str, label_key: str = "common.read_intro", extra: str = "") -> None:
    """A chapter's prose: on the page, or folded away in the projector layout (where the
    chart comes first and the teacher speaks the words). ``extra``: one more paragraph,
    written by the page (say, about the model it has chosen)."""
    text = md(name) + (f"\n\n{extra}" if extra else "")
    if projector_on():
        with st.expander(t(label_key), icon=":material/menu_book:"):
            st.markdown(text)
    else:
        st.markdown(text)


def error_message(exc: InputError) -> str:
    """The student-facing message of an InputError in the current language."""
    # Parameters may quote what the learner typed: shown literally, control characters
    # written out (a message never renders a link, an image or a terminal escape).
    params = {name: value if isinstance(value, (int, float)) else plain(value) for name, value in exc.params.items()}
    message = t(exc.key, **params)
    if message == exc.key:  # a key nobody wrote a message for: still say something useful
        message = t("errors.generic_input", detail=plain(str(exc)))
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


def guarded_fragment(func=None, **fragment_options):  # noqa: ANN001, ANN201
    """``st.fragment`` whose body runs inside :func:`guard`: a missing model or bad input in a
    fragment shows the learner's message there. (A plain fragment shows Streamlit's own error
    box before a ``guard()`` around the call could see the error.)"""

    def decorate(body):  # noqa: ANN001, ANN202
        @functools.wraps(body)
        def guarded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            with guard():
                return body(*args, **kwargs)

        return st.fragment(guarded, **fragment_options)

    return decorate(func) if func is not None else decorate
