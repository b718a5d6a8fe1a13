"""Chapter 6's size calculator: GPT-1 to GPT-3, BERT, T5, SmolLM2 and the app's own models
on one ladder, every number of a shape on a control, the parameters by part.

Every control is in the link (``preset``, ``family``, ``vocab``, ``width``, ``ff``,
``ctx``, ``layers``, ``enc_layers``, ``heads``, ``kv_heads``, ``ff_kind``, ``pos``,
``tied``, ``precision``, ``tokens``); a value a link names that the controls do not
offer falls back to the preset's.
"""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz, sizes
from lm_core.core.errors import InputError
from ui import models, shared
from ui.chapters.ch6 import views
from ui.common import (
    chart,
    choice_query_param,
    md,
    number_choice_query_param,
    query_param,
    set_query_param,
    show_error,
    t,
)
from ui.predict import ask, bar_reveal
from viz import families as figs

#: Each number of a shape -> its name in the link.
URL_NAMES = {
    "vocab_size": "vocab",
    "d_model": "width",
    "n_layers": "layers",
    "n_encoder_layers": "enc_layers",
    "n_heads": "heads",
    "n_kv_heads": "kv_heads",
    "d_ff": "ff",
    "context": "ctx",
}
COUNTS = ("n_layers", "n_encoder_layers", "n_heads", "n_kv_heads")
FAMILY_KEYS = sizes.FAMILIES
COMPARED = ("gpt1", "gpt2_xl", "gpt3", "bert_base", "t5_base", "smollm2_135m", "app_gpt")

Presets = dict[str, tuple[str, sizes.ModelShape, int | None, float | None]]


def app_models(lang: str) -> dict[str, tuple[str, sizes.ModelShape]]:
    """The app's own models, from their checkpoints: key -> (name, shape)."""
    found = {}
    try:
        model, _ = models.tiny_gpt(views.gpt_name(lang))
        found["app_gpt"] = (t("ch6.sizes.app_gpt"), sizes.gpt_shape(model.config.to_dict()))
        model, _, _ = models.encoder(views.encoder_name(lang))
        found["app_encoder"] = (t("ch6.sizes.app_encoder"), sizes.encoder_shape(model.config.to_dict()))
        model, _, _ = models.encoder_decoder(views.encdec_name(lang))
        found["app_encdec"] = (t("ch6.sizes.app_encdec"), sizes.encoder_decoder_shape(model.config.to_dict()))
    except (InputError, OSError, ValueError):  # a missing or damaged checkpoint only removes its point
        pass
    return found


def all_presets(lang: str) -> Presets:
    out = {key: (p.name, p.shape, p.year, p.training_tokens) for key, p in sizes.PRESETS.items()}
    for key, (name, shape) in app_models(lang).items():
        out[key] = (name, shape, None, None)
    return out


def options_for(name: str, presets: Presets) -> list[int]:
    return sizes.slider_options(name, [shape for _, shape, _, _ in presets.values()])


def _load_preset(presets: Presets) -> None:
    _, shape, _, tokens = presets[st.session_state["ch6_preset"]]
    for name, value in sizes.calculator_settings(shape, tokens).items():
        st.session_state[f"ch6_{name}"] = value


def _init_calculator(presets: Presets) -> None:
    """Session values from the URL (each checked), else from the preset."""
    if "ch6_preset" in st.session_state:
        return
    state = st.session_state
    state["ch6_preset"] = choice_query_param("preset", list(presets), "gpt2_small")
    _load_preset(presets)
    _, shape, _, _ = presets[state["ch6_preset"]]
    state["ch6_family"] = choice_query_param("family", FAMILY_KEYS, shape.family)
    for name in sizes.SLIDER_GRIDS:
        state[f"ch6_{name}"] = number_choice_query_param(URL_NAMES[name], options_for(name, presets),
                                                         state[f"ch6_{name}"], kind=int)
    for name in COUNTS:  # out of range is tampering: the preset's value rather than a clamp
        state[f"ch6_{name}"] = number_choice_query_param(URL_NAMES[name], range(1, sizes.MAX_COUNT + 1),
                                                         state[f"ch6_{name}"], kind=int)
    state["ch6_ff_kind"] = choice_query_param("ff_kind", sizes.FF_KINDS, shape.ff_kind)
    state["ch6_positions"] = choice_query_param("pos", sizes.POSITIONS, shape.positions)
    state["ch6_tied"] = query_param("tied", "1" if shape.tied else "0") != "0"
    state["ch6_precision"] = choice_query_param("precision", list(sizes.PRECISIONS), "bf16")
    state.setdefault("ch6_tokens", sizes.DEFAULT_TRAINING_TOKENS)
    state["ch6_tokens"] = number_choice_query_param("tokens", sizes.TRAINING_TOKENS, state["ch6_tokens"])


def _controls(presets: Presets) -> dict:
    """Every control of the calculator; their values by name."""
    top = st.columns([2, 1, 1, 1])
    top[0].selectbox(t("ch6.sizes.preset"), list(presets), key="ch6_preset", format_func=lambda k: presets[k][0],
                     on_change=_load_preset, args=(presets,), help=t("ch6.sizes.preset_help"))
    chosen = {
        "family": top[1].selectbox(t("ch6.sizes.family"), FAMILY_KEYS, key="ch6_family",
                                   format_func=lambda k: t(f"ch6.sizes.family_{k}")),
        "precision": top[2].selectbox(t("ch6.sizes.precision"), list(sizes.PRECISIONS), key="ch6_precision",
                                      help=t("ch6.sizes.precision_help")),
        "tokens": top[3].select_slider(t("ch6.sizes.tokens"), sizes.TRAINING_TOKENS, key="ch6_tokens",
                                       format_func=figs.human_count, help=t("ch6.sizes.tokens_help")),
    }
    values = {}
    for column, name in zip(st.columns(4), sizes.SLIDER_GRIDS, strict=True):
        values[name] = column.select_slider(t(f"ch6.sizes.{name}"), options_for(name, presets), key=f"ch6_{name}",
                                            help=t(f"ch6.sizes.{name}_help"))
    for column, name in zip(st.columns(4), ("n_layers", "n_heads", "n_kv_heads", "n_encoder_layers"), strict=True):
        values[name] = column.slider(t(f"ch6.sizes.{name}"), 1, sizes.MAX_COUNT, key=f"ch6_{name}",
                                     help=t(f"ch6.sizes.{name}_help"),
                                     disabled=name == "n_encoder_layers" and chosen["family"] != "encoder_decoder")
    row = st.columns(4)
    chosen["ff_kind"] = row[0].selectbox(t("ch6.sizes.ff_kind"), sizes.FF_KINDS, key="ch6_ff_kind",
                                         help=t("ch6.sizes.ff_kind_help"),
                                         format_func={"gelu": "GELU", "relu": "ReLU", "swiglu": "SwiGLU"}.get)
    chosen["positions"] = row[1].selectbox(t("ch6.sizes.positions"), sizes.POSITIONS, key="ch6_positions",
                                           format_func=lambda k: t(f"ch6.sizes.pos_{k}"))
    chosen["tied"] = row[2].toggle(t("ch6.sizes.tied"), key="ch6_tied", help=t("ch6.sizes.tied_help"))
    chosen["values"] = values
    return chosen


def _write_link(chosen: dict) -> None:
    for name, value in chosen["values"].items():
        set_query_param(URL_NAMES[name], value)
    for name, value in (
        ("preset", st.session_state["ch6_preset"]),
        ("family", chosen["family"]),
        ("precision", chosen["precision"]),
        ("tokens", f"{chosen['tokens']:g}"),
        ("ff_kind", chosen["ff_kind"]),
        ("pos", chosen["positions"]),
        ("tied", int(chosen["tied"])),
    ):
        set_query_param(name, value)


def _metrics(count: sizes.ParameterCount, shape: sizes.ModelShape, flops: dict, memory: dict, chosen: dict) -> None:
    precision, tokens = chosen["precision"], chosen["tokens"]
    metrics = st.columns(5)
    metrics[0].metric(t("ch6.sizes.m_params"), figs.human_count(count.total), help=f"{count.total:,}")
    metrics[1].metric(t("ch6.sizes.m_flops"), figs.human_flops(flops["forward"]), help=t("ch6.sizes.m_flops_help"))
    metrics[2].metric(t("ch6.sizes.m_train"), figs.human_flops(sizes.training_flops(count.total, tokens)),
                      help=t("ch6.sizes.m_train_help", tokens=figs.human_count(tokens)))
    metrics[3].metric(t("ch6.sizes.m_weights"), figs.human_bytes(memory["weights"]),
                      help=t("ch6.sizes.m_weights_help", precision=precision))
    metrics[4].metric(t("ch6.sizes.m_cache"), figs.human_bytes(memory["kv_cache"]),
                      help=t("ch6.sizes.m_cache_help", context=f"{shape.context:,}"))


def _charts(presets: Presets, count: sizes.ParameterCount, family: str) -> None:
    family_names = {k: t(f"ch6.sizes.family_{k}") for k in FAMILY_KEYS}
    points = [
        {"name": name, "params": sizes.count_parameters(preset_shape).total, "family": preset_shape.family}
        for name, preset_shape, _, _ in presets.values()
    ]
    points.append({"name": t("ch6.sizes.yours"), "params": count.total, "family": family, "highlight": True})
    cols = st.columns([3, 2])
    with cols[0]:
        fig = shared.figure(figs.size_ladder_figure, points, t("ch6.sizes.ladder_title"), t("ch6.sizes.params_axis"),
                            family_names)
        chart(fig, key="ch6_ladder")
    with cols[1]:
        rows = [(t("ch6.sizes.yours"), count.as_dict())]
        rows += [(presets[k][0], sizes.count_parameters(presets[k][1]).as_dict()) for k in COMPARED if k in presets]
        part_names = {p: t(f"ch6.sizes.part_{p}") for p in sizes.PARTS}
        fig = shared.figure(figs.parts_figure, rows, part_names, t("ch6.sizes.parts_title"), t("ch6.sizes.share_axis"))
        chart(fig, key="ch6_parts")
    st.caption(t("ch6.sizes.ff_share", share=f"{100 * count.share('feed_forward'):.0f}",
                 attention=f"{100 * count.share('attention'):.0f}",
                 embeddings=f"{100 * count.share('embeddings'):.0f}"))


@st.fragment
def sizes_section(lang: str) -> None:
    st.header(t("ch6.sizes.header"))
    st.markdown(md("ch6/sizes"))
    presets = all_presets(lang)
    _init_calculator(presets)
    chosen = _controls(presets)
    _write_link(chosen)
    family, values = chosen["family"], chosen["values"]
    try:
        shape = sizes.with_changes(
            presets[st.session_state["ch6_preset"]][1],
            family=family,
            ff_kind=chosen["ff_kind"],
            positions=chosen["positions"],
            tied=chosen["tied"],
            n_encoder_layers=values["n_encoder_layers"] if family == "encoder_decoder" else 0,
            **{k: v for k, v in values.items() if k != "n_encoder_layers"},
        )
        count = sizes.count_parameters(shape)
        flops = sizes.flops_per_token(shape)
        memory = sizes.memory(shape, chosen["precision"])
    except InputError as exc:
        show_error(exc)
        return
    _metrics(count, shape, flops, memory, chosen)
    question = ask("ch6.biggest_part", list(quiz.SIZE_PARTS), lambda: quiz.biggest_part(count),
                   bar_reveal("ch6.biggest_part", number_format=".0f"), context=(shape, chosen["precision"]))
    _charts(presets, count, family)
    question.end()
