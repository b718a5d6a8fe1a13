"""Chapter 7: token-by-token generation with the tiny GPT (and SmolLM2, a real LLM).

One step at a time ("Next token") or N at once (streamed); every step keeps its logits,
so the timeline can be scrolled back and the knobs (temperature, top-k, top-p) redraw a
step's candidates from those cached logits without running the model again. The knobs,
the buttons, the text, the context window, the step view and the greedy-vs-sampled
comparison are one ``st.fragment``: a knob or a click reruns only that panel. Any step can
be branched: take another candidate there and continue. The sections live in
``ui/chapters/ch7/``; this page arranges them.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch7")

import contextlib  # noqa: E402

from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.text import clean_text  # noqa: E402
from lm_core.models.checkpoints import list_gpts  # noqa: E402
from ui import configured, own_model  # noqa: E402
from ui.chapters.ch7 import choice, knobs, lens, panel, smollm2  # noqa: E402
from ui.chapters.ch7.kv_cache import kv_cache_section  # noqa: E402
from ui.chapters.ch7.quantise import quantisation_section  # noqa: E402
from ui.chapters.ch7.steering import steering_section  # noqa: E402
from ui.common import (  # noqa: E402
    guard,
    intro,
    md,
    projector_on,
    set_text_query_param,
    show_error,
    t,
    text_query_param,
)
from ui.models import SMOLLM2, causal_lm, configured_names  # noqa: E402

MAX_PROMPT_CHARS = 1000

st.title(t("ch7.title"))
# Filled once the model is chosen (the intro names it); on a projector it follows the chart.
intro_box = None if projector_on() else st.container()

tiny_models = list_gpts()
if not tiny_models:
    st.error(t("ch7.errors.no_checkpoint"))
    st.stop()
models = own_model.choices([*tiny_models, SMOLLM2, *configured_names()])  # plus the admin's and this session's own

top = st.columns([2, 3])  # wide enough for the longest model name at 1280 px
with top[0]:
    model_name = choice.choose_model(models, lang)
intro_extra = t("ch7.drive.text", model=choice.drive_words(model_name))
if intro_box is not None:
    with intro_box:
        intro("ch7/intro", extra=intro_extra)
try:
    loading_text = t("ch7.model.loading") if model_name == SMOLLM2 else configured.loading_text(model_name)
    loading = st.spinner(loading_text, show_time=True) if loading_text else contextlib.nullcontext()
    with loading:
        model, tokenizer = causal_lm(model_name)
    caption = choice.model_caption(model_name, model, tokenizer)
except InputError as exc:  # a damaged checkpoint, or SmolLM2's package absent: say what to do
    show_error(exc)
    st.stop()
with top[1]:
    example_prompt = t(choice.default_prompt_key(own_model.choice_of(model_name)))
    st.session_state.setdefault("ch7_prompt", text_query_param("prompt", example_prompt))
    prompt_help = t("ch7.prompt.help_smollm2" if model_name == SMOLLM2 else "ch7.prompt.help")
    raw_prompt = st.text_area(t("ch7.prompt.label"), key="ch7_prompt", height=80, help=prompt_help)
    set_text_query_param("prompt", raw_prompt, example_prompt)
caption_box = st.empty() if projector_on() else st  # on a projector the chart needs the room
caption_box.caption(caption)
if model_name == SMOLLM2 and not projector_on():
    st.markdown(md("ch7/smollm2"))

chat, system = False, ""
with guard():
    chat, system = knobs.chat_controls(model_name)

prompt, prompt_ids, problem = "", None, None
try:
    prompt = clean_text(raw_prompt, max_chars=MAX_PROMPT_CHARS)
    prompt_ids = choice.encode_prompt(tokenizer, prompt, chat, system)
except InputError as exc:
    problem = exc

if problem is not None:
    knobs.sampling_controls()  # still shown (and kept in the link) while the prompt is being fixed
    show_error(problem)
    if problem.key == "errors.text.nothing_known":
        st.info(t("ch7.prompt.try_other_model"))
else:
    # Knobs, prompt notes, template, buttons, text, window, steps and the comparison: one fragment.
    panel.generation_panel(model_name, prompt, prompt_ids, chat)
    if projector_on():
        intro("ch7/intro", extra=intro_extra)
    n_tokens = int(st.session_state["ch7_n"])
    if model_name == SMOLLM2:
        with guard():
            smollm2.scale_section(prompt, prompt_ids, chat, n_tokens, tiny_models)
    with guard():
        lens.lens_section(model_name, prompt_ids)
    if model_name == SMOLLM2:
        with guard():
            smollm2.since_gpt2_section(tiny_models)
    with guard():
        steering_section(model_name)
    with guard():
        kv_cache_section(model_name, prompt_ids)
    with guard():
        quantisation_section(model_name)

st.divider()
st.markdown(md("ch7/takeaways"))
