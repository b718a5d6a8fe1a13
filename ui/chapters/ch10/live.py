"""A learner's own run: both addition GPTs trained side by side with a smaller budget.

The run goes through the server's shared queue (a class pressing Train with the same
steps and seed is one run) and is replayed into every waiting session: a progress bar and
the two loss curves, redrawn as they grow. The result (losses and accuracy on a small
held-out test) stays in this session's ``st.session_state``."""

from __future__ import annotations

import functools
import time

import streamlit as st

from lm_core.analysis import reasoning
from lm_core.data.arithmetic import FORMATS
from ui import jobs
from ui.common import chart, current_seed, guard, int_query_param, md, set_query_param, t
from viz import ch8 as ch8_figs
from viz import ch10 as figs

STEPS = (50, 1500, 400)  # low, high, default
CAP_S = 300.0
RUN_KEY = "ch10_run"
REDRAW_S = 1.5


class Replay:
    """The shared run replayed here: the progress bar and the loss curves as they grow."""

    def __init__(self, slot) -> None:  # noqa: ANN001 (st.empty)
        self.slot = slot
        self.losses: dict[str, list[tuple[int, float]]] = {fmt: [] for fmt in FORMATS}
        self.bar = st.progress(0.0, text=t("ch10.live.starting"))
        self.last_draw = 0.0
        self.draws = 0

    def on_progress(self, report: dict) -> None:
        self.losses[report["fmt"]].append((report["step"], report["loss"]))
        if report["fmt"] != FORMATS[-1]:
            return
        text = t("ch10.live.progress", step=report["step"], total=report["total"])
        self.bar.progress(report["step"] / report["total"], text=text)
        if time.monotonic() - self.last_draw > REDRAW_S:
            self.last_draw = time.monotonic()
            self.draws += 1
            with self.slot.container():
                _loss_chart(self.losses, key=f"ch10_live_loss_{self.draws}")


def _loss_chart(losses: dict, key: str) -> None:
    series = {t(f"ch10.model.{fmt}"): tuple(zip(*losses[fmt], strict=True)) for fmt in FORMATS if losses[fmt]}
    labels = {"title": t("ch10.live.loss_title"), "x": t("ch10.live.x"), "y": t("ch10.live.y")}
    chart(ch8_figs.loss_figure(series, labels), key=key)


def _show(run: dict, slot) -> None:  # noqa: ANN001 (st.empty)
    with slot.container():
        _loss_chart(run["losses"], key="ch10_live_loss")
        digits = sorted(int(n) for n in run["accuracy"]["direct"])
        labels = {fmt: t(f"ch10.model.{fmt}") for fmt in FORMATS} | {
            "title": t("ch10.live.accuracy_title", steps=run["steps"]),
            "x": t("ch10.chart.x"),
            "y": t("ch10.chart.y"),
            "held_out": t("ch10.chart.held_out"),
        }
        accuracy = {fmt: [run["accuracy"][fmt][str(n)] for n in digits] for fmt in FORMATS}
        chart(figs.accuracy_figure(digits, accuracy, labels, held_out=reasoning.HELD_OUT_DIGITS), key="ch10_live_acc")


@st.fragment
def section() -> None:
    st.header(t("ch10.live.header"))
    st.markdown(md("ch10/live"))
    st.session_state.setdefault("ch10_steps", int_query_param("steps", STEPS[2], STEPS[0], STEPS[1]))
    steps = st.slider(t("ch10.live.steps"), STEPS[0], STEPS[1], step=50, key="ch10_steps", help=t("ch10.live.steps_help"))
    set_query_param("steps", steps)
    clicked = st.button(t("ch10.live.train"), type="primary", key="ch10_train", icon=":material/model_training:")
    slot = st.empty()
    if clicked:
        with guard():
            seed = current_seed()
            replay = Replay(slot)
            job = functools.partial(reasoning.training_job, steps, seed)
            result = jobs.run_shared(("ch10.cot", steps, seed), job, label="ch10.cot", on_progress=replay.on_progress,
                                     cap_s=CAP_S)
            replay.bar.empty()
            st.session_state[RUN_KEY] = result
    run = st.session_state.get(RUN_KEY)
    if run is None:
        st.info(t("ch10.live.none_yet"), icon=":material/model_training:")
        return
    st.success(t("ch10.live.finished", steps=run["steps"], seconds=run["seconds"]), icon=":material/check_circle:")
    _show(run, slot)
