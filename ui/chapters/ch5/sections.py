"""Chapter 5's other sections: the input vectors, the curriculum's head search, BertViz."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import attention_lab as lab
from lm_core.analysis import quiz
from lm_core.data.curriculum import HEAD_SEARCHES
from ui import export
from ui.chapters.ch5.choosing import open_example
from ui.chapters.ch5.traces import cached_bertviz, curriculum_search
from ui.common import chart, current_language, md, t
from ui.predict import ask, bar_reveal
from viz import attention as figs
from viz import bertviz_offline


def input_section(trace: lab.AttentionTrace) -> None:
    """The vectors attention starts from: token, position (and the rest each model adds)."""
    width = trace["embed.token"].shape[1]
    shape = f"({trace.n_tokens} × {width})"
    panels = [(t("ch5.input.token"), trace["embed.token"])]
    if "embed.position" in trace.tensors:  # SmolLM2 has none: RoPE turns Q and K instead (step 2b)
        panels.append((t("ch5.input.position"), trace["embed.position"]))
    if "embed.token_type" in trace.tensors:
        panels.append((t("ch5.input.token_type"), trace["embed.token_type"]))
    if "embed.sum" in trace.tensors:
        panels.append((t("ch5.input.sum"), trace["embed.sum"]))
    if "embed.layernorm" in trace.tensors:
        panels.append((t("ch5.input.layernorm"), trace["embed.layernorm"]))
    chart(figs.vectors_figure(panels, trace.tokens, t("ch5.axis.dimension"), t("ch5.axis.token"),
                              t("ch5.input.title_smollm2" if trace.rope else "ch5.input.title", shape=shape),
                              shared_scale=False), key="ch5_input_fig")
    caption = {lab.MINILM: "ch5.input.caption_minilm", lab.SMOLLM2: "ch5.input.caption_smollm2"}
    st.caption(t(caption.get(trace.model_name, "ch5.input.caption_gpt")))


def _minilm_search() -> None:
    st.markdown(md("ch5/search"))
    columns = st.columns(2)
    for column, key in zip(columns, HEAD_SEARCHES, strict=True):
        _, matches = curriculum_search(key)
        _, source, targets = HEAD_SEARCHES[key]
        with column:
            st.markdown(t(f"ch5.search.{key}_title"))
            if not matches:
                st.info(t("ch5.search.none", source=source, targets=", ".join(targets)))
                continue
            best = matches[0]
            st.markdown(t("ch5.search.found", layer=best.layer + 1, head=best.head + 1, weight=f"{best.weight:.2f}",
                          source=source, targets=", ".join(targets), count=len(matches)))
            if not best.is_top:
                st.caption(t("ch5.search.not_top"))
            st.button(t("ch5.search.open", layer=best.layer + 1, head=best.head + 1), key=f"ch5_open_{key}",
                      on_click=open_example, args=(key, best.layer, best.head, best.source))


def search_section(model_name: str, trace: lab.AttentionTrace) -> None:
    """The heads the curriculum talks about, searched for in the chosen model, never hard-coded."""
    st.header(t("ch5.search.header"))
    if model_name == lab.MINILM:
        _minilm_search()
    elif model_name == lab.SMOLLM2 and (found := lab.find_heads(trace, *HEAD_SEARCHES["keys"][1:])):
        # The pronoun head exists in this real LLM too: found by the same search.
        st.markdown(t("ch5.search.smollm2_found", layer=found[0].layer + 1, head=found[0].head + 1,
                      weight=f"{found[0].weight:.2f}", count=len(found), threshold=lab.HEAD_MIN_WEIGHT))
    else:
        st.info(t("ch5.search.decoder_note"), icon=":material/info:")


def sharpest_question(model_name: str, text: str, trace: lab.AttentionTrace):  # noqa: ANN201 (ui.predict's question)
    """Predict, then reveal: which head of the layer shown is the sharpest?"""
    layer = int(st.session_state.get("ch5_layer", 0))
    head_names = {str(h): t("quiz.ch5.sharpest.head", head=h + 1) for h in range(trace.n_heads)}
    return ask("ch5.sharpest", list(head_names), lambda: quiz.sharpest_head(lab.focus_scores(trace), layer),
               bar_reveal("ch5.sharpest", labels=head_names), labels=head_names, params={"layer": layer + 1},
               context=(model_name, text, layer))


def bertviz_section(model_name: str, text: str, trace: lab.AttentionTrace) -> None:
    st.header(t("ch5.bertviz.header"))
    st.markdown(md("ch5/bertviz"))
    layer = int(st.session_state.get("ch5_layer", 0))
    head = int(st.session_state.get("ch5_head", 0))
    st.caption(t("ch5.bertviz.numbering"))
    head_tab, model_tab = st.tabs([t("ch5.bertviz.head_tab"), t("ch5.bertviz.model_tab")])
    for tab, kind, (shown_layer, shown_head) in ((head_tab, "head", (layer, head)), (model_tab, "model", (0, 0))):
        with tab:
            html, offline = cached_bertviz(model_name, text, kind, shown_layer, shown_head)
            if not offline:
                st.warning(t("ch5.bertviz.cdn_fallback"), icon=":material/cloud_off:")
            st.iframe(html, height=bertviz_offline.view_height(kind, trace.n_layers, trace.n_heads, trace.n_tokens))
            export.bertviz_download(html, kind, current_language(), shown_layer if kind == "head" else None,
                                    shown_head if kind == "head" else None)
