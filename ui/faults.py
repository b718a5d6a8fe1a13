"""Damaged shipped content, said to the teacher in the page's language instead of a crash.

A typo in a content TOML file or a lesson file must not take a page down in front of a class:
``ui.i18n`` and ``ui.lessons`` skip what they cannot read and list it; this module shows the
list, naming the file and how to restore it. (Damaged model files are handled where they load,
in ``ui.models``: only the part of the page that needs the model shows its message.)
"""

from __future__ import annotations

import streamlit as st

from ui import i18n, lessons
from ui.common import error_message, plain, t

#: Said when the message catalogue itself is what cannot be read (it has no words then).
FALLBACK = {
    "en": "For the teacher: the content file {file} could not be read ({detail}). Restore it with  "
          "git checkout -- {file}  (or reinstall the app), then restart the server.",
    "zh": "请老师注意：内容文件 {file} 无法读取（{detail}）。请用  git checkout -- {file}  恢复它"
          "（或重新安装本应用），然后重启服务器。",
}


def show_content_faults(lang: str) -> None:
    """Every content file of ``lang`` (and English, the fallback) that could not be read."""
    i18n.catalogue(lang)
    i18n.catalogue(i18n.DEFAULT_LANGUAGE)
    for file, detail in sorted(i18n.BROKEN_FILES.items()):
        file, detail = plain(file), plain(detail.splitlines()[0][:160] if detail else "")
        if i18n.has("faults.content_broken"):
            message = t("faults.content_broken", file=file, detail=detail)
        else:
            message = FALLBACK.get(lang, FALLBACK["en"]).format(file=file, detail=detail)
        st.error(message, icon=":material/report:")


def show_lesson_faults() -> None:
    """The shipped lesson files that were left out (home page, beside the lesson picker)."""
    lessons.shipped_lessons()
    for file, problem in sorted(lessons.BROKEN_LESSONS.items()):
        st.error(t("faults.lesson_broken", file=plain(file), problem=error_message(problem)), icon=":material/report:")
