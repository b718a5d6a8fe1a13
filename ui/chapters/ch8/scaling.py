"""Section 6 of chapter 8: scaling laws, read from the measured sweep (several model sizes
trained for the same compute): loss against compute, and final loss against size."""

from __future__ import annotations

import streamlit as st

from ui import shared
from ui.chapters.ch8.common import CHART, View
from ui.common import chart, join_sentences, md, t
from viz import ch8 as figs


def section(view: View) -> None:
    st.header(t("ch8.scaling.header"))
    st.markdown(md("ch8/scaling"))
    scaling = view.results.get("scaling")
    if not scaling:
        st.info(t("ch8.story.missing"))
        return
    runs = [
        {"name": t("ch8.scaling.run_name", size=r["size"], params=f"{r['parameters']:,}"), "points": r["points"]}
        for r in scaling["runs"]
    ]
    fit_c, fit_n = scaling["fit_compute"], scaling["fit_parameters"]
    compute_e, size_e = exponent(fit_c), exponent(fit_n)
    left, right = st.columns(2)
    with left:
        labels = {
            "title": t("ch8.scaling.compute_title", e=compute_e),
            "x": t("ch8.scaling.compute_x"),
            "y": t("ch8.scaling.loss_y"),
            "fit": t("ch8.scaling.fit", a=f"{fit_c['a']:.3g}", e=compute_e),
        }
        chart(shared.figure(figs.scaling_compute_figure, runs, scaling["frontier"], fit_c, labels), key="ch8_scaling_compute", **CHART)
    with right:
        labels = {
            "title": t("ch8.scaling.params_title", e=size_e),
            "x": t("ch8.scaling.params_x"),
            "y": t("ch8.scaling.loss_y"),
            "points": t("ch8.scaling.points"),
            "fit": t("ch8.scaling.fit", a=f"{fit_n['a']:.3g}", e=size_e),
        }
        fig = shared.figure(  # the measured sweep: the same for every student, built once per server
            figs.scaling_params_figure,
            [r["parameters"] for r in scaling["runs"]],
            [r["points"][-1][1] for r in scaling["runs"]],
            [r["size"] for r in scaling["runs"]],
            fit_n,
            labels,
        )
        chart(fig, key="ch8_scaling_params", **CHART)
    caption = t("ch8.scaling.caption", budget=f"{scaling['budget_flops']:.2e}", e=compute_e, en=size_e)
    note = t("ch8.scaling.size_note_rises" if fit_n["b"] < 0 else "ch8.scaling.size_note_falls")
    st.caption(join_sentences(caption, note))


def exponent(fit: dict) -> str:
    """The power of x in the fitted law, signed as written everywhere (titles, legend, caption):
    the fit is ``loss ≈ a·x^(-b)``, so the exponent is ``-b`` ("-0.632": loss falls with x)."""
    return f"{-fit['b']:+.3f}"
