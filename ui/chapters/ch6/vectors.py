"""Chapter 6: representation vs generation. Sentence vectors of the toy encoder and of
MiniLM, mapped in 2-D, and a search box that lists the sentences nearest a query (``q``
in the link)."""

from __future__ import annotations

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.data.curriculum import FAMILY_EXAMPLES
from ui import bounded, shared
from ui.chapters.ch6 import views
from ui.common import chart, guarded_fragment, md, query_param, set_query_param, show_error, t
from viz import families as figs

MAX_QUERY_CHARS = 200
LABELS = ("positive", "negative", "neutral")


def _query_box(lang: str) -> tuple[list, list]:
    """The search box; the hits of the toy encoder and of MiniLM (empty after a message)."""
    default = FAMILY_EXAMPLES[lang].query
    st.session_state.setdefault("ch6_query", (query_param("q", default) or "")[: MAX_QUERY_CHARS * 2])
    query = bounded.text_input(t("ch6.vectors.query_label"), key="ch6_query", help=t("ch6.vectors.query_help"),
                               limit=MAX_QUERY_CHARS)
    set_query_param("q", query)
    try:
        return views.search_hits(lang, clean_text(query, max_chars=MAX_QUERY_CHARS))
    except InputError as exc:
        show_error(exc)
        return [], []


def _hits_table(data: dict, hits: list, label_names: dict[str, str]) -> None:
    rows = [
        {
            "#": rank + 1,
            t("ch6.vectors.col_sentence"): data["texts"][i],
            t("ch6.vectors.col_label"): label_names[data["labels"][i]],
            t("ch6.vectors.col_similarity"): f"{score:.2f}",
        }
        for rank, (i, score) in enumerate(hits)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


@guarded_fragment
def representation_section(lang: str) -> None:
    st.header(t("ch6.vectors.header"))
    st.markdown(md("ch6/vectors"))
    with st.spinner(t("ch6.vectors.computing")):
        data = views.sentiment_vectors(lang)
    own_hits, mini_hits = _query_box(lang)
    label_names = {name: t(f"ch6.vectors.label_{name}") for name in LABELS}
    panels = [
        ("encoder", own_hits, t("ch6.vectors.title_encoder")),
        ("minilm", mini_hits, t("ch6.vectors.title_minilm")),
    ]
    for column, (key, hits, title) in zip(st.columns(2), panels, strict=True):
        with column:
            if data[f"{key}_xy"] is None:
                st.info(t("errors.model.minilm_missing"))
                continue
            fig = shared.figure(figs.embedding_map_figure, data[f"{key}_xy"], data["labels"], data["texts"], label_names,
                                title, [i for i, _ in hits])
            chart(fig, key=f"ch6_map_{key}")
            if hits:
                _hits_table(data, hits, label_names)
