"""Chapter 10, "Who answers for it?": responsibility made concrete, in three measurements.

Where the training data came from (the toy world this project generated, and SmolLM2's
corpus as its model card states it), what a model can leak (the tiny GPT completing its
own training lines word for word, against new lines of the same grammar: precomputed in
``assets/results/bias_probe.json``, plus one line a learner can try live), and what training
costs in compute and energy (6·N·D under stated assumptions).

Engines: :mod:`lm_core.analysis.memorisation`, :mod:`lm_core.analysis.training_energy`;
figures: :mod:`viz.ch10_bias`. In the link: ``mem_line`` (the line tried live).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lm_core.analysis import memorisation, quiz, training_energy
from lm_core.analysis.sizes import PRESETS
from lm_core.core.errors import InputError
from ui import bounded, models, shared
from ui.chapters.ch10.bias import results
from ui.common import (
    chart,
    current_language,
    guarded_fragment,
    md,
    plain,
    seed_widget,
    set_text_query_param,
    t,
    text_query_param,
)
from ui.predict import ask
from viz import ch10_bias as figs

LINE_LIMIT = 200


def responsibility_section() -> None:
    lang = current_language()
    st.header(t("ch10_bias.resp.header"))
    st.markdown(md("ch10/responsibility_intro"))
    _data_part(lang)
    _leak_part(lang)
    live_line_part(lang)
    _energy_part()


def _data_part(lang: str) -> None:
    st.subheader(t("ch10_bias.resp.data_header"))
    meta = models.gpt_meta(memorisation.TINY_GPT[lang])
    smol = PRESETS["smollm2_135m"]
    st.markdown(md("ch10/responsibility_data"))
    cols = st.columns(2)
    cols[0].metric(t("ch10_bias.resp.tiny_tokens"), f"{int(meta['train_tokens']):,}",
                   help=t("ch10_bias.resp.tiny_tokens_help", steps=meta["max_iters"]))
    cols[1].metric(t("ch10_bias.resp.smol_tokens"), f"{smol.training_tokens:,.0f}", help=t("ch10_bias.resp.smol_card"))
    ratio = training_energy.rounded(smol.training_tokens / float(meta["train_tokens"]))
    st.caption(t("ch10_bias.resp.ratio", ratio=f"{ratio:,.0f}"))


def _leak_part(lang: str) -> None:
    st.subheader(t("ch10_bias.resp.leak_header"))
    st.markdown(md("ch10/responsibility_leak"))
    table = results().get("memorisation", {}).get(lang)
    if not table:
        st.info(t("ch10_bias.missing"), icon=":material/hourglass_empty:")
        return
    question = ask("ch10.memorised", ["more", "same", "fewer"], lambda: _memorised_answer(table),
                   context=(lang, table["train"]["exact"], table["held_out"]["exact"]))
    rows = [
        (t("ch10_bias.resp.sets.train", n=table["train"]["n"]), table["train"]["exact"], table["train"]["token_accuracy"]),
        (t("ch10_bias.resp.sets.held_out", n=table["held_out"]["n"]), table["held_out"]["exact"],
         table["held_out"]["token_accuracy"]),
        (t("ch10_bias.resp.sets.once", n=table["seen_once"]["n"]), table["seen_once"]["exact"],
         table["seen_once"]["token_accuracy"]),
        (t("ch10_bias.resp.sets.often", n=table["seen_often"]["n"]), table["seen_often"]["exact"],
         table["seen_often"]["token_accuracy"]),
    ]
    chart(shared.figure(figs.recall_figure, rows, {
        "title": t("ch10_bias.resp.recall_title"), "exact": t("ch10_bias.resp.exact"),
        "tokens": t("ch10_bias.resp.token_accuracy"), "y": t("ch10_bias.resp.percent"),
    }), key="ch10r_recall")
    question.end()
    with st.expander(t("ch10_bias.resp.examples"), icon=":material/list:"):
        examples = table["train"]["examples"][:8] + table["held_out"]["examples"][:8]
        st.dataframe(pd.DataFrame([{
            t("ch10_bias.resp.col_set"): t("ch10_bias.resp.set_train" if "times_seen" in e else "ch10_bias.resp.set_new"),
            t("ch10_bias.resp.col_prompt"): e["prompt"],
            t("ch10_bias.resp.col_expected"): e["expected"],
            t("ch10_bias.resp.col_completion"): e["completion"],
            t("ch10_bias.resp.col_exact"): "✓" if e["exact"] else "✗",
        } for e in examples]), hide_index=True, width="stretch")


def _memorised_answer(table: dict) -> quiz.Answer:
    train, held = table["train"]["exact"], table["held_out"]["exact"]
    case = "more" if train > held else "fewer" if train < held else "same"
    return quiz.Answer(frozenset({case}), case, {"train": f"{100 * train:.0f}", "held_out": f"{100 * held:.0f}"})


@guarded_fragment
def live_line_part(lang: str) -> None:
    """One line completed live by the tiny GPT (milliseconds: no job needed)."""
    table = results().get("memorisation", {}).get(lang) or {}
    examples = table.get("train", {}).get("examples") or []
    default = examples[0]["line"] if examples else t("ch10_bias.resp.live_default")
    seed_widget("ch10r_line", text_query_param("mem_line", default))
    line = bounded.text_input(t("ch10_bias.resp.live_label"), key="ch10r_line", limit=LINE_LIMIT)
    set_text_query_param("mem_line", line, default)
    if not line.strip():
        raise InputError("errors.text.empty")
    model, tokenizer = models.tiny_gpt(memorisation.TINY_GPT[lang])
    # greedy, so the same line always completes the same way: once per server for the whole class
    done = shared.result(("ch10.memorised_line", memorisation.TINY_GPT[lang], line),
                         lambda: memorisation.complete(model, tokenizer, line))
    st.markdown(t("ch10_bias.resp.live_result", prompt=plain(done["prompt"]), completion=plain(done["completion"]),
                  expected=plain(done["expected"]), accuracy=f"{100 * done['token_accuracy']:.0f}"))
    st.markdown(t("ch10_bias.resp.live_exact" if done["exact"] else "ch10_bias.resp.live_differs"))


def _energy_part() -> None:
    st.subheader(t("ch10_bias.resp.energy_header"))
    st.markdown(md("ch10/responsibility_energy"))
    stated = training_energy.assumptions()
    rows = training_energy.cost_table()
    names = {row["key"]: t(f"ch10_bias.resp.models.{row['key']}") for row in rows}
    chart(shared.figure(figs.energy_figure, [(names[row["key"]], row["kwh"]) for row in rows], {
        "title": t("ch10_bias.resp.energy_title"), "x": t("ch10_bias.resp.kwh"),
    }), key="ch10r_energy")
    st.dataframe(pd.DataFrame([{
        t("ch10_bias.resp.col_model"): names[row["key"]],
        t("ch10_bias.resp.col_parameters"): f"{row['parameters']:,.0f}",
        t("ch10_bias.resp.col_tokens"): f"{row['tokens']:,.0f}",
        t("ch10_bias.resp.col_flops"): f"{row['flops']:.2e}",
        t("ch10_bias.resp.col_hours"): f"{row['hours']:.3g}",
        t("ch10_bias.resp.col_kwh"): figs.kwh_label(row["kwh"]),
    } for row in rows]), hide_index=True, width="stretch")
    st.caption(t("ch10_bias.resp.assumptions", accelerator=stated["accelerator"], peak=stated["peak_tflops"],
                 utilisation=f"{100 * stated['utilisation']:.0f}", watts=f"{stated['watts']:.0f}"))
    gpt3 = next(row for row in rows if row["key"] == "gpt3")
    tiny = [row for row in rows if row["measured_seconds"]]
    if tiny:
        st.markdown(t("ch10_bias.resp.energy_compare",
                      homes=f"{training_energy.rounded(gpt3['kwh'] / stated['household_kwh']):,.0f}",
                      household=f"{stated['household_kwh']:,.0f}", gpt3=f"{training_energy.rounded(gpt3['kwh']):,.0f}",
                      seconds=f"{tiny[0]['measured_seconds']:.0f}",
                      tiny=names[tiny[0]['key']]))
