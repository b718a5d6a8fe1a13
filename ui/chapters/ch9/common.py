"""What every section of chapter 9 shares: the learner's choices (a :class:`View`, every part
of it in the link but the learner's own text) and the index of chunks, built in the shared
queue (identical requests once per server).

The chunking sliders are drawn in section 1, below the main chart that already needs them:
their values are read from the session here first (a link's values seeded in), and the
widgets drawn later keep the same keys.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import streamlit as st

from lm_core.analysis import rag
from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.core.paths import ASSETS_DIR
from lm_core.data import knowledge
from ui import bounded, jobs
from ui.common import (
    choice_query_param,
    int_query_param,
    query_param,
    seed_widget,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)

SOURCES = ("kb", "own")
OWN_QUESTION = "own"
QUESTION_LIMIT = 300  # characters of a learner's own question
SIZES = {"fixed": rag.FIXED_SIZE, "sentence": (1, rag.MAX_UNITS, 2), "paragraph": (1, rag.MAX_UNITS, 1)}
OVERLAP_MAX = 300
RESULTS_FILE = ASSETS_DIR / "results" / rag.RESULTS_FILE_NAME


@dataclass(frozen=True)
class View:
    """What the learner looks at: which documents, which question, how it retrieves."""

    lang: str  # the documents' language (the encyclopedia's, or detected in own text)
    source: str  # "kb" or "own"
    own_text: str | None
    question: str
    question_index: int | None  # a question of the set, or None for the learner's own
    retriever: str
    k: int
    settings: rag.ChunkSettings

    @property
    def gold(self) -> knowledge.Question | None:
        return None if self.question_index is None else knowledge.questions(self.lang)[self.question_index]


def _question_label(lang: str, index: object) -> str:
    if index == OWN_QUESTION:
        return t("ch9.controls.own_question")
    return f"{int(index) + 1}. {knowledge.questions(lang)[int(index)].question}"


def chunk_settings() -> rag.ChunkSettings:
    """The chunking the learner chose (read before section 1 draws its sliders)."""
    seed_widget("ch9_mode", choice_query_param("mode", rag.MODES, rag.DEFAULT_SETTINGS["mode"]))
    mode = st.session_state["ch9_mode"]
    low, high, default = SIZES[mode]
    size_key = f"ch9_size_{mode}"
    # The link's size belongs to the link's mode (a newly chosen mode starts at its default).
    seed_widget(size_key, int_query_param("size", default, low, high) if query_param("mode") == mode else default)
    seed_widget("ch9_ov", int_query_param("ov", 40, 0, OVERLAP_MAX))
    size = int(st.session_state[size_key])
    overlap = min(int(st.session_state["ch9_ov"]), size // 2) if mode == "fixed" else 0
    set_query_param("mode", mode)
    set_query_param("size", size)
    set_query_param("ov", overlap)
    return rag.ChunkSettings(mode, size, overlap)


def controls(lang: str) -> View:
    """The controls beside the main chart: documents, question, retriever, top-k."""
    seed_widget("ch9_src", choice_query_param("src", SOURCES, "kb"))
    source = st.radio(t("ch9.controls.source"), SOURCES, format_func=lambda s: t(f"ch9.controls.source_{s}"),
                      key="ch9_src", horizontal=True)
    set_query_param("src", source)
    own_text = st.session_state.get("ch9_own") if source == "own" else None
    if source == "kb":
        seed_widget("ch9_kb", choice_query_param("kb", knowledge.LANGUAGES, lang))
        kb_lang = st.radio(t("ch9.controls.kb_lang"), knowledge.LANGUAGES, format_func=lambda c: t(f"ch9.lang.{c}"),
                           key="ch9_kb", horizontal=True, help=t("ch9.controls.kb_lang_help"))
        set_query_param("kb", kb_lang)
        options = [*range(len(knowledge.questions(kb_lang))), OWN_QUESTION]
        raw = text_query_param("q", "0", 8)
        seed_widget("ch9_q", OWN_QUESTION if raw == OWN_QUESTION else int_query_param("q", 0, 0, len(options) - 2))
        picked = st.selectbox(t("ch9.controls.question"), options, key="ch9_q",
                              format_func=functools.partial(_question_label, kb_lang))
        set_query_param("q", picked)
    else:
        from lm_core.data.segment import detect_language

        kb_lang, picked = detect_language(own_text or ""), OWN_QUESTION
    index = None if picked == OWN_QUESTION else int(picked)
    if index is None:
        default_question = t("ch9.controls.own_default")
        seed_widget("ch9_ask", text_query_param("ask", default_question, QUESTION_LIMIT))
        question = bounded.text_input(t("ch9.controls.ask"), key="ch9_ask", limit=QUESTION_LIMIT)
        set_text_query_param("ask", question, default_question)
    else:
        question = knowledge.questions(kb_lang)[index].question
    seed_widget("ch9_ret", choice_query_param("ret", rag.RETRIEVERS, "bm25" if kb_lang == "zh" else "minilm"))
    retriever = st.radio(t("ch9.controls.retriever"), rag.RETRIEVERS, format_func=lambda r: t(f"ch9.retrievers.{r}"),
                         key="ch9_ret", help=t("ch9.controls.retriever_help"))
    set_query_param("ret", retriever)
    seed_widget("ch9_k", int_query_param("k", rag.DEFAULT_SETTINGS["k"], 1, rag.MAX_K))
    k = st.slider(t("ch9.controls.k"), 1, rag.MAX_K, key="ch9_k", help=t("ch9.controls.k_help"))
    set_query_param("k", k)
    return View(kb_lang, source, own_text, question, index, retriever, k, chunk_settings())


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def index_for(view: View) -> rag.Index:
    """The chunks and their vectors (the shared queue's job; kept in this session while the
    request is the same). Raises InputError for an empty or too long own text."""
    if view.source == "own" and not (view.own_text or "").strip():
        raise InputError("ch9.errors.no_text")
    rag.clean_question(view.question, QUESTION_LIMIT)  # an empty own question: its message, no chart
    s = view.settings
    key = ("ch9.index", view.lang, _digest(view.own_text), s.mode, s.size, s.overlap)
    stored = st.session_state.get("_ch9_index")
    if stored is None or stored[0] != key:
        job = functools.partial(rag.index_job, view.lang, view.own_text, s.mode, s.size, s.overlap)
        with st.spinner(t("ch9.index.building")):
            result = jobs.run_shared(key, job, label="ch9.index", cap_s=120)
        stored = (key, result)
        st.session_state["_ch9_index"] = stored
    return rag.index_from_job(stored[1], view.lang)


def ranks(view: View) -> dict:
    """The gold chunk's rank of every question, per retriever (the index job computed them)."""
    stored = st.session_state.get("_ch9_index")
    return {} if stored is None else stored[1].get("ranks", {})


@st.cache_data(show_spinner=False, max_entries=1)
def shipped_results() -> dict:
    """The whole-set answers measured by the chapter's script (empty if the file is missing)."""
    import json

    if not RESULTS_FILE.is_file():
        return {}
    return json.loads(RESULTS_FILE.read_text(encoding="utf-8"))


def shipped_answers() -> dict[tuple[str, tuple], dict]:
    """Every shipped answer, keyed by the chat it answered: a request the script already
    made is instant (and the same text as computing it again)."""
    out = {}
    results = shipped_results()
    for lang in knowledge.LANGUAGES:
        by_text = {q.question: q for q in knowledge.questions(lang)}
        for entry in results.get(lang, {}).get("questions", []):
            question = by_text.get(entry["question"])
            if question is None:  # a file from another seed: nothing to reuse
                continue
            for condition, answer in entry["answers"].items():
                texts = _condition_texts(lang, question, condition, answer["chunks"])
                if texts is not None:
                    out[rag.answer_messages(question.question, texts, lang)] = answer
    return out


def _condition_texts(lang: str, question: knowledge.Question, condition: str, chunk_ids: list[int]) -> list[str] | None:
    """The context texts a shipped answer was given (retrieved chunks: cut again at the
    default settings, which is cheap; no vectors needed)."""
    if condition == "none":
        return []
    if condition == "gold":
        return [rag.gold_passage(question, lang)]
    chunks = _default_chunks(lang)
    return [chunks[i].text for i in chunk_ids]


@once(maxsize=2)
def _default_chunks(lang: str) -> tuple[rag.Chunk, ...]:
    d = rag.DEFAULT_SETTINGS
    return tuple(rag.chunk_documents(rag.knowledge_documents(lang), rag.ChunkSettings(d["mode"], d["size"], d["overlap"])))


@st.cache_data(show_spinner=False, max_entries=1)
def _shipped_by_messages() -> dict:
    return shipped_answers()


def answer(messages: tuple[tuple[str, str], ...], window: int | None = None) -> dict:
    """SmolLM2's greedy answer to a chat: shipped when the script made the same request,
    otherwise a job of the shared queue (identical requests once per server)."""
    if window is None:
        known = _shipped_by_messages().get(messages)
        if known is not None:
            return known
    key = ("ch9.chat", messages, rag.ANSWER_TOKENS, window)
    job = functools.partial(rag.chat_job, messages, rag.ANSWER_TOKENS, window)
    with st.spinner(t("ch9.answers.thinking")):
        return jobs.run_shared(key, job, label="ch9.chat", cap_s=180)


def fact_probability(messages: tuple[tuple[str, str], ...], question: knowledge.Question) -> dict:
    """How likely SmolLM2 finds the right answer's sentence after ``messages`` (a job)."""
    key = ("ch9.fact", messages, question.statement, question.match)
    job = functools.partial(rag.fact_probability_job, messages, question.statement, question.match)
    with st.spinner(t("ch9.answers.thinking")):
        return jobs.run_shared(key, job, label="ch9.fact", cap_s=120)


def shipped_question(lang: str, question: knowledge.Question) -> dict | None:
    """The script's measurements of one question (``None`` when it was not measured)."""
    for entry in shipped_results().get(lang, {}).get("questions", []):
        if entry["question"] == question.question:
            return entry
    return None
