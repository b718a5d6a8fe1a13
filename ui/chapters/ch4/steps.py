"""Chapter 4, step by step: the two models' candidates at one output step (a fragment with
its own slider), and the attention model's alignment with its "where does it look?" question."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lm_core.analysis import quiz
from lm_core.models import seq2seq as s2s
from lm_core.train.seq2seq import strongest_source
from ui.chapters.ch4.translations import KINDS
from ui.common import chart, int_query_param, plain, set_query_param, t, template
from ui.predict import ask
from viz import seq2seq as figs

CHART = {"width": "stretch", "config": {"displaylogo": False}}


def eos_label(word: str) -> str:
    return t("ch4.align.eos") if word == s2s.EOS else word


def _named(word: str) -> str:
    """The special tokens in the learner's language."""
    return t("ch4.steps.start") if word == s2s.BOS else eos_label(word)


def _shown(steps: list[dict]) -> list[dict]:
    return [
        {
            **step,
            "input": _named(step["input"]),
            "output": _named(step["output"]),
            "candidates": [(_named(word), p) for word, p in step["candidates"]],
        }
        for step in steps
    ]


def _clamp_step(text: str, n_steps: int) -> None:
    """The slider's step: a cold link's, 1 for another sentence, never past the last."""
    if "ch4_step" not in st.session_state:  # a cold link: the step it names
        st.session_state["ch4_step"] = int_query_param("step", 1, 1, max(1, n_steps))
    elif st.session_state.get("_ch4_step_text") != text:  # another sentence starts at step 1
        st.session_state["ch4_step"] = 1
    st.session_state["_ch4_step_text"] = text
    st.session_state["ch4_step"] = min(max(1, int(st.session_state["ch4_step"])), max(1, n_steps))


@st.fragment
def steps_chart(text: str, results: dict[str, dict]) -> None:
    """The two models' candidates and the attention weights at one output step; the step
    slider under the chart redraws only this part and writes ``step`` (from 1) into the URL."""
    _clamp_step(text, max(len(results[k]["steps"]) for k in KINDS))
    labels = {
        "plain_title": template("ch4.steps.plain_title"),
        "attention_title": template("ch4.steps.attention_title"),
        "plain_done": t("ch4.steps.plain_done"),
        "attention_done": t("ch4.steps.attention_done"),
        "weights_title": template("ch4.steps.weights_title"),
    }
    plain_steps, attention_steps = _shown(results["plain"]["steps"]), _shown(results["attention"]["steps"])
    chart_box = st.container()
    step_names = figs.step_labels(plain_steps, attention_steps)
    step = st.select_slider(
        t("ch4.steps.slider"),
        options=list(range(1, len(step_names) + 1)),
        format_func=lambda s: plain(step_names[s - 1]),  # shown as Markdown
        key="ch4_step",
    )
    set_query_param("step", step)
    fig = figs.steps_figure(results["attention"]["source"], plain_steps, attention_steps, labels, active=step - 1)
    with chart_box:
        chart(fig, key="ch4_steps", **CHART)
    st.caption(t("ch4.steps.caption"))


def alignment_chart(result: dict, key: str, title: str | None = None) -> None:
    steps = result["steps"]
    rows = [step["attention"] for step in steps]
    outputs = [eos_label(step["output"]) for step in steps]
    fig = figs.alignment_figure(
        result["source"],
        outputs,
        rows,
        {
            "title": title or t("ch4.align.title"),
            "x": t("ch4.align.x"),
            "y": t("ch4.align.y"),
            "hover": t("ch4.align.hover"),
        },
    )
    chart(fig, key=key, **CHART)
    content = [i for i, step in enumerate(steps) if step["output"] != s2s.EOS]
    if not content:
        return
    first, last = content[0], content[-1]
    src, weight = strongest_source(rows[last])
    first_src, first_weight = strongest_source(rows[first])
    st.caption(
        t(
            "ch4.align.caption",
            out=plain(outputs[last]),
            src=plain(result["source"][src]),
            p=figs.percent(weight),
            first_out="“" + plain(outputs[first]) + "”",
            first_src=plain(result["source"][first_src]),
            first_p=figs.percent(first_weight),
        )
    )


def looks_at_question(result: dict):  # noqa: ANN201 - ui.predict's question handle
    """Predict, then reveal: where does the last Dutch word look? (the heatmap answers)"""
    steps = [step for step in result["steps"] if step["output"] != s2s.EOS]
    row = len(steps) - 1
    weights = np.array([step["attention"] for step in result["steps"]])
    source = result["source"]
    labels = {str(j): f"{j + 1}. {word}" for j, word in enumerate(source)}
    return ask(
        "ch4.looks_at",
        list(labels),
        lambda: quiz.most_attended(weights, row),
        labels=labels,
        params={"word": steps[row]["output"]},
        facts=lambda answer: {"target": source[answer.facts["best"]]},
        context=(tuple(source), tuple(step["output"] for step in steps)),
    )


def alignment_section(result: dict) -> None:
    st.subheader(t("ch4.align.header"))
    looks_at = looks_at_question(result)
    alignment_chart(result, "ch4_alignment")
    looks_at.end()
