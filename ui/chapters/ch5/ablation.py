"""Chapter 5: switch one head off and watch the prediction move; which heads matter.

The head to switch off, and whether it is off, are in the link (``off_layer``, ``off_head``,
numbered from 1, and ``off=1``). The before/after bars are two forward passes (cached per
server); the importance map switches every head off in turn, a job of the shared queue,
computed once the learner has guessed (or at once with ``?reveal=all``).
"""

from __future__ import annotations

import functools

import streamlit as st

from lm_core.analysis import ablation as ab
from lm_core.analysis import attention_lab as lab
from lm_core.analysis.quiz import Answer
from lm_core.data.curriculum import ATTENTION_SENTENCES, HEAD_SEARCHES
from ui import jobs, models
from ui.chapters.ch5.traces import curriculum_search
from ui.common import chart, guard, int_query_param, md, set_query_param, t
from ui.predict import ask
from viz import interventions as figs

PARTS = ("early", "middle", "late")
SHIPPED = ("gpt_toy_en", "gpt_toy_zh")


def _supported(model_name: str) -> bool:
    return model_name in (lab.MINILM, lab.SMOLLM2, *SHIPPED)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_effect(model_name: str, text: str, layer: int, head: int) -> ab.HeadEffect:
    """Two forward passes (with and without the head), once per server per question."""
    if model_name == lab.MINILM:
        tokenizer, model = models.minilm()
    elif model_name == lab.SMOLLM2:
        model, tokenizer = models.smollm2()
    else:
        model, tokenizer = models.causal_lm(model_name)
    return ab.effect_of(model_name, model, tokenizer, text, layer, head)


def importance(model_name: str, text: str) -> ab.Importance:
    """Every head switched off in turn: a job of the shared queue (identical requests shared)."""
    job = functools.partial(ab.importance_job, model_name, text)
    return jobs.run_shared(("ch5.importance", model_name, text), job, label="ch5.importance", cap_s=300.0)


def _choose_head(n_layers: int, n_heads: int) -> tuple[int, int, bool]:
    """Layer and head (0-based) and whether it is off; from the link on a fresh visit."""
    default_layer = int(st.session_state.get("ch5_layer", 0)) + 1
    default_head = int(st.session_state.get("ch5_head", 0)) + 1
    st.session_state.setdefault("ch5_off_layer", int_query_param("off_layer", default_layer, 1, n_layers))
    st.session_state.setdefault("ch5_off_head", int_query_param("off_head", default_head, 1, n_heads))
    st.session_state.setdefault("ch5_off", st.query_params.get("off") == "1")
    for key, limit in (("ch5_off_layer", n_layers), ("ch5_off_head", n_heads)):
        st.session_state[key] = min(limit, max(1, int(st.session_state[key])))  # another model, fewer heads
    columns = st.columns([1, 1, 2], vertical_alignment="bottom")
    layer = columns[0].selectbox(t("ch5_ablation.layer"), range(1, n_layers + 1), key="ch5_off_layer")
    head = columns[1].selectbox(t("ch5_ablation.head"), range(1, n_heads + 1), key="ch5_off_head")
    off = columns[2].toggle(t("ch5_ablation.switch", layer=layer, head=head), key="ch5_off",
                            help=t("ch5_ablation.switch_help"))
    set_query_param("off_layer", layer)
    set_query_param("off_head", head)
    if off:
        set_query_param("off", 1)
    elif "off" in st.query_params:
        del st.query_params["off"]
    return layer - 1, head - 1, off


def _effect_chart(effect: ab.HeadEffect, layer: int, head: int) -> None:
    after_name = t("ch5_ablation.after", layer=layer + 1, head=head + 1)
    if effect.metric == ab.MOVEMENT:
        chart(figs.bars(effect.labels, effect.after, t("ch5_ablation.moved_title"), t("ch5_ablation.moved_x"),
                        [f"{v:.3f}" for v in effect.after]), key="ch5_off_fig")
        st.markdown(t("ch5_ablation.moved_note", moved=f"{effect.answer_after:.3f}"))
        return
    probability = effect.metric == ab.PROBABILITY
    title = t("ch5_ablation.next_title" if probability else "ch5_ablation.similar_title", answer=effect.answer)
    chart(figs.before_after_bars(effect.labels, effect.before, effect.after, title, t("ch5_ablation.before"),
                                 after_name, t("ch5_ablation.next_x" if probability else "ch5_ablation.similar_x"),
                                 ".0%" if probability else ".2f", marked=0 if probability else None),
          key="ch5_off_fig")
    numbers = {"answer": effect.answer, "before": effect.answer_before, "after": effect.answer_after}
    if probability:
        st.markdown(t("ch5_ablation.next_note", **{k: f"{v:.1%}" if isinstance(v, float) else v
                                                   for k, v in numbers.items()}))
    else:
        st.markdown(t("ch5_ablation.similar_note", **{k: f"{v:.2f}" if isinstance(v, float) else v
                                                      for k, v in numbers.items()}))


def part_of(layer: int, n_layers: int) -> str:
    """Which third of the model a layer sits in: early, middle or late."""
    return PARTS[min(2, layer * 3 // n_layers)]


def importance_answer(result: ab.Importance) -> Answer:
    layer, head = result.most_important()
    n_layers = result.drops.shape[0]
    return Answer(frozenset({part_of(layer, n_layers)}), facts={
        "layer": layer + 1, "head": head + 1, "drop": float(result.drops[layer, head]),
        "baseline": result.baseline, "answer": result.answer, "layers": n_layers})


def _claim_note(model_name: str, text: str, result: ab.Importance) -> None:
    """On the curriculum's sentences: does the head the search found matter for the claim?"""
    if model_name != lab.MINILM:
        return
    for key, search in HEAD_SEARCHES.items():
        if ATTENTION_SENTENCES[search.sentence] != text:
            continue
        _, matches = curriculum_search(key)
        if not matches:
            return
        found = matches[0]
        rank = int((result.drops > result.drops[found.layer, found.head]).sum()) + 1
        st.markdown(t("ch5_ablation.claim_note", layer=found.layer + 1, head=found.head + 1, rank=rank,
                      total=result.drops.size, drop=f"{result.drops[found.layer, found.head]:.3f}",
                      source=search.source, targets=", ".join(search.targets)))


def ablation_section(model_name: str, text: str, trace: lab.AttentionTrace) -> None:
    """Switch a head off (before/after), then guess which part of the model matters most."""
    st.header(t("ch5_ablation.header"))
    if not _supported(model_name):
        st.info(t("ch5_ablation.own_model"), icon=":material/info:")
        return
    st.markdown(md("ch5/ablation"))
    layer, head, off = _choose_head(trace.n_layers, trace.n_heads)
    if off:
        with guard():  # a sentence this view cannot read explains itself here
            _effect_chart(cached_effect(model_name, text, layer, head), layer, head)
    else:
        st.caption(t("ch5_ablation.switch_hint"))

    def draw(result: Answer, _grade) -> None:  # noqa: ANN001
        measured = importance(model_name, text)
        colour_title = t(f"ch5_ablation.metric_{measured.metric}")
        chart(figs.importance_heatmap(measured.drops, t("ch5_ablation.map_title", answer=measured.answer or "…"),
                                      t("ch5_ablation.layer"), t("ch5_ablation.head"), colour_title,
                                      marked=measured.most_important()), key="ch5_importance_fig")
        _claim_note(model_name, text, measured)

    labels = {part: t(f"ch5_ablation.part_{part}") for part in PARTS}
    question = ask("ch5.ablation", list(PARTS), lambda: importance_answer(importance(model_name, text)), draw,
                   labels=labels, context=(model_name, text))
    question.end()
