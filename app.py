"""Home page of LLM Explainer: the map of the journey and how to use the app."""

import streamlit as st

from ui import faults, predict, presenter, shared, warmup, wayfinding
from ui.chapters import CHAPTERS
from ui.common import chart, intro, md, setup_page, t
from viz.home import Stage, journey_figure

warmup.start()  # the server's first page: imports and models for the class (setup_page calls it too)
lang = setup_page("home")
if presenter.active():  # ?lesson=...&step=...: a teacher presents a lesson path
    presenter.show(lang)
    st.stop()
if wayfinding.glossary_active():  # ?glossary=1: the words the chapters use
    wayfinding.show_glossary(lang)
    st.stop()

st.title(t("home.title"))
intro("home/intro")

stages = [
    Stage(t(f"home.stages.{key}.label"), t(f"home.stages.{key}.year"), t(f"home.stages.{key}.note"), chapter)
    for key, chapter in (
        ("tokens", 1),
        ("bow", 2),
        ("word2vec", 3),
        ("rnn", 4),
        ("attention", 4),
        ("transformer", 5),
        ("families", 6),
        ("generation", 7),
        ("llm", 8),
    )
]
chart(shared.figure(journey_figure, stages, t("home.map_title"), t("home.chapter")), width="stretch")

st.subheader(t("home.chapters_title"))
columns = st.columns(4)
for index, chapter in enumerate(CHAPTERS):
    with columns[index % 4].container(border=True, height="stretch"):
        st.markdown(f"**{chapter.number}. {t(f'nav.{chapter.key}')}**")
        st.caption(t(f"home.blurbs.{chapter.key}"))
        if chapter.exists:
            st.page_link(
                chapter.page,
                label=t("common.open_chapter", number=chapter.number),
                icon=chapter.icon,
                query_params={"lang": lang},
            )
        else:
            st.caption(f":material/schedule: {t('common.coming_soon')}")

predict.progress_panel()

left, right = st.columns(2)
with left:
    st.subheader(t("home.classroom_title"))
    st.markdown(md("home/classroom"))
with right:
    st.subheader(t("home.self_study_title"))
    st.markdown(md("home/self_study"))

faults.show_lesson_faults()  # a shipped lesson file with a typo is left out, and the teacher told why
presenter.lesson_picker(lang)

st.divider()
st.markdown(md("home/models"))
