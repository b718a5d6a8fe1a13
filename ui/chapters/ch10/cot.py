"""Chain of thought, measured: the two addition GPTs' accuracy by number of digits (the
chapter's main chart, asked about before it shows), and one problem the learner types
solved by both, token by token, with the probability of every token written."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import reasoning
from lm_core.data.arithmetic import FORMATS, HELD_OUT_DIGITS, Problem, answer_of, parse_question
from ui import shared
from ui.common import chart, main_chart, md, set_text_query_param, t, text_query_param
from ui.models import ch10_results, cot_gpt
from ui.predict import ask, bar_reveal
from viz import ch10 as figs
from viz.generation import timeline_figure, token_strip_html

EXAMPLE = "4789+3546"
MAX_CHARS = 24  # two five-digit numbers, a plus and room for spaces


def model_name(fmt: str) -> str:
    return t(f"ch10.model.{fmt}")


def accuracy_section() -> dict:
    """Predict, then the main chart (accuracy by digits), its table and the margin; returns the results."""
    results = ch10_results("cot")
    trained = max(int(n) for n in results["trained_digits"])
    question = ask(
        "ch10.who_wins",
        list(reasoning.WHO_WINS),
        lambda: reasoning.who_wins(results, trained),
        bar_reveal("ch10.who_wins", number_format=".0%", labels={fmt: model_name(fmt) for fmt in FORMATS}),
        params={"digits": trained},
        facts=lambda a: {"direct_pct": f"{100 * a.facts['direct']:.0f}", "scratch_pct": f"{100 * a.facts['scratchpad']:.0f}"},
        context=tuple(sorted(results["accuracy"]["direct"].items())),
    )
    digits = sorted(int(n) for n in results["accuracy"]["direct"])
    with main_chart():
        labels = {fmt: model_name(fmt) for fmt in FORMATS} | {
            "title": t("ch10.chart.title"),
            "x": t("ch10.chart.x"),
            "y": t("ch10.chart.y"),
            "held_out": t("ch10.chart.held_out"),
        }
        accuracy = {fmt: [results["accuracy"][fmt][str(n)] for n in digits] for fmt in FORMATS}
        chart(shared.figure(figs.accuracy_figure, digits, accuracy, labels, held_out=HELD_OUT_DIGITS), key="ch10_accuracy")
    question.end()
    st.markdown(t("ch10.chart.margin", points=f"{100 * reasoning.margin(results):.0f}", trained=trained))
    st.table(_table_rows(results, digits))
    tokens = results["tokens_seen"]
    st.caption(
        t(
            "ch10.chart.caption",
            params=f"{results['parameters']:,}",
            steps=results["steps"],
            problems=f"{results['problems_seen']:,}",
            ratio=f"{tokens['scratchpad'] / max(1, tokens['direct']):.1f}",
        )
    )
    return results


def _table_rows(results: dict, digits: list[int]) -> list[dict]:
    rows = []
    for n in digits:
        row = {
            t("ch10.table.digits"): f"{n} {t('ch10.table.held_out_mark')}" if n == HELD_OUT_DIGITS else str(n),
            t("ch10.table.problems"): results["test_counts"][str(n)],
        }
        for fmt in FORMATS:
            row[model_name(fmt)] = f"{100 * results['accuracy'][fmt][str(n)]:.0f}%"
        rows.append(row)
    return rows


@st.cache_data(show_spinner=False, max_entries=256)
def solved(fmt: str, a: int, b: int) -> list[tuple[str, float]]:
    """The shipped model's greedy answer to ``a + b``, token by token (one run per server)."""
    model, tokenizer = cot_gpt(fmt)
    from lm_core.core.device import inference_threads

    with inference_threads():
        return reasoning.solve_one(model, tokenizer, Problem(a, b), fmt)


def problem_input() -> Problem:
    """The learner's problem (kept in the link); raises InputError for anything but an addition."""
    st.session_state.setdefault("ch10_q", text_query_param("q", EXAMPLE, MAX_CHARS))
    text = st.text_input(t("ch10.solve.label"), key="ch10_q", max_chars=MAX_CHARS, help=t("ch10.solve.help"))
    set_text_query_param("q", text, EXAMPLE)
    return parse_question(text)


def solve_section(problem: Problem) -> None:
    """Predict which model gets it right, then both answers, token by token."""
    answers = {fmt: solved(fmt, problem.a, problem.b) for fmt in FORMATS}
    _, tokenizer = cot_gpt("direct")
    texts = {fmt: reasoning.completion_text(answers[fmt], tokenizer) for fmt in FORMATS}
    correct = {fmt: answer_of(texts[fmt], fmt) == problem.answer for fmt in FORMATS}
    question = ask(
        "ch10.who_solves",
        list(reasoning.WHO_SOLVES),
        lambda: reasoning.who_solves(correct),
        params={"question": problem.question + "?"},
        facts=lambda a: {"answer": problem.answer},
        context=(problem.a, problem.b),
    )
    if problem.digits > max(reasoning.TRAINED_DIGITS):
        st.info(t("ch10.solve.beyond", digits=problem.digits), icon=":material/info:")
    columns = st.columns(2)
    for column, fmt in zip(columns, FORMATS, strict=True):
        with column:
            tokens = [token for token, _ in answers[fmt]]
            probs = [p for _, p in answers[fmt]]
            st.html(token_strip_html(problem.question, tokens, probs, model_name(fmt)))
            written = answer_of(texts[fmt], fmt) or "∅"
            verdict = "right" if correct[fmt] else "wrong"
            st.markdown(t(f"ch10.solve.{verdict}", written=written, answer=problem.answer))
            labels = {"title": t("ch10.solve.timeline"), "x": t("ch10.solve.timeline_x"), "y": t("ch10.solve.timeline_y")}
            chart(shared.figure(timeline_figure, tokens, probs, None, labels), key=f"ch10_timeline_{fmt}")
    st.caption(t("ch10.solve.steps_caption", steps=problem.target("scratchpad")))
    question.end()
    st.markdown(md("ch10/why_steps"))
