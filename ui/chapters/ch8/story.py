"""The story in one chart, on top of chapter 8: every method's weighted F1 on the test split,
with the question asked before it shows (which way of using a pretrained model wins)."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.analysis import quiz
from ui import shared
from ui.chapters.ch8.common import CHART, View, method_label
from ui.chapters.ch8.common import evaluations as scored
from ui.common import chart, join_sentences, main_chart, t
from ui.predict import ask, bar_reveal
from viz import ch8 as figs


def show(view: View) -> None:
    """The question, then the chart it covers until the learner has guessed."""
    evaluations = scored(view)
    best_way = _question(view, evaluations)
    with main_chart():
        _chart(view, evaluations)
    best_way.end()


def _question(view: View, evaluations: dict):  # noqa: ANN202 (ui.predict.Asked)
    """Predict first: which way of using a pretrained model wins on the story chart."""
    kinds = {key: lab.method_kind(key) for key in evaluations}
    scores = {key: evaluation.weighted_f1 for key, evaluation in evaluations.items()}
    return ask(
        "ch8.best_method",
        [kind for kind in lab.METHOD_KINDS if kind in kinds.values()],
        lambda: quiz.best_method_kind(scores, kinds),
        bar_reveal("ch8.best_method"),
        params={"n": len(view.gold)},
        facts=lambda a: {"method": method_label(a.facts["method"])},
        context=(view.data_lang, view.calibrated, tuple(sorted(scores.items()))),
    )


def story_numbers(view: View) -> dict:
    """Every number the story chart and its caption show, from one computation: each method's
    weighted F1 without and with calibration, the majority line, and the ranges the caption names."""
    raw = scored(view, calibrated=False)
    calibrated = scored(view, calibrated=True)
    order = lab.story_order(raw)
    prompted = [key for key in order if lab.method_kind(key) != "finetune"]
    tuned = [key for key in order if lab.method_kind(key) == "finetune"]
    chance, majority = shared.result(("ch8.majority", shared.freeze(tuple(view.gold))), lambda: lab.majority_baseline(view.gold))
    rows = [
        {
            "key": key,
            "kind": lab.method_kind(key),
            "raw": raw[key].weighted_f1,
            "calibrated": None if key in tuned else calibrated[key].weighted_f1,
        }
        for key in order
    ]
    numbers = {"rows": rows, "chance": chance, "majority": majority}
    if prompted:
        best_calibrated = max(prompted, key=lambda key: calibrated[key].weighted_f1)
        numbers |= {
            "prompt_low": min(raw[key].weighted_f1 for key in prompted),
            "prompt_high": max(raw[key].weighted_f1 for key in prompted),
            "calibrated_best": best_calibrated,
            "calibrated_high": calibrated[best_calibrated].weighted_f1,
        }
    if tuned:
        numbers["finetune"] = max(raw[key].weighted_f1 for key in tuned)
    return numbers


def _chart(view: View, evaluations: dict) -> None:
    if not evaluations:
        st.info(t("ch8.story.missing"), icon=":material/hourglass_empty:")
        return
    numbers = story_numbers(view)
    rows = numbers["rows"]
    fig = shared.figure(  # the same for every student of the class: built once per server
        figs.story_figure,
        [method_label(row["key"]) for row in rows],
        [row["raw"] for row in rows],
        [row["kind"] for row in rows],
        {
            "title": t("ch8.story.title", n=len(view.gold), data=t(f"ch8.data.{view.data_lang}")),
            "y": t("ch8.story.y"),
            "finetune": t("ch8.story.finetune"),
            "prompt_gpt": t("ch8.story.prompt_gpt"),
            "prompt_llm": t("ch8.story.prompt_llm"),
            "calibrated": t("ch8.story.calibrated"),
            "chance": t("ch8.story.chance", f1=f"{numbers['chance']:.2f}"),
        },
        chance=numbers["chance"],
        calibrated=[row["calibrated"] for row in rows],
    )
    chart(fig, key="ch8_story", **CHART)
    st.caption(_caption(numbers, evaluations))


def _caption(numbers: dict, evaluations: dict) -> str:
    """The story in numbers, every one read from ``story_numbers`` (the chart's own)."""
    scores = {key: evaluations[key].weighted_f1 for key in lab.story_order(evaluations)}
    best = max(scores, key=scores.get)
    parts = [t("ch8.story.caption", best=method_label(best), f1=f"{scores[best]:.2f}",
               majority=f"{100 * numbers['majority']:.0f}")]
    if "prompt_low" in numbers:
        same = f"{numbers['prompt_low']:.2f}" == f"{numbers['prompt_high']:.2f}"
        parts.append(t(
            "ch8.story.caption_prompt_same" if same else "ch8.story.caption_prompt",
            low=f"{numbers['prompt_low']:.2f}",
            high=f"{numbers['prompt_high']:.2f}",
            chance=f"{numbers['chance']:.2f}",
            cal_best=method_label(numbers["calibrated_best"]),
            cal_high=f"{numbers['calibrated_high']:.2f}",
        ))
    if "finetune" in numbers:
        parts.append(t("ch8.story.caption_finetune", f1=f"{numbers['finetune']:.2f}"))
    return join_sentences(*parts)
