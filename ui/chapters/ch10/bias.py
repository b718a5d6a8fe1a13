"""Chapter 10, "Is it fair?": a bias probe with controls, on SmolLM2 and the tiny GPT.

The full table comes precomputed (``assets/results/bias_probe.json``) so the section opens at
once; a learner's own pair is scored live (two short sentences: well under a second with the
server's shared model). Engine: :mod:`lm_core.analysis.bias_probe`; pairs:
:mod:`lm_core.data.bias_pairs`; figures: :mod:`viz.ch10_bias`.

In the link: ``bias_model`` (``smollm2`` or ``tiny``), ``bias_measure`` (``total`` or
``per_token``), ``bias_a`` / ``bias_b`` (the learner's pair).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lm_core.analysis import bias_probe as probe
from lm_core.analysis import quiz
from lm_core.core.errors import InputError
from lm_core.core.paths import ASSETS_DIR
from lm_core.data.bias_pairs import CATEGORIES, CONTROL, bias_pairs
from ui import bounded, models, shared
from ui.common import (
    chart,
    choice_query_param,
    current_language,
    guarded_fragment,
    intro,
    md,
    plain,
    seed_widget,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)
from ui.predict import ask
from viz import ch10_bias as figs

RESULTS_FILE = ASSETS_DIR / "results" / "bias_probe.json"
MODEL_CHOICES = ("smollm2", "tiny")
SENTENCE_LIMIT = 200  # characters per sentence of the learner's pair


@st.cache_data(show_spinner=False, max_entries=1)
def results() -> dict:
    """The shipped tables; ``{}`` when the file is missing or damaged (the section says so)."""
    try:
        return probe.load_results(RESULTS_FILE)
    except (OSError, ValueError):
        return {}


def model_name(choice: str, lang: str) -> str:
    return probe.SMOLLM2 if choice == "smollm2" else probe.TINY_GPT[lang]


def bias_section() -> None:
    """The whole section: explanation, the probe/control chart and summary, the learner's pair, limits."""
    lang = current_language()
    st.header(t("ch10_bias.header"))
    intro("ch10/bias_intro")
    choice, measure = _controls()
    table = results().get("models", {}).get(model_name(choice, lang), {}).get(lang)
    if not table:
        st.info(t("ch10_bias.missing"), icon=":material/hourglass_empty:")
    else:
        _probe_view(table, lang, choice, measure)
    own_pair_part(lang, choice, measure)
    st.markdown(md("ch10/bias_limits"))


def _controls() -> tuple[str, str]:
    seed_widget("ch10b_model", choice_query_param("bias_model", MODEL_CHOICES, "smollm2"))
    seed_widget("ch10b_measure", choice_query_param("bias_measure", probe.MEASURES, "total"))
    cols = st.columns(2)
    choice = cols[0].radio(t("ch10_bias.model"), MODEL_CHOICES, key="ch10b_model", horizontal=True,
                           format_func=lambda c: t(f"ch10_bias.models.{c}"))
    measure = cols[1].radio(t("ch10_bias.measure"), probe.MEASURES, key="ch10b_measure", horizontal=True,
                            format_func=lambda m: t(f"ch10_bias.measures.{m}"))
    set_query_param("bias_model", choice)
    set_query_param("bias_measure", measure)
    return choice, measure


def _probe_view(table: dict, lang: str, choice: str, measure: str) -> None:
    pairs = {pair.id: pair for pair in bias_pairs(lang)}
    diffs = probe.pair_differences(table, lang, measure)
    summary = probe.summary_table(table, lang, measure)
    control = [value for _, value in diffs[CONTROL]]
    spread = probe.control_spread(control)
    if table["unreadable"]:
        st.warning(t("ch10_bias.unreadable", scored=len(table["scores"]), total=len(pairs),
                     left=len(table["unreadable"])), icon=":material/visibility_off:")
    question = _question(summary, choice, lang, measure)

    def group(kind: str) -> dict:
        return {"name": t(f"ch10_bias.kinds.{kind}"), "values": [v for _, v in diffs[kind]],
                "pairs": [(pairs[i].a, pairs[i].b) for i, _ in diffs[kind]]}

    with st.container():  # the page's main chart is chain of thought's (ui/chapters/ch10/cot.py)
        chart(shared.figure(figs.probe_control_figure, [group(kind) for kind in CATEGORIES], group(CONTROL), spread, {
            "title": t("ch10_bias.chart.title", model=t(f"ch10_bias.models.{choice}")),
            "y": t(f"ch10_bias.chart.y_{measure}"),
            "x": t("ch10_bias.chart.x"),
            "band": t("ch10_bias.chart.band", share=int(round(100 * probe.CONTROL_QUANTILE))),
        }), key="ch10b_probe")
    st.dataframe(_summary_frame(summary), hide_index=True, width="stretch")
    st.caption(t("ch10_bias.summary.caption", spread=f"{spread:.2f}", controls=len(control),
                 share=int(round(100 * probe.CONTROL_QUANTILE))))
    question.end()
    with st.expander(t("ch10_bias.pairs.header"), icon=":material/list:"):
        rows = [{t("ch10_bias.pairs.kind"): t(f"ch10_bias.kinds.{kind}"), "a": pairs[i].a, "b": pairs[i].b,
                 t("ch10_bias.pairs.difference"): round(value, 2)}
                for kind in (*CATEGORIES, CONTROL) for i, value in diffs[kind]]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _summary_frame(summary: dict) -> pd.DataFrame:
    return pd.DataFrame([{
        t("ch10_bias.summary.kind"): t(f"ch10_bias.kinds.{kind}"),
        t("ch10_bias.summary.pairs"): row["n"],
        t("ch10_bias.summary.mean"): round(row["mean"], 2),
        t("ch10_bias.summary.prefers_a"): row["prefers_a"],
        t("ch10_bias.summary.prefers_b"): row["prefers_b"],
    } for kind, row in summary.items()])


def _question(summary: dict, choice: str, lang: str, measure: str):  # noqa: ANN202 (ui.predict.Asked)
    """Predict first: for the nationality pairs, which side does the model prefer, beyond the controls?"""
    row = summary["nationality"]

    def answer() -> quiz.Answer:
        if row["n"] == 0 or abs(row["mean"]) <= row["spread"]:
            case = "neither"
        else:
            case = "a" if row["mean"] > 0 else "b"
        return quiz.Answer(frozenset({case}), case, {"mean": f"{row['mean']:.2f}", "spread": f"{row['spread']:.2f}"})

    return ask("ch10.bias_side", ["a", "b", "neither"], answer,
               params={"model": t(f"ch10_bias.models.{choice}")}, context=(choice, lang, measure))


# --------------------------------------------------------------------------- the learner's own pair


@guarded_fragment
def own_pair_part(lang: str, choice: str, measure: str) -> None:
    st.subheader(t("ch10_bias.own.header"))
    st.markdown(md("ch10/bias_own"))
    default_a, default_b = t("ch10_bias.own.example_a"), t("ch10_bias.own.example_b")
    seed_widget("ch10b_a", text_query_param("bias_a", default_a))
    seed_widget("ch10b_b", text_query_param("bias_b", default_b))
    cols = st.columns(2)
    a = bounded.text_input(t("ch10_bias.own.a"), key="ch10b_a", limit=SENTENCE_LIMIT, container=cols[0])
    b = bounded.text_input(t("ch10_bias.own.b"), key="ch10b_b", limit=SENTENCE_LIMIT, container=cols[1])
    set_text_query_param("bias_a", a, default_a)
    set_text_query_param("bias_b", b, default_b)
    if not a.strip() or not b.strip():
        raise InputError("errors.text.empty")
    name = model_name(choice, lang)
    if choice == "tiny":
        unknown = list(dict.fromkeys(probe.unknown_words(a, lang) + probe.unknown_words(b, lang)))
        if unknown:
            st.warning(t("ch10_bias.own.unknown_words", words=plain(", ".join(unknown[:12]))),
                       icon=":material/visibility_off:")
    model, tokenizer = models.causal_lm(name)
    # one scoring per server for a pair and a model: a class opening the page scores the example once
    scored = shared.result(("ch10.own_pair", name, a, b), lambda: probe.score_pair(model, tokenizer, a, b))
    difference = scored[measure]
    cols = st.columns(3)
    cols[0].metric(t("ch10_bias.own.score_a"), f"{scored['a'][measure]:.2f}",
                   help=t("ch10_bias.own.tokens", tokens=scored["a"]["tokens"]))
    cols[1].metric(t("ch10_bias.own.score_b"), f"{scored['b'][measure]:.2f}",
                   help=t("ch10_bias.own.tokens", tokens=scored["b"]["tokens"]))
    cols[2].metric(t("ch10_bias.own.difference"), f"{difference:+.2f}")
    table = results().get("models", {}).get(name, {}).get(lang)
    if table:
        control = [value for _, value in probe.pair_differences(table, lang, measure)[CONTROL]]
        spread = probe.control_spread(control)
        chart(shared.figure(figs.own_pair_figure, control, difference, spread, {
            "title": t("ch10_bias.own.chart_title"),
            "x": t(f"ch10_bias.chart.y_{measure}"),
            "control": t("ch10_bias.kinds.control"),
            "own": t("ch10_bias.own.yours"),
        }), key="ch10b_own")
        verdict = "beyond" if abs(difference) > spread else "within"
        st.markdown(t(f"ch10_bias.own.{verdict}", difference=f"{difference:+.2f}", spread=f"{spread:.2f}"))
