"""Section 4 of chapter 8: prompting the tiny GPT, SmolLM2 or a model the administrator added
(``LLM_EXPLAINER_MODELS``, scored in a worker of the shared queue) with examples the learner picks.

The learner chooses a model, a prompt mode and (few- or one-shot) the examples in order; the
full prompt is shown, then the test split is scored, from the measured results when they are
the same examples (instant), otherwise once per server for each distinct request.
"""

from __future__ import annotations

import functools
import time

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.analysis.prompting import LABELS, MAX_EXAMPLES, MODES, ChatScorer, GPTScorer
from lm_core.core.device import inference_threads
from ui import jobs, models, shared
from ui.chapters.ch8.common import CHART, View, confusion_labels, evaluation_of, label_names, method_label, report_table
from ui.common import chart, choice_query_param, guard, md, query_param, set_query_param, t
from viz import ch8 as figs

PROMPT_MODELS = ("gpt", "smollm2")
SHOWN_CHARS = 70  # an example's text in the picker is cut after this many characters
CONFIGURED_CAP_S = 600.0  # a configured model without its own time limit: stopped after this long


def scorer_for(model_key: str, data_lang: str):  # noqa: ANN201 (GPTScorer | ChatScorer)
    """The shared model behind a choice, as a scorer (a light wrapper, made per call)."""
    if model_key == "smollm2":
        return ChatScorer(*models.smollm2())
    return GPTScorer(*models.ch8_base(data_lang))


@st.cache_data(show_spinner=False, max_entries=64)
def prompt_probs(model_key: str, data_lang: str, mode: str, shots: tuple[int, ...]) -> dict:
    """A prompting method on the test split: computed once per server per request."""
    scorer = scorer_for(model_key, data_lang)
    with inference_threads():
        outcome = lab.prompt_probs(scorer, data_lang, mode, chosen=list(shots) if mode in ("few", "one") else None)
    return {"probs": outcome.probs, "content_free": outcome.content_free, "examples": outcome.examples}


def configured_probs(name: str, data_lang: str, mode: str, shots: tuple[int, ...]) -> dict:
    """A configured model prompted on the test split, as a job of the shared queue: the worker
    opens the model itself (``lab.open_model_prompt_job``); identical requests share one run.
    Refused first when the model does not fit its memory limits."""
    entry = models.configured_fitting(name)
    job = functools.partial(lab.open_model_prompt_job, entry.source, data_lang, mode, shots)
    return jobs.run_shared(("ch8.prompt", entry.name, entry.source, data_lang, mode, shots), job,
                           label="ch8.prompt_open", cap_s=entry.max_seconds or CONFIGURED_CAP_S)


def prompt_chat(model_key: str, data_lang: str):  # noqa: ANN201 - the chat wrapper, or None
    """How the chosen model wraps a prompt (its chat template; None: plain text). A configured
    model's comes from its tokenizer alone: its weights load in the worker, not here."""
    if not models.is_configured(model_key):
        return scorer_for(model_key, data_lang).chat
    tokenizer = models.configured_tokenizer(model_key)
    if not tokenizer.has_chat:
        return None
    return lambda message: tokenizer.chat_prompt([{"role": "user", "content": message}])


def model_name(model_key: str) -> str:
    return models.configured_label(model_key) or t(f"ch8.models.{model_key}")


def example_label(train_split: tuple, index: int) -> str:
    """``#3 [positive] Sales rose…``: an example as the picker lists it."""
    text, label = train_split[index]
    short = text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "…"
    return f"#{index} [{t(f'corpora.labels.{label}')}] {short}"


def _choices(view: View) -> tuple[str, str, list[int]]:
    """Model, mode and (few- and one-shot) the examples chosen, each kept in the link."""
    models_here = [m for m in PROMPT_MODELS if m == "gpt" or models.smollm2_available()]
    models_here += models.configured_names()  # the administrator's models, after the shipped ones
    cols = st.columns([2, 3])
    # SmolLM2 first when its measured results ship (instant); a live run of it takes minutes.
    shipped_llm = "smollm2:per_class" in view.shipped()
    default_model = "smollm2" if "smollm2" in models_here and shipped_llm else "gpt"
    st.session_state.setdefault("ch8_pm", choice_query_param("pm", models_here, default_model))
    if st.session_state["ch8_pm"] not in models_here:
        st.session_state["ch8_pm"] = models_here[0]
    model_key = cols[0].radio(
        t("ch8.prompt.model"),
        models_here,
        format_func=model_name,
        key="ch8_pm",
        help=t("ch8.prompt.model_help"),
    )
    if "smollm2" not in models_here:
        cols[0].caption(t("ch8.prompt.no_smollm2"))
    st.session_state.setdefault("ch8_mode", choice_query_param("mode", MODES, "per_class"))
    mode = cols[1].radio(
        t("ch8.prompt.mode"),
        MODES,
        format_func=lambda m: t(f"ch8.modes.{m}"),
        horizontal=True,
        key="ch8_mode",
        help=t("ch8.prompt.mode_help"),
    )
    for name, value in (("pm", model_key), ("mode", mode)):
        set_query_param(name, value)
    chosen: list[int] = []
    if mode in ("few", "one"):
        if "ch8_shots" not in st.session_state:
            from_url = lab.parse_shots(query_param("shots"), len(view.train_split))
            default = lab.pick_examples(view.train_split, "few" if mode == "few" else "one", k=4)
            st.session_state["ch8_shots"] = from_url or default
        chosen = cols[1].multiselect(
            t("ch8.prompt.examples", limit=MAX_EXAMPLES),
            list(range(len(view.train_split))),
            key="ch8_shots",
            format_func=lambda i: example_label(view.train_split, i),
            max_selections=MAX_EXAMPLES,
            help=t("ch8.prompt.examples_help"),
        )
        set_query_param("shots", ",".join(str(i) for i in chosen))
        if mode == "one" and len(chosen) > 1:
            st.caption(t("ch8.prompt.one_uses_first"))
    return model_key, mode, chosen


def _entry(view: View, method: str, indices: list[int]) -> dict:
    """The method's test probabilities: the measured ones when they used these examples,
    otherwise scored now (and kept as this session's own method)."""
    model_key, mode = method.split(":")
    shipped = view.shipped().get(method)
    own = view.own_methods()
    before = own.get(method)
    if shipped is not None and list(shipped["examples"]) == list(indices):
        entry = shipped
        own.pop(method, None)  # the story and the results show this panel's method
        st.caption(t("ch8.prompt.from_shipped"))
    else:
        n = len(view.test_split)
        with st.status(t("ch8.prompt.scoring", n=n), expanded=False) as status:
            started = time.monotonic()
            shots = tuple(indices) if mode in ("few", "one") else ()
            if models.is_configured(model_key):
                entry = configured_probs(model_key, view.data_lang, mode, shots)
            else:
                entry = prompt_probs(model_key, view.data_lang, mode, shots)
            status.update(label=t("ch8.prompt.scored", n=n, seconds=f"{time.monotonic() - started:.1f}"),
                          state="complete")
        own[method] = {"probs": entry["probs"], "content_free": entry["content_free"], "examples": entry["examples"]}
    if (before or {}).get("examples") != (own.get(method) or {}).get("examples"):
        # The story chart at the top was drawn with the method this panel no longer
        # shows: draw the page again, so it (and a link's cold first view) agrees.
        st.rerun()
    return entry


@st.fragment
def section(view: View) -> None:
    st.header(t("ch8.prompt.header"))
    st.markdown(md("ch8/prompt"))
    model_key, mode, chosen = _choices(view)
    with guard():
        indices = lab.pick_examples(view.train_split, mode, k=4, chosen=chosen if mode in ("few", "one") else None)
        chat = prompt_chat(model_key, view.data_lang)
        parts = lab.build_prompt(view.data_lang, [view.train_split[i] for i in indices], chat=chat)
        with st.expander(t("ch8.prompt.full_prompt", n=len(indices)), expanded=True):
            st.code(parts.full(view.test_split[0][0]) + "…", language=None, wrap_lines=True)
            st.caption(t("ch8.prompt.label_words", words=" / ".join(repr(w) for w in parts.label_words)))
        method = f"{model_key}:{mode}"
        entry = _entry(view, method, indices)
        evaluation = evaluation_of(view, lab.method_probs(method, entry, view.calibrated))
        left, right = st.columns([2, 3])
        with left:
            title = t("ch8.prompt.confusion_title", method=method_label(method), f1=f"{evaluation.weighted_f1:.3f}")
            chart(shared.figure(figs.confusion_figure, evaluation.confusion, label_names(), confusion_labels(title)),
                  key="ch8_prompt_confusion", **CHART)
        with right:
            st.markdown(f"**{t('ch8.results.report')}**")
            st.dataframe(report_table(evaluation), hide_index=True, width="stretch")
            bias = {label: f"{100 * p:.0f}" for label, p in zip(LABELS, entry["content_free"], strict=True)}
            st.caption(t("ch8.prompt.bias", **bias))
