"""Chapter 7's logit lens: the model's top guess for the next token after every layer."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis.logit_lens import MAX_LENS_TOKENS
from lm_core.core.errors import InputError
from ui import shared
from ui.chapters.ch7.cache import lens_of
from ui.common import chart, current_language, md, plain, t
from ui.models import causal_lm
from viz.generation import logit_lens_figure
from viz.tokens import display_token

LENS_POSITIONS = 10  # positions shown in the logit lens (the last ones)


def lens_section(model_name: str, prompt_ids: list[int]) -> None:
    """Logit lens on the prompt: layers x the last positions, top guess per cell."""
    st.subheader(t("ch7.smollm2.lens_header"))
    st.markdown(md("ch7/lens"))
    if len(prompt_ids) > MAX_LENS_TOKENS:
        raise InputError("errors.text.too_many_tokens", limit=MAX_LENS_TOKENS, count=len(prompt_ids))
    _, tokenizer = causal_lm(model_name)
    lens = lens_of(model_name, tuple(prompt_ids))
    row_labels = [t("ch7.smollm2.lens_embedding")] + [t("ch7.smollm2.lens_layer", n=r) for r in range(1, lens.n_rows)]

    def build():  # noqa: ANN202 - one figure per (model, prompt, language) for the whole class
        shown = lens.last_positions(LENS_POSITIONS)
        return logit_lens_figure(
            [tokenizer.id_to_token(prompt_ids[c]) for c in shown],
            row_labels,
            lens.top_tokens(shown, tokenizer.id_to_token),
            lens.top_probabilities(shown),
            {
                "title": t("ch7.smollm2.lens_title", count=len(shown)),
                "x": t("ch7.smollm2.lens_x"),
                "y": t("ch7.smollm2.lens_y"),
                "prob": t("ch7.smollm2.lens_prob"),
            },
        )

    fig = shared.keyed_figure(("ch7.lens", model_name, tuple(prompt_ids), current_language()), build)
    chart(fig, key="ch7_lens", width="stretch", config={"displaylogo": False})
    answer = plain(display_token(tokenizer.id_to_token(lens.answer)))
    settled = lens.settled_row()
    if settled == lens.n_rows - 1:
        st.caption(t("ch7.smollm2.lens_caption_last", answer=answer))
    else:
        st.caption(t("ch7.smollm2.lens_caption", answer=answer, where=row_labels[settled]))
