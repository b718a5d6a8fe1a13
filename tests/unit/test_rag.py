"""Chapter 9's retrieval: chunking, BM25, ranks and hit@k, the prompt, citations, and SmolLM2's
jobs (picklable, short)."""

from __future__ import annotations

import functools
import pickle

import numpy as np
import pytest

from lm_core.analysis import rag
from lm_core.core.errors import InputError
from lm_core.data import knowledge

TEXT = "First sentence here. Second one follows!\n\nA new paragraph starts. It has two sentences."


def test_chunking_modes_cover_the_text_and_stay_inside_articles():
    sentence = rag.chunk_spans(TEXT, rag.ChunkSettings("sentence", 1, 0))
    assert [TEXT[s:e] for s, e in sentence] == ["First sentence here.", "Second one follows!", "A new paragraph starts.",
                                               "It has two sentences."]
    assert [TEXT[s:e] for s, e in rag.chunk_spans(TEXT, rag.ChunkSettings("sentence", 3, 0))][1] == "It has two sentences."
    paragraphs = rag.chunk_spans(TEXT, rag.ChunkSettings("paragraph", 1, 0))
    assert [TEXT[s:e] for s, e in paragraphs] == TEXT.split("\n\n")
    fixed = rag.chunk_spans(TEXT, rag.ChunkSettings("fixed", 30, 10))
    assert fixed[0] == (0, 30) and fixed[1][0] == 20 and fixed[-1][1] == len(TEXT)  # overlap of 10
    chunks = rag.chunk_documents(rag.knowledge_documents("en"), rag.ChunkSettings("fixed", 200, 40))
    texts = dict(rag.knowledge_documents("en"))
    assert all(texts[c.article][c.start:c.end].strip() == c.text for c in chunks)
    with pytest.raises(InputError):
        rag.ChunkSettings("fixed", 50, 50)


def test_bm25_prefers_rare_shared_words_and_segments_chinese():
    bm25 = rag.BM25(["the cat sat on the mat", "the dog ate the bone", "the the the"], "en")
    scores = bm25.scores("Where did the cat sit?")
    assert scores.argmax() == 0 and scores[2] < scores[0]
    zh = rag.BM25(["雷恩菲尔德的公共图书馆建成了。", "奥斯特米尔以纸风筝闻名。"], "zh")
    assert zh.scores("纸风筝").argmax() == 1


def test_ranks_and_hits():
    question = knowledge.questions("en")[0]
    chunks = rag.chunk_documents(rag.knowledge_documents("en"), rag.ChunkSettings())
    gold = [i for i, c in enumerate(chunks) if rag.is_gold(c, question)]
    assert gold
    scores = np.zeros(len(chunks))
    scores[gold[0]] = 1.0
    assert rag.first_gold_rank(scores, chunks, question) == 1
    assert rag.hit_at([1, 3, None, 2], 1) == 0.25 and rag.hit_at([1, 3, None, 2], 3) == 0.75
    assert rag.top_k(np.array([0.1, 0.9, 0.5]), 2) == [1, 2]


def test_index_of_a_slice_and_minilm_blind_to_chinese():
    english = rag.build_index(rag.knowledge_documents("en")[:2], "en", rag.ChunkSettings("paragraph", 1, 0))
    assert english.vectors.shape == (len(english.chunks), 384) and english.unk_share == 0.0
    question = next(q for q in knowledge.questions("en") if q.articles[0] == english.chunks[0].article)
    scores = english.similarities(question.question, "minilm")
    assert rag.is_gold(english.chunks[rag.top_k(scores, 1)[0]], question)
    # the question's vector handed over (a server keeps one per question): the same scores
    given = rag.minilm_vectors([question.question])[0]
    assert np.allclose(english.similarities(question.question, "minilm", given), scores)
    assert not np.allclose(english.similarities(question.question, "minilm", -given), scores)
    assert rag.unknown_share([a.text for a in knowledge.articles("zh")[:2]]) > 0.3


def test_prompt_citations_and_support():
    prompt = rag.assemble_prompt("When?", ["It was 1873.", "Other\ntext."], "en")
    assert "[1] It was 1873.\n[2] Other text." in prompt and prompt.endswith("Question: When?")
    assert "[1]" not in rag.assemble_prompt("When?", [], "en")
    assert rag.citations("Built in 1873 [2], see [1] and [9].", 2) == [2, 1]
    assert rag.supporting("It was built in 1873.", ["nothing", "in 1873 it was built"], "When was it built?", "en") == [2]
    question = knowledge.questions("zh")[0]
    assert question.statement in rag.gold_passage(question, "zh")


def test_own_text_is_checked():
    with pytest.raises(InputError):
        rag.own_documents("   ")
    with pytest.raises(InputError):
        rag.own_documents("x" * (rag.OWN_TEXT_LIMIT + 1))
    assert rag.own_documents("<b>mine</b>") == [(rag.OWN_KEY, "<b>mine</b>")]
    with pytest.raises(InputError):
        rag.clean_question("  ?! ")


def test_smollm2_jobs_are_picklable_and_short():
    from lm_core.models.smollm2_cache import smollm2_available

    if not smollm2_available():
        pytest.skip("SmolLM2 is not installed")
    messages = rag.answer_messages("When was the clock tower built?", ["The clock tower was built in 1873."], "en")
    job = functools.partial(rag.chat_job, messages, 3, None)
    pickle.dumps(job)
    result = job(lambda report: None, lambda: False)
    assert 1 <= len(result["tokens"]) <= 3 and all(0 < p <= 1 for p in result["probs"])
    question = knowledge.questions("en")[0]
    fact = rag.fact_probability_job(rag.answer_messages(question.question, [], "en"), question.statement, question.match,
                                    lambda report: None, lambda: False)
    assert "".join(t for t, inside in zip(fact["tokens"], fact["in_answer"], strict=True) if inside).strip() == question.match
    assert 0 <= fact["answer_prob"] <= 1
    window = rag.chat_job((("user", "My name is Ana. " * 20),), 1, 16, lambda report: None, lambda: False)
    assert window["cropped"] == window["prompt_tokens"] - 16


def test_figures_escape_learner_text_and_mark_the_chosen_chunks():
    from viz import ch9 as figs

    html = figs.chunks_html("<b>a</b> and more text", [(0, 12), (8, 22)], "overlap")
    assert "<b>a</b>" not in html and "&lt;b&gt;a&lt;/b&gt;" in html and "underline wavy" in html
    labels = {"title": "t", "x": "x", "y": "y", "chosen": "in", "other": "out", "gold": "gold"}
    figure = figs.similarity_figure([0.1, 0.9, 0.5], ["<i>x</i>", "b", "c"], [1], labels, [False, True, False])
    chosen_trace = figure.data[0]
    assert list(chosen_trace.x) == [2] and "<i>" not in "".join(figure.data[1].customdata)
    card = figs.answer_html("t", "<script>x</script> [1]", [3], "note")
    assert "<script>" not in card and "[3]" in card
