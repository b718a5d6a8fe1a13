"""Section 5 of chapter 8: every method side by side (a table, a confusion matrix each), then
one test sentence drilled into: each method's probabilities for it, and which was surest."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.analysis import quiz
from lm_core.analysis.prompting import LABELS
from ui import shared
from ui.chapters.ch8.common import CHART, View, confusion_labels, label_names, method_label
from ui.chapters.ch8.common import evaluations as scored
from ui.common import chart, int_query_param, md, plain, set_query_param, t
from ui.predict import ask, bar_reveal
from viz import ch8 as figs

PER_ROW = 4  # small confusion matrices side by side


@st.fragment
def section(view: View) -> None:
    st.header(t("ch8.results.header"))
    st.markdown(md("ch8/results"))
    methods = view.methods()
    if not methods:
        st.info(t("ch8.story.missing"))
        return
    evaluations = scored(view)
    _table(evaluations)
    _matrices(evaluations)
    _drill_down(view, methods)


def _table(evaluations: dict) -> None:
    rows = [
        {
            t("ch8.results.col_method"): method_label(key),
            t("ch8.results.col_wf1"): round(evaluation.weighted_f1, 3),
            t("ch8.results.col_accuracy"): round(evaluation.accuracy, 3),
        }
        for key, evaluation in evaluations.items()
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _matrices(evaluations: dict) -> None:
    keys = list(evaluations)
    for start in range(0, len(keys), PER_ROW):
        row = st.columns(PER_ROW)
        for column, key in zip(row, keys[start : start + PER_ROW], strict=False):
            with column:
                evaluation = evaluations[key]
                title = t("ch8.results.small_title", method=method_label(key), f1=f"{evaluation.weighted_f1:.2f}")
                chart(
                    shared.figure(figs.confusion_figure, evaluation.confusion, label_names(), confusion_labels(title),
                                  height=300),
                    key=f"ch8_cm_{key}",
                    **CHART,
                )
                with st.expander(t("ch8.results.report")):
                    st.code(evaluation.report_text, language=None)


def _drill_down(view: View, methods: dict) -> None:
    """One test sentence: each method's label probabilities, after a guess at the surest."""
    st.subheader(t("ch8.drill.header"))
    # Sentences are counted from 1, on screen and in the link, as a class counts them.
    count = len(view.test_split)
    st.session_state.setdefault("ch8_sent", int_query_param("sent", 1, 1, count))
    number = st.number_input(
        t("ch8.drill.index", n=count), 1, count, step=1, key="ch8_sent", help=t("ch8.drill.help")
    )
    set_query_param("sent", number)
    index = number - 1
    text, label = view.test_split[index]
    st.markdown(t("ch8.drill.sentence", text=plain(text), label=t(f"corpora.labels.{label}")))
    keys = list(methods)
    rows = [lab.method_probs(key, methods[key], view.calibrated)[index].tolist() for key in keys]
    names = {key: method_label(key) for key in keys}
    gold = LABELS.index(label)
    surest = ask(
        "ch8.surest",
        keys,
        lambda: quiz.surest_method(dict(zip(keys, rows, strict=True)), gold),
        bar_reveal("ch8.surest", labels=names),
        labels=names,
        facts=lambda a: {"method": names[a.facts["method"]]},
        params={"n": number, "label": t(f"corpora.labels.{label}")},
        context=(view.data_lang, view.calibrated, index, tuple(keys)),
    )
    fig = shared.figure(
        figs.sentence_probs_figure,
        [names[key] for key in keys],
        rows,
        label_names(),
        gold,
        {"title": t("ch8.drill.title", n=number), "x": t("ch8.drill.x")},
        height=120 + 38 * len(keys),
    )
    chart(fig, key="ch8_drill", **CHART)
    surest.end()
