"""Chapter 5, "by hand": a transformer small enough to check with pencil and paper.

Every number of a d=4 model (ten words, one head) in small tables grouped by the chapter's
steps; the learner edits any weight, changes the sentence, undoes, resets and takes one training
step, all in the browser (viz/by_hand_page.py), which writes the edited model into the link
(``hand``: the edited weights, ``hand_words``, ``hand_target``, ``hand_lr``). This module reads
those parameters on a cold visit, checked: a tampered part shows a message and is left out. Two
questions ask the learner to predict before the tables answer.
"""

from __future__ import annotations

import math

import streamlit as st

from lm_core.analysis.quiz import Answer
from lm_core.core.errors import InputError
from lm_core.models import by_hand
from ui import i18n
from ui.common import current_language, explain_after, intro, projector_on, query_param, show_error, t
from ui.predict import ask, bar_reveal
from viz import by_hand_page

KEY_FACTOR = 2  # the question makes the first word's key this many times bigger
#: The page's words for the browser: name in the script -> key under ``ch5_by_hand.labels``.
LABEL_KEYS = ("sentence", "undo", "reset", "formula_hint", "edit_hint", "masked_cell", "unmasked_cell",
              "gradient_cell", "gradient_title", "bad_number", "train_title", "target", "rate", "show_gradients",
              "step", "loss_line", "loss_fell", "loss_rose", "gradient_note", "train_note", "prediction")
NOTE_KEYS = ("scores", "softmax", "output", "ffn", "logits")
TABLE_NAMES = ("E", "P", "x", "WQ", "WK", "WV", "q", "k", "v", "scores", "scaled", "masked", "attention", "mixed",
               "WO", "attn_out", "resid", "W1", "b1", "pre", "hidden", "W2", "ff_out", "out", "Wout", "logits", "probs")


def example_view(model: by_hand.ByHandModel) -> dict:
    """What the section opens on without a link: the example sentence, its expected word, the
    first learning rate."""
    sentence, expected = by_hand.EXAMPLE[model.lang]
    return {"ids": model.ids(sentence), "target": model.words.index(expected), "rate": by_hand_page.RATES[0]}


def _target(model: by_hand.ByHandModel, text: str) -> int:
    if not text.isdigit() or int(text) >= len(model.words):
        raise InputError("ch5_by_hand.errors.link_target", part=text[:40])
    return int(text)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value not in by_hand_page.RATES:
        raise InputError("ch5_by_hand.errors.link_rate", part=text[:40])
    return value


def from_link(base: by_hand.ByHandModel) -> tuple[by_hand.ByHandModel, dict]:
    """The model and view the link names; each part that does not check out is explained
    (in the learner's language) and replaced by the example's."""
    view = example_view(base)
    opened = base.copy()
    readers = {
        "hand": lambda text: by_hand.parse_edits(base, text),
        "hand_words": lambda text: by_hand.parse_words(base, text),
        "hand_target": lambda text: _target(base, text),
        "hand_lr": _rate,
    }
    for name, read in readers.items():
        text = query_param(name)
        if text is None:
            continue
        try:
            value = read(text)
        except InputError as exc:
            show_error(exc, warning=True)
            continue
        if name == "hand":
            opened = value
        else:
            view[{"hand_words": "ids", "hand_target": "target", "hand_lr": "rate"}[name]] = value
    return opened, view


def _labels() -> dict:
    lang = current_language()
    labels: dict[str, object] = {key: i18n.template(f"ch5_by_hand.labels.{key}", lang) for key in LABEL_KEYS}
    labels["steps"] = {key: t(f"ch5_by_hand.steps.{key}") for key in by_hand_page.step_names()}
    sizes = {"dim": by_hand.DIM, "root": f"{math.sqrt(by_hand.DIM):g}", "hidden": by_hand.HIDDEN}
    labels["notes"] = {key: t(f"ch5_by_hand.notes.{key}", **sizes) for key in NOTE_KEYS}
    return labels


def _real_model_link_label(real: dict | None) -> str:
    if real is None:
        return ""
    return t("ch5_by_hand.labels.real_model", dims=real["dims"], head_dim=real["head_dim"])


def _questions(model: by_hand.ByHandModel, view: dict, edits: str) -> list:
    """Predict, then reveal: the next word, and the attention after a key is made bigger. Each
    greys out the tables until answered (the caller ends them, last asked first). Options are
    the words themselves."""
    words = [model.words[i] for i in view["ids"]]
    sentence = (" " if model.lang == "en" else "").join(words)
    context = (model.lang, tuple(view["ids"]), edits)

    def next_word() -> Answer:
        _, probs = by_hand.predict(model, words)
        values = {word: float(p) for word, p in zip(model.words, probs, strict=True)}
        best = int(probs.argmax())
        return Answer(frozenset({model.words[best]}), "", {"values": values, "word": model.words[best],
                                                            "prob": float(probs[best])})

    asked = [ask("ch5.hand_next", list(model.words), next_word, bar_reveal("ch5.hand_next"),
                 params={"sentence": sentence}, context=context)]
    if len(words) < 2:
        return asked
    choices = list(dict.fromkeys(words))  # a word said twice is one option

    def after_raise() -> Answer:
        weights = by_hand.attention_if_key_scaled(model, words, 0, KEY_FACTOR)
        values = {word: float(max(w for w, other in zip(weights, words, strict=True) if other == word))
                  for word in choices}
        best = max(values, key=values.get)
        return Answer(frozenset(w for w in choices if abs(values[w] - values[best]) <= 1e-6), "",
                      {"values": values, "target": best, "weight": values[best]})

    asked.append(ask("ch5.hand_key", choices, after_raise, bar_reveal("ch5.hand_key"),
                     params={"first": words[0], "last": words[-1], "factor": KEY_FACTOR}, context=context))
    return asked


def by_hand_section() -> None:
    """The section: header, prose, two questions, and the browser tables."""
    lang = current_language()
    st.header(t("ch5_by_hand.header"))
    shown = explain_after("ch5/by_hand")
    base = by_hand.load_shipped(lang)
    st.markdown(t("ch5_by_hand.summary", words=len(base.words), dim=by_hand.DIM, hidden=by_hand.HIDDEN,
                  decimals=by_hand.SHIPPED_DECIMALS))
    opened, view = from_link(base)
    edits = by_hand.encode_edits(base, opened)
    if edits:
        st.info(t("ch5_by_hand.edited_link"), icon=":material/edit:")
    questions = _questions(opened, view, edits)
    real = by_hand.real_model(lang)
    labels = _labels()
    labels["real_model"] = _real_model_link_label(real)
    titles = {name: t(f"ch5_by_hand.titles.{name}") for name in TABLE_NAMES}
    real_link = {"model": real["model"] if real else "", "example": "zh" if lang == "zh" else "rained"}
    with st.container(key="by_hand"):
        html = by_hand_page.by_hand_html(base, opened, view, example_view(base), labels, titles, real_link,
                                         projector=projector_on())
        st.iframe(html, height="content")
    for question in reversed(questions):
        question.end()
    if not shown:
        intro("ch5/by_hand", "common.read_more")
    st.markdown(t("ch5_by_hand.step_caption"))
