"""Chapter 5: self-attention step by step, every head, BertViz, on real models.

The model runs once per (model, sentence) inside ``st.cache_data``, and every head's
numbers go to the browser once (viz/attention_explorer.py): the explorer's layer, head and
token controls, its views, the causal what-if and the softmax temperature then answer in
the browser without asking the server, and write the view into the link.

The sections live in ``ui/chapters/ch5/``: ``choosing`` (model, sentence, opening head),
``traces`` (the cached forward pass), ``explorer`` (the browser explorer), ``sections``
(input vectors, head search, BertViz).
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch5")

from lm_core.core.errors import InputError  # noqa: E402
from ui import own_model  # noqa: E402
from ui.chapters.ch5 import ablation, choosing, sections  # noqa: E402
from ui.chapters.ch5.by_hand import by_hand_section  # noqa: E402
from ui.chapters.ch5.explorer import explorer_section  # noqa: E402
from ui.chapters.ch5.traces import cached_trace  # noqa: E402
from ui.common import intro, md, projector_first, projector_on, set_query_param, show_error, t  # noqa: E402

st.title(t("ch5.title"))
if not projector_on():  # on a projector the first screen goes to the explorer; the intro follows it
    intro("ch5/intro")
chart_area = projector_first()

model_column, sentence_column = st.columns([1, 2])
with model_column:  # the page's models, plus this session's own model
    chosen_choice = choosing.choose_model(own_model.choices(choosing.available_models()))
    chosen_model = own_model.cache_key(chosen_choice)  # the name results are computed and cached under
with sentence_column:
    sentence = choosing.choose_sentence(chosen_choice)

try:
    current = cached_trace(chosen_model, sentence)
except InputError as exc:
    show_error(exc)
    st.stop()

set_query_param("model", chosen_choice)
choosing.model_notes(current, sentence)
choosing.preselect_head(current, sentence)

if projector_on():  # the chart the teacher talks about comes first, above the model and sentence
    with chart_area:
        explorer_section(chosen_model, sentence, current)
    intro("ch5/intro")

st.header(t("ch5.input.header"))
st.markdown(md("ch5/input"))
sections.input_section(current)

sections.search_section(chosen_model, current)

if not projector_on():
    explorer_section(chosen_model, sentence, current)

sharpest = sections.sharpest_question(chosen_model, sentence, current)
sections.bertviz_section(chosen_model, sentence, current)
sharpest.end()
ablation.ablation_section(chosen_model, sentence, current)
by_hand_section()
st.divider()
st.markdown(md("ch5/takeaways"))
del lang
