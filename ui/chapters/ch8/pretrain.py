"""Section 1 of chapter 8: pretraining a GPT of one's own, live.

The run goes through the server's shared queue (thirty identical requests are one run) and
is replayed into this session: a progress bar, a loss chart redrawn as it goes, and the
session's own model, which takes each checkpoint's weights, so a learner who presses Stop
keeps what was learnt so far. The run lives in ``st.session_state["ch8_pt_run"]``, where
``ui.own_model`` finds it for the generation and attention pages.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.core.errors import InputError
from lm_core.train.pretrain import MODEL_SIZES, make_gpt
from ui import jobs, uploads
from ui.chapters.ch8.common import CHART
from ui.common import chart, choice_query_param, current_seed, guard, int_query_param, md, set_query_param, t
from viz import ch8 as figs

CORPORA = ("toy_en", "toy_zh", "upload")
SIZES = tuple(MODEL_SIZES)
STEPS = (20, 2000, 300)  # low, high, default
CAP_S = 240.0  # a run past this stops and keeps what it learned
RUN_KEY = "ch8_pt_run"  # read by ui.own_model: keep its fields
REDRAW_S = 1.5  # the live chart is redrawn at most this often between checkpoints


@dataclass(frozen=True)
class PretrainRequest:
    """What a learner asked to pretrain; the same request from any session is the same run."""

    corpus: str
    size: str
    steps: int
    seed: int
    digest: str | None  # fingerprint of an uploaded corpus, None for a shipped one

    @property
    def key(self) -> tuple:
        """The shared queue's key for this request."""
        return ("ch8.pretrain", self.corpus, self.size, self.steps, self.seed, self.digest)


class Replay:
    """The shared run replayed into this session, report by report.

    ``run`` is the session's record (``ui.own_model`` reads it): its own model (built once the
    tokenizer is known), the tokenizer, the checkpoints, the batch losses, whether it finished
    and the parameter count. It is stored before training starts, so it survives a Stop."""

    def __init__(self, request: PretrainRequest, slot) -> None:  # noqa: ANN001 (st.empty)
        self.request = request
        self.slot = slot
        self.run = {
            "key": request.key,
            "model": None,
            "tokenizer": None,
            "checkpoints": [],
            "losses": [],
            "finished": False,
            "params": 0,
        }
        st.session_state[RUN_KEY] = self.run
        self.bar = st.progress(0.0, text=t("ch8.pretrain.starting"))
        self.last_draw = 0.0
        self.draws = 0

    def on_progress(self, report: dict) -> None:
        if report["kind"] == "prepared":
            self._prepared(report)
        else:
            self._step(report)

    def _prepared(self, report: dict) -> None:
        """The data is ready: build this session's own model, the same shape as the shared run's."""
        tokenizer = report["tokenizer"]
        model = make_gpt(self.request.size, tokenizer.vocab_size, seed=self.request.seed)
        model.eval().requires_grad_(False)
        self.run.update(tokenizer=tokenizer, model=model, params=model.num_parameters())
        text = t("ch8.pretrain.prepared", tokens=f"{report['tokens']:,}", vocab=tokenizer.vocab_size)
        self.bar.progress(0.0, text=text)

    def _step(self, report: dict) -> None:
        self.run["losses"].append((report["step"], report["loss"]))
        if "checkpoint" in report:
            self.run["checkpoints"].append(report["checkpoint"])
            self.run["model"].load_state_dict(report["state"])
        loss = f"{report['loss']:.3f}"
        text = t("ch8.pretrain.progress", step=report["step"], total=report["total"], loss=loss)
        self.bar.progress(report["step"] / report["total"], text=text)
        if "checkpoint" in report or time.monotonic() - self.last_draw > REDRAW_S:
            self.last_draw = time.monotonic()
            self.draws += 1
            draw(self.run, self.slot, key=f"ch8_pt_live_{self.draws}")

    def finish(self, result: dict) -> None:
        self.run["model"].load_state_dict(result["state"])
        self.run["finished"] = True
        self.bar.empty()


def train_in_queue(request: PretrainRequest, sentences: list[str], corpus_lang: str, slot) -> None:  # noqa: ANN001
    """Wait for the shared run, replaying it here; the session keeps its own model."""
    replay = Replay(request, slot)
    job = functools.partial(lab.pretraining_job, sentences, corpus_lang, request.size, request.steps, request.seed)
    result = jobs.run_shared(request.key, job, label="ch8.pretrain", on_progress=replay.on_progress, cap_s=CAP_S)
    replay.finish(result)


def draw(run: dict, slot, key: str = "ch8_pt_loss") -> None:  # noqa: ANN001 (st.empty)
    """The loss curves (batch, train, validation) and the sample text at each checkpoint."""
    with slot.container():
        checkpoints = run["checkpoints"]
        series = {}
        if run["losses"]:
            steps, losses = zip(*run["losses"], strict=True)
            series[t("ch8.pretrain.batch_loss")] = (steps, losses)
        if checkpoints:
            at = [c.step for c in checkpoints]
            series[t("ch8.pretrain.train_loss")] = (at, [c.train_loss for c in checkpoints])
            series[t("ch8.pretrain.val_loss")] = (at, [c.val_loss for c in checkpoints])
        if series:
            labels = {"title": t("ch8.pretrain.loss_title"), "x": t("ch8.axis.step"), "y": t("ch8.axis.loss")}
            chart(figs.loss_figure(series, labels), key=key, **CHART)
        if checkpoints:
            st.markdown(f"**{t('ch8.pretrain.samples')}**")
            st.table(
                [
                    {
                        t("ch8.pretrain.col_step"): c.step,
                        t("ch8.pretrain.col_val"): round(c.val_loss, 3),
                        t("ch8.pretrain.col_sample"): c.sample,
                    }
                    for c in checkpoints
                ]
            )


def _controls(lang: str) -> tuple[str, str, int]:
    """Corpus, model size and steps, each kept in the link."""
    controls = st.columns([2, 1, 2])
    default_corpus = "toy_zh" if lang == "zh" else "toy_en"
    st.session_state.setdefault("ch8_pt_corpus", choice_query_param("corpus", CORPORA, default_corpus))
    corpus = controls[0].radio(
        t("ch8.pretrain.corpus"),
        CORPORA,
        format_func=lambda c: t(f"ch8.pretrain.corpus_{c}"),
        horizontal=True,
        key="ch8_pt_corpus",
    )
    st.session_state.setdefault("ch8_pt_size", choice_query_param("size", SIZES, "s"))
    size = controls[1].selectbox(
        t("ch8.pretrain.size"),
        SIZES,
        key="ch8_pt_size",
        help=t("ch8.pretrain.size_help"),
        format_func=lambda s: t("ch8.pretrain.size_option", name=s, layers=MODEL_SIZES[s][0], width=MODEL_SIZES[s][2]),
    )
    st.session_state.setdefault("ch8_pt_steps", int_query_param("steps", STEPS[2], STEPS[0], STEPS[1]))
    steps = controls[2].slider(
        t("ch8.pretrain.steps"), STEPS[0], STEPS[1], step=10, key="ch8_pt_steps", help=t("ch8.pretrain.steps_help")
    )
    for name, value in (("corpus", corpus), ("size", size), ("steps", steps)):
        set_query_param(name, value)
    return corpus, size, steps


@st.fragment
def section(lang: str) -> None:
    """Section 1 (``lang``: the learner's language, which picks the default corpus)."""
    st.header(t("ch8.pretrain.header"))
    st.markdown(md("ch8/pretrain"))
    corpus, size, steps = _controls(lang)
    upload = None
    if corpus == "upload":
        upload = uploads.file_uploader(
            t("ch8.pretrain.upload"), type=["txt"], key="ch8_pt_upload", help=t("ch8.pretrain.upload_help")
        )
    buttons = st.columns([1, 1, 4])
    train_clicked = buttons[0].button(
        t("ch8.pretrain.train"), type="primary", key="ch8_pt_train", icon=":material/model_training:"
    )
    buttons[1].button(
        t("ch8.pretrain.stop"), key="ch8_pt_stop", icon=":material/stop_circle:", help=t("ch8.pretrain.stop_help")
    )
    slot = st.empty()
    if train_clicked:
        with guard():
            if corpus == "upload" and upload is None:
                raise InputError("ch8.errors.no_upload")
            sentences, corpus_lang, digest = lab.corpus_sentences(corpus, None if upload is None else upload.getvalue())
            request = PretrainRequest(corpus, size, steps, current_seed(), digest)
            train_in_queue(request, sentences, corpus_lang, slot)
    run = st.session_state.get(RUN_KEY)
    if run is None:
        st.info(t("ch8.pretrain.none_yet"), icon=":material/model_training:")
        return
    if run["finished"]:
        done = run["losses"][-1][0] if run["losses"] else 0
        st.success(t("ch8.pretrain.finished", params=f"{run['params']:,}", steps=done), icon=":material/check_circle:")
    else:
        kept = run["checkpoints"][-1].step if run["checkpoints"] else 0
        st.warning(t("ch8.pretrain.stopped", params=f"{run['params']:,}", steps=kept), icon=":material/pause:")
    draw(run, slot)
