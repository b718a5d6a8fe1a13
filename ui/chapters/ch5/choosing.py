"""Chapter 5: which model reads which sentence, and the head a new sentence opens on.

The model box lists MiniLM, the shipped tiny GPTs, SmolLM2 when installed, and this
session's own model; the sentence box offers the curriculum's examples or typed text. Both
come from the link on a fresh visit and go back into it.
"""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import attention_lab as lab
from lm_core.data.curriculum import HEAD_SEARCHES
from lm_core.models.checkpoints import list_gpts
from ui import configured, models, own_model
from ui.common import (
    choice_query_param,
    int_query_param,
    plain,
    projector_on,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)

GPT_NAMES = ("gpt_toy_en", "gpt_toy_zh")


def available_models() -> list[str]:
    """MiniLM always; the tiny GPTs that are shipped; SmolLM2 when its package is installed."""
    names = [lab.MINILM]
    try:
        shipped = set(list_gpts())
    except OSError:  # an unreadable checkpoint folder: the GPTs are simply not offered
        shipped = set()
    names += [name for name in GPT_NAMES if name in shipped]
    if models.smollm2_available():
        names.append(lab.SMOLLM2)  # a real LLM (decoder, grouped-query attention, RoPE)
    return names + models.configured_names()  # and the models the administrator added


def _on_example() -> None:
    choice = st.session_state.get("ch5_example")
    if choice in lab.EXAMPLE_SENTENCES:
        st.session_state["ch5_text"] = lab.EXAMPLE_SENTENCES[choice]


def open_example(sentence_key: str, layer: int, head: int, focus: int) -> None:
    """The head search's button: MiniLM, the claim's sentence, the head found, its word."""
    st.session_state["ch5_model"] = lab.MINILM
    st.session_state["ch5_example"] = sentence_key
    st.session_state["ch5_text"] = lab.EXAMPLE_SENTENCES[sentence_key]
    st.session_state["ch5_layer"] = layer
    st.session_state["ch5_head"] = head
    st.session_state["ch5_focus"] = focus
    st.session_state.pop("_ch5_last_click", None)
    st.session_state["_ch5_preselected"] = (lab.MINILM, lab.EXAMPLE_SENTENCES[sentence_key])


def _example_for_model(model: str | None, example: str) -> str:
    """The example a model can read: the Chinese tiny GPT knows no Latin letters, the
    English one no Chinese characters."""
    if model == own_model.OWN:  # the learner's model reads the language of its corpus
        model = "gpt_toy_zh" if own_model.language() == "zh" else "gpt_toy_en"
    if model == "gpt_toy_zh" and example != "zh":
        return "zh"
    if model == "gpt_toy_en" and example == "zh":
        return "rained"
    return example


def _on_model() -> None:
    """Switching to a model that cannot read the current example opens one it can."""
    model, text = st.session_state.get("ch5_model"), st.session_state.get("ch5_text")
    if text not in lab.EXAMPLE_SENTENCES.values():
        return  # the student's own sentence: keep it (an error will explain a problem)
    current = next(key for key, sentence in lab.EXAMPLE_SENTENCES.items() if sentence == text)
    wanted = _example_for_model(model, current)
    if wanted != current:
        st.session_state["ch5_example"] = wanted
        st.session_state["ch5_text"] = lab.EXAMPLE_SENTENCES[wanted]


def _label(name: str) -> str:
    if name == own_model.OWN:
        return own_model.label(t)
    return models.configured_label(name) or t(f"ch5.model.{name}")


def choose_model(choices: list[str]) -> str:
    if "ch5_model" not in st.session_state or st.session_state["ch5_model"] not in choices:
        configured.link_notice(choices)
        st.session_state["ch5_model"] = choice_query_param("model", choices, lab.MINILM)
    # Labels are translated now, not inside format_func (which may run without the page's state).
    labels = {name: _label(name) for name in choices}
    choice = st.selectbox(t("ch5.model.label"), choices, key="ch5_model", format_func=labels.__getitem__,
                          help=t("ch5.model.help"), on_change=_on_model)
    if len(choices) == 1:
        st.caption(t("ch5.model.gpt_missing"))
    return choice


def choose_sentence(model: str) -> str:
    if "ch5_text" not in st.session_state:  # a fresh visit: the link's example or text
        default_key = "zh" if _example_for_model(model, "rained") == "zh" else "rained"
        example = choice_query_param("example", list(lab.EXAMPLE_SENTENCES), default_key)
        if "example" not in st.query_params:
            example = _example_for_model(model, example)
        st.session_state["ch5_example"] = example
        st.session_state["ch5_text"] = text_query_param("text", lab.EXAMPLE_SENTENCES[example], lab.MAX_CHARS)
    st.radio(t("ch5.sentence.examples"), list(lab.EXAMPLE_SENTENCES), key="ch5_example", horizontal=True,
             format_func=lambda key: lab.EXAMPLE_SENTENCES[key], on_change=_on_example)
    text = st.text_input(t("ch5.sentence.label"), key="ch5_text",
                         help=t("ch5.sentence.help", limit=lab.MAX_TOKENS, chars=lab.MAX_CHARS))
    example = st.session_state["ch5_example"]
    set_query_param("example", example)
    set_text_query_param("text", text, lab.EXAMPLE_SENTENCES.get(example, ""))
    return text


def model_notes(trace: lab.AttentionTrace, text: str) -> None:
    """What the learner should know about this model on this sentence (unknown tokens, checks)."""
    unknown = sum(token == "[UNK]" for token in trace.tokens)
    if unknown:
        st.warning(t("ch5.notes.unk", count=unknown, total=trace.n_tokens), icon=":material/help:")
    if trace.model_name == lab.SMOLLM2:
        caption = t("ch5.notes.smollm2_check", error=within(trace.max_weight_error),
                    rope=within(trace.max_rope_error), layers=trace.n_layers, heads=trace.n_heads,
                    kv=trace.n_kv_heads, tokens=trace.n_tokens, limit=lab.SMOLLM2_MAX_TOKENS)
    elif models.is_configured(trace.model_name):
        caption = t("models.about.ch5_check", label=plain(models.configured_label(trace.model_name)),
                    error=within(trace.max_weight_error), rope=within(trace.max_rope_error), layers=trace.n_layers,
                    heads=trace.n_heads, kv=trace.n_kv_heads, tokens=trace.n_tokens, limit=lab.SMOLLM2_MAX_TOKENS)
    elif trace.model_name == lab.MINILM:
        caption = t("ch5.notes.minilm_check", error=within(trace.max_weight_error), layers=trace.n_layers,
                    heads=trace.n_heads, tokens=trace.n_tokens)
    else:
        _, tokenizer = models.causal_lm(trace.model_name)
        dropped = tokenizer.unknown_characters(text)
        if dropped:
            st.warning(t("ch5.notes.gpt_dropped", chars=plain(" ".join(dropped[:20]))), icon=":material/help:")
        caption = t("ch5.notes.gpt_info", layers=trace.n_layers, heads=trace.n_heads, tokens=trace.n_tokens)
    if not projector_on():  # on a projector the room goes to the chart
        st.caption(caption)


def preselect_head(trace: lab.AttentionTrace, text: str) -> None:
    """When a new sentence arrives, open the head the curriculum talks about, if any.

    A shared link's layer, head and token win on the visit it opens: the head search
    suggests (its buttons below), it never overrules the link."""
    marker = (trace.model_name, text)
    if st.session_state.get("_ch5_preselected") == marker:
        return
    fresh_visit = "_ch5_preselected" not in st.session_state
    st.session_state["_ch5_preselected"] = marker
    ordinary = [i for i in range(trace.n_tokens) if i not in trace.special] or [0]
    # A decoder's first token can only see itself: follow its last token instead.
    layer, head, focus = 0, 0, ordinary[-1] if trace.causal else ordinary[0]
    for _, source, targets in HEAD_SEARCHES.values():
        matches = lab.find_heads(trace, source, targets)
        if matches:
            layer, head, focus = matches[0].layer, matches[0].head, matches[0].source
            break
    if fresh_visit and any(name in st.query_params for name in ("layer", "head", "token")):
        # Layers and heads are numbered from 1 on screen and in the link.
        layer = int_query_param("layer", layer + 1, 1, trace.n_layers) - 1
        head = int_query_param("head", head + 1, 1, trace.n_heads) - 1
        focus = int_query_param("token", focus, 0, trace.n_tokens - 1)
    st.session_state["ch5_layer"] = layer
    st.session_state["ch5_head"] = head
    st.session_state["ch5_focus"] = focus
    st.session_state.pop("_ch5_last_click", None)


def within(error: float) -> str:
    """A measured disagreement as the captions say it: "0" when the two agree exactly (never "0.0e+00")."""
    return "0" if error == 0 else f"{error:.1e}"
