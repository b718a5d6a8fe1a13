"""The story in one chart, on top of chapter 8: every method's weighted F1 on the test split,
with the question asked before it shows (which way of using a pretrained model wins)."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.analysis import quiz
from ui.chapters.ch8.common import CHART, View, method_label
from ui.common import chart, main_chart, t
from ui.predict import ask, bar_reveal
from viz import ch8 as figs


def show(view: View) -> None:
    """The question, then the chart it covers until the learner has guessed."""
    methods = view.methods()
    evaluations = lab.evaluate_methods(methods, view.gold, view.calibrated)
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


def _chart(view: View, evaluations: dict) -> None:
    if not evaluations:
        st.info(t("ch8.story.missing"), icon=":material/hourglass_empty:")
        return
    order = lab.story_order(evaluations)
    scores = [evaluations[key].weighted_f1 for key in order]
    chance, majority = lab.majority_baseline(view.gold)
    fig = figs.story_figure(
        [method_label(key, two_lines=True) for key in order],
        scores,
        [lab.method_kind(key) for key in order],
        {
            "title": t("ch8.story.title", n=len(view.gold), data=t(f"ch8.data.{view.data_lang}")),
            "y": t("ch8.story.y"),
            "finetune": t("ch8.story.finetune"),
            "prompt_gpt": t("ch8.story.prompt_gpt"),
            "prompt_llm": t("ch8.story.prompt_llm"),
            "chance": t("ch8.story.chance", f1=f"{chance:.2f}"),
        },
        chance=chance,
    )
    chart(fig, key="ch8_story", **CHART)
    best = order[scores.index(max(scores))]
    st.caption(
        t("ch8.story.caption", best=method_label(best), f1=f"{max(scores):.2f}", majority=f"{100 * majority:.0f}")
    )
