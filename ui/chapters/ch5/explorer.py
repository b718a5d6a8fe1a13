"""Chapter 5's explorer: every head of one (model, sentence) sent to the browser once.

Its layer, head and token controls, its three views, the causal what-if and the softmax
temperature then answer in the browser without asking the server, and write the view into
the link (``layer``, ``head``, ``token``, ``view``, ``causal``, ``temp``, ``metric``); a
link opened cold starts from what it names (:func:`opening_view`).

The page's questions (and BertViz) follow the explorer: when the learner stops on another
head, one message (``follow.js``) tells the server, which asks about that head, as a cold
open of the link would. The explorer itself keeps the view it was opened on (its page is
not sent again), until a control of the page opens another head.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lm_core.analysis import attention_lab as lab
from lm_core.analysis import quiz
from ui import export, i18n
from ui.chapters.ch5.choosing import within
from ui.chapters.ch5.traces import cached_explorer_numbers
from ui.common import (
    choice_query_param,
    current_language,
    explain_after,
    intro,
    join_sentences,
    main_chart,
    number_choice_query_param,
    projector_on,
    query_param,
    set_query_param,
    t,
)
from ui.predict import ask, bar_reveal
from viz import attention_explorer as explorer
from viz.tokens import display_token

#: What the explorer shows under its controls: the five steps of one head; one token's
#: attention (weights + temperature, lines); or every head (grid of a layer, overview).
#: One view at a time keeps a slider move to a few charts (see bench/RESULTS.md).
VIEWS = ("steps", "token", "heads")
METRICS = ("focus", "sharpness")

#: The explorer's words: key in the page's script -> catalogue key (templates keep their
#: {placeholders}, which the script fills as the learner moves).
EXPLORER_LABELS = {
    "layer": "ch5.controls.layer", "head": "ch5.controls.head", "focus": "ch5.controls.focus",
    "causal": "ch5.controls.causal", "causal_gpt_help": "ch5.controls.causal_gpt_help",
    "causal_whatif": "ch5.controls.causal_whatif", "causal_whatif_help": "ch5.controls.causal_whatif_help",
    "temperature": "ch5.controls.temperature", "temperature_note": "ch5.steps.temperature_note",
    "views_label": "ch5.views.label", "whatif_banner": "ch5.steps.whatif_banner", "where": "ch5.steps.where",
    "dimension": "ch5.axis.dimension", "s1": "ch5.steps.s1", "s2": "ch5.steps.s2", "s3": "ch5.steps.s3",
    "s4": "ch5.steps.s4", "s5": "ch5.steps.s5", "input_title": "ch5.steps.input_title",
    "qkv_title": "ch5.steps.qkv_title", "scores_figure": "ch5.steps.scores_figure",
    "scores_title": "ch5.steps.scores_title", "scaled_title": "ch5.steps.scaled_title",
    "masked_title": "ch5.steps.masked_title", "unmasked_title": "ch5.steps.unmasked_title",
    "weights_title": "ch5.steps.weights_title", "head_out_title": "ch5.steps.head_out_title",
    "rope_groups": "ch5.rope.groups", "rope_header": "ch5.rope.header", "rope_title": "ch5.rope.title",
    "q_before": "ch5.rope.q_before", "q_after": "ch5.rope.q_after", "k_before": "ch5.rope.k_before",
    "k_after": "ch5.rope.k_after", "lines_header": "ch5.lines.header", "lines_title": "ch5.lines.title",
    "heads_header": "ch5.heads.header", "heads_title": "ch5.heads.title", "heads_click": "ch5.heads.click",
    "overview_header": "ch5.overview.header", "metric": "ch5.overview.metric",
    "overview_title": "ch5.overview.title", "overview_caption": "ch5.overview.caption",
}


def explorer_labels(trace: lab.AttentionTrace) -> dict:
    lang = current_language()
    labels = {name: i18n.template(key, lang) for name, key in EXPLORER_LABELS.items()}
    labels["rope_caption"] = t("ch5.rope.caption", error=within(trace.max_rope_error)) if trace.rope else ""
    labels["views"] = {view: t(f"ch5.views.{view}") for view in VIEWS}
    labels["metrics"] = {metric: i18n.template(f"ch5.overview.{metric}", lang) for metric in METRICS}
    labels["metric_short"] = {metric: t(f"ch5.overview.{metric}_short") for metric in METRICS}
    labels["export"] = export.explorer_labels(lang)  # its own PNG and CSV downloads
    return labels


OPENED = "_ch5_explorer_opened"  # (layer, head, token) the explorer was opened on
LEFT = "_ch5_head_left"  # the head the page's questions asked about at the end of the last run
_follow = st.components.v2.component("llmx_ch5_follow", js=(Path(__file__).with_name("follow.js")).read_text("utf-8"))
FOLLOW_CSS = "<style>.st-key-ch5_follow { display: none; }</style>"


def _head_key(view: tuple[int, int, int]) -> str:
    return "/".join(str(number) for number in view)


def parse_moved(value: object, trace: lab.AttentionTrace) -> tuple[int, int, int] | None:
    """The explorer's ``"layer/head/token"`` (0-based), checked against the trace; None otherwise."""
    try:
        layer, head, token = (int(part) for part in str(value).split("/"))
    except ValueError:
        return None
    if 0 <= layer < trace.n_layers and 0 <= head < trace.n_heads and 0 <= token < trace.n_tokens:
        return layer, head, token
    return None


def moved_to(trace: lab.AttentionTrace, opened: tuple[int, int, int], asked: tuple[int, int, int]) -> object:
    """Mount the listener; what the explorer reported this run (None most runs)."""
    st.html(FOLLOW_CSS)
    result = _follow(key="ch5_follow", data={"opened": _head_key(opened), "asked": _head_key(asked)},
                     on_moved_change=lambda: None)
    return getattr(result, "moved", None)


def follow_explorer(trace: lab.AttentionTrace) -> None:
    """The head the page's questions ask about (``ch5_layer``/``ch5_head``/``ch5_focus``)
    follows the explorer's; a control of the page (head search, example, new sentence)
    opens the explorer on its own choice instead."""
    asked = (_index("ch5_layer", trace.n_layers), _index("ch5_head", trace.n_heads), _index("ch5_focus", trace.n_tokens))
    if st.session_state.get(LEFT) != asked or OPENED not in st.session_state:
        st.session_state[OPENED] = asked  # the page chose this head: the explorer opens on it
    moved = parse_moved(moved_to(trace, st.session_state[OPENED], asked), trace)
    if moved is not None and moved != asked:
        asked = moved
        st.session_state["ch5_layer"], st.session_state["ch5_head"], st.session_state["ch5_focus"] = moved
    st.session_state[LEFT] = asked
    for name, value in zip(("layer", "head"), asked[:2], strict=True):
        set_query_param(name, value + 1)  # the link names the head asked about (the explorer writes the same)
    set_query_param("token", asked[2])


#: The explorer's frame on a projector (px): a 720 px screen less the title and the question.
PROJECTOR_FRAME_HEIGHT = 560


def _index(name: str, count: int) -> int:
    """The session's layer/head/token index, kept inside the trace."""
    return min(max(int(st.session_state.get(name, 0)), 0), count - 1)


def opening_view(trace: lab.AttentionTrace) -> dict:
    """What the explorer opens on: the head chosen above (link or search) and the link's view."""
    layer, head, token = st.session_state.get(OPENED) or (
        _index("ch5_layer", trace.n_layers), _index("ch5_head", trace.n_heads), _index("ch5_focus", trace.n_tokens))
    return {
        "layer": min(layer, trace.n_layers - 1),
        "head": min(head, trace.n_heads - 1),
        "token": min(token, trace.n_tokens - 1),
        "view": choice_query_param("view", VIEWS, VIEWS[0]),
        "causal": bool(trace.causal or query_param("causal", "0") == "1"),
        "temperature": number_choice_query_param("temp", lab.TEMPERATURES, 1.0),
        "metric": choice_query_param("metric", METRICS, METRICS[0]),
    }


def explore(model_name: str, text: str, trace: lab.AttentionTrace) -> None:
    """Layer, head, token, view, causal what-if and temperature, all moved in the browser."""
    follow_explorer(trace)
    view = opening_view(trace)
    causal = view["causal"]
    layer, head, focus = (_index("ch5_layer", trace.n_layers), _index("ch5_head", trace.n_heads),
                          _index("ch5_focus", trace.n_tokens))  # the head asked about: the explorer's
    steps = lab.attention_steps(trace, layer, head, causal=causal)
    names = {str(i): f"{i}: {display_token(token)}" for i, token in enumerate(trace.tokens)}
    attend = ask("ch5.attend", list(names), lambda: quiz.most_attended(steps.weights, focus),
                 bar_reveal("ch5.attend", labels=names), labels=names,
                 params={"layer": layer + 1, "head": head + 1, "token": trace.tokens[focus]},
                 facts=lambda answer: {"target": trace.tokens[answer.facts["best"]]},
                 context=(trace.model_name, tuple(trace.tokens), layer, head, focus, causal),
                 # the explorer's own choice is not hidden again behind its question
                 cover=(layer, head, focus) == (view["layer"], view["head"], view["token"]))
    if not projector_on():
        spaces = any("␣" in display_token(token) for token in trace.tokens)
        st.caption(join_sentences(t("ch5.explorer.note", layers=trace.n_layers, heads=trace.n_heads),
                                  t("common.space_mark") if spaces else ""))
    with main_chart():
        html = explorer.explorer_html(trace, cached_explorer_numbers(model_name, text), explorer_labels(trace),
                                      view, lab.TEMPERATURES, projector=projector_on())
        # On a projector the frame takes what is left of a 720 px screen and its steps scroll
        # inside it, under its controls (the whole frame then stays on the first screen).
        st.iframe(html, height=PROJECTOR_FRAME_HEIGHT if projector_on() else "content")
    attend.end()


def explorer_section(model_name: str, text: str, trace: lab.AttentionTrace) -> None:
    """The explorer under its header, with the steps explained after it (or folded)."""
    if not projector_on():  # on a projector the charts' own titles say it
        st.header(t("ch5.steps.header"))
    shown = explain_after("ch5/steps")
    explore(model_name, text, trace)
    if not shown:
        intro("ch5/steps", "common.read_more")
