"""Sections 2 and 3 of chapter 8: instruction tuning and fine-tuning for a task.

One module for both because they are one lesson told twice: the same base GPT, the same
training loop on (prompt, answer) pairs, the same controls (steps in the link, a run
button), the same shared queue job (:func:`lm_core.analysis.ch8_lab.tuning_job`); only the
pairs and what is measured afterwards differ (answers to held-out questions, or the
sentiment test split's scores).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.core.device import inference_threads
from lm_core.data.instructions import split_pairs
from ui import jobs, models
from ui.chapters.ch8.common import CHART, View
from ui.common import chart, current_seed, guard, int_query_param, join_sentences, md, set_query_param, t
from viz import ch8 as figs

STEPS = (10, 500, 150)  # low, high, default
CAP_S = 120.0  # a run past this stops and keeps what it learned
PREFIX = {"instruct": "it", "finetune": "ft"}  # of the panels' widget keys and link parameters


@st.cache_data(show_spinner=False, max_entries=4)
def answers_before(data_lang: str) -> list[str]:
    """The base GPT's answers to the held-out questions (before any tuning)."""
    model, tokenizer = models.ch8_base(data_lang)
    _, held = split_pairs(data_lang)
    with inference_threads():
        return lab.answer_questions(model, tokenizer, held)


@dataclass(frozen=True)
class TuningRequest:
    """One tuning run a learner asked for; the same request from any session is the same run."""

    kind: str  # "instruct" or "finetune" (lab.TUNING_KINDS)
    data_lang: str
    steps: int
    seed: int

    @property
    def key(self) -> tuple:
        """The shared queue's key for this request."""
        return (f"ch8.{self.kind}", self.data_lang, self.steps, self.seed)

    @property
    def state_key(self) -> str:
        """Where this session keeps its last result of this panel."""
        return f"ch8_{PREFIX[self.kind]}_result"


def request_for(kind: str, data_lang: str, steps: int) -> TuningRequest:
    return TuningRequest(kind, data_lang, steps, current_seed())


def run_job(request: TuningRequest) -> dict:
    """Tune through the server's queue (identical requests run once, each session gets its
    copy) and keep the result in this session."""
    bar = st.progress(0.0, text=t("ch8.tune.queued"))

    def on_progress(report: dict) -> None:
        loss = f"{report['loss']:.3f}"
        bar.progress(report["step"] / report["total"],
                     text=t("ch8.tune.progress", step=report["step"], total=report["total"], loss=loss))

    job = functools.partial(lab.tuning_job, request.kind, request.data_lang, request.steps, request.seed)
    result = jobs.run_shared(request.key, job, label=f"ch8.{request.kind}", on_progress=on_progress, cap_s=CAP_S)
    bar.empty()
    st.session_state[request.state_key] = {"request": request, "result": result}
    return result


def stored_result(request: TuningRequest) -> dict | None:
    """This session's last result of the panel, if it was for the settings shown now."""
    stored = st.session_state.get(request.state_key)
    if stored is not None and stored["request"] == request:
        return stored["result"]
    return None


def controls(section: str, icon: str) -> tuple[int, bool]:
    """A tuning panel's steps slider (kept in the URL as ``it_steps`` / ``ft_steps``) and its run button."""
    prefix = PREFIX[section]
    cols = st.columns([2, 1, 3])
    key = f"ch8_{prefix}_steps"
    st.session_state.setdefault(key, int_query_param(f"{prefix}_steps", STEPS[2], STEPS[0], STEPS[1]))
    steps = cols[0].slider(t(f"ch8.{section}.steps"), STEPS[0], STEPS[1], step=10, key=key,
                           help=t(f"ch8.{section}.steps_help"))
    set_query_param(f"{prefix}_steps", steps)
    cols[1].write("")
    clicked = cols[1].button(t(f"ch8.{section}.button"), key=f"ch8_{prefix}_run", type="primary", icon=icon)
    return steps, clicked


def loss_chart(section: str, losses: list) -> None:
    """The answer-only loss curve of a finished tuning run."""
    steps_done, values = zip(*losses, strict=True)
    labels = {"title": t(f"ch8.{section}.loss_title"), "x": t("ch8.axis.step"), "y": t("ch8.axis.answer_loss")}
    chart(figs.loss_figure({t(f"ch8.{section}.loss_name"): (steps_done, values)}, labels, height=300),
          key=f"ch8_{PREFIX[section]}_loss", **CHART)


@st.fragment
def instruction_section(view: View) -> None:
    """Section 2: the base GPT's answers to held-out questions, before and after tuning."""
    st.header(t("ch8.instruct.header"))
    st.markdown(md("ch8/instruct"))
    _, held = split_pairs(view.data_lang)
    steps, clicked = controls("instruct", ":material/school:")
    request = request_for("instruct", view.data_lang, steps)
    with guard():
        before = answers_before(view.data_lang)
        if clicked:
            run_job(request)
        outcome = stored_result(request)
        after = None if outcome is None else outcome["after"]
        if outcome is not None:
            loss_chart("instruct", outcome["losses"])
        rows = []
        for i, pair in enumerate(held):
            row = {
                t("ch8.instruct.col_question"): pair.question,
                t("ch8.instruct.col_expected"): pair.answer.strip(),
                t("ch8.instruct.col_before"): lab.marked(before[i], pair.answer),
            }
            if after is not None:
                row[t("ch8.instruct.col_after")] = lab.marked(after[i], pair.answer)
            rows.append(row)
        summary = t("ch8.instruct.score_before", **lab.tally(before, held, view.data_lang))
        if after is not None:
            summary = join_sentences(summary, t("ch8.instruct.score_after", **lab.tally(after, held, view.data_lang)))
        st.markdown(f"**{summary}**")
        st.dataframe(rows, hide_index=True, width="stretch")


@st.fragment
def finetune_section(view: View) -> None:
    """Section 3: fine-tune for the sentiment task; the result joins the comparison as the
    learner's own method."""
    st.header(t("ch8.finetune.header"))
    st.markdown(md("ch8/finetune"))
    steps, clicked = controls("finetune", ":material/tune:")
    st.caption(t("ch8.finetune.data", n=len(view.train_split)))
    request = request_for("finetune", view.data_lang, steps)
    with guard():
        if clicked:
            outcome = run_job(request)
            view.own_methods()["gpt:finetuned_own"] = {
                "probs": outcome["probs"], "content_free": None, "no_calibration": True
            }
        outcome = stored_result(request)
        if outcome is not None:
            loss_chart("finetune", outcome["losses"])
            f1 = lab.evaluate_probs(view.gold, outcome["probs"]).weighted_f1
            st.markdown(f"**{t('ch8.finetune.f1', f1=f'{f1:.3f}', n=len(view.gold))}**")
        else:
            st.info(t("ch8.finetune.press"), icon=":material/tune:")
