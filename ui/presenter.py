"""Presenter mode on the home page: ``?lesson=intro45&step=3`` steps through a lesson path
(see ``ui/lessons.py``) in projector layout: the step's view itself, live (the chapter page
at the step's link, embedded), what to say, the link of the view in type big enough for the
back row, and its QR code (segno), so students open the same view. Next/previous with
buttons and the arrow keys (also after clicking into the view); the lesson exported as a
file, and a teacher's own file loaded back (checked, with a clear message for a bad one).

A chapter opened from a step ("Open this view here") carries ``lesson`` and ``step`` in its
link: it shows a lesson bar (back to the lesson in one click, previous/next step, the arrow
keys). The home page's lesson buttons resume at the step the teacher last showed.

A loaded lesson lives in this browser session only (``st.session_state``).
"""

from __future__ import annotations

import io
import ipaddress
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno
import streamlit as st
from streamlit import net_util

from lm_core.core.errors import InputError
from ui import lessons, session_guard, uploads
from ui.common import query_param, show_error, t
from ui.wayfinding import HISTORY_SCRIPT
from viz.links import link_html
from viz.tokens import escape_markdown

CUSTOM = "_lesson_custom"  # a lesson the teacher loaded from a file, this session only
LAST_STEP = "_lesson_last_step"  # {lesson id: the step shown last}, so a lesson resumes there
VIEW_HEIGHT = 570  # px: with the title row above it, the embedded view ends inside 1280x720
PRESENTER_CSS = """<style>
[data-testid="stHeader"] { background: transparent; }
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem; }
[data-testid="stMain"] h1 { font-size: 1.7rem; padding-top: 0; }
.st-key-presenter_say p { font-size: 1.45rem; line-height: 1.3; }
.st-key-presenter_link p[translate] { font-size: 1.1rem; }  /* the link, whole parts in a narrower column */
.st-key-presenter_view iframe { border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.5rem; }
</style>"""
KEYS_SCRIPT = "<script>" + (Path(__file__).with_name("lesson_keys.js")).read_text(encoding="utf-8") + "</script>"


def active() -> bool:
    """True when the URL asks for a lesson (the home page then presents it)."""
    return query_param("lesson") is not None


def available() -> dict[str, lessons.Lesson]:
    found = dict(lessons.shipped_lessons())
    custom = st.session_state.get(CUSTOM)
    if custom is not None:
        found[custom.id] = custom
    return found


def _base_url() -> str | None:
    url = st.context.url  # the home page's address in the teacher's browser, no query
    return url.rstrip("/") if url else None


def is_loopback(host: str | None) -> bool:
    """True for an address only this machine can open: ``localhost``, ``127.x.x.x``, ``::1``
    (and ``0.0.0.0``, which a browser maps to this machine)."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def lan_base(base: str) -> str | None:
    """``base`` with the address students can reach: ``browser.serverAddress`` when the server
    was started with one, else this machine's LAN address (Streamlit's own helper: it opens a
    UDP socket to learn the outgoing interface, which sends nothing). None when there is none."""
    parts = urlsplit(base)
    configured = st.get_option("browser.serverAddress")
    host = configured if configured and not is_loopback(configured) else net_util.get_internal_ip()
    if not host or is_loopback(host):
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")


def _loopback_warning(base: str, step: lessons.Step, lang: str) -> None:
    """A teacher on ``localhost`` would project an address no student can open: say which to use."""
    if not is_loopback(urlsplit(base).hostname):
        return
    lan = lan_base(base)
    if lan is None:
        st.warning(t("lesson.loopback_no_lan", host=escape_markdown(urlsplit(base).hostname or "")),
                   icon=":material/wifi_off:")
        return
    st.warning(t("lesson.loopback", host=escape_markdown(urlsplit(base).hostname or "")), icon=":material/wifi:")
    st.html(link_html(lessons.view_url(lan, step, lang)))


def _qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=2)
    return buffer.getvalue()


def _go(step: int) -> None:
    st.query_params["step"] = str(step)


def neighbour_step(lesson: lessons.Lesson, number: int, direction: int) -> int | None:
    """The next (``direction`` 1) or previous (-1) step whose chapter is built, if any:
    steps for chapters not built yet are passed over."""
    k = number + direction
    while 1 <= k <= len(lesson.steps):
        if lessons.step_page(lesson.steps[k - 1]) is not None:
            return k
        k += direction
    return None


def _leave() -> None:
    for name in ("lesson", "step"):
        st.query_params.pop(name, None)


def current_step(lesson: lessons.Lesson) -> int:
    """The ``step`` of the URL, kept within the lesson (1 for anything that is not a number)."""
    try:
        return min(max(int(str(query_param("step", "1"))), 1), len(lesson.steps))
    except ValueError:
        return 1


def _remember(lesson: lessons.Lesson, number: int) -> None:
    st.session_state.setdefault(LAST_STEP, {})[lesson.id] = number


def view_src(step: lessons.Step, lang: str) -> str | None:
    """The address of the step's view for the presenter's embedded pane: the students' link,
    in the projector layout, without Streamlit's menus (``embed``). A path on this server, so
    the teacher's own browser opens it whatever address students use."""
    base = _base_url()
    path = urlsplit(base).path.rstrip("/") if base else ""
    link = lessons.view_url(path, step, lang)
    if link is None:
        return None
    code = session_guard.class_code()  # this session passed it; the view is a session of its own
    return f"{link}&projector=1&embed=true" + (f"&{urlencode({session_guard.CODE_PARAM: code})}" if code else "")


def lesson_query(lesson: lessons.Lesson, number: int, lang: str) -> dict[str, str]:
    """The presenter's own link for a step (what "back to the lesson" opens)."""
    return {"lesson": lesson.id, "step": str(number), "lang": lang}


def show(lang: str) -> None:
    """The presenter view of ``?lesson=...&step=...``."""
    name = query_param("lesson", "")
    lesson = available().get(name)
    if lesson is None:
        st.warning(t("lesson.unknown", name=escape_markdown(str(name)[:40])), icon=":material/help:")
        st.button(t("lesson.close"), on_click=_leave, key="presenter_close")
        lesson_picker(lang)
        return
    total = len(lesson.steps)
    number = current_step(lesson)
    _go(number)
    _remember(lesson, number)
    step = lesson.steps[number - 1]
    st.set_page_config(initial_sidebar_state="collapsed")  # projector: the whole width for the view
    st.html(PRESENTER_CSS)
    previous, following = neighbour_step(lesson, number, -1), neighbour_step(lesson, number, 1)

    top = st.columns([6, 2], vertical_alignment="center")
    top[0].markdown(f"# {escape_markdown(lessons.text_in(lesson.title, lang))}")
    with top[1].container(horizontal=True, horizontal_alignment="right"):
        st.button(t("lesson.previous"), icon=":material/arrow_back:", key="presenter_prev", shortcut="Left",
                  disabled=previous is None, on_click=_go, args=(previous or number,))
        st.button(t("lesson.next"), icon=":material/arrow_forward:", key="presenter_next", shortcut="Right",
                  type="primary", disabled=following is None, on_click=_go, args=(following or number,))

    chapter = lessons.chapter_of(step.chapter)
    chapter_name = t("lesson.chapter_home") if step.chapter == 0 else f"{step.chapter}. {t(f'nav.{chapter.key}')}"
    page = lessons.step_page(step)
    view, side = st.columns([3, 1]) if page is not None else (st.container(), st.container())
    with side:
        caption = t("lesson.step_of", number=number, total=total)
        if step.minutes is not None:
            caption += " · " + t("lesson.minutes", minutes=step.minutes)
        st.caption(caption)
        with st.container(key="presenter_say"):
            st.markdown(f"**{escape_markdown(chapter_name)}** · {escape_markdown(lessons.text_in(step.say, lang))}")
        _skipped_steps(lesson, number, previous, following)
        if page is None:
            st.info(t("lesson.not_built", chapter=step.chapter), icon=":material/schedule:")
        else:
            _link_and_qr(lesson, number, step, page, lang)
    if page is not None:
        with view, st.container(key="presenter_view"):
            st.iframe(view_src(step, lang), height=VIEW_HEIGHT)
    st.caption(t("lesson.keys"))

    with st.expander(t("lesson.steps")):
        for k, other in enumerate(lesson.steps, start=1):
            marker = "▶ " if k == number else ""
            built = "" if lessons.step_page(other) else " · :material/schedule:"
            label = f"{marker}{k}. {lessons.text_in(other.say, lang)[:90]}{built}"
            st.button(label, key=f"presenter_goto_{k}", type="tertiary", on_click=_go, args=(k,))
    bottom = st.columns(2)
    bottom[0].download_button(t("lesson.export"), lessons.lesson_to_json(lesson), file_name=f"{lesson.id}.json",
                              mime="application/json", icon=":material/download:", help=t("lesson.export_help"),
                              key="presenter_export", on_click="ignore")
    bottom[1].button(t("lesson.close"), on_click=_leave, key="presenter_close", icon=":material/close:")
    st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)  # at the end: scripts take no room above the view
    st.html(HISTORY_SCRIPT, unsafe_allow_javascript=True)  # Back goes to the previous step, not the previous click


def _skipped_steps(lesson: lessons.Lesson, number: int, previous: int | None, following: int | None) -> None:
    """Name the steps next to this one that are passed over (their chapter is not built yet)."""
    total = len(lesson.steps)
    passed = [k for k in range(min(number, following or number) + 1, following or number)]
    passed += [k for k in range((previous or number) + 1, number)]
    for k in sorted(set(passed)):
        st.caption(":material/schedule: " + t("lesson.not_built", chapter=lesson.steps[k - 1].chapter)
                   + f" ({t('lesson.step_of', number=k, total=total)})")


def _link_and_qr(lesson: lessons.Lesson, number: int, step: lessons.Step, page: str, lang: str) -> None:
    """The link students open (large, whole), its QR code, and the view opened here with
    the lesson bar (so one click comes back to this step)."""
    base = _base_url()
    # A loopback address in the QR code opens nothing on a student's phone: the LAN one does.
    reachable = lan_base(base) if base is not None and is_loopback(urlsplit(base).hostname) else None
    st.image(_qr_png(lessons.view_url(reachable or base or "", step, lang)), width=220, caption=t("lesson.qr_alt"))
    st.caption(t("lesson.link"))
    with st.container(key="presenter_link"):
        if base is not None:
            st.html(link_html(lessons.view_url(base, step, lang)))
        else:
            st.caption(t("lesson.no_url"))
            st.html(link_html(f"/{lessons.view_url('', step, lang).lstrip('/')}"))
    if base is not None:
        _loopback_warning(base, step, lang)
    st.page_link(page, label=t("lesson.open_view"), icon=":material/open_in_new:",
                 query_params={**lessons.step_query(step, lang), **lesson_query(lesson, number, lang)})


def lesson_bar(namespace: str, lang: str) -> None:
    """On a chapter opened from a lesson step (``lesson`` and ``step`` in its link): back to
    the lesson at that step in one click, the previous and next steps, and the arrow keys.
    Nothing at all on a page opened any other way."""
    if namespace == "home" or query_param("lesson") is None:
        return
    lesson = available().get(query_param("lesson", ""))
    if lesson is None:
        return
    number = current_step(lesson)
    _remember(lesson, number)
    previous, following = neighbour_step(lesson, number, -1), neighbour_step(lesson, number, 1)
    st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)
    with st.container(border=True, horizontal=True, vertical_alignment="center", key="lesson_bar"):
        with st.container(key="lesson_back", width="content"):
            st.page_link("app.py", label=t("lesson.back", number=number, total=len(lesson.steps)),
                         icon=":material/co_present:", query_params=lesson_query(lesson, number, lang))
        if previous is not None:
            with st.container(key="lesson_prev_step", width="content"):
                st.page_link("app.py", label=t("lesson.previous"), icon=":material/arrow_back:",
                             query_params=lesson_query(lesson, previous, lang))
        if following is not None:
            with st.container(key="lesson_next_step", width="content"):
                st.page_link("app.py", label=t("lesson.next"), icon=":material/arrow_forward:",
                             query_params=lesson_query(lesson, following, lang))
        st.caption(t("lesson.bar_keys"))


def _present(lesson_id: str, number: int = 1) -> None:
    st.query_params["lesson"] = lesson_id
    st.query_params["step"] = str(number)


def lesson_picker(lang: str) -> None:
    """Home page: the shipped lessons, and loading a teacher's own file."""
    st.subheader(t("lesson.picker_title"))
    st.markdown(t("lesson.picker_intro"))
    shipped = lessons.shipped_lessons()
    columns = st.columns(max(1, len(shipped)))
    last = st.session_state.get(LAST_STEP, {})
    for column, lesson in zip(columns, shipped.values(), strict=True):
        resume = min(last.get(lesson.id, 1), len(lesson.steps))  # where this teacher left off
        column.button(
            t("lesson.open", title=lessons.text_in(lesson.title, lang), minutes=f"{lesson.minutes or 0:g}",
              steps=len(lesson.steps)),
            key=f"present_{lesson.id}", icon=":material/co_present:", on_click=_present, args=(lesson.id, resume),
            width="stretch", help=t("lesson.resume_help", number=resume) if resume > 1 else None,
        )
        if resume > 1:
            column.caption(t("lesson.resumes", number=resume, total=len(lesson.steps)))
            column.button(t("lesson.from_start"), key=f"present_from_start_{lesson.id}", type="tertiary",
                          icon=":material/first_page:", on_click=_present, args=(lesson.id, 1))
    upload = uploads.file_uploader(t("lesson.load"), type=["json"], key="lesson_upload", max_upload_size=1,
                                   help=t("lesson.load_help", limit_kb=lessons.MAX_BYTES // 1024))
    if upload is not None:
        try:
            custom = lessons.parse_lesson(upload.getvalue())
        except InputError as exc:
            show_error(exc)
            return
        st.session_state[CUSTOM] = custom
        st.success(t("lesson.loaded", title=escape_markdown(lessons.text_in(custom.title, lang)),
                     steps=len(custom.steps)), icon=":material/check_circle:")
        st.button(t("lesson.present_loaded"), key="present_custom", type="primary", icon=":material/co_present:",
                  on_click=_present, args=(custom.id,))
