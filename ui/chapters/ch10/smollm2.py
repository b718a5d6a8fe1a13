"""SmolLM2 on the same additions: the precomputed score (asked directly, and asked to think
step by step) and one live problem, generated in a worker of the shared queue."""

from __future__ import annotations

import functools

import streamlit as st

from lm_core.analysis import cot_smollm2
from lm_core.data.arithmetic import Problem
from ui import jobs, shared
from ui.common import chart, choice_query_param, guard, md, set_query_param, t
from ui.models import ch10_results, smollm2, smollm2_available
from ui.predict import ask, bar_reveal
from viz import ch10 as figs
from viz.generation import token_strip_html

CAP_S = 120.0
RUN_KEY = "ch10_smol"


def mode_name(mode: str) -> str:
    return t(f"ch10.smollm2.mode_{mode}")


def section(problem: Problem | None) -> None:
    st.header(t("ch10.smollm2.header"))
    st.markdown(md("ch10/smollm2"))
    results = ch10_results("smollm2")
    names = {mode: mode_name(mode) for mode in cot_smollm2.MODES}
    question = ask(
        "ch10.step_helps",
        list(cot_smollm2.STEP_HELPS),
        lambda: cot_smollm2.step_helps(results),
        bar_reveal("ch10.step_helps", number_format=".0f", labels=names),
        params={"count": results["count"]},
        context=tuple(sorted(results["accuracy"].items())),
    )
    labels = names | {"title": t("ch10.smollm2.chart_title", count=results["count"]), "x": t("ch10.chart.y")}
    chart(shared.figure(figs.smollm2_figure, results["accuracy"], labels), key="ch10_smol_acc")
    st.caption(t("ch10.smollm2.caption", count=results["count"], direct=cot_smollm2.MAX_NEW["direct"],
                 step=cot_smollm2.MAX_NEW["step"]))
    st.dataframe(_rows(results), hide_index=True, width="stretch")
    question.end()
    if problem is not None:
        _live(problem)


def _rows(results: dict) -> list[dict]:
    """One row per problem: the sum, what each reply gave, right or not."""
    rows = []
    for row in results["problems"]:
        entry = {t("ch10.smollm2.col_problem"): f"{row['a']}+{row['b']}", t("ch10.smollm2.col_sum"): row["answer"]}
        for mode in cot_smollm2.MODES:
            mark = "✓" if row[mode]["correct"] else "✗"
            entry[mode_name(mode)] = f"{mark} {row[mode]['read'] or '∅'}"
        rows.append(entry)
    return rows


@st.fragment
def _live(problem: Problem) -> None:
    """The learner's problem asked to SmolLM2 (one mode at a time, kept in the link)."""
    st.subheader(t("ch10.smollm2.live_header", question=problem.question + "?"))
    if not smollm2_available():
        st.info(t("ch10.smollm2.absent"))
        return
    st.session_state.setdefault("ch10_mode", choice_query_param("mode", cot_smollm2.MODES, "step"))
    mode = st.radio(t("ch10.smollm2.mode"), cot_smollm2.MODES, format_func=mode_name, horizontal=True, key="ch10_mode")
    set_query_param("mode", mode)
    st.caption(t("ch10.smollm2.prompt", prompt=cot_smollm2.prompt_text(problem, mode)))
    request = (problem.a, problem.b, mode)
    if st.button(t("ch10.smollm2.ask"), key="ch10_smol_ask", icon=":material/send:"):
        with guard():
            smollm2()  # loaded (or its absence explained) before the worker asks
            job = functools.partial(cot_smollm2.smollm2_job, problem.a, problem.b, mode)
            result = jobs.run_shared(("ch10.smollm2", *request), job, label="ch10.smollm2", cap_s=CAP_S)
            st.session_state[RUN_KEY] = {"request": request, "result": result}
    kept = st.session_state.get(RUN_KEY)
    if kept is None or kept["request"] != request:
        return
    result = kept["result"]
    st.html(token_strip_html(result["prompt"], result["tokens"], result["probs"], mode_name(mode)))
    verdict = "right" if result["correct"] else "wrong"
    st.markdown(t(f"ch10.solve.{verdict}", written=result["read"] or "∅", answer=problem.answer))
