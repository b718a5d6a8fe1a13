"""Home page: progress of this session's predictions; presenter mode over a lesson path;
a teacher's lesson file exported and loaded back, bad files refused with a message."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.pages.apptest_helpers import open_page
from ui import i18n, lessons
from ui.chapters import available_chapters
from ui.predict import questions_by_chapter


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def projected_links(app: AppTest) -> list[str]:
    """The text of every projected link, as the browser shows it."""
    from viz.links import LINK_CLASS, link_text

    return [link_text(h.proto.body) for h in app.get("html") if LINK_CLASS in h.proto.body]


def test_progress_on_the_home_page_follows_the_session():
    app = open_page("app.py")
    assert not app.exception
    none = i18n.translate("quiz.progress.none", "en")
    assert captions(app).count(none) >= 5  # every built chapter that asks, none answered yet
    app.switch_page("pages/7_Generation.py").run()
    [pick] = [p for p in app.pills if p.key.startswith("quiz_pick_ch7_same_next_")]
    pick.set_value("yes")
    app.button(key="quiz_lock_ch7_same_next").click().run()
    status = app.session_state["_quiz_state"]["ch7.same_next"]["status"]
    app.switch_page("app.py").run()
    right = 1 if status == "right" else 0
    total = len(questions_by_chapter()["ch7"])
    line = i18n.translate("quiz.progress.line", "en", answered=1, total=total, right=right)
    assert line in captions(app), captions(app)
    asking = [c for c in available_chapters() if questions_by_chapter().get(c.key)]
    assert captions(app).count(none) == len(asking) - 1


def embedded_views(app: AppTest) -> list[str]:
    """The addresses of the views the presenter embeds."""
    return [frame.proto.src for frame in app.get("iframe")]


def view_src(step: lessons.Step) -> str:
    """The students' link of ``step``, on this server, in the projector layout without menus."""
    return f"{lessons.view_url('', step, 'en')}&projector=1&embed=true"


def test_presenter_steps_through_a_lesson():
    lesson = lessons.shipped_lessons()["intro45"]
    app = open_page("app.py")
    app.button(key="present_intro45").click().run()
    assert app.query_params["lesson"] == "intro45" and app.query_params["step"] == "1"
    assert app.button(key="presenter_prev").disabled
    seen = [1]
    assert embedded_views(app) == [view_src(lesson.steps[0])]
    while not app.button(key="presenter_next").disabled:
        app.button(key="presenter_next").click().run()
        assert not app.exception, [e.value for e in app.exception]
        seen.append(int(app.query_params["step"]))
        assert embedded_views(app) == [view_src(lesson.steps[seen[-1] - 1])]  # the step's view, live
    built = [k for k, step in enumerate(lesson.steps, start=1) if lessons.step_page(step)]
    assert seen == built  # steps whose chapter is not built yet are passed over
    last = lesson.steps[seen[-1] - 1]
    assert f"/{lessons.view_url('', last, 'en').lstrip('/')}" in projected_links(app)  # the link, shown large
    assert len(app.image) == 1  # the QR code of the link
    app.button(key="presenter_prev").click().run()
    assert int(app.query_params["step"]) == seen[-2]


def test_a_chapter_opened_from_a_step_leads_back_in_one_click_and_the_lesson_resumes():
    from ui.presenter import KEYS_SCRIPT

    app = open_page("pages/1_Tokenization.py", lesson="intro45", step="3")
    links = {link.proto.label: link.proto.query_string for link in app.get("page_link")}
    back = i18n.translate("lesson.back", "en", number=3, total=len(lessons.shipped_lessons()["intro45"].steps))
    assert links[back] == "lesson=intro45&step=3&lang=en"  # the presenter, at this step
    assert links[i18n.translate("lesson.previous", "en")] == "lesson=intro45&step=2&lang=en"
    assert links[i18n.translate("lesson.next", "en")] == "lesson=intro45&step=4&lang=en"
    assert KEYS_SCRIPT in [h.proto.body for h in app.get("html")]  # the arrow keys follow those links
    for name in ("lesson", "step"):
        del app.query_params[name]
    app.switch_page("app.py").run()
    app.button(key="present_intro45").click().run()  # the home page's lesson button resumes at step 3
    assert (app.query_params["lesson"], app.query_params["step"]) == ("intro45", "3")
    app = open_page("pages/1_Tokenization.py")  # opened any other way: no lesson bar
    assert back not in [link.proto.label for link in app.get("page_link")]


def test_with_a_class_code_the_embedded_view_opens_without_asking_again(monkeypatch):
    from ui import session_guard

    monkeypatch.setenv(session_guard.CLASS_CODE_ENV, "maple42")
    app = open_page("app.py", lesson="intro45", step="2", code="maple42")
    [src] = embedded_views(app)
    assert src.endswith("&code=maple42") and src.startswith(view_src(lessons.shipped_lessons()["intro45"].steps[1]))


def test_the_arrow_key_script_only_clicks():
    """It sends nothing itself (the click on a link or button is the only message)."""
    from ui.presenter import KEYS_SCRIPT

    for sender in ("fetch(", "XMLHttpRequest", "WebSocket", "sendBeacon", "setComponentValue", "postMessage",
                   "location.href", "location.assign", "pushState"):
        assert sender not in KEYS_SCRIPT


def test_a_link_to_a_step_opens_it_in_chinese_and_bad_steps_fall_back():
    app = open_page("app.py", lesson="session90", step="999", lang="zh")
    total = len(lessons.shipped_lessons()["session90"].steps)
    assert i18n.translate("lesson.step_of", "zh", number=total, total=total) in "\n".join(captions(app))
    app = open_page("app.py", lesson="session90", step="<script>")
    assert app.query_params["step"] == "1"
    app = open_page("app.py", lesson="nope")
    assert app.warning and "nope" in app.warning[0].value


def test_export_and_load_back_a_lesson():
    app = open_page("app.py", lesson="intro45", step="2")
    [download] = [d for d in app.get("download_button") if d.proto.label == i18n.translate("lesson.export", "en")]
    exported = lessons.lesson_to_json(lessons.shipped_lessons()["intro45"])
    body = json.loads(exported)
    body.update(id="mine", title={"en": "My own path", "zh": "我的路线"}, steps=body["steps"][1:3])
    home = open_page("app.py")
    home.file_uploader(key="lesson_upload").upload("mine.json", json.dumps(body).encode(), "application/json").run()
    assert not home.error and home.success
    home.button(key="present_custom").click().run()
    assert home.query_params["lesson"] == "mine"
    assert i18n.translate("lesson.step_of", "en", number=1, total=2) in "\n".join(captions(home))
    del download


def test_bad_lesson_files_get_a_message():
    home = open_page("app.py", lang="zh")
    cases = [
        ("bad.json", b"{ not json", "lesson.err_not_json"),
        ("latin.json", "{\"title\": \"caf\u00e9\"}".encode("latin-1"), "lesson.err_not_utf8"),
        ("nine.json", b'{"steps": [{"chapter": 99}]}', "lesson.err_unknown_chapter"),
        ("huge.json", b" " * (lessons.MAX_BYTES + 10), "lesson.err_too_large"),
    ]
    for name, data, key in cases:
        home.file_uploader(key="lesson_upload").set_value((name, data, "application/json")).run()
        assert not home.exception
        expected = i18n.template(key, "zh").split("{")[0]
        assert [e.value for e in home.error if e.value.startswith(expected)], (key, [e.value for e in home.error])


def _present_step(monkeypatch, base: str, internal_ip: str | None, server_address: str | None = None) -> AppTest:
    """The presenter on step 2 of intro45 as if the teacher's browser were at ``base``."""
    from streamlit import net_util

    from ui import presenter

    monkeypatch.setattr(presenter, "_base_url", lambda: base)
    monkeypatch.setattr(net_util, "get_internal_ip", lambda: internal_ip)
    real_get_option = presenter.st.get_option
    monkeypatch.setattr(presenter.st, "get_option",
                        lambda name: server_address if name == "browser.serverAddress" else real_get_option(name))
    return open_page("app.py", lesson="intro45", step="2")


def test_the_projected_link_is_the_whole_address_broken_only_between_parts(monkeypatch):
    from viz.links import link_html

    app = _present_step(monkeypatch, "http://10.0.0.5:8501", "10.0.0.5")
    step = lessons.shipped_lessons()["intro45"].steps[1]
    url = lessons.view_url("http://10.0.0.5:8501", step, "en")
    assert projected_links(app) == [url]  # every character, nothing more
    html = link_html(url)
    assert "word-break: normal" in html and "break-all" not in html
    # a break only after / ? & = (never inside a word, never inside "://")
    for piece in html.split("<wbr>")[:-1]:
        assert piece[-1] in "/?=;" and not piece.endswith(":/")
    assert not [w for w in app.warning if "only on this computer" in w.value]


def test_a_loopback_address_warns_with_the_lan_address(monkeypatch):
    from ui import presenter

    step = lessons.shipped_lessons()["intro45"].steps[1]
    qr_links = []
    real_qr = presenter._qr_png
    monkeypatch.setattr(presenter, "_qr_png", lambda link: qr_links.append(link) or real_qr(link))
    for base in ("http://localhost:8501", "http://127.0.0.1:8501", "http://[::1]:8501"):
        app = _present_step(monkeypatch, base, "192.168.1.23")
        [warning] = [w.value for w in app.warning if "only on this computer" in w.value]
        assert "students open" in warning
        assert lessons.view_url("http://192.168.1.23:8501", step, "en") in projected_links(app)
        assert qr_links[-1] == lessons.view_url("http://192.168.1.23:8501", step, "en")  # the QR code too
    # the server's configured address wins over the guessed one
    app = _present_step(monkeypatch, "http://localhost:8501", "192.168.1.23", server_address="class.example")
    assert lessons.view_url("http://class.example:8501", step, "en") in projected_links(app)
    # no network at all: say how to start the app instead
    app = _present_step(monkeypatch, "http://localhost:8501", "127.0.0.1")
    assert any("--server.address" in w.value for w in app.warning)


def test_the_uploader_is_explained_in_chinese_on_a_chinese_page():
    """Streamlit's own uploader words stay English; a caption says them in Chinese."""
    app = open_page("app.py", "zh")
    expected = i18n.translate("uploads.how", "zh", limit=1, types="JSON")
    assert expected in captions(app)
    assert not [c for c in captions(open_page("app.py", "en")) if "MB" in c and "Upload" in c]


def test_the_home_page_keeps_words_whole():
    """The style that stops "Tokenizati on" and "RNN encoder-decoder & attentic…" is on the page."""
    from ui.common import WHOLE_WORDS_CSS

    app = open_page("app.py")
    assert WHOLE_WORDS_CSS in [h.proto.body for h in app.get("html")]
    assert "overflow-wrap: normal" in WHOLE_WORDS_CSS and "text-overflow: clip" in WHOLE_WORDS_CSS
