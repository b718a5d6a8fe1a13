"""The invented encyclopedia of chapter 9: the same seed gives the same bytes, and every
question's answer is where the question says it is."""

from __future__ import annotations

import hashlib

from lm_core.data import knowledge

#: The shipped seed's text, fixed: a change to the generator or its word lists changes it.
DIGESTS = {
    "en": "74b9b0f59c5979d8d0deff615ca29126ab6e4b9431965a094d0386f88bc58daa",
    "zh": "772260ef77a531ac4db329573afa9de891320377d702b8e267ebba46b18634f0",
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_same_seed_same_bytes_and_another_seed_another_world():
    for lang, digest in DIGESTS.items():
        assert _digest(knowledge.full_text(lang)) == digest
    knowledge.fact_table.cache_clear()
    knowledge.articles.cache_clear()
    assert _digest(knowledge.full_text("en")) == DIGESTS["en"]  # regenerated from scratch
    assert knowledge.full_text("en", seed=10) != knowledge.full_text("en")


def test_questions_point_at_their_facts_in_both_languages():
    for lang in knowledge.LANGUAGES:
        questions = knowledge.questions(lang)
        articles = {a.key: a.text for a in knowledge.articles(lang)}
        assert len(questions) == 24
        for question in questions:
            assert question.match in question.statement
            assert any(question.statement in articles[key] for key in question.articles)
            assert question.answer not in question.question  # the question does not give it away
    # Parallel: the same facts in both languages (years are the same numbers).
    years = [[q.answer for q in knowledge.questions(lang) if q.kind == "year"] for lang in knowledge.LANGUAGES]
    assert years[0] == years[1]


def test_right_answers_and_false_documents():
    question = knowledge.questions("en")[0]
    assert knowledge.is_right(f"It was built in {question.answer}.", question)
    assert not knowledge.is_right("It was built in 1066.", question)
    text, false = knowledge.with_wrong_fact(question.statement, question)
    assert false != question.answer and false in text and question.answer not in text
