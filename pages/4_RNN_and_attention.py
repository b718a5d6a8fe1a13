"""Chapter 4: an RNN encoder-decoder translating English into Dutch, with one context vector
or with attention.

Both shipped models translate the learner's sentence once per (model, sentence, forced
step) inside ``st.cache_data``; the step-by-step view redraws one step from those cached
translations inside its own ``st.fragment`` (its slider is in the link, like every control). The bottleneck chart and the timing chart are computed
once per server. A learner's own training run goes through one shared board: identical
runs are computed once and replayed, distinct ones wait for a free slot.

The page holds the order of the sections; each is a module of ``ui/chapters/ch4``.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch4")

from ui.chapters.ch4.bottleneck import bottleneck_section, training_section  # noqa: E402
from ui.chapters.ch4.experiments import context_section, force_section, timing_section  # noqa: E402
from ui.chapters.ch4.steps import alignment_section, steps_chart  # noqa: E402
from ui.chapters.ch4.translations import choose_sentence, models_available, translations_section  # noqa: E402
from ui.common import guard, intro, main_chart, md, projector_on, t  # noqa: E402

st.title(t("ch4.title"))
if not projector_on():  # on a projector the first screen goes to the chart; the intro follows it
    intro("ch4/intro")

if not models_available():
    st.error(t("ch4.err_no_checkpoint"))
    st.stop()

text = choose_sentence()
results = translations_section(text)
if results is not None:
    with main_chart():
        steps_chart(text, results)
if projector_on():
    intro("ch4/intro")
st.markdown(md("ch4/how"))
if results is not None:
    alignment_section(results["attention"])

bottleneck_section()
training_section()

if results is not None:
    force_section(text, results["attention"])

context_section()

with guard():
    timing_section()

st.divider()
st.markdown(md("ch4/takeaways"))
