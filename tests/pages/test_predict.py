"""Predict, then reveal, in every built chapter: each question answered right and wrong,
the part below greyed out until the learner commits, the answer computed live, the
`?reveal=all` switch for a projected lesson, and the progress kept in the session."""

from __future__ import annotations

import pytest

from tests.pages.apptest_helpers import open_page
from ui import i18n
from ui.predict import DONE, STATE, questions_by_chapter
from viz.tokens import escape_markdown

PAGES = {
    "ch1": "pages/1_Tokenization.py",
    "ch2": "pages/2_Bag_of_words.py",
    "ch3": "pages/3_Word2vec.py",
    "ch4": "pages/4_RNN_and_attention.py",
    "ch5": "pages/5_Self_attention.py",
    "ch7": "pages/7_Generation.py",
}


def slug(question_id: str) -> str:
    return question_id.replace(".", "_")


def pick_widget(app, question_id: str):
    matches = [p for p in app.pills if p.key and p.key.startswith(f"quiz_pick_{slug(question_id)}_")]
    assert len(matches) == 1, [p.key for p in app.pills]
    return matches[0]


def texts(app) -> str:
    return "\n".join(m.value for m in app.markdown)


def lock(app, question_id: str, option: str):
    pick_widget(app, question_id).set_value(option)
    app.button(key=f"quiz_lock_{slug(question_id)}").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app.session_state[STATE][question_id]


def answer_right_and_wrong(app, question_id: str, options: list[str]) -> None:
    """Guess, read what the model computed, ask again, and guess the other way."""
    assert f"quiz_chart_{slug(question_id)}" not in [c.key for c in app.get("plotly_chart") if hasattr(c, "key")]
    first = lock(app, question_id, options[0])
    correct = set(first["correct"])
    assert correct and correct <= set(options), (correct, options)
    assert first["status"] == ("right" if options[0] in correct else "wrong")
    assert app.session_state[DONE][question_id] == first["status"]
    why = [m.value for m in app.markdown if m.value.startswith(":material/lightbulb:")]
    assert why and all("{" not in w for w in why), why  # every placeholder filled
    app.button(key=f"quiz_again_{slug(question_id)}").click().run()
    assert question_id not in app.session_state[STATE]
    other = next((o for o in options if (o in correct) != (options[0] in correct)), None)
    if other is None:  # every option is right (a tie of all): nothing to get wrong
        return
    second = lock(app, question_id, other)
    assert second["status"] == ("right" if other in correct else "wrong")
    right_msgs = [s.value for s in app.success if s.value == i18n.translate("quiz.common.right", "en")]
    wrong_msgs = [e.value for e in app.error if e.value.startswith(i18n.translate("quiz.common.wrong", "en"))]
    assert (right_msgs if second["status"] == "right" else wrong_msgs)


# Option ids per question, in the order the page offers them (the chips show labels).
FIXED_OPTIONS = {
    "ch1.fewest": ["char", "word", "bpe", "wordpiece"],
    "ch1.split_word": ["yes", "no"],
    "ch1.round_trip": ["lossy", "exact", "normalised"],
    "ch2.same_vector": ["no", "yes"],
    "ch3.bank": ["same", "low", "mid", "high"],
    "ch4.long_sentence": ["over75", "under25", "25to50", "50to75"],
    "ch7.same_next": ["yes", "no"],
    "ch7.confidence": ["over75", "under25", "25to50", "50to75"],
    "ch5.ablation": ["early", "middle", "late"],
    "ch7.steer": ["yes", "no"],
    "ch7.kv_slide": ["one", "half", "all"],
    "ch7.quant_agree": ["under80", "80to95", "over95"],
}


def live_options(app, question_id: str) -> list[str]:
    if question_id in FIXED_OPTIONS:
        return FIXED_OPTIONS[question_id]
    widget = pick_widget(app, question_id)
    # Options built from the learner's input: the chip labels map back to ids through the
    # format function AppTest keeps for the widget.
    labels = widget.options
    if question_id == "ch2.most_similar":
        return [label.split(":")[0].rstrip("\\") for label in labels]
    if question_id == "ch5.attend":
        return [label.split(":")[0].rstrip("\\") for label in labels]
    if question_id in ("ch5.sharpest", "ch4.looks_at"):
        return [str(k) for k in range(len(labels))]
    return labels  # words (chapter 3): the label is the id


def test_every_built_chapter_asks_at_least_two_questions():
    asked = questions_by_chapter()
    for chapter in [*PAGES, "ch6", "ch8"]:  # chapters 6 and 8 test theirs in their own page tests
        assert len(asked.get(chapter, [])) >= 2, (chapter, asked)


@pytest.mark.parametrize("chapter", list(PAGES))
def test_questions_answered_right_and_wrong(chapter):
    app = open_page(PAGES[chapter])
    questions = questions_by_chapter()[chapter]
    covered = [c.value for c in app.caption if c.value == i18n.translate("quiz.common.covered", "en")]
    assert len(covered) == len(questions)  # each question greys out its part of the page
    for question_id in questions:
        answer_right_and_wrong(app, question_id, live_options(app, question_id))
    assert set(app.session_state[DONE]) == set(questions)


def test_answers_follow_the_learners_input():
    """Bag-of-words: reordered words give the same vector; different words do not."""
    app = open_page(PAGES["ch2"])
    state = lock(app, "ch2.same_vector", "yes")
    assert state["correct"] == ["yes"] and state["status"] == "right"  # "dog bites man" / "man bites dog"
    app.text_input(key="ch2_b").set_value("the cat sleeps").run()
    assert pick_widget(app, "ch2.same_vector").value is None  # a new input: asked afresh
    state = lock(app, "ch2.same_vector", "yes")
    assert state["correct"] == ["no"] and state["status"] == "wrong"


def test_tokenizer_answers_for_rained():
    """Chapter 1 with the curriculum's word: the BPE at the URL's vocabulary decides."""
    from lm_core.analysis import quiz
    from lm_core.tokenizers import lesson as tok

    app = open_page(PAGES["ch1"], vocab="300")
    state = lock(app, "ch1.split_word", "yes")
    expected = quiz.bpe_word_split(tok.train_bpe(tok.corpus_sentences("toy_en"), 300), "rained")
    assert state["correct"] == sorted(expected.correct)
    assert escape_markdown(expected.facts["pieces"]) in texts(app)


def test_locking_without_a_pick_asks_for_one():
    app = open_page(PAGES["ch7"])
    app.button(key="quiz_lock_ch7_same_next").click().run()
    assert [w.value for w in app.warning] == [i18n.translate("quiz.common.pick_first", "en")]
    assert "ch7.same_next" not in app.session_state[DONE] if DONE in app.session_state else True


def test_skip_and_reveal_all():
    app = open_page(PAGES["ch7"])
    app.button(key="quiz_skip_ch7_same_next").click().run()
    assert app.session_state[DONE]["ch7.same_next"] == "skipped"
    assert i18n.translate("quiz.common.skipped", "en") in texts(app)
    presented = open_page(PAGES["ch7"], reveal="all")
    assert not [p for p in presented.pills if p.key.startswith("quiz_pick_")]
    assert texts(presented).count(":material/lightbulb:") == len(questions_by_chapter()["ch7"])
    assert DONE not in presented.session_state or not presented.session_state[DONE]  # nothing recorded


def test_chinese_questions():
    app = open_page(PAGES["ch2"], lang="zh")
    assert i18n.translate("quiz.common.predict", "zh") in texts(app)
    lock(app, "ch2.same_vector", "no")
    assert i18n.translate("quiz.common.wrong", "zh") in [e.value for e in app.error][0]
