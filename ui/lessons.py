"""A teacher's lesson path: an ordered list of views (a chapter, the URL state of its view,
one line of what to say), kept as a small JSON file in ``assets/lessons/``.

No Streamlit here, so tests check the shipped lessons and the file checks directly. A
lesson file looks like::

    {"id": "intro45", "minutes": 45,
     "title": {"en": "...", "zh": "..."},
     "steps": [{"chapter": 1, "params": {"vocab": 300}, "minutes": 5,
                "say": {"en": "...", "zh": "..."}}, ...]}

``chapter`` 0 is the home page. ``params`` are the view's URL query parameters (the page
reads what it knows and ignores the rest). ``title`` and ``say`` may also be one plain
string for both languages. A step whose chapter is not built yet is kept and skipped by
the presenter, so a path works today and grows as chapters land.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from lm_core.core.errors import InputError
from ui.chapters import CHAPTERS, ROOT, Chapter

LESSONS_DIR = ROOT / "assets" / "lessons"
LANGUAGES = ("en", "zh")
MAX_BYTES = 64 * 1024
MAX_STEPS = 80
MAX_TEXT = 600
MAX_PARAMS = 20
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
RESERVED_PARAMS = {"lang", "lesson", "step"}  # the presenter sets these itself


@dataclass(frozen=True)
class Step:
    chapter: int  # 0 = home
    params: dict[str, str] = field(default_factory=dict)
    say: dict[str, str] = field(default_factory=dict)
    minutes: float | None = None


@dataclass(frozen=True)
class Lesson:
    id: str
    title: dict[str, str]
    steps: tuple[Step, ...]
    minutes: float | None = None


def chapter_of(number: int) -> Chapter | None:
    return next((c for c in CHAPTERS if c.number == number), None)


def step_page(step: Step) -> str | None:
    """The page file of a step (``app.py`` for home), or None when that chapter is not built yet."""
    if step.chapter == 0:
        return "app.py"
    chapter = chapter_of(step.chapter)
    return chapter.page if chapter is not None and chapter.exists else None


def url_path(page: str) -> str:
    """The path Streamlit serves a page file at ("pages/1_Tokenization.py" -> "Tokenization")."""
    if page == "app.py":
        return ""
    from streamlit.source_util import page_icon_and_name  # Streamlit's own rule for pages/ names

    return page_icon_and_name(Path(page))[1]


def step_query(step: Step, lang: str) -> dict[str, str]:
    return {**step.params, "lang": lang}


def view_url(base: str, step: Step, lang: str) -> str | None:
    """The link students open for a step: ``base`` is the server's address as the teacher's
    browser sees it (e.g. ``http://10.0.0.5:8501``)."""
    page = step_page(step)
    if page is None:
        return None
    return f"{base.rstrip('/')}/{url_path(page)}?{urlencode(step_query(step, lang))}"


def text_in(texts: dict[str, str], lang: str) -> str:
    """A title or line in ``lang``, else in the other language, else empty."""
    return texts.get(lang) or next((v for v in texts.values() if v), "")


# --------------------------------------------------------------------------- reading files


def _texts(value: object, where: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {lang: value for lang in LANGUAGES}
    if not isinstance(value, dict) or not value:
        raise InputError("lesson.err_schema", where=where, expected="a text, or en and zh texts")
    texts = {}
    for lang, text in value.items():
        if lang not in LANGUAGES or not isinstance(text, str):
            raise InputError("lesson.err_schema", where=f"{where}.{lang}", expected="text")
        if len(text) > MAX_TEXT:
            raise InputError("lesson.err_text_long", where=f"{where}.{lang}", limit=MAX_TEXT)
        texts[lang] = text.strip()
    return texts


def _minutes(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 600:
        raise InputError("lesson.err_schema", where=where, expected="minutes 0-600")
    return float(value)


def _params(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_PARAMS:
        raise InputError("lesson.err_schema", where=where, expected=f"at most {MAX_PARAMS} name: value pairs")
    params = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not _PARAM_NAME.match(name) or name in RESERVED_PARAMS:
            raise InputError("lesson.err_schema", where=f"{where}.{str(name)[:30]}", expected="a lower-case name")
        if isinstance(raw, bool):
            raw = int(raw)
        if not isinstance(raw, (str, int, float)) or len(str(raw)) > 300:
            raise InputError("lesson.err_schema", where=f"{where}.{name}", expected="a short text or number")
        params[name] = str(raw)
    return params


def _step(value: object, number: int) -> Step:
    where = f"steps[{number}]"
    if not isinstance(value, dict):
        raise InputError("lesson.err_schema", where=where, expected="an object with chapter, params, say")
    chapter = value.get("chapter")
    if isinstance(chapter, bool) or not isinstance(chapter, int):
        raise InputError("lesson.err_schema", where=f"{where}.chapter", expected="a chapter number")
    if chapter != 0 and chapter_of(chapter) is None:
        raise InputError("lesson.err_unknown_chapter", step=number, chapter=chapter,
                         known=", ".join(str(c.number) for c in CHAPTERS))
    return Step(chapter, _params(value.get("params"), f"{where}.params"), _texts(value.get("say", ""), f"{where}.say")
                if value.get("say") else {}, _minutes(value.get("minutes"), f"{where}.minutes"))


def parse_lesson(data: bytes) -> Lesson:
    """Read a lesson file; a clear InputError (``lesson.err_*``) for anything else."""
    if len(data) > MAX_BYTES:
        raise InputError("lesson.err_too_large", size_kb=len(data) // 1024, limit_kb=MAX_BYTES // 1024)
    if not data.strip():
        raise InputError("lesson.err_empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("lesson.err_not_utf8") from exc
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = getattr(exc, "lineno", 0)
        raise InputError("lesson.err_not_json", line=line) from exc
    if not isinstance(raw, dict):
        raise InputError("lesson.err_schema", where="(file)", expected="an object with id, title, steps")
    lesson_id = raw.get("id", "custom")
    if not isinstance(lesson_id, str) or not _ID.match(lesson_id):
        raise InputError("lesson.err_schema", where="id", expected="letters, digits, - or _")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise InputError("lesson.err_schema", where="steps", expected="a list of steps")
    if len(steps) > MAX_STEPS:
        raise InputError("lesson.err_too_many", count=len(steps), limit=MAX_STEPS)
    return Lesson(lesson_id, _texts(raw.get("title", lesson_id), "title"),
                  tuple(_step(step, k + 1) for k, step in enumerate(steps)), _minutes(raw.get("minutes"), "minutes"))


def lesson_to_json(lesson: Lesson) -> str:
    """The lesson as a file a teacher can edit and load back (:func:`parse_lesson`)."""
    def step(s: Step) -> dict:
        out: dict[str, object] = {"chapter": s.chapter}
        if s.params:
            out["params"] = s.params
        if s.minutes is not None:
            out["minutes"] = s.minutes
        if s.say:
            out["say"] = s.say
        return out

    body: dict[str, object] = {"id": lesson.id, "title": lesson.title}
    if lesson.minutes is not None:
        body["minutes"] = lesson.minutes
    body["steps"] = [step(s) for s in lesson.steps]
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


#: Shipped lesson files that could not be read: ``{file name: the InputError}`` (see
#: :func:`shipped_lessons`; ``ui.faults`` shows them on the home page).
BROKEN_LESSONS: dict[str, InputError] = {}


def shipped_lessons() -> dict[str, Lesson]:
    """The lessons in ``assets/lessons/``, by id, in file-name order. A file with a typo is
    left out (the home page and the other lessons keep working) and kept in
    :data:`BROKEN_LESSONS` with what is wrong."""
    found: dict[str, Lesson] = {}
    for path in sorted(LESSONS_DIR.glob("*.json")):
        try:
            lesson = parse_lesson(path.read_bytes())
        except InputError as exc:
            BROKEN_LESSONS[path.name] = exc
            continue
        except OSError:
            BROKEN_LESSONS[path.name] = InputError("lesson.err_empty")
            continue
        BROKEN_LESSONS.pop(path.name, None)
        found[lesson.id] = lesson
    return found
