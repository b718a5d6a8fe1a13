"""Chapter 7's comparison: the same prompt continued greedily and by a seeded random draw,
after the question "will a hot draw pick the greedy token?". Inside the generation
fragment: the knobs reshape the sampled continuation too."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import quiz
from lm_core.decoding.continuation import GREEDY, SAME_NEXT_TEMPERATURE, mean_probability
from lm_core.decoding.generation import SamplingSettings
from ui.chapters.ch7.cache import continuation_of, next_logits
from ui.common import current_seed, guard, md, t
from ui.models import SMOLLM2, causal_lm
from ui.predict import ask
from viz.generation import token_strip_html


def compare_section(model_name: str, prompt: str, prompt_ids: list[int], settings: SamplingSettings, n: int) -> None:
    """The question, then greedy beside sampled (with a button for another draw)."""
    _, tokenizer = causal_lm(model_name)

    def word(token_id: int) -> str:
        return tokenizer.decode([token_id]).strip()

    seed = current_seed()
    same_next = ask("ch7.same_next", (quiz.YES, quiz.NO),
                    lambda: quiz.greedy_vs_sampled(next_logits(model_name, prompt_ids), SAME_NEXT_TEMPERATURE, seed),
                    params={"temp": SAME_NEXT_TEMPERATURE, "seed": seed},
                    facts=lambda answer: {"greedy_token": word(answer.facts["greedy"]),
                                          "sampled_token": word(answer.facts["sampled"])},
                    context=(model_name, tuple(prompt_ids), seed))
    with guard():
        continuations(model_name, prompt, prompt_ids, settings, n)
    same_next.end()


def continuations(model_name: str, prompt: str, prompt_ids: list[int], settings: SamplingSettings, n: int) -> None:
    st.subheader(t("ch7.compare.header"))
    st.markdown(md("ch7/compare"))
    _, tokenizer = causal_lm(model_name)
    draw = st.session_state.get("ch7_draw", 0)
    sampled_settings = settings if not settings.greedy else SamplingSettings()
    columns = st.columns(2)
    for column, kind, chosen_settings, seed in (
        (columns[0], "greedy", GREEDY, 0),
        (columns[1], "sampled", sampled_settings, current_seed() + draw),
    ):
        with column:
            pairs = continuation_of(model_name, tuple(prompt_ids), chosen_settings, n, seed)
            title = t(f"ch7.compare.{kind}", temp=f"{sampled_settings.temperature:.2f}", seed=seed)
            st.html(
                token_strip_html(
                    prompt if model_name == SMOLLM2 else tokenizer.decode(prompt_ids[-40:]),
                    [tokenizer.id_to_token(i) for i, _ in pairs],
                    [p for _, p in pairs],
                    title=title,
                )
            )
            st.caption(t("ch7.compare.mean_prob", p=f"{100 * mean_probability(pairs):.0f}", count=len(pairs)))
    if st.button(t("ch7.compare.resample"), key="ch7_resample", icon=":material/casino:"):
        st.session_state["ch7_draw"] = draw + 1
        st.rerun(scope="fragment")  # the comparison lives in the generation fragment
