"""Chapter 1 with the models the administrator added (``LLM_EXPLAINER_MODELS``): each one's own
tokenizer cuts the learner's text beside SmolLM2's, and counts the token tax beside SmolLM2's
and Qwen2.5's. A teacher who added a Chinese-capable model sees its vocabulary's price at once.

Only the tokenizers are read (``ui.models.configured_tokenizer``: the ``tokenizer.json``, no
weights), so a model too big for the server's memory still counts tokens here. A tokenizer
that cannot be read is said once, where the chapter first needs it; the chapter goes on.
"""

from __future__ import annotations

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.tokenizers.lesson import tokens_per_character
from ui import models
from ui.chapters.ch1.tokenizers import byte_notes
from ui.common import error_message, plain, t
from viz.tokens import token_chips_html

LANGUAGES = ("en", "zh")


def readable_tokenizers(say_problems: bool) -> list[tuple[str, object]]:
    """``(label, tokenizer)`` of every configured model whose tokenizer could be read; with
    ``say_problems`` a warning for each one that could not (the first section that asks)."""
    found = []
    for entry in models.configured_models():
        try:
            found.append((entry.label, models.configured_tokenizer(entry.name)))
        except InputError as exc:
            if say_problems:
                st.warning(t("models.ch1.unreadable", label=plain(entry.label), reason=error_message(exc)),
                           icon=":material/error:")
    return found


def own_chips_section(text: str, whitespace: bool) -> None:
    """The learner's text in each configured model's tokens (under SmolLM2's)."""
    found = readable_tokenizers(say_problems=True)
    if not found:
        return
    st.markdown(t("models.ch1.side_header"))
    for label, tokenizer in found:
        result = tokenizer.lesson_tokens(text)
        with st.container(border=True):
            st.markdown(t("models.ch1.summary", label=plain(label), count=result.count, size=tokenizer.vocab_size))
            notes = byte_notes([token.text for token in result.tokens]) if tokenizer.byte_level else None
            st.html(token_chips_html(result.tokens, whitespace_visible=whitespace, source_text=text, notes=notes))


def own_tax_section(sentences: dict[str, str], smollm2: object | None) -> None:
    """Each configured model's token counts of the two sentences, as Qwen2.5's are shown:
    one row of two metrics per model, the difference to SmolLM2 (``smollm2``: its tokenizer,
    None when it is not installed) in green when the model needs fewer tokens."""
    found = readable_tokenizers(say_problems=False)  # a problem was said beside the learner's text
    if not found:
        return
    st.subheader(t("models.ch1.header"))
    st.markdown(t("models.ch1.explain"))
    for label, tokenizer in found:
        for column, lang_key in zip(st.columns(2), LANGUAGES, strict=True):
            count = len(tokenizer.encode(sentences[lang_key]))
            difference = None if smollm2 is None else count - len(smollm2.encode(sentences[lang_key]))
            column.metric(
                t("models.ch1.metric", label=plain(label), language=t(f"ch1.compare.series_{lang_key}")),
                t("ch1.smollm2.tax_tokens", count=count),
                delta=None if difference is None else t("ch1.qwen.delta", difference=f"{difference:+d}"),
                delta_color="inverse" if difference else "off",
                delta_arrow="auto" if difference else "off",
                help=t("ch1.smollm2.tax_help"),
                border=True,
            )
            ratio = tokens_per_character(count, sentences[lang_key])
            column.caption(t("ch1.smollm2.tax_per_char", chars=len(sentences[lang_key]), ratio=f"{ratio:.2f}"))
