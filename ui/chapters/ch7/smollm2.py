"""Chapter 7's SmolLM2 sections: the chat template token by token, the same prompt on a
tiny GPT beside it (scale), and what changed since GPT-2 (a table read from the models)."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis.logit_lens import ARCHITECTURE_ASPECTS, architecture_cells, describe_architecture
from lm_core.core.errors import InputError
from lm_core.decoding.continuation import GREEDY
from ui.chapters.ch7.cache import continuation_of
from ui.common import md, show_error, t
from ui.models import SMOLLM2, causal_lm
from viz.generation import chat_template_html, token_strip_html

TINY_ENGLISH = "gpt_toy_en"  # the tiny GPT that SmolLM2 is compared with


def template_section(model_name: str, prompt_ids: list[int]) -> None:
    """The chat prompt token by token, one line per turn, special tokens dark."""
    _, tokenizer = causal_lm(model_name)
    st.subheader(t("ch7.smollm2.template_header"))
    labels = {role: t(f"ch7.smollm2.role_{role}") for role in ("system", "user", "assistant")}
    labels["special"] = t("ch7.smollm2.special")
    st.html(
        chat_template_html(
            tokenizer.tokens(prompt_ids),
            tokenizer.turn_roles(prompt_ids),
            [i in tokenizer.special_ids for i in prompt_ids],
            labels,
        )
    )
    st.caption(t("ch7.smollm2.template_caption", count=len(prompt_ids)))


def scale_section(prompt: str, prompt_ids: list[int], chat: bool, n: int, tiny_models: list[str]) -> None:
    """The same prompt, greedy, on the tiny English GPT and on SmolLM2."""
    st.subheader(t("ch7.smollm2.scale_header"))
    columns = st.columns(2)
    with columns[1]:
        smol_model, smol_tok = causal_lm(SMOLLM2)
        pairs = continuation_of(SMOLLM2, tuple(prompt_ids), GREEDY, n, 0)
        title = t("ch7.smollm2.scale_smol", params=f"{smol_model.num_parameters() / 1e6:.0f}")
        st.html(token_strip_html(prompt, [smol_tok.id_to_token(i) for i, _ in pairs], [p for _, p in pairs], title))
    with columns[0]:
        if TINY_ENGLISH not in tiny_models:
            return
        tiny_model, tiny_tok = causal_lm(TINY_ENGLISH)
        title = t("ch7.smollm2.scale_tiny", params=f"{tiny_model.num_parameters() / 1e6:.2f}")
        try:
            tiny_ids = tiny_tok.encode(prompt)
        except InputError as exc:
            show_error(exc, warning=True)
            return
        pairs = continuation_of(TINY_ENGLISH, tuple(tiny_ids), GREEDY, n, 0)
        tokens = [tiny_tok.id_to_token(i) for i, _ in pairs]
        st.html(token_strip_html(tiny_tok.decode(tiny_ids), tokens, [p for _, p in pairs], title))
        if chat:
            st.caption(t("ch7.smollm2.scale_tiny_chat"))


def since_gpt2_section(tiny_models: list[str]) -> None:
    """A table read from the two models' modules: tiny GPT (GPT-2's design) vs SmolLM2 (Llama's)."""
    import pandas as pd

    name = TINY_ENGLISH if TINY_ENGLISH in tiny_models else tiny_models[0]
    st.subheader(t("ch7.smollm2.arch_header"))
    st.markdown(md("ch7/since_gpt2"))

    def column(model_name: str) -> list[str]:
        cells = architecture_cells(describe_architecture(causal_lm(model_name)[0]))
        return [params["text"] if key is None else t(f"ch7.smollm2.{key}", **params) for key, params in cells]

    table = pd.DataFrame(
        {
            t("ch7.smollm2.arch_aspect"): [t(f"ch7.smollm2.arch_{aspect}") for aspect in ARCHITECTURE_ASPECTS],
            t(f"ch7.model.{name}"): column(name),
            t(f"ch7.model.{SMOLLM2}"): column(SMOLLM2),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
