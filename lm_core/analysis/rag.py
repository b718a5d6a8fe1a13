"""Retrieval-augmented generation, step by step: chunk, index, retrieve, assemble, answer, cite.

A language model answers from what it learned; asked about facts it never saw, it invents.
RAG puts the facts into the prompt instead:

1. **chunk** the documents (fixed size with overlap, by sentence, by paragraph);
2. **index** every chunk: a MiniLM sentence vector (meaning), or BM25 over words (shared
   words, weighted by how rare they are);
3. **retrieve** the ``k`` chunks most similar to the question;
4. **assemble** the prompt: numbered chunks, then the question;
5. **answer** with SmolLM2 and read the chunk numbers it cites.

Everything here is plain data in, plain data out (no Streamlit): the page draws it, the
script ``scripts/rag_results.py`` measures it over the whole question set. SmolLM2's work
runs in the shared queue's worker processes: :func:`chat_job` and :func:`fact_probability_job`
are module-level functions that load the model themselves.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lm_core.core.errors import InputError
from lm_core.data import knowledge
from lm_core.data.segment import split_sentences, words

MODES = ("fixed", "sentence", "paragraph")
RETRIEVERS = ("minilm", "bm25")
#: The settings the shipped whole-set answers were measured with (the page's defaults).
DEFAULT_SETTINGS = {"mode": "sentence", "size": 2, "overlap": 0, "k": 3}
#: Fixed-size chunks: characters per chunk and overlap, slider bounds.
FIXED_SIZE = (40, 600, 200)  # low, high, default
MAX_UNITS = 5  # sentences or paragraphs per chunk, at most
MAX_K = 8
#: Tokens the answer may take (short answers: a sentence with a citation).
ANSWER_TOKENS = 24
#: A learner's own text: at most this many characters (a few pages).
OWN_TEXT_LIMIT = 20_000
OWN_KEY = "own"


@dataclass(frozen=True)
class Chunk:
    """A piece of one document: ``text[start:end]`` of article ``article``."""

    article: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are cut. ``size``: characters (fixed) or sentences/paragraphs per chunk;
    ``overlap``: characters shared by neighbouring fixed-size chunks."""

    mode: str = DEFAULT_SETTINGS["mode"]
    size: int = DEFAULT_SETTINGS["size"]
    overlap: int = DEFAULT_SETTINGS["overlap"]

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError("errors.setting.impossible", name="mode", value=self.mode)
        if self.size < 1 or self.overlap < 0:
            raise InputError("errors.setting.impossible", name="size", value=self.size)
        if self.mode == "fixed" and self.overlap >= self.size:
            raise InputError("errors.setting.impossible", name="overlap", value=self.overlap)


# --------------------------------------------------------------------------- 1. chunking

def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: text between blank lines, outer spaces left out."""
    spans = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text, flags=re.S):
        spans.append((match.start(), match.end()))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, as the project's one segmenter splits them."""
    spans, cursor = [], 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:  # cannot happen for the segmenter's own pieces; stay safe
            continue
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def _grouped(spans: list[tuple[int, int]], per_chunk: int) -> list[tuple[int, int]]:
    return [(spans[i][0], spans[min(i + per_chunk, len(spans)) - 1][1]) for i in range(0, len(spans), per_chunk)]


def chunk_spans(text: str, settings: ChunkSettings) -> list[tuple[int, int]]:
    """Where the chunks of one document start and end."""
    if settings.mode == "fixed":
        step = settings.size - settings.overlap
        last = max(1, len(text) - settings.overlap)
        return [(start, min(len(text), start + settings.size)) for start in range(0, last, step)]
    units = sentence_spans(text) if settings.mode == "sentence" else paragraph_spans(text)
    return _grouped(units, settings.size)


def chunk_documents(documents: Sequence[tuple[str, str]], settings: ChunkSettings) -> list[Chunk]:
    """Chunks of every ``(article key, text)``; a chunk never crosses two articles."""
    chunks = []
    for key, text in documents:
        for start, end in chunk_spans(text, settings):
            piece = text[start:end].strip()
            if piece:
                chunks.append(Chunk(key, start, end, piece))
    return chunks


def knowledge_documents(lang: str) -> list[tuple[str, str]]:
    """The invented encyclopedia as ``(key, text)`` documents (every paragraph names its
    subject, so a chunk makes sense without the article's title)."""
    return [(a.key, a.text) for a in knowledge.articles(lang)]


def own_documents(text: str) -> list[tuple[str, str]]:
    """A learner's own text as one document (checked: not empty, not too long)."""
    from lm_core.core.text import clean_text

    return [(OWN_KEY, clean_text(text, max_chars=OWN_TEXT_LIMIT))]


def clean_question(text: str | None, max_chars: int = 300) -> str:
    """A learner's question, checked like typed text (not empty, not too long, has words)."""
    from lm_core.core.text import clean_text

    return clean_text(text, max_chars=max_chars)


# --------------------------------------------------------------------------- 2. indexing

def bm25_words(text: str, lang: str) -> list[str]:
    """The words BM25 counts: the one segmenter's lower-case words (jieba for Chinese)."""
    return words(text, lang)


class BM25:
    """Okapi BM25: a chunk scores for every question word it contains, more for rare words
    (idf), with diminishing returns for repeats (``k1``) and a discount for long chunks (``b``)."""

    def __init__(self, texts: Sequence[str], lang: str, k1: float = 1.5, b: float = 0.75) -> None:
        self.lang, self.k1, self.b = lang, k1, b
        self.counts = [Counter(bm25_words(text, lang)) for text in texts]
        self.lengths = [sum(c.values()) for c in self.counts]
        self.mean_length = max(1e-9, sum(self.lengths) / max(1, len(self.lengths)))
        document_frequency = Counter(word for c in self.counts for word in c)
        n = len(self.counts)
        self.idf = {w: math.log((n - df + 0.5) / (df + 0.5) + 1.0) for w, df in document_frequency.items()}

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.counts))
        for word in set(bm25_words(query, self.lang)):
            idf = self.idf.get(word)
            if idf is None:
                continue
            for i, counts in enumerate(self.counts):
                tf = counts.get(word, 0)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.mean_length)
                    out[i] += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


def minilm_vectors(texts: Sequence[str]) -> np.ndarray:
    """(N, 384) unit sentence vectors from MiniLM (mean pooling, as it was trained)."""
    from lm_core.analysis.families import minilm_vectors as vectors

    return vectors(list(texts))


def unknown_share(texts: Sequence[str]) -> float:
    """The share of MiniLM's tokens that are ``[UNK]`` (characters its vocabulary lacks:
    most Chinese characters), over ``texts``; what its vectors are blind to."""
    from lm_core.tokenizers.pretrained import load_minilm_tokenizer

    tokenizer = load_minilm_tokenizer()
    total = unknown = 0
    for text in texts:
        tokens = [tok for tok in tokenizer.encode(text).tokens if tok not in ("[CLS]", "[SEP]")]
        total += len(tokens)
        unknown += sum(tok == "[UNK]" for tok in tokens)
    return unknown / max(1, total)


@dataclass
class Index:
    """The chunks of a collection, indexed both ways."""

    lang: str
    chunks: list[Chunk]
    vectors: np.ndarray  # (N, 384) MiniLM
    bm25: BM25
    unk_share: float

    def similarities(self, question: str, retriever: str, question_vector: np.ndarray | None = None) -> np.ndarray:
        """One score per chunk: cosine similarity (MiniLM) or BM25 score. ``question_vector``:
        the question's MiniLM vector when the caller has it already (a server keeps one per
        question for a whole class)."""
        if retriever == "minilm":
            return self.vectors @ (minilm_vectors([question])[0] if question_vector is None else question_vector)
        if retriever == "bm25":
            return self.bm25.scores(question)
        raise InputError("errors.setting.impossible", name="retriever", value=retriever)


def build_index(documents: Sequence[tuple[str, str]], lang: str, settings: ChunkSettings) -> Index:
    chunks = chunk_documents(documents, settings)
    if not chunks:
        raise InputError("errors.text.empty")
    texts = [c.text for c in chunks]
    return Index(lang, chunks, minilm_vectors(texts), BM25(texts, lang), unknown_share(texts))


# --------------------------------------------------------------------------- 3. retrieval

def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` best chunks, best first (ties: the earlier chunk first)."""
    return [int(i) for i in np.argsort(-np.asarray(scores), kind="stable")[:k]]


def is_gold(chunk: Chunk, question: knowledge.Question) -> bool:
    """A chunk answers the question when it comes from an article holding the fact and
    contains the answer's words (a fixed-size cut through them does not count)."""
    return chunk.article in question.articles and question.match in chunk.text


def first_gold_rank(scores: np.ndarray, chunks: Sequence[Chunk], question: knowledge.Question) -> int | None:
    """1-based rank of the best-placed gold chunk (``None``: no chunk holds the answer)."""
    for rank, i in enumerate(top_k(scores, len(chunks)), start=1):
        if is_gold(chunks[i], question):
            return rank
    return None


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    """The share of questions whose gold chunk is among the top ``k``."""
    return sum(1 for r in ranks if r is not None and r <= k) / max(1, len(ranks))


def question_ranks(index: Index, questions: Sequence[knowledge.Question]) -> dict[str, list[int | None]]:
    """For each retriever, the rank of every question's gold chunk."""
    vectors = minilm_vectors([q.question for q in questions])
    out = {"minilm": [], "bm25": []}
    for question, vector in zip(questions, vectors, strict=True):
        out["minilm"].append(first_gold_rank(index.vectors @ vector, index.chunks, question))
        out["bm25"].append(first_gold_rank(index.bm25.scores(question.question), index.chunks, question))
    return out


def index_job(lang: str, own_text: str | None, mode: str, size: int, overlap: int,
              progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """The shared queue's job: chunk and index a collection (the encyclopedia in ``lang``, or
    a learner's own text), and for the encyclopedia rank every question's gold chunk.
    Returns plain data: chunks as tuples, MiniLM vectors, the ``[UNK]`` share, the ranks."""
    settings = ChunkSettings(mode, size, overlap)
    documents = own_documents(own_text) if own_text is not None else knowledge_documents(lang)
    progress({"step": 0, "total": 2})
    index = build_index(documents, lang, settings)
    progress({"step": 1, "total": 2})
    ranks = {} if own_text is not None else question_ranks(index, knowledge.questions(lang))
    return {
        "chunks": [(c.article, c.start, c.end, c.text) for c in index.chunks],
        "vectors": index.vectors,
        "unk_share": index.unk_share,
        "ranks": ranks,
    }


def index_from_job(result: dict, lang: str) -> Index:
    """The :class:`Index` again from :func:`index_job`'s plain data (BM25 is fast to redo)."""
    chunks = [Chunk(*row) for row in result["chunks"]]
    return Index(lang, chunks, np.asarray(result["vectors"]), BM25([c.text for c in chunks], lang), result["unk_share"])


# --------------------------------------------------------------------------- 4. the prompt

PROMPT = {
    "en": {
        "rag": "Answer the question using the documents below. Answer in one short sentence and cite "
               "the number of the document you used, like [1].\n\nDocuments:\n{documents}\n\nQuestion: {question}",
        "plain": "Answer the question in one short sentence.\n\nQuestion: {question}",
    },
    "zh": {
        "rag": "请根据下面的资料回答问题。用一句话简短回答，并注明所用资料的编号，例如 [1]。\n\n资料：\n{documents}\n\n问题：{question}",
        "plain": "请用一句话简短回答问题。\n\n问题：{question}",
    },
}


def assemble_prompt(question: str, contexts: Sequence[str], lang: str) -> str:
    """The user's message: numbered chunks, then the question (no chunks: the question alone)."""
    templates = PROMPT["zh" if lang == "zh" else "en"]
    if not contexts:
        return templates["plain"].format(question=question)
    documents = "\n".join(f"[{i}] {' '.join(text.split())}" for i, text in enumerate(contexts, start=1))
    return templates["rag"].format(documents=documents, question=question)


def citations(answer: str, n_chunks: int) -> list[int]:
    """The chunk numbers ``[n]`` an answer cites (1-based, only numbers it was given)."""
    found = []
    for match in re.finditer(r"\[(\d{1,2})\]", answer):
        number = int(match.group(1))
        if 1 <= number <= n_chunks and number not in found:
            found.append(number)
    return found


def supporting(answer: str, contexts: Sequence[str], question: str, lang: str) -> list[int]:
    """Chunks (1-based) that contain a word of the answer that the question did not already
    hold: where the answer may come from, whether or not the model cited it."""
    asked = set(words(question, lang))
    answer_words = {w for w in words(answer, lang) if w not in asked and (len(w) > 3 or w.isdigit() or lang == "zh")}
    return [i for i, text in enumerate(contexts, start=1) if answer_words & set(words(text, lang))]


# --------------------------------------------------------------------------- 5. SmolLM2, in a worker

def _smollm2():  # noqa: ANN202
    from lm_core.models.smollm2_cache import load_smollm2

    return load_smollm2()


def chat_ids(tokenizer, messages: Sequence[tuple[str, str]]) -> list[int]:  # noqa: ANN001
    """A chat as SmolLM2's ids, the assistant's turn opened."""
    return tokenizer.encode(tokenizer.chat_prompt([{"role": r, "content": c} for r, c in messages]))


def chat_job(messages: tuple[tuple[str, str], ...], max_new_tokens: int, window: int | None,
             progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """SmolLM2's greedy answer to a chat. ``window``: keep only the chat's last ``window``
    tokens before answering (a small context window; ``None``: the model's own).

    Returns ``text``, ``tokens``, ``probs`` (each new token's probability), ``prompt_tokens``
    (the chat's length) and ``cropped`` (how many tokens fell out of the window)."""
    from lm_core.decoding.continuation import GREEDY, continuation

    model, tokenizer = _smollm2()
    ids = chat_ids(tokenizer, messages)
    cropped = max(0, len(ids) - window) if window else 0
    pairs = []
    for step in continuation(model, ids[cropped:], GREEDY, max_new_tokens, 0, end_id=tokenizer.eos_id):
        pairs.append(step)
    kept = [(i, p) for i, p in pairs if i != tokenizer.eos_id]
    progress({"step": 1, "total": 1})
    return {
        "text": tokenizer.decode([i for i, _ in kept], skip_special=True).strip(),
        "tokens": [tokenizer.id_to_token(i) for i, _ in kept],
        "probs": [float(p) for _, p in kept],
        "prompt_tokens": len(ids),
        "cropped": cropped,
    }


def answer_messages(question: str, contexts: Sequence[str], lang: str) -> tuple[tuple[str, str], ...]:
    """The one-turn chat of a RAG question (SmolLM2's default system turn)."""
    return (("user", assemble_prompt(question, contexts, lang)),)


def fact_probability_job(messages: tuple[tuple[str, str], ...], statement: str, match: str,
                         progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """How likely SmolLM2 finds the *right* answer: the gold sentence read as its reply,
    token by token (teacher forcing). Returns ``tokens``, ``probs``, ``in_answer`` (the tokens
    that spell ``match``) and ``answer_prob`` (the product of those tokens' probabilities)."""
    import torch

    from lm_core.core.device import inference_threads

    model, tokenizer = _smollm2()
    prompt = chat_ids(tokenizer, messages)
    reply = tokenizer.encode(statement)
    ids = torch.tensor([prompt + reply])
    with inference_threads(), torch.inference_mode():
        logits = model(ids)[0].float()
    probs = torch.softmax(logits[len(prompt) - 1 : -1], dim=-1)
    chosen = [float(probs[i, token]) for i, token in enumerate(reply)]
    tokens = [tokenizer.decode([token]) for token in reply]
    spans, cursor = [], 0
    for token in tokens:
        spans.append((cursor, cursor + len(token)))
        cursor += len(token)
    where = statement.find(match)
    in_answer = [where >= 0 and start < where + len(match) and end > where for start, end in spans]
    answer_prob = float(np.prod([p for p, inside in zip(chosen, in_answer, strict=True) if inside])) if any(in_answer) else 0.0
    progress({"step": 1, "total": 1})
    return {"tokens": tokens, "probs": chosen, "in_answer": in_answer, "answer_prob": answer_prob}


# --------------------------------------------------------------------------- memory

def chat_turns(turns: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """A chat as the plain tuples a job takes (checked: roles user/assistant, text not empty)."""
    out = []
    for role, content in turns:
        if role not in ("user", "assistant", "system"):
            raise InputError("errors.setting.impossible", name="role", value=role)
        out.append((role, content))
    return tuple(out)


def window_tokens(tokenizer, messages: Sequence[tuple[str, str]], window: int) -> tuple[list[str], int]:  # noqa: ANN001
    """The chat's tokens (as text pieces) and how many fall out of a ``window``-token window."""
    ids = chat_ids(tokenizer, messages)
    return [tokenizer.decode([i]) for i in ids], max(0, len(ids) - window)


# --------------------------------------------------------------------------- the whole question set

RESULTS_FILE_NAME = "ch9_results.json"
CONDITIONS = ("none", "minilm", "bm25", "gold")


def gold_passage(question: knowledge.Question, lang: str) -> str:
    """The paragraph of the encyclopedia that states the question's fact (the ceiling: the
    best context a retriever could hand the model)."""
    for key, text in knowledge_documents(lang):
        if key in question.articles:
            for start, end in paragraph_spans(text):
                if question.statement in text[start:end]:
                    return text[start:end]
    raise ValueError(f"no paragraph states {question.statement!r}")


def contexts_for(condition: str, question: knowledge.Question, index: Index, k: int) -> tuple[list[int], list[str]]:
    """The chunks a condition puts in the prompt: ``(chunk indices, texts)``; ``gold`` is the
    gold paragraph (index -1), ``none`` nothing."""
    if condition == "none":
        return [], []
    if condition == "gold":
        return [-1], [gold_passage(question, index.lang)]
    chosen = top_k(index.similarities(question.question, condition), k)
    return chosen, [index.chunks[i].text for i in chosen]


def measure_question(question: knowledge.Question, index: Index, k: int) -> dict:
    """Everything the page shows about one question at the default settings: the answer in
    each condition, how likely the model finds the right answer without and with the gold
    paragraph, and its answer when that paragraph states a false fact."""
    lang = index.lang
    quiet = (lambda report: None, lambda: False)
    out: dict = {"question": question.question, "answers": {}}
    for condition in CONDITIONS:
        chosen, texts = contexts_for(condition, question, index, k)
        result = chat_job(answer_messages(question.question, texts, lang), ANSWER_TOKENS, None, *quiet)
        result.update(chunks=chosen, right=knowledge.is_right(result["text"], question),
                      cited=citations(result["text"], len(texts)))
        out["answers"][condition] = result
    gold = gold_passage(question, lang)
    for name, texts in (("without", []), ("with_gold", [gold])):
        messages = answer_messages(question.question, texts, lang)
        out[f"fact_{name}"] = fact_probability_job(messages, question.statement, question.match, *quiet)
    false_text, false_value = knowledge.with_wrong_fact(gold, question)
    wrong = chat_job(answer_messages(question.question, [false_text], lang), ANSWER_TOKENS, None, *quiet)
    wrong.update(false_value=false_value, follows=false_value.lower() in wrong["text"].lower(),
                 right=knowledge.is_right(wrong["text"], question))
    out["wrong_document"] = wrong
    return out


def accuracy_table(per_question: Sequence[dict]) -> dict[str, float]:
    """Share of right answers per condition."""
    return {c: sum(q["answers"][c]["right"] for q in per_question) / max(1, len(per_question)) for c in CONDITIONS}


# --------------------------------------------------------------------------- predict, then reveal

def right_answer(answer_text: str, question: knowledge.Question):  # noqa: ANN201 (quiz.Answer)
    """Chapter 9's questions "will it answer right?": yes when the answer names the fact."""
    from lm_core.analysis.quiz import NO, YES, Answer

    flag = knowledge.is_right(answer_text, question)
    return Answer(frozenset({YES if flag else NO}), YES if flag else NO, {"answer": answer_text, "gold": question.answer})


def remembers(answer_text: str, name: str, cropped_text: str):  # noqa: ANN201 (quiz.Answer)
    """"Will it still know your name?": yes when the answer says the name."""
    from lm_core.analysis.quiz import NO, YES, Answer

    flag = name.strip().lower() in answer_text.lower()
    inside = name.strip().lower() not in cropped_text.lower()
    return Answer(frozenset({YES if flag else NO}), YES if flag else NO, {"answer": answer_text, "inside": inside})


def smollm2_window() -> int:
    """SmolLM2's context window in tokens, read from its config (no model loaded)."""
    import json

    from lm_core.models.smollm2_cache import cache_dir

    config = json.loads((cache_dir() / "config.json").read_text(encoding="utf-8"))
    return int(config["block_size"])
