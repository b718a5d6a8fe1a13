"""Chapter 4, the bottleneck: both shipped models' accuracy by sentence length (computed
once per server), and a learner's own quick run of both through the shared queue."""

from __future__ import annotations

import functools

import streamlit as st

from lm_core.analysis import quiz
from lm_core.data.corpora import load_corpus
from lm_core.train import seq2seq as s2s_train
from ui import jobs, models
from ui.chapters.ch4.steps import CHART
from ui.chapters.ch4.translations import KINDS, shipped_bottleneck
from ui.common import (
    chart,
    choice_query_param,
    current_seed,
    guard,
    int_query_param,
    md,
    set_query_param,
    t,
)
from ui.predict import ask
from viz import seq2seq as figs

EPOCH_CHOICES = (1, 2, 3, 4, 5)
PAIR_CHOICES = (1000, 2000, 4000, 6000)
HIDDEN_CHOICES = (32, 64, 128)
RUN_CAP_S = 300.0  # a learner's run on a busy classroom server: stop it (with what it has) after this
DEFAULT_RUN = s2s_train.QuickRun()


def bottleneck_section() -> None:
    st.subheader(t("ch4.bottleneck.header"))
    st.markdown(md("ch4/bottleneck"))
    with guard():
        with st.spinner():
            shipped = shipped_bottleneck()
        long_sentence = long_sentence_question(shipped)
        bottleneck_chart(shipped, t("ch4.bottleneck.title"), "ch4_bottleneck")
        long_sentence.end()
        st.caption(t("ch4.bottleneck.caption", n=s2s_train.pairs_measured(shipped["plain"]), per=shipped["plain"][0]["n"]))
        plain_model, attention_model = models.translator("plain"), models.translator("attention")
        config = attention_model.model.config
        st.caption(
            t(
                "ch4.translate.sizes",
                params_plain=f"{plain_model.model.num_parameters():,}",
                params_attention=f"{attention_model.model.num_parameters():,}",
                embed=config.embed_dim,
                hidden=config.hidden_dim,
                pairs=f"{len(load_corpus('toy_en_nl').pairs):,}",
            )
        )


def long_sentence_question(runs: dict):  # noqa: ANN201 - ui.predict's question handle
    """Predict, then reveal: how often is the one-vector model exactly right on the longest
    held-out sentences? (the accuracy chart answers)"""
    plain_row, attention_row = runs["plain"][-1], runs["attention"][-1]

    def answer() -> quiz.Answer:
        share = plain_row["exact_match"]
        name = quiz.bucket(share, quiz.PROBABILITY_EDGES, quiz.PROBABILITY_BUCKETS)
        return quiz.Answer(frozenset({name}), "", {"share": share, "attention": attention_row["exact_match"]})

    return ask(
        "ch4.long_sentence",
        quiz.PROBABILITY_BUCKETS,
        answer,
        params={"low": plain_row["low"], "high": plain_row["high"]},
        context=(plain_row["low"], plain_row["high"]),
    )


def bottleneck_chart(runs: dict, title: str, key: str) -> None:
    labels = {
        "title": title,
        "x": t("ch4.bottleneck.x"),
        "y": t("ch4.bottleneck.y"),
        "plain": t("ch4.bottleneck.plain"),
        "attention": t("ch4.bottleneck.attention"),
        "word_accuracy": t("ch4.bottleneck.word_accuracy"),
        "exact_match": t("ch4.bottleneck.exact_match"),
    }
    chart(figs.length_accuracy_figure({k: runs[k] for k in KINDS}, labels), key=key, **CHART)
    longest_plain, longest_attention = runs["plain"][-1], runs["attention"][-1]
    st.caption(
        t(
            "ch4.bottleneck.longest",
            low=longest_plain["low"],
            high=longest_plain["high"],
            att=figs.percent(longest_attention["word_accuracy"]),
            plain=figs.percent(longest_plain["word_accuracy"]),
            att_exact=figs.percent(longest_attention["exact_match"]),
            plain_exact=figs.percent(longest_plain["exact_match"]),
        )
    )


def run_shared(run: s2s_train.QuickRun) -> tuple[dict, bool]:
    """``run``'s result through the server's training queue: identical runs (same settings and
    seed) are computed once, and every session replays the progress and gets its own copy.
    Returns (result, whether it was already finished when asked for)."""
    job = jobs.submit(("ch4.seq2seq", run), functools.partial(s2s_train.quick_run_job, run),
                      label="ch4.seq2seq", cap_s=RUN_CAP_S)
    reused = job.finished
    bar = st.empty() if reused else st.progress(0.0, text=t("ch4.train.starting"))

    def on_progress(report: dict) -> None:
        text = t(
            "ch4.train.progress",
            model=t(f"ch4.translate.{report['kind']}"),
            step=report["step"],
            total=report["total"],
            loss=f"{report['loss']:.3f}",
        )
        bar.progress(s2s_train.quick_run_share(report), text=text)

    result = jobs.wait_in_page(job, on_progress=None if reused else on_progress)
    bar.empty()
    return result, reused


@st.fragment
def training_section() -> None:
    """Three settings (from the URL, written back) and Train: both models, the learner's seed."""
    st.subheader(t("ch4.train.header"))
    st.markdown(t("ch4.train.intro"))
    defaults = {
        "ch4_epochs": int_query_param("epochs", DEFAULT_RUN.epochs, EPOCH_CHOICES[0], EPOCH_CHOICES[-1]),
        "ch4_pairs": int(choice_query_param("pairs", [str(p) for p in PAIR_CHOICES], str(DEFAULT_RUN.n_pairs))),
        "ch4_hidden": int(choice_query_param("hidden", [str(h) for h in HIDDEN_CHOICES], str(DEFAULT_RUN.hidden_dim))),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    cols = st.columns([2, 2, 2, 2])
    epochs = cols[0].select_slider(t("ch4.train.epochs"), EPOCH_CHOICES, key="ch4_epochs")
    n_pairs = cols[1].select_slider(t("ch4.train.pairs"), PAIR_CHOICES, key="ch4_pairs")
    hidden = cols[2].select_slider(t("ch4.train.hidden"), HIDDEN_CHOICES, key="ch4_hidden")
    for name, value in (("epochs", epochs), ("pairs", n_pairs), ("hidden", hidden)):
        set_query_param(name, value)
    run = s2s_train.QuickRun(n_pairs=int(n_pairs), epochs=int(epochs), hidden_dim=int(hidden), seed=current_seed())
    cols[3].write("")
    if cols[3].button(t("ch4.train.button"), key="ch4_train", type="primary", icon=":material/model_training:"):
        with guard():
            result, reused = run_shared(run)
            st.session_state["ch4_run"] = {"run": run, "result": result, "reused": reused}
    mine = st.session_state.get("ch4_run")
    if not mine:
        st.caption(t("ch4.train.none"))
        return
    if mine["reused"]:
        st.caption(t("ch4.train.reused"))
    if mine["result"].get("stopped_early"):
        st.warning(t("ch4.train.stopped"), icon=":material/timer_off:")
    st.caption(t("ch4.train.done", seconds=f"{mine['result']['seconds']:.0f}"))
    bottleneck_chart(mine["result"], t("ch4.train.title"), "ch4_own_bottleneck")
