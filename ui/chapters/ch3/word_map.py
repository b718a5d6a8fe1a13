"""Chapter 3, the map of the vectors (t-SNE, UMAP or PCA, 2D or 3D; a click picks a word)
and the replay of training from random noise."""

from __future__ import annotations

import streamlit as st

from lm_core.embeddings import projection as proj
from lm_core.embeddings import word2vec as w2v
from ui.chapters.ch3.computed import projected, replay_frames
from ui.common import (
    choice_query_param,
    current_language,
    current_seed,
    guard,
    int_query_param,
    intro,
    md,
    projector_on,
    query_param,
    seed_widget,
    set_query_param,
    t,
)
from ui.shared import shared_chart, shared_figure
from viz import embeddings as fig

METHODS = proj.METHODS
TOP_N_MIN, TOP_N_MAX, TOP_N_DEFAULT = 10, 400, 120
#: The map's height (px); on a projector, what is left of a 720 px screen under its controls.
MAP_HEIGHT, PROJECTOR_MAP_HEIGHT = 620, 520


def map_section(model: w2v.Word2VecModel, examples: dict, group_names: dict[str, str]) -> list[str]:
    """The map's controls and the map; returns the words it shows (the replay follows them)."""
    wv = model.vectors
    if not projector_on():  # on a projector the map comes first, its explanation after it
        st.header(t("ch3.map.header"))
        intro("ch3/map", "common.read_more")
    seed_widget("w2v_method", choice_query_param("method", METHODS, "tsne"))
    seed_widget("w2v_dims", int_query_param("dims", 2, 2, 3))
    c1, c2, c3, c4 = st.columns([2, 1, 2, 2])
    with c1:
        method = st.radio(t("ch3.map.method"), METHODS,
                          format_func={m: t(f"ch3.map.method_{m}") for m in METHODS}.__getitem__, horizontal=True, key="w2v_method")
        set_query_param("method", method)
    with c2:
        dims = st.radio(t("ch3.map.dims"), (2, 3), format_func=lambda d: f"{d}D", horizontal=True, key="w2v_dims")
        set_query_param("dims", dims)
    with c3:
        has_groups = any(w in wv.groups for w in wv.words)
        seed_widget("w2v_grouped", has_groups and query_param("grouped", "1") != "0")
        grouped_only = st.toggle(t("ch3.map.grouped_only"), disabled=not has_groups, key="w2v_grouped")
        set_query_param("grouped", int(grouped_only))
    with c4:
        top_n = _top_n_slider(len(wv), disabled=grouped_only and has_groups)
    shown = [w for w in wv.words if w in wv.groups] if grouped_only and has_groups else wv.words[:top_n]
    with guard():
        _draw_map(model, shown, method, dims, examples, group_names)
    if projector_on():
        intro("ch3/map", "common.read_more")
    return shown


def _top_n_slider(vocabulary: int, disabled: bool) -> int:
    """How many of the most frequent words the map shows (every word of a tiny vocabulary)."""
    if vocabulary <= TOP_N_MIN:
        return vocabulary
    top_high = min(TOP_N_MAX, vocabulary)
    seed_widget("w2v_top_n", int_query_param("top", min(TOP_N_DEFAULT, vocabulary), TOP_N_MIN, top_high))
    st.session_state["w2v_top_n"] = min(max(TOP_N_MIN, int(st.session_state["w2v_top_n"])), top_high)
    top_n = st.slider(t("ch3.map.top_n"), TOP_N_MIN, top_high, key="w2v_top_n", disabled=disabled)
    set_query_param("top", top_n)
    return top_n


def _draw_map(model: w2v.Word2VecModel, shown: list[str], method: str, dims: int, examples: dict,
              group_names: dict[str, str]) -> None:
    wv = model.vectors
    focus = st.session_state.get("w2v_focus", examples["word"])
    if method == "umap" and not proj.umap_is_warm():
        with st.status(t("ch3.map.umap_preparing"), expanded=False) as status:
            coords = projected(wv.subset(shown).vectors, method, dims, current_seed())
            status.update(label=t("ch3.map.umap_ready"), state="complete")
    else:
        with st.spinner(t("ch3.map.computing")):
            coords = projected(wv.subset(shown).vectors, method, dims, current_seed())
    axis = [t("ch3.map.axis", n=k + 1) for k in range(dims)]
    highlight = [focus] if focus in shown else []
    height = PROJECTOR_MAP_HEIGHT if projector_on() else MAP_HEIGHT  # the projector's first screen holds it
    scatter = shared_figure(  # built once per server for this view, not once per student
        ("ch3.map", model.id, method, dims, current_seed(), tuple(shown), current_language(), tuple(highlight), height),
        lambda: fig.embedding_scatter(coords, shown, wv.groups, title=t("ch3.map.title", method=t(f"ch3.map.method_{method}"), n=len(shown)),
                                      axis_titles=axis, group_names=group_names, other_name=t("ch3.groups.other"),
                                      highlight=highlight, labelled=w2v.lesson_words(examples), height=height))
    event = shared_chart(scatter, key="w2v_map", on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", []) if dims == 2 else []
    if points and points[0].get("customdata"):
        picked = points[0]["customdata"]
        picked = picked[0] if isinstance(picked, list) else picked
        if picked in wv and st.session_state.get("w2v_picked") != picked:
            st.session_state["w2v_picked"] = picked
            st.session_state["w2v_word"] = picked
    st.caption(t(f"ch3.map.caption_{method}"))


def replay_section(model: w2v.Word2VecModel, shown: list[str], examples: dict, group_names: dict[str, str]) -> None:
    st.header(t("ch3.replay.header"))
    st.markdown(md("ch3/replay"))
    with guard():
        snap_words = model.snapshot_words
        keep = [i for i, w in enumerate(snap_words) if w in set(shown)] or list(range(min(len(snap_words), 120)))
        replay = shared_figure(  # 27 animation frames: built once per server, model, words and language
            ("ch3.replay", model.id, tuple(keep), current_language()),
            lambda: fig.replay_animation(
                replay_frames([s[keep] for s in model.snapshots]), model.snapshot_steps, [snap_words[i] for i in keep],
                model.vectors.groups, title=t("ch3.replay.title", n=len(model.snapshots)),
                axis_titles=[t("ch3.map.axis", n=1), t("ch3.map.axis", n=2)],
                step_label=t("ch3.replay.step"), play_label=t("ch3.replay.play"), pause_label=t("ch3.replay.pause"),
                group_names=group_names, other_name=t("ch3.groups.other"), labelled=w2v.lesson_words(examples),
            ))
        shared_chart(replay, key="w2v_replay")
