"""Lesson paths: the shipped lessons are valid, and bad files get a clear, named error."""

import json

import pytest

from lm_core.core.errors import InputError
from ui import i18n, lessons
from ui.chapters import CHAPTERS


def test_shipped_lessons_cover_45_and_90_minutes_in_both_languages():
    shipped = lessons.shipped_lessons()
    assert {"intro45", "session90"} <= set(shipped)
    for lesson_id, total in (("intro45", 45), ("session90", 90)):
        lesson = shipped[lesson_id]
        assert lesson.minutes == total
        assert sum(step.minutes or 0 for step in lesson.steps) == total
        assert set(lesson.title) == {"en", "zh"}
        for step in lesson.steps:
            assert set(step.say) == {"en", "zh"} and all(step.say.values()), step
        # every built chapter's steps point at a page that exists today
        assert all(lessons.step_page(s) for s in lesson.steps if s.chapter in {c.number for c in CHAPTERS if c.exists})


def test_round_trip_through_a_file():
    lesson = lessons.shipped_lessons()["session90"]
    assert lessons.parse_lesson(lessons.lesson_to_json(lesson).encode("utf-8")) == lesson


def test_view_url_holds_the_view_and_the_language():
    step = lessons.Step(1, {"vocab": "300", "corpus": "toy_en"})
    assert lessons.view_url("http://10.0.0.5:8501/", step, "zh") == (
        "http://10.0.0.5:8501/Tokenization?vocab=300&corpus=toy_en&lang=zh")
    assert lessons.view_url("http://h", lessons.Step(0), "en") == "http://h/?lang=en"
    assert lessons.view_url("http://h", lessons.Step(5, {"example": "keys"}), "en") == "http://h/Self_attention?example=keys&lang=en"


def test_unbuilt_chapters_are_kept_and_have_no_page(monkeypatch):
    from ui.chapters import Chapter

    monkeypatch.setattr(lessons, "chapter_of", lambda n: Chapter(n, "ch4", "pages/9_Not_built_yet.py", ""))
    assert lessons.step_page(lessons.Step(4)) is None
    assert lessons.view_url("http://h", lessons.Step(4), "en") is None
    assert lessons.step_page(lessons.Step(0)) == "app.py"  # home is always there


def test_presenter_passes_over_unbuilt_steps(monkeypatch):
    from ui import presenter

    lesson = lessons.Lesson("x", {"en": "x"}, (lessons.Step(1), lessons.Step(4), lessons.Step(5)))
    monkeypatch.setattr(lessons, "step_page", lambda step: None if step.chapter == 4 else "pages/x.py")
    assert presenter.neighbour_step(lesson, 1, 1) == 3
    assert presenter.neighbour_step(lesson, 3, -1) == 1
    assert presenter.neighbour_step(lesson, 3, 1) is None and presenter.neighbour_step(lesson, 1, -1) is None


def test_plain_string_texts_serve_both_languages():
    lesson = lessons.parse_lesson(b'{"title": "Mine", "steps": [{"chapter": 2, "say": "Count!", "params": {"mode": "tfidf"}}]}')
    assert lesson.id == "custom" and lesson.title == {"en": "Mine", "zh": "Mine"}
    assert lesson.steps[0] == lessons.Step(2, {"mode": "tfidf"}, {"en": "Count!", "zh": "Count!"})


def _steps(*steps) -> bytes:
    return json.dumps({"id": "x", "steps": list(steps)}).encode()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "lesson.err_empty"),
        (b"\xff\xfe\x00garbage", "lesson.err_not_utf8"),
        (b"{ not json", "lesson.err_not_json"),
        (b"[1, 2]", "lesson.err_schema"),
        (b'{"steps": []}', "lesson.err_schema"),
        (b'{"steps": "chapter 1"}', "lesson.err_schema"),
        (_steps({"chapter": 99}), "lesson.err_unknown_chapter"),
        (_steps({"chapter": -1}), "lesson.err_unknown_chapter"),
        (_steps({"chapter": "1"}), "lesson.err_schema"),
        (_steps({"chapter": True}), "lesson.err_schema"),
        (_steps({"chapter": 1, "params": {"lang": "zh"}}), "lesson.err_schema"),
        (_steps({"chapter": 1, "params": {"<script>": 1}}), "lesson.err_schema"),
        (_steps({"chapter": 1, "params": {"text": ["a"]}}), "lesson.err_schema"),
        (_steps({"chapter": 1, "say": {"fr": "bonjour"}}), "lesson.err_schema"),
        (_steps({"chapter": 1, "say": "x" * 700}), "lesson.err_text_long"),
        (_steps({"chapter": 1, "minutes": "five"}), "lesson.err_schema"),
        (_steps(*[{"chapter": 1}] * 81), "lesson.err_too_many"),
        (b'{"id": "../../etc", "steps": [{"chapter": 1}]}', "lesson.err_schema"),
        (b" " * (lessons.MAX_BYTES + 1), "lesson.err_too_large"),
        (b"[" * 5000 + b"]" * 5000, "lesson.err_not_json"),
    ],
)
def test_bad_files_get_a_named_error(data, key):
    with pytest.raises(InputError) as caught:
        lessons.parse_lesson(data)
    assert caught.value.key == key
    for lang in ("en", "zh"):  # the message exists and every placeholder is filled
        message = i18n.translate(key, lang, **caught.value.params)
        assert message != key and "{" not in message
