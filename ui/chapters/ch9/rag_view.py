"""Chapter 9, sections 1 to 4: the documents cut into chunks, the question's similarity to every
chunk (the main chart) and its neighbours on a map, the prompt and SmolLM2's answers with and
without the chunks, and the numbers over the whole question set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lm_core.analysis import rag
from lm_core.core.errors import InputError
from lm_core.core.text import decode_upload
from lm_core.data import knowledge
from lm_core.embeddings.projection import project
from ui import shared, uploads
from ui.chapters.ch9.common import OVERLAP_MAX, SIZES, View, answer, ranks, shipped_results
from ui.common import (
    chart,
    choice_query_param,
    explain_after,
    intro,
    md,
    seed_widget,
    set_text_query_param,
    show_error,
    t,
)
from ui.models import smollm2_available, smollm2_tokenizer
from viz import ch9 as figs

CHART = {"config": {"displaylogo": False}}
UPLOAD_KB = 40


# --------------------------------------------------------------------------- the main chart

def question_vector(question: str) -> np.ndarray:
    """The question's MiniLM vector, computed once per server (a class asks the same question):
    read-only, shared by every session."""
    def compute() -> np.ndarray:
        vector = rag.minilm_vectors([question])[0]
        vector.setflags(write=False)
        return vector

    return shared.result(("ch9.question_vector", question), compute)


def scores_of(view: View, index: rag.Index) -> tuple[np.ndarray, list[int]]:
    """The question's score for every chunk and the top-k chosen."""
    vector = question_vector(view.question) if view.retriever == "minilm" else None
    scores = index.similarities(view.question, view.retriever, vector)
    return scores, rag.top_k(scores, view.k)


def similarity_chart(view: View, index: rag.Index) -> None:
    """Main chart: one bar per chunk, the k most similar in orange, the right ones outlined."""
    scores, chosen = scores_of(view, index)
    gold = [rag.is_gold(c, view.gold) for c in index.chunks] if view.gold is not None else None
    labels = {
        "title": t("ch9.similarity.title", k=view.k, retriever=t(f"ch9.retrievers.{view.retriever}")),
        "x": t("ch9.similarity.x"), "y": t(f"ch9.similarity.y_{view.retriever}"),
        "chosen": t("ch9.similarity.chosen", k=view.k), "other": t("ch9.similarity.other"), "gold": t("ch9.similarity.gold"),
    }
    chart(shared.figure(figs.similarity_figure, scores, [c.text for c in index.chunks], chosen, labels, gold),
          key="ch9_similarity", **CHART)
    if view.gold is not None:
        hit = any(gold[i] for i in chosen)
        st.caption(t("ch9.similarity.hit" if hit else "ch9.similarity.miss", k=view.k))
    if view.retriever == "minilm" and index.unk_share > 0.05:
        st.warning(t("ch9.similarity.unk", share=f"{index.unk_share:.0%}"), icon=":material/help:")


# --------------------------------------------------------------------------- 1. the documents

def own_text_box() -> None:
    """Paste or upload a text of one's own (kept in this session only, never in the link)."""
    upload = uploads.file_uploader(t("ch9.own.upload"), key="ch9_upload", type=["txt"], max_upload_size=1,
                                   help=t("ch9.own.upload_help", limit=UPLOAD_KB))
    if upload is not None and st.session_state.get("_ch9_loaded") != upload.file_id:
        st.session_state["_ch9_loaded"] = upload.file_id
        try:
            st.session_state["ch9_own"] = decode_upload(upload.getvalue(), max_kb=UPLOAD_KB)
        except InputError as exc:
            show_error(exc)
        else:
            st.rerun()  # the page above already read the old text
    st.text_area(t("ch9.own.label", limit=f"{rag.OWN_TEXT_LIMIT:,}"), key="ch9_own", height=180, help=t("ch9.own.help"))


def chunk_controls() -> None:
    """Chunking: mode, then its size (and overlap for fixed-size chunks)."""
    cols = st.columns(3)
    cols[0].radio(t("ch9.chunks.mode"), rag.MODES, format_func=lambda m: t(f"ch9.chunks.mode_{m}"), key="ch9_mode",
                  help=t("ch9.chunks.mode_help"))
    mode = st.session_state["ch9_mode"]
    low, high, _ = SIZES[mode]
    step = 20 if mode == "fixed" else 1
    from ui.chapters.ch9.common import chunk_settings

    chunk_settings()  # the size of the newly chosen mode seeded before its slider
    cols[1].slider(t(f"ch9.chunks.size_{mode}"), low, high, step=step, key=f"ch9_size_{mode}")
    if mode == "fixed":
        cols[2].slider(t("ch9.chunks.overlap"), 0, OVERLAP_MAX, step=10, key="ch9_ov", help=t("ch9.chunks.overlap_help"))


def corpus_section(view: View, index: rag.Index | None) -> None:
    st.header(t("ch9.chunks.header"))
    st.markdown(md("ch9/chunks"))
    if view.source == "own":
        own_text_box()
    chunk_controls()
    if index is None:
        return
    st.caption(t("ch9.chunks.count", n=len(index.chunks), mode=t(f"ch9.chunks.mode_{view.settings.mode}")))
    documents = rag.own_documents(view.own_text) if view.source == "own" else rag.knowledge_documents(view.lang)
    keys = [key for key, _ in documents]
    shown = view.gold.articles[0] if view.gold is not None else keys[0]
    if view.source == "kb":
        titles = {a.key: a.title for a in knowledge.articles(view.lang)}
        key = f"ch9_article_{view.lang}_{shown}"  # a new question shows its own article first
        seed_widget(key, choice_query_param("art", keys, shown))
        default, shown = shown, st.selectbox(t("ch9.chunks.article"), keys, format_func=titles.get, key=key)
        set_text_query_param("art", shown, default)
    text = dict(documents)[shown]
    numbers = [i + 1 for i, c in enumerate(index.chunks) if c.article == shown]
    spans = [(c.start, c.end) for c in index.chunks if c.article == shown]
    st.html(figs.chunks_html(text, spans, t("ch9.chunks.overlap_hover"), numbers))
    if view.source == "kb":
        with st.expander(t("ch9.chunks.all", n=len(documents))):
            st.code(knowledge.full_text(view.lang), language=None, wrap_lines=True)


# --------------------------------------------------------------------------- 2. retrieval, mapped

def map_section(view: View, index: rag.Index) -> None:
    st.header(t("ch9.map.header"))
    shown = explain_after("ch9/map")
    _, chosen = scores_of(view, index)
    vectors = np.vstack([index.vectors, question_vector(view.question)[None]])
    points = project(vectors, "pca", 2)
    labels = {"title": t("ch9.map.title"), "chosen": t("ch9.similarity.chosen", k=view.k),
              "other": t("ch9.similarity.other"), "question": t("ch9.map.question")}
    chart(shared.figure(figs.map_figure, points.tolist(), [c.text for c in index.chunks], chosen, view.question, labels),
          key="ch9_map", **CHART)
    if not shown:
        intro("ch9/map")


# --------------------------------------------------------------------------- 3. prompt and answers

def answer_section(view: View, index: rag.Index) -> None:
    st.header(t("ch9.answers.header"))
    st.markdown(md("ch9/answers"))
    _, chosen = scores_of(view, index)
    contexts = [index.chunks[i].text for i in chosen]
    messages = rag.answer_messages(view.question, contexts, view.lang)
    prompt = messages[0][1]
    with st.expander(t("ch9.answers.prompt", k=len(contexts)), expanded=True):
        st.code(prompt, language=None, wrap_lines=True)
        if smollm2_available():
            tokenizer = smollm2_tokenizer()
            count = len(rag.chat_ids(tokenizer, messages))
            window = rag.smollm2_window()
            st.progress(min(1.0, count / window), text=t("ch9.answers.budget", count=count, window=window))
    if not smollm2_available():
        st.info(t("ch9.answers.no_smollm2"))
        return
    plain = answer(rag.answer_messages(view.question, [], view.lang))
    with_context = answer(messages)
    left, right = st.columns(2)
    gold = view.gold
    for column, result, title, n in ((left, plain, t("ch9.answers.without"), 0),
                                     (right, with_context, t("ch9.answers.with", k=len(contexts)), len(contexts))):
        cited = rag.citations(result["text"], n)
        supported = rag.supporting(result["text"], contexts, view.question, view.lang) if n else []
        note = t("ch9.answers.supported", chunks=", ".join(f"#{chosen[i - 1] + 1}" for i in supported)) if supported else (
            t("ch9.answers.unsupported") if n else t("ch9.answers.no_context"))
        verdict = None
        if gold is not None:
            verdict = t("ch9.answers.right" if knowledge.is_right(result["text"], gold) else "ch9.answers.wrong", gold=gold.answer)
        column.html(figs.answer_html(title, result["text"], [chosen[i - 1] + 1 for i in cited], note, verdict))
    st.caption(t("ch9.answers.citations_caption"))


# --------------------------------------------------------------------------- 4. the whole question set

def measured_section(view: View) -> None:
    st.header(t("ch9.measured.header"))
    st.markdown(md("ch9/measured"))
    if view.source != "kb":
        st.info(t("ch9.measured.own"))
        return
    live = ranks(view)
    rows = []
    for retriever in rag.RETRIEVERS:
        values = live.get(retriever, [])
        rows.append({t("ch9.measured.retriever"): t(f"ch9.retrievers.{retriever}"),
                     "hit@1": f"{rag.hit_at(values, 1):.0%}", "hit@3": f"{rag.hit_at(values, 3):.0%}",
                     t("ch9.measured.hit_k", k=view.k): f"{rag.hit_at(values, view.k):.0%}"})
    st.markdown(t("ch9.measured.retrieval", n=len(knowledge.questions(view.lang)),
                  mode=t(f"ch9.chunks.mode_{view.settings.mode}"), size=view.settings.size))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    results = shipped_results()
    measured = results.get(view.lang)
    if not measured:
        st.info(t("ch9.measured.missing"))
        return
    settings = results["settings"]
    names = {c: t(f"ch9.measured.condition_{c}") for c in rag.CONDITIONS}
    accuracy = {names[c]: measured["accuracy"][c] for c in rag.CONDITIONS}
    chart(shared.figure(figs.accuracy_figure, accuracy, t("ch9.measured.accuracy_title", n=len(measured["questions"])),
                        t("ch9.measured.accuracy_x")), key="ch9_accuracy", **CHART)
    st.caption(t("ch9.measured.settings", mode=t(f"ch9.chunks.mode_{settings['mode']}"), size=settings["size"],
                 k=settings["k"], tokens=results["answer_tokens"]))
