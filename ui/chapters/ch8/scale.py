"""Chapter 8, "How a big model is really trained": data, tensor and pipeline parallelism run on
two worker processes, and the plan for a GPT-3-sized run.

Each run is a job of the shared queue (``ui.jobs.run_shared``): a class pressing the same
button costs one run, replayed to everyone. The runs themselves live in
:mod:`lm_core.train.parallel` (spawned workers, always cleaned up), the calculator in
:mod:`lm_core.analysis.parallel_plan`, the figures in :mod:`viz.parallel`.

In the link: ``mb`` (micro-batches of the pipeline), ``devices``, ``gpu_gb``, ``zero``,
``acc`` (accelerator), ``mfu`` (utilisation) of the calculator. A value a link names that
the controls do not offer falls back to the default.
"""

from __future__ import annotations

import functools

import streamlit as st

from lm_core.analysis import parallel_plan as plan
from lm_core.analysis import scale_quiz
from lm_core.train import parallel
from ui import jobs, shared
from ui.common import (
    chart,
    choice_query_param,
    current_seed,
    guard,
    intro,
    md,
    number_choice_query_param,
    set_query_param,
    t,
    template,
)
from ui.predict import ask
from viz import parallel as figs

DP_STEPS, DP_BATCH, PP_BATCH = 30, 16, 16
RUN_CAP_S = 180.0
DEVICE_CHOICES = (8, 64, 256, 1024, 4096)
MEMORY_CHOICES = (16, 32, 40, 80, 141)
UTILISATION_CHOICES = (0.2, 0.3, 0.4, 0.5, 0.6)
DEFAULTS = {"mb": 4, "devices": 1024, "gpu_gb": 80, "zero": 1, "acc": "a100", "mfu": 0.4}
KEEP_RUNS = 12
RESULTS = "_ch8_scale_results"  # this session's copies of the runs, by job key


def _results() -> dict:
    return st.session_state.setdefault(RESULTS, {})


def _run(key: tuple, fn, label: str, on_progress=None):  # noqa: ANN001, ANN202
    """The run for ``key``: this session's copy, else the shared queue's (one run per class)."""
    results = _results()
    if key not in results:
        results[key] = jobs.run_shared(key, fn, label=label, on_progress=on_progress, cap_s=RUN_CAP_S)
        while len(results) > KEEP_RUNS:  # a bounded session: the oldest run goes first
            del results[next(iter(results))]
    return results[key]


def guarded_fragment(body):  # noqa: ANN001, ANN201
    """A part of the section as its own fragment (its buttons rerun only it), with the
    page's guard inside: a failed run or bad input shows a message, never a traceback."""

    @st.fragment
    @functools.wraps(body)
    def part(*args: object) -> None:
        with guard():
            body(*args)

    return part


def _run_button(label_key: str, key: tuple, widget_key: str) -> bool:
    """True when the run for ``key`` is to be shown: already made in this session, or asked for now."""
    pressed = st.button(t(label_key), key=widget_key, type="primary", icon=":material/play_arrow:")
    return pressed or key in _results()


# --------------------------------------------------------------------------- data parallel


@guarded_fragment
def data_parallel_part(lang: str) -> None:
    st.subheader(t("ch8_scale.dp.header"))
    st.markdown(md("ch8/scale_data"))
    key = ("parallel_dp", lang, DP_STEPS, DP_BATCH, current_seed())
    if not _run_button("ch8_scale.dp.button", key, "ch8s_dp_run"):
        return
    bar = st.progress(0.0) if key not in _results() else None

    def show(report: dict) -> None:
        if bar is not None and "step" in report:
            bar.progress(report["step"] / report["steps"], text=t("ch8_scale.dp.progress", step=report["step"],
                                                                   steps=report["steps"]))

    result = _run(key, functools.partial(parallel.data_parallel, lang, DP_STEPS, DP_BATCH, current_seed()),
                  "parallel_dp", show)
    if bar is not None:
        bar.empty()
    question = ask("ch8.scale_same_curve", ["yes", "no"], lambda: scale_quiz.same_curve(result),
                   params={"batch": DP_BATCH, "half": DP_BATCH // 2}, context=key)
    chart(shared.figure(figs.loss_curves_figure, result["losses_one"], result["losses_two"], {
        "one": t("ch8_scale.dp.one", batch=DP_BATCH),
        "two": t("ch8_scale.dp.two", half=DP_BATCH // 2),
        "x": t("ch8_scale.dp.step"),
        "y": t("ch8_scale.dp.loss"),
        "title": t("ch8_scale.dp.title" if result["max_difference"] < scale_quiz.SAME_CURVE_TOLERANCE
                   else "ch8_scale.dp.title_differ", difference=f"{result['max_difference']:.1e}"),
    }), key="ch8s_dp_loss")
    cols = st.columns(3)
    cols[0].metric(t("ch8_scale.dp.bytes"), f"{result['bytes_per_step'] / 1e3:,.0f} kB",
                   help=t("ch8_scale.dp.bytes_help", parameters=f"{result['parameters']:,}"))
    cols[1].metric(t("ch8_scale.dp.compute"), f"{1000 * result['compute_s']:.1f} ms")
    cols[2].metric(t("ch8_scale.dp.communicate"), f"{1000 * result['communicate_s']:.1f} ms")
    chart(shared.figure(figs.time_split_figure,
        [(t("ch8_scale.dp.worker_step"), result["compute_s"], result["communicate_s"]),
         (t("ch8_scale.dp.one_step"), result["step_s_one"], 0.0)],
        {"compute": t("ch8_scale.dp.compute"), "communicate": t("ch8_scale.dp.communicate"),
         "x": t("ch8_scale.ms"), "title": t("ch8_scale.dp.split_title")}), key="ch8s_dp_split")
    st.caption(t("ch8_scale.backend", backend=result["backend"]))
    question.end()


# --------------------------------------------------------------------------- tensor parallel


@guarded_fragment
def tensor_parallel_part() -> None:
    st.subheader(t("ch8_scale.tp.header"))
    st.markdown(md("ch8/scale_tensor"))
    key = ("parallel_tp", current_seed())
    if not _run_button("ch8_scale.tp.button", key, "ch8s_tp_run"):
        return
    result = _run(key, functools.partial(parallel.tensor_parallel, current_seed()), "parallel_tp")
    chart(shared.figure(figs.holdings_figure, result["holdings"], {
        "worker": template("ch8_scale.worker"),
        "rows": template("ch8_scale.tp.rows"),
        "columns": template("ch8_scale.tp.columns"),
        "x": t("ch8_scale.tp.x"),
        "title": t("ch8_scale.tp.title"),
    }), key="ch8s_tp_holdings")
    cols = st.columns(2)
    for column, kind in zip(cols, ("mlp", "attention"), strict=True):
        part = result[kind]
        column.metric(t(f"ch8_scale.tp.{kind}"), t("ch8_scale.tp.difference", difference=f"{part['max_difference']:.1e}"),
                      help=t("ch8_scale.tp.held", held=f"{part['held_parameters'][0]:,}",
                             full=f"{part['full_parameters']:,}", bytes=f"{part['bytes']:,}"))
    st.caption(t("ch8_scale.tp.caption", heads=result["heads"], half=result["heads"] // 2,
                 bytes=f"{result['mlp']['bytes']:,}"))


# --------------------------------------------------------------------------- pipeline parallel


@guarded_fragment
def pipeline_part(lang: str) -> None:
    st.subheader(t("ch8_scale.pp.header"))
    st.markdown(md("ch8/scale_pipeline"))
    if "ch8s_mb" not in st.session_state:
        st.session_state["ch8s_mb"] = number_choice_query_param("mb", parallel.MICRO_BATCH_CHOICES, DEFAULTS["mb"],
                                                                kind=int)
    micro = st.select_slider(t("ch8_scale.pp.micro"), parallel.MICRO_BATCH_CHOICES, key="ch8s_mb",
                             help=t("ch8_scale.pp.micro_help"))
    set_query_param("mb", micro)
    key = ("parallel_pp", micro, lang, PP_BATCH, current_seed())
    if not _run_button("ch8_scale.pp.button", key, "ch8s_pp_run"):
        return
    result = _run(key, functools.partial(parallel.pipeline_parallel, micro, lang, PP_BATCH, current_seed()),
                  "parallel_pp")
    question = ask("ch8.scale_bubble", list(scale_quiz.BUBBLE_OPTIONS), lambda: scale_quiz.bubble_share(result),
                   params={"m": micro}, context=key)
    chart(shared.figure(figs.pipeline_figure, result["events"], result["stages"], {
        "stage": template("ch8_scale.worker_stage"),
        "forward": t("ch8_scale.pp.forward"),
        "backward": t("ch8_scale.pp.backward"),
        "x": t("ch8_scale.ms"),
        "title": t("ch8_scale.pp.title", m=micro, measured=f"{result['bubble']:.0%}",
                   formula=f"{result['bubble_formula']:.0%}"),
    }), key="ch8s_pp_gantt")
    runs = {k[1]: r for k, r in _results().items() if k[0] == "parallel_pp" and k[2:] == key[2:]}
    formula = [(m, parallel.bubble_formula(result["stages"], m)) for m in parallel.MICRO_BATCH_CHOICES]
    chart(shared.figure(figs.bubble_figure, formula, {m: r["bubble"] for m, r in runs.items()}, {
        "formula": t("ch8_scale.pp.formula"), "measured": t("ch8_scale.pp.measured"),
        "scheduled": t("ch8_scale.pp.scheduled"),
        "x": t("ch8_scale.pp.micro"), "y": t("ch8_scale.pp.bubble"), "title": t("ch8_scale.pp.bubble_title"),
    }, scheduled={m: r["bubble_scheduled"] for m, r in runs.items()}), key="ch8s_pp_bubble")
    st.caption(t("ch8_scale.pp.scheduled_caption", scheduled=f"{result['bubble_scheduled']:.0%}",
                 measured=f"{result['bubble']:.0%}", formula=f"{result['bubble_formula']:.0%}"))
    st.caption(t("ch8_scale.pp.caption", loss=f"{result['loss_difference']:.1e}", grad=f"{result['grad_difference']:.1e}"))
    question.end()


# --------------------------------------------------------------------------- the plan


def _plan_controls() -> dict:
    state = st.session_state
    if "ch8s_devices" not in state:
        state["ch8s_devices"] = number_choice_query_param("devices", DEVICE_CHOICES, DEFAULTS["devices"], kind=int)
        state["ch8s_gpu_gb"] = number_choice_query_param("gpu_gb", MEMORY_CHOICES, DEFAULTS["gpu_gb"], kind=int)
        state["ch8s_zero"] = number_choice_query_param("zero", plan.ZERO_STAGES, DEFAULTS["zero"], kind=int)
        state["ch8s_acc"] = choice_query_param("acc", list(plan.ACCELERATORS), DEFAULTS["acc"])
        state["ch8s_mfu"] = number_choice_query_param("mfu", UTILISATION_CHOICES, DEFAULTS["mfu"])
    cols = st.columns(5)
    chosen = {
        "devices": cols[0].select_slider(t("ch8_scale.plan.devices"), DEVICE_CHOICES, key="ch8s_devices"),
        "gpu_gb": cols[1].select_slider(t("ch8_scale.plan.memory"), MEMORY_CHOICES, key="ch8s_gpu_gb"),
        "zero": cols[2].select_slider(t("ch8_scale.plan.zero"), plan.ZERO_STAGES, key="ch8s_zero",
                                      help=t("ch8_scale.plan.zero_help")),
        "acc": cols[3].selectbox(t("ch8_scale.plan.accelerator"), list(plan.ACCELERATORS), key="ch8s_acc",
                                 format_func=lambda k: plan.ACCELERATORS[k].name),
        "mfu": cols[4].select_slider(t("ch8_scale.plan.utilisation"), UTILISATION_CHOICES, key="ch8s_mfu",
                                     format_func=lambda v: f"{v:.0%}", help=t("ch8_scale.plan.utilisation_help")),
    }
    for name, value in chosen.items():
        set_query_param(name, value)
    return chosen


def _strategy_name(key: str, layout: dict) -> str:
    return t(f"ch8_scale.plan.strategy_{key}", d=layout["data"], t=layout["tensor"], p=layout["pipeline"],
             zero=layout["zero"])


@guarded_fragment
def plan_part() -> None:
    st.subheader(t("ch8_scale.plan.header"))
    st.markdown(md("ch8/scale_plan"))
    chosen = _plan_controls()
    result = plan.plan(plan.GPT3, chosen["devices"], chosen["gpu_gb"], chosen["zero"],
                       plan.ACCELERATORS[chosen["acc"]], chosen["mfu"])
    rows = result["strategies"]
    names = {key: _strategy_name(key, row["layout"]) for key, row in rows.items()}
    cols = st.columns(3)
    cols[0].metric(t("ch8_scale.plan.parameters"), f"{result['parameters'] / 1e9:,.1f} B")
    cols[1].metric(t("ch8_scale.plan.flops"), f"{result['flops']:.2e}", help=t("ch8_scale.plan.flops_help"))
    cols[2].metric(t("ch8_scale.plan.days"), f"{result['days']:,.0f}",
                   help=t("ch8_scale.plan.days_help", devices=chosen["devices"], mfu=f"{chosen['mfu']:.0%}",
                          peak=f"{plan.ACCELERATORS[chosen['acc']].peak_tflops:g}"))
    question = ask("ch8.scale_fits", list(rows), lambda: scale_quiz.strategies_that_fit(result), labels=names,
                   params={"devices": chosen["devices"], "gb": chosen["gpu_gb"]}, context=tuple(chosen.items()),
                   multi=True)
    chart(shared.figure(figs.memory_figure, [(names[k], row["memory"]) for k, row in rows.items()], chosen["gpu_gb"], {
        **{part: t(f"ch8_scale.plan.part_{part}") for part in plan.PARTS},
        "limit": template("ch8_scale.plan.limit"),
        "y": t("ch8_scale.plan.memory_axis"),
        "title": t("ch8_scale.plan.title", devices=chosen["devices"], gb=chosen["gpu_gb"]),
    }), key="ch8s_plan_memory")
    st.dataframe(
        {t("ch8_scale.plan.strategy"): list(names.values()),
         t("ch8_scale.plan.traffic"): [f"{row['communication']['total'] / 1e9:,.1f}" for row in rows.values()],
         t("ch8_scale.plan.fits"): ["✓" if row["fits"] else "✕" for row in rows.values()]},
        hide_index=True, width="stretch")
    question.end()


def section(lang: str) -> None:
    """The whole section; each part is guarded, so one failure leaves the others working."""
    st.header(t("ch8_scale.header"))
    intro("ch8/scale_intro")
    data_parallel_part(lang)
    tensor_parallel_part()
    pipeline_part(lang)
    plan_part()
