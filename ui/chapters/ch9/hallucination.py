"""Chapter 9, section 5: "it is not a database". The model asked about a fact it never saw
invents an answer (its tokens coloured by probability, chapter 7's strip), and gives the right
answer's tokens little probability; with the document it finds them. Then a document that
states a false fact: the model follows the document."""

from __future__ import annotations

import streamlit as st

from lm_core.analysis import rag
from lm_core.analysis.quiz import NO, YES
from lm_core.data import knowledge
from ui.chapters.ch9.common import View, answer, fact_probability, shipped_question
from ui.common import md, t
from ui.models import smollm2_available
from ui.predict import ask
from viz.generation import token_strip_html
from viz.text import for_markdown


def _question(view: View) -> tuple[int, knowledge.Question, str]:
    """The question of the set shown here: the learner's, or the first one."""
    lang = view.lang if view.source == "kb" else ("zh" if view.lang == "zh" else "en")
    index = view.question_index if view.question_index is not None else 0
    return index, knowledge.questions(lang)[index], lang


def _fact(lang: str, question: knowledge.Question, contexts: list[str], name: str) -> dict:
    shipped = shipped_question(lang, question)
    if shipped is not None:
        return shipped[name]
    return fact_probability(rag.answer_messages(question.question, contexts, lang), question)


def section(view: View) -> None:
    st.header(t("ch9.hallucination.header"))
    st.markdown(md("ch9/hallucination"))
    if not smollm2_available():
        st.info(t("ch9.answers.no_smollm2"))
        return
    _, question, lang = _question(view)
    if view.question_index is None:
        st.caption(t("ch9.hallucination.uses_first", question=for_markdown(question.question)))
    plain = answer(rag.answer_messages(question.question, [], lang))
    asked = ask("ch9.right_without", (YES, NO), lambda: rag.right_answer(plain["text"], question),
                params={"question": question.question}, context=(lang, question.question))
    st.html(token_strip_html(question.question, plain["tokens"], plain["probs"], t("ch9.hallucination.invented")))
    gold = rag.gold_passage(question, lang)
    without = _fact(lang, question, [], "fact_without")
    with_gold = _fact(lang, question, [gold], "fact_with_gold")
    cols = st.columns(2)
    cols[0].metric(t("ch9.hallucination.p_without", answer=question.answer), f"{without['answer_prob']:.2%}")
    cols[1].metric(t("ch9.hallucination.p_with", answer=question.answer), f"{with_gold['answer_prob']:.2%}")
    st.html(token_strip_html(question.question, without["tokens"], without["probs"], t("ch9.hallucination.right_tokens")))
    st.caption(t("ch9.hallucination.right_caption"))
    asked.end()

    st.subheader(t("ch9.hallucination.wrong_header"))
    st.markdown(md("ch9/wrong_document"))
    false_text, false_value = knowledge.with_wrong_fact(gold, question)
    st.code(false_text, language=None, wrap_lines=True)
    shipped = shipped_question(lang, question)
    if shipped is not None:
        wrong = shipped["wrong_document"]
    else:
        wrong = answer(rag.answer_messages(question.question, [false_text], lang))
    follows = false_value.lower() in wrong["text"].lower()
    st.html(token_strip_html(question.question, wrong["tokens"], wrong["probs"], t("ch9.hallucination.wrong_answer")))
    st.markdown(t("ch9.hallucination.follows" if follows else "ch9.hallucination.not_follows",
                  false=for_markdown(false_value), true=for_markdown(question.answer)))
