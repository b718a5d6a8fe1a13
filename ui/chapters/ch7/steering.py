"""Chapter 7: steer the continuation by adding a vector to the residual stream.

The learner edits two small sets of sentences (toward / away), picks a layer and a strength,
and presses Steer: the text is continued greedily without and with the push, a job of the
shared queue (identical requests shared by the class). Every control is in the link
(``steer_prompt``, ``steer_toward``, ``steer_away``, ``steer_layer`` from 1, ``strength``), and
``steer=1`` once the learner has pressed Steer, so a shared link shows the same result.
"""

from __future__ import annotations

import functools

import streamlit as st

from lm_core.analysis import steering
from lm_core.analysis.quiz import Answer
from lm_core.data.curriculum import STEERING_EXAMPLES
from ui import jobs
from ui.common import (
    chart,
    float_query_param,
    guard,
    int_query_param,
    md,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)
from ui.predict import ask
from viz import interventions as figs
from viz.text import for_markdown

STRENGTH_LIMIT = 6.0
N_TOKENS = {"smollm2": 12}
DEFAULT_TOKENS = 12


def _text_box(key: str, param: str, default: str, label_key: str, area: bool = True) -> str:
    st.session_state.setdefault(key, text_query_param(param, default))
    widget = st.text_area if area else st.text_input
    value = widget(t(label_key), key=key, **({"height": 110} if area else {}))
    set_text_query_param(param, value, default)
    return value


def _controls(model_name: str, n_layers: int) -> dict:
    example = STEERING_EXAMPLES[model_name]
    prompt = _text_box("ch7_steer_prompt", "steer_prompt", example.prompt, "ch7_steering.prompt", area=False)
    left, right = st.columns(2)
    with left:
        toward = _text_box("ch7_steer_toward", "steer_toward", "\n".join(example.toward), "ch7_steering.toward")
    with right:
        away = _text_box("ch7_steer_away", "steer_away", "\n".join(example.away), "ch7_steering.away")
    st.session_state.setdefault("ch7_steer_layer", int_query_param("steer_layer", example.layer + 1, 1, n_layers))
    st.session_state["ch7_steer_layer"] = min(n_layers, int(st.session_state["ch7_steer_layer"]))
    st.session_state.setdefault("ch7_steer_strength",
                                float_query_param("strength", example.strength, -STRENGTH_LIMIT, STRENGTH_LIMIT))
    layer_column, strength_column = st.columns(2)
    layer = layer_column.slider(t("ch7_steering.layer"), 1, n_layers, key="ch7_steer_layer",
                                help=t("ch7_steering.layer_help"))
    strength = strength_column.slider(t("ch7_steering.strength"), -STRENGTH_LIMIT, STRENGTH_LIMIT, step=0.5,
                                      key="ch7_steer_strength", help=t("ch7_steering.strength_help"))
    set_query_param("steer_layer", layer)
    set_query_param("strength", strength)
    return {"prompt": prompt, "toward": toward, "away": away, "layer": layer - 1, "strength": float(strength)}


def run(model_name: str, request: dict) -> steering.SteeringRun:
    """The two continuations, a job of the shared queue (the model is loaded in the worker)."""
    toward, away = tuple(steering.sentences(request["toward"])), tuple(steering.sentences(request["away"]))
    n_tokens = N_TOKENS.get(model_name, DEFAULT_TOKENS)
    job = functools.partial(steering.steering_job, model_name, request["prompt"], toward, away, request["layer"],
                            request["strength"], n_tokens)
    key = ("ch7.steer", model_name, request["prompt"], toward, away, request["layer"], request["strength"], n_tokens)
    return jobs.run_shared(key, job, label="ch7.steer", cap_s=300.0)


def _show(result: steering.SteeringRun, request: dict) -> None:
    before_column, after_column = st.columns(2)
    before_column.caption(t("ch7_steering.before"))
    before_column.markdown(f"{for_markdown(request['prompt'])} **{for_markdown(result.before_text)}**")
    after_column.caption(t("ch7_steering.after", strength=request["strength"], layer=request["layer"] + 1))
    after_column.markdown(f"{for_markdown(request['prompt'])} **{for_markdown(result.after_text)}**")
    chart(figs.before_after_bars(result.labels, result.before, result.after, t("ch7_steering.chart_title"),
                                 t("ch7_steering.before"), t("ch7_steering.after_short"), t("ch7_steering.chart_x")),
          key="ch7_steer_fig")
    st.caption(t("ch7_steering.sizes", push=f"{abs(request['strength']) * result.vector_norm:.1f}",
                 residual=f"{result.residual_norm:.1f}"))


def steer_answer(result: steering.SteeringRun) -> Answer:
    """Did the first next token change? (The bars' favourites before and after.)"""
    best_before = result.labels[max(range(len(result.labels)), key=result.before.__getitem__)]
    best_after = result.labels[max(range(len(result.labels)), key=result.after.__getitem__)]
    changed = best_before != best_after
    return Answer(frozenset({"yes" if changed else "no"}), case="yes" if changed else "no",
                  facts={"before": best_before, "after": best_after})


def steering_section(model_name: str) -> None:
    """Steering, for the shipped tiny GPTs and SmolLM2 (a session's own model: a note)."""
    st.header(t("ch7_steering.header"))
    if model_name not in STEERING_EXAMPLES:
        st.info(t("ch7_steering.own_model"), icon=":material/info:")
        return
    st.markdown(md("ch7/steering"))
    from ui.models import causal_lm

    model, _ = causal_lm(model_name)
    request = _controls(model_name, int(model.config.n_layer))
    st.session_state.setdefault("ch7_steered", st.query_params.get("steer") == "1")
    # Guess first: the answer runs the two continuations (so does the button, or a link with steer=1).
    question = ask("ch7.steer", ["yes", "no"], lambda: steer_answer(run(model_name, request)),
                   params={"strength": request["strength"], "layer": request["layer"] + 1},
                   context=(model_name, tuple(sorted(request.items()))))
    if st.button(t("ch7_steering.button"), icon=":material/explore:", key="ch7_steer_go"):
        st.session_state["ch7_steered"] = True
    if st.session_state["ch7_steered"] or question.revealed:
        set_query_param("steer", 1)
        st.session_state["ch7_steered"] = True
        with guard():
            _show(run(model_name, request), request)
    else:
        st.caption(t("ch7_steering.press"))
    question.end()
