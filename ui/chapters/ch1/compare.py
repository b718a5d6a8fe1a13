"""Chapter 1, third section: one English and one Chinese sentence through every tokenizer,
and the "token tax" SmolLM2 charges each language."""

from __future__ import annotations

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.tokenizers.lesson import tokens_per_character
from ui import models
from ui.chapters.ch1.own_tokenizers import own_tax_section
from ui.chapters.ch1.qwen_tax import qwen_tax_section
from ui.chapters.ch1.tokenizers import KINDS
from ui.common import chart, guard, plain, set_text_query_param, t, template
from viz.tokens import byte_pieces_html, token_chips_html, token_count_figure

LANGUAGES = ("en", "zh")


def compare_section(all_tokenizers: dict, whitespace: bool, defaults: dict[str, str]) -> None:
    """``defaults``: the example sentence per language (the URL keeps only what differs)."""
    st.header(t("ch1.compare.header"))
    left, right = st.columns(2)
    english_raw = left.text_input(t("ch1.compare.english"), key="ch1_en")
    chinese_raw = right.text_input(t("ch1.compare.chinese"), key="ch1_zh")
    set_text_query_param("en", english_raw, defaults["en"])
    set_text_query_param("zh", chinese_raw, defaults["zh"])
    with guard():
        sentences = {"en": clean_text(english_raw), "zh": clean_text(chinese_raw)}
        compared = {lang_key: {k: all_tokenizers[k].tokenize(s) for k in KINDS} for lang_key, s in sentences.items()}
        counts = {lang_key: {k: r.count for k, r in by_kind.items()} for lang_key, by_kind in compared.items()}
        chart(
            token_count_figure(
                counts,
                {k: t(f"ch1.kinds.{k}") for k in KINDS},
                {"en": t("ch1.compare.series_en"), "zh": t("ch1.compare.series_zh")},
                t("ch1.compare.figure"),
                t("ch1.compare.y"),
            ),
            width="stretch",
        )
        st.dataframe(_count_table(compared), hide_index=True, width="stretch")
        for lang_key, by_kind in compared.items():
            with st.expander(f"{t('ch1.compare.series_' + lang_key)}: {plain(sentences[lang_key])}"):
                for kind in KINDS:
                    st.markdown(f"**{t(f'ch1.kinds.{kind}')}** · {t('ch1.side.count', count=by_kind[kind].count)}")
                    st.html(
                        token_chips_html(
                            by_kind[kind].tokens, whitespace_visible=whitespace, source_text=sentences[lang_key]
                        )
                    )
        st.caption(t("ch1.compare.note"))
        token_tax_section(sentences)


def _count_table(compared: dict) -> list[dict]:
    """One row per tokenizer: tokens and unknown tokens per language."""
    rows = []
    for kind in KINDS:
        row = {t("ch1.compare.table_tokenizer"): t(f"ch1.kinds.{kind}")}
        for column, field in (("table_count", "count"), ("table_unknown", "unknown_count")):
            for lang_key, by_kind in compared.items():
                row[f"{t('ch1.compare.series_' + lang_key)} · {t('ch1.compare.' + column)}"] = getattr(
                    by_kind[kind], field
                )
        rows.append(row)
    return rows


def token_tax_section(sentences: dict[str, str]) -> None:
    """SmolLM2's token counts for the English and the Chinese sentence, and the Chinese one byte
    by byte; then Qwen2.5's counts of the same sentences (a vocabulary that learned Chinese),
    and those of the models the administrator added."""
    try:
        real = models.smollm2_tokenizer()
    except InputError:
        real = None  # the side-by-side section already said what to install
    if real is not None:
        _smollm2_tax(real, sentences)
    qwen_tax_section(sentences, real)
    own_tax_section(sentences, real)


def _smollm2_tax(real, sentences: dict[str, str]) -> None:  # noqa: ANN001 - SmolLM2's tokenizer
    st.subheader(t("ch1.smollm2.tax_header"))
    columns = st.columns(2)
    for column, lang_key in zip(columns, LANGUAGES, strict=True):
        count = len(real.encode(sentences[lang_key]))
        column.metric(
            t("ch1.smollm2.tax_metric", language=t(f"ch1.compare.series_{lang_key}")),
            t("ch1.smollm2.tax_tokens", count=count),
            help=t("ch1.smollm2.tax_help"),
            border=True,
        )
        ratio = tokens_per_character(count, sentences[lang_key])
        column.caption(t("ch1.smollm2.tax_per_char", chars=len(sentences[lang_key]), ratio=f"{ratio:.2f}"))
    st.markdown(t("ch1.smollm2.bytes_header"))
    st.html(
        byte_pieces_html(
            real.byte_breakdown(sentences["zh"]),
            {k: template(f"ch1.smollm2.byte_{k}") for k in ("whole", "part", "one")},
        )
    )
    st.caption(t("ch1.smollm2.bytes_note"))
