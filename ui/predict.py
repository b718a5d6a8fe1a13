"""Predict, then reveal: a chapter asks the learner to guess before the model answers.

How a chapter asks a question (three short calls in the page, nothing else moves)::

    from lm_core.analysis import quiz
    from ui.predict import ask

    question = ask(
        "ch4.long_sentence",                      # id: texts under [ch4.long_sentence] in quiz.toml
        ["yes", "no"],                             # option ids the learner can click
        lambda: quiz.some_answer(live_output),     # -> quiz.Answer, computed from the model NOW
        reveal=lambda answer, guess: st.plotly_chart(...),   # optional: the chart that settles it
        params={"words": n_words},                 # placeholders of the question text
        context=(sentence, model_name),            # what the answer depends on: new input, new question
    )
    ...the page's own chart for this section, unchanged...
    question.end()                                 # what lies between ask() and end() stays greyed out
                                                   # (blurred, not clickable) until the learner commits

Texts live in ``assets/content/{en,zh}/quiz.toml``, table ``[<chapter>.<name>]``:
``question`` (with ``{placeholders}`` from ``params``), ``why`` or ``why_<case>`` (the
explanation; ``case`` and numeric ``facts`` come from the :class:`~lm_core.analysis.quiz.Answer`,
extra placeholders from ``facts=lambda answer: {...}``), and ``[<chapter>.<name>.options]``
labels for fixed option ids (options without a label, such as words of the learner's own
sentence, are shown as they are, escaped). ``multi=True`` makes it "click every one".

The learner picks with clickable chips, then locks the guess in; then the model's answer,
their guess and why, side by side, and the chart. "Just show me" skips the guess (a teacher
presenting). ``?reveal=all`` in the URL shows every answer at once (a projected lesson).
Progress is kept in ``st.session_state`` only: nothing is stored on the server beyond the
session, no accounts, no tracking. :func:`progress` gives it to the home page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from lm_core.analysis.quiz import Answer, Grade, grade
from lm_core.core.errors import InputError
from ui import i18n
from ui.common import LOG, current_language, projector_on, show_error, t, with_export
from viz.quiz import answer_bars
from viz.tokens import escape_markdown

STATE = "_quiz_state"  # question id -> {"context", "guess", "status"} for the input it was asked on
DONE = "_quiz_done"  # question id -> "right" | "wrong" | "skipped": the latest outcome, any input
COVER_STYLE = "filter: blur(7px) grayscale(0.8); opacity: 0.35; pointer-events: none; user-select: none;"


def reveal_all() -> bool:
    """``?reveal=all``: a projected lesson shows every answer without asking."""
    return st.query_params.get("reveal") == "all"


def _slug(question_id: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in question_id)


def _fingerprint(context: object) -> str:
    return hashlib.sha1(repr(context).encode("utf-8", "backslashreplace")).hexdigest()[:10]


def _raw_label_of(question_id: str, labels: Mapping[str, str] | None) -> Callable[[str], str]:
    """An option's label as plain text: the page's, the content file's, else the id itself."""

    def label(option: str) -> str:
        if labels and option in labels:
            return str(labels[option])
        key = f"quiz.{question_id}.options.{option}"
        return t(key) if i18n.has(key) else str(option)

    return label


def _label_of(question_id: str, labels: Mapping[str, str] | None) -> Callable[[str], str]:
    """An option's label made literal for Markdown (options may be words a learner typed)."""
    raw = _raw_label_of(question_id, labels)
    return lambda option: escape_markdown(raw(option))


def _list(items: Sequence[str], label: Callable[[str], str]) -> str:
    return ", ".join(f"**{label(item)}**" for item in items) if items else f"*{t('quiz.common.nothing')}*"


def _format(key: str, values: Mapping[str, object]) -> str:
    return i18n.translate(key, current_language(), **values)


@dataclass
class Asked:
    """What :func:`ask` returns: ``revealed`` tells the page whether the answer is out;
    :meth:`end` closes the greyed-out stretch that began at the question."""

    question_id: str
    revealed: bool
    covering: bool

    def end(self) -> None:
        if self.covering:
            with st.container(key=f"quizend_{_slug(self.question_id)}"):
                st.html("<span></span>")


def _cover(slug: str) -> None:
    # The question box and the end marker are siblings of what lies between them, in
    # whatever block the page is in (main body, fragment, tab); Streamlit may wrap a keyed
    # container once, so both shapes are matched.
    # (No :has() inside :is(): Chromium drops such a rule.)
    start, end = f".st-key-quiz_{slug}", f".st-key-quizend_{slug}"
    selectors = [f"{a} ~ div:has(~ {b})" for a in (start, f"div:has(> {start})") for b in (end, f"div > {end}")]
    st.html(f"<style>{', '.join(selectors)} {{ {COVER_STYLE} }}</style>")


def _compute(answer: Callable[[], Answer]) -> Answer | None:
    """The answer, or None after a message: bad input explains itself; a bug is logged and
    leaves the rest of the page working (as ``ui.common.guard`` does)."""
    try:
        return answer()
    except InputError as exc:
        show_error(exc, warning=True)
    except Exception as exc:  # a bug in a question must not take the chapter down
        LOG.exception("question failed")
        st.error(t("errors.unexpected", kind=type(exc).__name__), icon=":material/bug_report:")
    return None


def _record(question_id: str, fingerprint: str, guess: tuple[str, ...] | None, status: str) -> None:
    st.session_state.setdefault(STATE, {})[question_id] = {"context": fingerprint, "guess": guess, "status": status}
    st.session_state.setdefault(DONE, {})[question_id] = status


def _forget(question_id: str) -> None:
    st.session_state.get(STATE, {}).pop(question_id, None)


def ask(
    question_id: str,
    options: Sequence[str] | Callable[[], Sequence[str]],
    answer: Callable[[], Answer],
    reveal: Callable[[Answer, Grade | None], None] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    facts: Callable[[Answer], Mapping[str, object]] | None = None,
    context: object = None,
    multi: bool = False,
    cover: bool = True,
) -> Asked:
    """Ask ``question_id``; see the module docstring. Returns an :class:`Asked`.

    ``options`` may be a function (the words of a sentence, say): if it raises an
    InputError the question is left out, and the page's own check explains the input."""
    if callable(options):
        try:
            options = list(options())
        except Exception:  # bad input: the page's own check explains it; a bug: logged, question left out
            LOG.debug("question %s left out", question_id, exc_info=True)
            return Asked(question_id, False, False)
    if not options:
        return Asked(question_id, False, False)
    slug = _slug(question_id)
    fingerprint = _fingerprint((tuple(options), context))
    label = _label_of(question_id, labels)
    shown_params = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in (params or {}).items()}
    entry = st.session_state.get(STATE, {}).get(question_id)
    if entry is not None and entry["context"] != fingerprint:
        entry = None  # the learner changed the input: a new question
    presenting = reveal_all()

    question = f"**{t('quiz.common.predict')}** · " + _format(f"quiz.{question_id}.question", shown_params)
    if projector_on():
        # On a projector the teacher asks the class aloud: the question folds into one line
        # above the chart (opened when wanted) and covers nothing.
        box = st.expander(question, icon=":material/psychology_alt:")
        cover = False
    else:
        box = st.container(key=f"quiz_{slug}", border=True)
    with box:
        if not projector_on():
            st.markdown(":material/psychology_alt: " + question)
        if entry is None and not presenting:
            chooser = st.empty()  # the chips and buttons, cleared once the guess is locked in
            chooser_box = chooser.container()
            picked = chooser_box.pills(
                t("quiz.common.multi_hint" if multi else "quiz.common.single_hint"),
                list(options),
                selection_mode="multi" if multi else "single",
                format_func={option: label(option) for option in options}.__getitem__,  # translated now
                key=f"quiz_pick_{slug}_{fingerprint}",
            )
            buttons = chooser_box.container(horizontal=True)
            locked = buttons.button(t("quiz.common.lock"), type="primary", icon=":material/lock:",
                                    key=f"quiz_lock_{slug}")
            skipped = buttons.button(t("quiz.common.skip"), type="tertiary", icon=":material/visibility:",
                                     key=f"quiz_skip_{slug}", help=t("quiz.common.skip_help"))
            if locked and not multi and picked is None:
                chooser_box.warning(t("quiz.common.pick_first"), icon=":material/touch_app:")
                locked = False
            if not locked and not skipped:
                if cover:
                    chooser_box.caption(t("quiz.common.covered"))
                    _cover(slug)
                return Asked(question_id, False, cover)
            guess = (tuple(picked) if multi else (picked,)) if locked else None
            result = _compute(answer)
            if result is None:
                return Asked(question_id, False, False)
            chooser.empty()
            outcome = grade(guess, result) if guess is not None else None
            status = "skipped" if outcome is None else ("right" if outcome.correct else "wrong")
            _record(question_id, fingerprint, guess, status)
            entry = st.session_state[STATE][question_id]
        else:
            result = _compute(answer)  # computed now, from the model's output for the current input
            if result is None:
                return Asked(question_id, False, False)
        guess = entry["guess"] if entry else None
        outcome = grade(guess, result) if guess is not None else None
        if entry is not None:
            entry["correct"] = sorted(result.correct)  # what the model said, for this session only
        _show_answer(question_id, options, result, outcome, label, shown_params, facts, presenting)
        if reveal is not None:
            reveal(result, outcome)
        if not presenting:
            st.button(t("quiz.common.again"), key=f"quiz_again_{slug}", icon=":material/replay:",
                      type="tertiary", on_click=_forget, args=(question_id,))
    return Asked(question_id, True, False)


def _show_answer(question_id, options, result: Answer, outcome: Grade | None, label, params, facts, presenting) -> None:
    right = [o for o in options if o in result.correct]
    left_col, right_col = st.columns(2)
    with left_col:
        st.caption(t("quiz.common.your_guess"))
        if outcome is None:
            st.markdown(f"*{t('quiz.common.presented' if presenting else 'quiz.common.skipped')}*")
        else:
            st.markdown(_list(list(outcome.guess), label))
    with right_col:
        st.caption(t("quiz.common.model_says"))
        joiner = f" {t('quiz.common.or')} " if not result.multi else ", "
        st.markdown(joiner.join(f"**{label(o)}**" for o in right) if right else f"*{t('quiz.common.nothing')}*")
    if outcome is not None:
        if outcome.correct:
            st.success(t("quiz.common.right"), icon=":material/check_circle:")
        else:
            message = t("quiz.common.wrong")
            if outcome.missed:
                message = i18n.join_sentences(
                    message, t("quiz.common.missed", items=", ".join(label(m) for m in outcome.missed))
                )
            if outcome.extra:
                message = i18n.join_sentences(
                    message, t("quiz.common.extra", items=", ".join(label(e) for e in outcome.extra))
                )
            st.error(message, icon=":material/cancel:")
    values = {k: escape_markdown(v) if isinstance(v, str) else v
              for k, v in result.facts.items() if isinstance(v, (str, int, float))}
    values.update(params)
    if facts is not None:
        values.update({k: escape_markdown(v) if isinstance(v, str) else v for k, v in facts(result).items()})
    key = f"quiz.{question_id}.why_{result.case}"
    if not i18n.has(key):
        key = f"quiz.{question_id}.why"
    st.markdown(":material/lightbulb: " + _format(key, values))


# --------------------------------------------------------------------------- progress


def questions_by_chapter() -> dict[str, list[str]]:
    """Every question of the content files, per chapter namespace (``"ch1"``), in file order."""
    found: dict[str, list[str]] = {}
    for key in i18n.catalogue(i18n.DEFAULT_LANGUAGE):
        parts = key.split(".")
        if len(parts) == 4 and parts[0] == "quiz" and parts[3] == "question":
            found.setdefault(parts[1], []).append(f"{parts[1]}.{parts[2]}")
    return found


def progress() -> dict[str, dict[str, str]]:
    """This session's outcomes per chapter: ``{"ch1": {"ch1.fewest": "right", ...}}``."""
    out: dict[str, dict[str, str]] = {}
    for question_id, status in st.session_state.get(DONE, {}).items():
        out.setdefault(question_id.split(".")[0], {})[question_id] = status
    return out


# --------------------------------------------------------------------------- reveals


def bar_reveal(
    question_id: str,
    facts_key: str = "values",
    number_format: str = ".2f",
    labels: Mapping[str, str] | None = None,
) -> Callable[[Answer, Grade | None], None]:
    """A reveal that draws ``answer.facts[facts_key]`` (option id -> number) as bars:
    the right option(s) green, the learner's guess outlined. Title and axis from
    ``chart_title`` / ``chart_x`` of the question's texts."""

    def draw(answer: Answer, outcome: Grade | None) -> None:
        values = answer.facts.get(facts_key) or {}
        options = list(values)
        label = _raw_label_of(question_id, labels)
        guessed = set(outcome.guess) if outcome is not None else set()
        figure = answer_bars(
            [label(o) for o in options],
            [float(values[o]) for o in options],
            {i for i, o in enumerate(options) if o in answer.correct},
            {i for i, o in enumerate(options) if o in guessed},
            t(f"quiz.{question_id}.chart_title"),
            t(f"quiz.{question_id}.chart_x"),
            t("quiz.common.bars_guess"),
            number_format,
        )
        key = f"quiz_chart_{_slug(question_id)}"
        st.plotly_chart(figure, width="stretch", key=key, config=with_export(figure, key, {"displaylogo": False}))

    return draw


def progress_panel() -> None:
    """Home page: which questions this learner answered in this session, per chapter."""
    from ui.chapters import available_chapters  # the chapters built so far

    asked = questions_by_chapter()
    done = progress()
    st.subheader(t("quiz.progress.title"))
    st.caption(t("quiz.progress.intro"))
    chapters = [c for c in available_chapters() if asked.get(c.key)]
    columns = st.columns(max(1, len(chapters)))
    for column, chapter in zip(columns, chapters, strict=True):
        outcomes = done.get(chapter.key, {})
        answered = sum(1 for s in outcomes.values() if s in ("right", "wrong"))
        right = sum(1 for s in outcomes.values() if s == "right")
        total = len(asked[chapter.key])
        with column.container(border=True, key=f"progress_{chapter.key}"):
            st.markdown(f"**{chapter.number}. {t(f'nav.{chapter.key}')}**")
            st.progress(answered / total if total else 0.0)
            st.caption(t("quiz.progress.line", answered=answered, total=total, right=right)
                       if outcomes else t("quiz.progress.none"))
