"""Chapter 8: pretraining, instruction tuning, fine-tuning and prompting, measured.

The story chart on top is drawn from the chapter's measured results (every method on
the held-out test split of the sentiment set). Below it, a learner pretrains a GPT of
their own, instruction-tunes and fine-tunes the chapter's base GPT, and prompts the
tiny GPT or SmolLM2 with examples they choose. Identical heavy requests (the defaults a
whole class clicks) are computed once per server and replayed; a learner's own models
live in their session and never touch the shared ones.

Each section is a module of ``ui/chapters/ch8/`` (see its ``__init__`` for the cut); the
computing is in ``lm_core.analysis.ch8_lab``.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch8")


from lm_core.analysis import ch8_lab as lab  # noqa: E402
from ui.chapters.ch8 import compare, pretrain, prompting, scale, scaling, story, tuning  # noqa: E402
from ui.chapters.ch8.common import View  # noqa: E402
from ui.common import choice_query_param, guard, md, query_param, set_query_param, t  # noqa: E402

DATASETS = ("en", "zh")

st.title(t("ch8.title"))

# Projector first: the controls in a narrow column, the story chart beside them; prose below.
controls_column, chart_column = st.columns([1.3, 4], gap="medium")
st.session_state.setdefault("ch8_data", choice_query_param("data", DATASETS, lang))
data_lang = controls_column.radio(
    t("ch8.data.label"), DATASETS, format_func=lambda d: t(f"ch8.data.{d}"), key="ch8_data", help=t("ch8.data.help")
)
set_query_param("data", data_lang)
st.session_state.setdefault("ch8_cal", query_param("cal", "0") == "1")
calibrated = controls_column.toggle(t("ch8.calibration.label"), key="ch8_cal", help=t("ch8.calibration.help"))
set_query_param("cal", int(calibrated))

if not lab.base_available(data_lang):
    st.error(t("ch8.errors.no_base"))
    st.stop()

view = View.of(data_lang, calibrated)

with chart_column:
    story.show(view)
st.markdown(md("ch8/intro"))
st.markdown(md("ch8/story"))

pretrain.section(lang)  # 1
tuning.instruction_section(view)  # 2
tuning.finetune_section(view)  # 3
prompting.section(view)  # 4
compare.section(view)  # 5
with guard():
    scaling.section(view)  # 6
scale.section(lang)  # 7: how a big model is really trained (runs on two processes)

st.divider()
st.markdown(md("ch8/takeaways"))
