"""Chapter 7: the key/value cache, drawn: prefill and decode, slot by slot, its memory, its
speed (measured live, a job of the shared queue) and what happens when the window slides.

The number of new tokens drawn is in the link (``kv_new``); ``kv_timed=1`` once the learner
has measured, so a shared link measures again on opening (the class shares one measurement).
"""

from __future__ import annotations

import functools
from dataclasses import asdict

import streamlit as st

from lm_core.analysis.quiz import Answer
from lm_core.models import kv_cache as kv
from lm_core.models.checkpoints import list_gpts
from lm_core.models.smollm2 import SmolConfig
from ui import jobs, models, shared
from ui.common import chart, current_language, guard, int_query_param, md, set_query_param, t
from ui.predict import ask
from viz import interventions as figs

#: Tokens generated per timing run, and rounds (cached and uncached alternate).
TIMED_TOKENS = {"smollm2": 8}
DEFAULT_TIMED_TOKENS, ROUNDS = 48, 3
#: Memory bars: every model's cache at this many tokens (the tiny GPTs at their whole window).
MEMORY_TOKENS = 2048


def _tokens_of(tokenizer, prompt_ids: list[int], new: int) -> list[str]:  # noqa: ANN001
    """The prompt's tokens as they are, then a numbered slot per token still to come."""
    shown = [str(tokenizer.id_to_token(i)) for i in prompt_ids]
    return shown + [t("ch7_steering.kv_new_token", n=i + 1) for i in range(new)]


def _fill(model_name: str, tokenizer, prompt_ids: list[int], window: int) -> None:  # noqa: ANN001
    limit = window + 16 if window <= 256 else 64
    default = min(limit, max(8, window - len(prompt_ids) + 4)) if window <= 256 else 16
    st.session_state.setdefault("ch7_kv_new", int_query_param("kv_new", default, 1, limit))
    new = st.slider(t("ch7_steering.kv_new"), 1, limit, key="ch7_kv_new", help=t("ch7_steering.kv_new_help"))
    set_query_param("kv_new", new)
    prompt_ids = list(prompt_ids)[-window:]
    steps = kv.cache_timeline(len(prompt_ids), new, window)

    def build():  # noqa: ANN202 - animated (a frame a step): one shared object for the class
        labels = {"prefill": t("ch7_steering.kv_prefill"), "decode": t("ch7_steering.kv_decode"),
                  "slide": t("ch7_steering.kv_slide")}
        frames = [asdict(step) | {"label": f"{step.index + 1} · {labels[step.phase]}"} for step in steps]
        legend = [t(f"ch7_steering.kv_state_{name}") for name in ("empty", "kept", "new", "recomputed")]
        return figs.cache_fill_figure(_tokens_of(tokenizer, prompt_ids, new), frames, window,
                                      t("ch7_steering.kv_fill_title", window=window),
                                      [t("ch7_steering.kv_keys"), t("ch7_steering.kv_values")],
                                      t("ch7_steering.kv_slot"), legend)

    figure = shared.shared_figure(("ch7.kv_fill", model_name, tuple(prompt_ids), new, window, current_language()), build)
    shared.shared_chart(figure, key="ch7_kv_fill")
    computed = sum(step.fed for step in steps)
    st.caption(t("ch7_steering.kv_fill_note", steps=len(steps), computed=computed,
                 without=sum(len(prompt_ids) + i - max(0, len(prompt_ids) + i - window) for i in range(new))))
    if any(step.phase == "slide" for step in steps):
        fed = next(step.fed for step in steps if step.phase == "slide")
        question = ask("ch7.kv_slide", ["one", "half", "all"],
                       lambda: Answer(frozenset({"all"}), facts={"fed": fed}), params={"window": window},
                       context=(model_name, len(prompt_ids), new))
        st.markdown(t("ch7_steering.kv_slide_note", window=window, fed=fed))
        question.end()


def _memory() -> None:
    """The cache of every model at the same length, and SmolLM2 as if it had full multi-head attention."""
    rows: list[tuple[str, int]] = []
    for name in list_gpts():
        model, _ = models.tiny_gpt(name)
        window = int(model.config.block_size)
        rows.append((t("ch7_steering.kv_mem_tiny", name=name, tokens=window),
                     kv.model_cache_bytes(model.config, window)))
    smol = SmolConfig()
    rows.append((t("ch7_steering.kv_mem_smol", kv=smol.n_kv_head, q=smol.n_head, tokens=MEMORY_TOKENS),
                 kv.model_cache_bytes(smol, MEMORY_TOKENS)))
    rows.append((t("ch7_steering.kv_mem_full", q=smol.n_head, tokens=MEMORY_TOKENS),
                 kv.model_cache_bytes(smol, MEMORY_TOKENS, shared_heads=False)))
    megabytes = [size / 2**20 for _, size in rows]
    chart(shared.figure(figs.bars, [label for label, _ in rows], megabytes, t("ch7_steering.kv_mem_title"),
                        t("ch7_steering.kv_mem_x"), [f"{value:,.2f} MB" for value in megabytes]), key="ch7_kv_memory")
    st.caption(t("ch7_steering.kv_mem_note", layers=smol.n_layer, kv=smol.n_kv_head, q=smol.n_head,
                 dim=smol.head_dim, per_token=f"{kv.model_cache_bytes(smol, 1) / 1024:.0f}",
                 ratio=smol.n_head // smol.n_kv_head))


def measure(model_name: str, prompt_ids: list[int]) -> dict[str, float]:
    """Seconds per token with and without the cache, a job of the shared queue."""
    n_tokens = TIMED_TOKENS.get(model_name, DEFAULT_TIMED_TOKENS)
    ids = tuple(int(i) for i in prompt_ids)
    job = functools.partial(kv.cache_timing_job, model_name, ids, n_tokens, ROUNDS)
    return jobs.run_shared(("ch7.kv_timing", model_name, ids, n_tokens), job, label="ch7.kv_timing", cap_s=120.0)


def _timing(model_name: str, prompt_ids: list[int], shipped: bool) -> None:
    if not shipped:
        st.info(t("ch7_steering.kv_time_own"), icon=":material/info:")
        return
    st.session_state.setdefault("ch7_kv_timed", st.query_params.get("kv_timed") == "1")
    if st.button(t("ch7_steering.kv_time_button"), icon=":material/timer:", key="ch7_kv_time_go"):
        st.session_state["ch7_kv_timed"] = True
    if not st.session_state["ch7_kv_timed"]:
        return
    set_query_param("kv_timed", 1)
    timings = measure(model_name, prompt_ids)
    labels = [t("ch7_steering.kv_time_with"), t("ch7_steering.kv_time_without")]
    values = [timings["cached"] * 1000, timings["uncached"] * 1000]
    chart(figs.bars(labels, values, t("ch7_steering.kv_time_title"), t("ch7_steering.kv_time_x"),
                    [f"{value:.2f} ms" for value in values]), key="ch7_kv_time")
    st.caption(t("ch7_steering.kv_time_note", ratio=f"{timings['uncached'] / timings['cached']:.1f}",
                 tokens=TIMED_TOKENS.get(model_name, DEFAULT_TIMED_TOKENS)))


def kv_cache_section(model_name: str, prompt_ids: list[int] | None) -> None:
    """The whole section; nothing to draw until the prompt reads."""
    st.header(t("ch7_steering.kv_header"))
    st.markdown(md("ch7/kv_cache"))
    if not prompt_ids:
        return
    model, tokenizer = models.causal_lm(model_name)
    with guard():
        _fill(model_name, tokenizer, list(prompt_ids), int(model.config.block_size))
    with guard():
        _memory()
    with guard():
        _timing(model_name, list(prompt_ids), model_name in (*list_gpts(), models.SMOLLM2))
