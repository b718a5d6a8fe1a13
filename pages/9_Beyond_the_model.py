"""Chapter 9: what a model does not know. Retrieval-augmented generation step by step over an
encyclopedia of invented towns (or the learner's own text), hallucination, and the context
window as the only memory a chat has; then "say hi" to SmolLM2 through an OpenAI-compatible
endpoint, and what an open model shows that a closed one does not.

The main chart (the question's similarity to every chunk) sits beside the controls, so the
projector layout shows it on the first screen. Each section is a module of
``ui/chapters/ch9/``; the computing is in ``lm_core.analysis.rag``.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch9")


from ui.chapters.ch9 import common, hallucination, memory, rag_view  # noqa: E402
from ui.chapters.ch9.say_hi import open_closed_section, say_hi_section  # noqa: E402
from ui.common import guard, intro, main_chart, md, t  # noqa: E402

st.title(t("ch9.title"))

controls_column, chart_column = st.columns([1.3, 4], gap="medium")
with controls_column:
    view = common.controls(lang)

index = None
with chart_column, main_chart(), guard():
    index = common.index_for(view)
    rag_view.similarity_chart(view, index)
intro("ch9/intro")

with guard():
    rag_view.corpus_section(view, index)  # 1
if index is not None:
    with guard():
        rag_view.map_section(view, index)  # 2
    with guard():
        rag_view.answer_section(view, index)  # 3
with guard():
    rag_view.measured_section(view)  # 4
with guard():
    hallucination.section(view)  # 5
with guard():
    memory.section()  # 6

with guard():
    say_hi_section()  # 7
with guard():
    open_closed_section()  # 8: reads 7's boxes and its last answer

st.divider()
st.markdown(md("ch9/takeaways"))
