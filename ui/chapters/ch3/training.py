"""Chapter 3, first section: the corpus, the training settings, a run on the server's shared
queue (identical requests share one run), and which model the rest of the page shows."""

from __future__ import annotations

import functools
import time

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.core.text import decode_upload
from lm_core.embeddings import word2vec as w2v
from ui import jobs, models, shared, uploads
from ui.common import (
    chart,
    choice_query_param,
    current_language,
    current_seed,
    guard,
    int_query_param,
    plain,
    seed_widget,
    set_query_param,
    t,
)
from ui.shared import shared_chart, shared_figure
from viz import embeddings as fig

CORPORA = ("toy_en", "toy_zh", "upload")
ARCHITECTURES = ("sg", "cbow")
TRAIN_BUDGET_S = 60.0  # a run stops (keeping what it learned) after this long
LIVE_CHART_EVERY = 20  # progress reports between two redraws of the live loss curve
SETTINGS = {  # URL parameter -> (widget key, low, high, default)
    "dim": ("w2v_dim", 2, 200, w2v.TOY_CONFIG.dim),
    "window": ("w2v_window", 1, 10, w2v.TOY_CONFIG.window),
    "negative": ("w2v_negative", 1, 20, w2v.TOY_CONFIG.negative),
    "epochs": ("w2v_epochs", 1, 50, w2v.TOY_CONFIG.epochs),
    "min_count": ("w2v_min_count", 1, 20, w2v.TOY_CONFIG.min_count),
}


def training_controls(lang: str):  # noqa: ANN201 - (corpus name, uploaded file or None, clicked)
    """The corpus and the settings, each from the URL and written back; the Train button."""
    for param, (key, low, high, default) in SETTINGS.items():
        seed_widget(key, int_query_param(param, default, low, high))
    seed_widget("w2v_corpus", choice_query_param("corpus", CORPORA, "toy_en" if lang == "en" else "toy_zh"))
    seed_widget("w2v_arch", choice_query_param("arch", ARCHITECTURES, "sg"))
    corpus_name = st.radio(
        t("ch3.train.corpus"), CORPORA,
        format_func={c: t(f"ch3.corpus.{c}") for c in CORPORA}.__getitem__, horizontal=True, key="w2v_corpus",
    )
    set_query_param("corpus", corpus_name)
    upload = None
    if corpus_name == "upload":
        upload = uploads.file_uploader(t("ch3.train.upload"), type=["txt"], key="w2v_upload",
                                       help=t("ch3.train.upload_help"))
    architecture = st.radio(t("ch3.train.architecture"), ARCHITECTURES,
                            format_func={a: t(f"ch3.train.arch_{a}") for a in ARCHITECTURES}.__getitem__,
                            horizontal=True, key="w2v_arch")
    col_a, col_b = st.columns(2)
    with col_a:
        st.slider(t("ch3.train.dim"), 2, 200, step=1, key="w2v_dim", help=t("ch3.train.dim_help"))
        st.slider(t("ch3.train.window"), 1, 10, key="w2v_window", help=t("ch3.train.window_help"))
        st.slider(t("ch3.train.negative"), 1, 20, key="w2v_negative", help=t("ch3.train.negative_help"))
    with col_b:
        st.slider(t("ch3.train.epochs"), 1, 50, key="w2v_epochs", help=t("ch3.train.epochs_help"))
        st.slider(t("ch3.train.min_count"), 1, 20, key="w2v_min_count", help=t("ch3.train.min_count_help"))
    for param, (key, *_unused) in SETTINGS.items():
        set_query_param(param, st.session_state[key])
    set_query_param("arch", architecture)
    clicked = st.button(t("ch3.train.button"), type="primary", icon=":material/model_training:", key="w2v_train")
    return corpus_name, upload, clicked


def _config() -> w2v.Word2VecConfig:
    """The settings on screen, with the session's seed."""
    values = {param: int(st.session_state[key]) for param, (key, *_unused) in SETTINGS.items()}
    return w2v.Word2VecConfig(**values, sg=st.session_state["w2v_arch"] == "sg", seed=current_seed())


def start_training(corpus_name: str, upload) -> None:  # noqa: ANN001 - Streamlit's UploadedFile
    """Submit the run to the server's queue; identical requests (same corpus, settings, seed)
    share one run. The job loads its corpus itself (it may run in another process)."""
    upload_text = None
    if corpus_name == "upload":
        if upload is None:
            raise InputError("errors.file.none_uploaded")
        upload_text = decode_upload(upload.getvalue())
        corpus_key = ("upload", w2v.text_digest(upload_text))
    else:
        corpus_key = (corpus_name,)
    config = _config()
    # An upload's run is shared while it runs, not kept after: nobody else asks for it later, and
    # kept it would stay in the server's memory after the class left (tests/e2e/test_memory.py).
    job = jobs.submit(("ch3.word2vec", corpus_key, config), functools.partial(w2v.train_job, corpus_name, upload_text, config),
                      label="ch3.word2vec", cap_s=TRAIN_BUDGET_S, keep=corpus_name != "upload")
    st.session_state["w2v_job"] = (job, corpus_name, config)


def wait_for_training() -> None:
    """Wait for this session's pending run, if any (kept in the session, so a rerun while
    waiting, a slider moved, keeps waiting)."""
    pending = st.session_state.get("w2v_job")
    if pending is None:
        return
    with guard():
        try:
            _session_model(*pending)
        except Exception:  # failed (the message shows): wait no more; a rerun keeps waiting
            st.session_state.pop("w2v_job", None)
            raise
        st.session_state.pop("w2v_job", None)


def _session_model(job: jobs.Job, corpus_name: str, config: w2v.Word2VecConfig) -> None:
    """Wait for the shared run (replaying its progress here), then keep this session's own copy."""
    progress_bar = st.progress(0.0, text=t("ch3.train.starting"))
    loss_slot = st.empty()
    live_steps: list[int] = []
    live_losses: list[float] = []
    last_bar, last_draw = [0.0], [0.0]
    lang = current_language()

    def on_progress(p: dict) -> None:
        live_steps.append(p["step"])
        live_losses.append(p["loss"])
        now = time.monotonic()
        if now - last_bar[0] > 0.25:  # a replay of a finished run sends a few updates, not hundreds
            last_bar[0] = now
            share = min(1.0, p["step"] / max(p["total_steps"], 1))
            progress_bar.progress(share, text=t("ch3.train.progress", epoch=p["epoch"] + 1, epochs=config.epochs,
                                                loss=f"{p['loss']:.3f}", words=f"{p['words_done']:,}"))
        # The live loss curve: every LIVE_CHART_EVERY-th report, at most twice a second, and built once per
        # server for all the sessions sharing this run (60 sessions each building it 2.5 times a second
        # starved the training itself).
        if len(live_steps) % LIVE_CHART_EVERY == 1 and now - last_draw[0] > 0.5:
            last_draw[0] = now
            steps, losses = list(live_steps), list(live_losses)
            curve = shared_figure(("ch3.live", job.key, lang, len(steps)), lambda: fig.loss_curve(
                steps, losses, title=t("ch3.train.loss_title"), x_title=t("ch3.train.step"), y_title=t("ch3.train.loss"),
                total_steps=p["total_steps"]))
            shared_chart(curve, key=f"w2v_live_{len(steps)}", where=loss_slot)

    result: w2v.TrainResult = jobs.wait_in_page(job, on_progress=on_progress)  # this session's deep copy
    progress_bar.progress(1.0, text=t("ch3.train.done", seconds=f"{result.seconds:.1f}",
                                      speed=f"{result.words_per_second:,.0f}"))
    if result.stopped:
        st.warning(t("ch3.train.stopped", seconds=int(TRAIN_BUDGET_S)), icon=":material/timer:")
    if result.vocabulary_cap:  # an upload with more distinct words than a model keeps
        cap = result.vocabulary_cap
        st.info(t("ch3.train.capped", kept=f"{cap['kept']:,}", dropped=f"{cap['dropped']:,}",
                  share=f"{100 * cap['share']:.1f}", examples=plain(", ".join(cap["examples"]))),
                icon=":material/filter_alt:")
    groups = models.word2vec_corpus(corpus_name).word_groups if corpus_name in w2v.TOY_CORPORA else {}
    model_id = w2v.run_model_id(corpus_name, job.key)
    st.session_state["w2v_model"] = w2v.Word2VecModel.from_result(result, corpus_name, model_id, groups)
    loss_slot.empty()


def current_model(corpus_name: str) -> w2v.Word2VecModel | None:
    """This session's own model of the chosen corpus, else the shipped one (None for an
    upload not trained yet, or when the shipped vectors cannot be read: a message says why)."""
    model = st.session_state.get("w2v_model")
    if model is not None and model.corpus != corpus_name:
        model = None
    if model is None and corpus_name != "upload":
        with guard():
            model = models.word2vec(corpus_name)
    return model


def model_summary(model: w2v.Word2VecModel | None, corpus_name: str) -> None:
    """Where the vectors come from, their settings and their loss curve."""
    if model is None and corpus_name == "upload":
        st.info(t("ch3.train.upload_first"), icon=":material/upload_file:")
        return
    if model is None:
        return  # the shipped vectors could not be read: the message above says why
    cfg = model.config
    source = t("ch3.train.source_shipped") if model.shipped else t("ch3.train.source_session")
    st.caption(t("ch3.train.model_info", source=source, words=len(model.vectors), dim=cfg["dim"], window=cfg["window"],
                 negative=cfg["negative"], epochs=cfg["epochs"], arch=t(f"ch3.train.arch_{'sg' if cfg['sg'] else 'cbow'}")))
    if model.losses:
        steps, losses = zip(*model.losses, strict=True)
        chart(shared.figure(fig.loss_curve, steps, losses, title=t("ch3.train.loss_title"), x_title=t("ch3.train.step"),
                             y_title=t("ch3.train.loss")), width="stretch", key="w2v_loss")
