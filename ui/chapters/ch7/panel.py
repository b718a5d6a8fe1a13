"""Chapter 7's generation panel: one ``st.fragment`` that a knob or a click reruns alone.

Inside it, top to bottom: the sampling knobs, SmolLM2's chat template, the buttons (next
token, generate N, start again), the text so far with its context window, the step chart
(scroll back through the steps, branch from one), and the greedy-vs-sampled comparison.
Temperature, top-k and top-p redraw a step's candidates from its stored logits without
running the model; the comparison, which they also change, reruns with them.
"""

from __future__ import annotations

import contextlib
import functools

import streamlit as st

from lm_core.analysis import quiz
from lm_core.core.device import inference_threads
from lm_core.decoding.candidates import kept_count, shows_model_probs, top_candidates
from lm_core.decoding.generation import GenerationStep, SamplingSettings, shape_distribution
from lm_core.decoding.run import GenerationRun
from lm_core.decoding.streaming import readable_text
from ui import configured, shared
from ui.chapters.ch7 import choice, compare, knobs
from ui.chapters.ch7.cache import logits_after, next_logits
from ui.chapters.ch7.smollm2 import template_section
from ui.common import (
    chart,
    current_language,
    explain_after,
    guard,
    intro,
    join_sentences,
    main_chart,
    plain,
    projector_fit,
    projector_on,
    query_param,
    set_query_param,
    t,
    template,
)
from ui.models import SMOLLM2, causal_lm
from ui.predict import ask
from viz.generation import candidates_figure, context_slots_html, generated_text_html, percent, timeline_figure
from viz.tokens import display_token

CHART = {"width": "stretch", "config": {"displaylogo": False}}
RUN = "ch7_run"
GEN_PARAM = "gen"  # the generated token ids in the link
MAX_LINK_TOKENS = 400  # a link stays a link (about 2,000 characters at most)
LINK_USED = "_ch7_link_used"  # the visit's first run has rebuilt the link's tokens
#: The candidates chart on a projector (px): a 720 px screen less the title, the prompt and the question.
PROJECTOR_CANDIDATES_HEIGHT = 430


@st.fragment
def generation_panel(model_name: str, prompt: str, prompt_ids: list[int], chat: bool) -> None:
    """Knobs, buttons, text, context window, step view and comparison: a knob or a click
    reruns only this part of the page."""
    if projector_on():  # the buttons and knobs in a narrow column, the step chart beside them
        side, main = st.columns([1, 3], gap="medium")
        buttons_box = side.container()
    else:
        side = main = contextlib.nullcontext()
    with side:
        settings, n_tokens = knobs.sampling_controls(model_name)
        model, tokenizer = causal_lm(model_name)
        choice.prompt_notes(model_name, tokenizer, prompt, prompt_ids, model.config.block_size)
        if chat:
            template_section(model_name, prompt_ids)
    run = current_run(model_name, prompt_ids, settings)

    buttons = [buttons_box] * 3 if projector_on() else st.columns([1, 1, 1, 3])
    next_clicked = buttons[0].button(t("ch7.buttons.next"), key="ch7_next", type="primary", icon=":material/skip_next:")
    generate_clicked = buttons[1].button(
        t("ch7.buttons.generate", n=n_tokens), key="ch7_generate", icon=":material/fast_forward:"
    )
    reset_clicked = buttons[2].button(t("ch7.buttons.reset"), key="ch7_reset", icon=":material/restart_alt:")
    with guard():
        if reset_clicked:
            run.reset()
            st.session_state.pop("ch7_step", None)
        elif (next_clicked or generate_clicked) and run.ended:
            st.info(t("ch7.text.already_ended"))
        elif next_clicked:
            run.take(lambda ids: logits_after(model_name, tuple(ids)), settings)
            st.session_state["ch7_step_goto"] = len(run.steps)
        elif generate_clicked:
            stream_tokens(model_name, run, settings, n_tokens)
            st.session_state["ch7_step_goto"] = len(run.steps)
    write_link(run)
    if query_param("seed") is None and not projector_on():
        st.caption(t("ch7.controls.own_seed", seed=run.seed))

    text = functools.partial(text_section, model_name, prompt_ids, run)
    steps = functools.partial(step_section, model_name, run, settings)
    # The projector layout shows the next-token chart first, the text and window after.
    with main:
        for section in (steps, text) if projector_on() else (text, steps):
            section()
    compare.compare_section(model_name, prompt, prompt_ids, settings, n_tokens)


def step_section(model_name: str, run: GenerationRun, settings: SamplingSettings) -> None:
    """The question on the model's confidence, then the step chart (with its explanation)."""
    _, tokenizer = causal_lm(model_name)
    so_far = tuple(run.ids)
    # On a projector the chart comes first; the question (asked aloud, covering nothing) follows it.
    chart_box = main_chart() if projector_on() else None
    confidence = ask("ch7.confidence", quiz.PROBABILITY_BUCKETS,
                     lambda: quiz.top_probability(next_logits(model_name, so_far)),
                     facts=lambda answer: {"token": tokenizer.decode([answer.facts["top"]]).strip()},
                     context=(model_name, so_far))
    if not projector_on():  # on a projector the chart's own title says it
        st.subheader(t("ch7.step.header"))
    shown = explain_after("ch7/knobs")
    with chart_box if chart_box is not None else main_chart():
        step_view(model_name, run, settings)
    if not shown:
        intro("ch7/knobs", "common.read_more")
    confidence.end()


def current_run(model_name: str, prompt_ids: list[int], settings: SamplingSettings | None = None) -> GenerationRun:
    """The steps taken from this prompt with this model (a new prompt starts afresh). The
    first run of a visit rebuilds the tokens its link names (``gen``)."""
    seed = knobs.sampling_seed()
    key = (model_name, tuple(prompt_ids), seed)
    run = st.session_state.get(RUN)
    if not isinstance(run, GenerationRun) or run.key != key:
        # This learner's own random stream: same seed + same clicks = same text.
        _, tokenizer = causal_lm(model_name)
        run = GenerationRun(key, list(prompt_ids), seed, end_id=tokenizer.eos_id)
        st.session_state[RUN] = run
        linked = None if st.session_state.get(LINK_USED) else linked_tokens(tokenizer.vocab_size)
        st.session_state[LINK_USED] = True  # a later prompt or model starts afresh
        if linked:
            run.replay(lambda ids: logits_after(model_name, tuple(ids)), settings or SamplingSettings(), linked)
    return run


def linked_tokens(vocab_size: int) -> list[int] | None:
    """The generated token ids the link names (``gen=12,7,301``), if they are all valid ids."""
    raw = query_param(GEN_PARAM)
    if not raw:
        return None
    try:
        ids = [int(part) for part in str(raw).split(",")[:MAX_LINK_TOKENS]]
    except ValueError:
        return None
    return ids if all(0 <= i < vocab_size for i in ids) else None


def write_link(run: GenerationRun) -> None:
    """The generated tokens go into the link, so a student opening it sees the same text and charts."""
    ids = [step.token_id for step in run.steps][:MAX_LINK_TOKENS]
    if ids:
        set_query_param(GEN_PARAM, ",".join(map(str, ids)))
    elif GEN_PARAM in st.query_params:
        del st.query_params[GEN_PARAM]


def stream_tokens(
    model_name: str, run: GenerationRun, settings: SamplingSettings, n: int, forced_first: int | None = None
) -> None:
    """Generate up to ``n`` tokens with the KV cache, showing each one as it comes."""
    model, tokenizer = causal_lm(model_name)
    placeholder = st.empty()
    with inference_threads():
        for _ in configured.time_limited(model_name, run.extend(model, settings, n, forced_first=forced_first)):
            # A piece of a Chinese character waits for its other bytes (no "�" flickering in).
            placeholder.markdown(f"{t('ch7.text.streaming')} {plain(readable_text(tokenizer, run.ids))}")
    placeholder.empty()


def text_section(model_name: str, prompt_ids: list[int], run: GenerationRun) -> None:
    """The text so far (prompt in normal weight, generated part in bold) and the context window."""
    model, tokenizer = causal_lm(model_name)
    block_size = model.config.block_size
    steps = run.steps
    generated_text = readable_text(tokenizer, run.ids, final=run.ended)  # the next token may complete a character
    prompt_text = tokenizer.decode(prompt_ids)
    st.subheader(t("ch7.text.header"))
    added = generated_text[len(prompt_text) :] if generated_text.startswith(prompt_text) else generated_text
    st.html(generated_text_html(prompt_text, added if steps else ""))
    if not steps:
        st.caption(t("ch7.text.no_steps"))
    elif run.ended:
        ended_key = "ch7.smollm2.ended_turn" if model_name == SMOLLM2 else "ch7.text.ended"
        st.success(t(ended_key, count=len(steps)), icon=":material/check_circle:")
    if run.previous_ids:
        st.caption(t("ch7.text.previous", text=plain(tokenizer.decode(run.previous_ids))))

    st.subheader(t("ch7.window.header"))
    st.html(
        context_slots_html(
            tokenizer.tokens(run.ids),
            [False] * len(prompt_ids) + [True] * len(steps),
            [None] * len(prompt_ids) + [s.model_prob for s in steps],
            block_size,
            {
                "window": template("ch7.window.window"),
                "cropped": template("ch7.window.cropped"),
                "prompt": t("ch7.window.prompt"),
                "generated": t("ch7.window.generated"),
                "low": t("ch7.window.low"),
                "high": t("ch7.window.high"),
            },
            max_empty=24 if model_name == SMOLLM2 else None,
        )
    )
    st.caption(join_sentences(t("ch7.window.help", size=block_size), space_note(tokenizer.tokens(run.ids))))


def space_note(tokens: list[str]) -> str:
    """The reminder of what ␣ means, when tokens on screen show one."""
    return t("common.space_mark") if any("␣" in display_token(tok) for tok in tokens) else ""


def step_labels(title: str) -> dict[str, str]:
    keys = ("x", "y", "kept", "cut", "chosen", "model")
    return {"title": title, **{key: t(f"ch7.step.{key}") for key in keys}}


def candidates_chart(model_name: str, context: list[int], tokenizer, logits, settings: SamplingSettings,  # noqa: ANN001
                     chosen: int | None, title: str) -> None:
    """Bars of the most likely candidates, reshaped with the current knobs (no model run).

    ``logits`` are the model's after ``context``: the model, the context, the knobs, the chosen
    token and the language name the chart, so a class on the same step shares one figure."""
    key = ("ch7.candidates", model_name, tuple(int(i) for i in context), settings, chosen, title, current_language())

    def compute() -> tuple:
        distribution = shape_distribution(logits, settings)
        return top_candidates(distribution, tokenizer.id_to_token, chosen), kept_count(distribution)

    shown, (kept, total) = shared.result(key, compute)
    figure = shared.keyed_figure(
        key, lambda: candidates_figure(shown, step_labels(title), show_model=shows_model_probs(settings)))
    chart(projector_fit(figure, PROJECTOR_CANDIDATES_HEIGHT), key="ch7_candidates", **CHART)
    st.caption(t("ch7.step.kept_count", kept=kept, total=total))


def step_view(model_name: str, run: GenerationRun, settings: SamplingSettings) -> None:
    """Scroll back through the steps; redraw one from its cached logits; branch from it."""
    _, tokenizer = causal_lm(model_name)
    steps: list[GenerationStep] = run.steps
    positions = len(steps) + (0 if run.ended else 1)
    highlight = st.session_state.get("ch7_step_goto") or st.session_state.get("ch7_step") or len(steps)
    if steps:
        timeline_labels = {key: t(f"ch7.timeline.{key}") for key in ("title", "x", "y", "forced")}
        chart(
            timeline_figure(
                [tokenizer.id_to_token(s.token_id) for s in steps],
                [s.model_prob for s in steps],
                min(highlight, positions) - 1,
                timeline_labels,
                forced=[s.forced for s in steps],
            ),
            key="ch7_timeline",
            **CHART,
        )
    if positions > 1:
        wanted = st.session_state.pop("ch7_step_goto", None) or st.session_state.get("ch7_step") or len(steps)
        st.session_state["ch7_step"] = min(max(1, int(wanted)), positions)
        selected = st.slider(t("ch7.step.select"), 1, positions, key="ch7_step", help=t("ch7.step.select_help"))
    else:
        selected = 1
    if selected <= len(steps):
        step = steps[selected - 1]
        shown = display_token(tokenizer.id_to_token(step.token_id))
        title = t("ch7.step.title_taken", n=selected, token=shown, p=f"{100 * step.model_prob:.1f}")
        candidates_chart(model_name, step.context, tokenizer, step.distribution.logits, settings, step.token_id, title)
        st.caption(
            join_sentences(
                t("ch7.step.context", text=plain(tokenizer.decode(step.context)[-160:])),
                t("ch7.step.context_cropped", count=step.cropped) if step.was_cropped else "",
            )
        )
        branch_controls(model_name, run, step, tokenizer, settings)
    else:
        candidates_chart(model_name, run.ids, tokenizer, next_logits(model_name, run.ids), settings, None,
                         t("ch7.step.title_next", n=selected))
        st.caption(t("ch7.step.pending_help"))


def branch_controls(model_name: str, run: GenerationRun, step: GenerationStep, tokenizer, settings) -> None:  # noqa: ANN001
    """Take another candidate at this step and continue from there."""
    alternatives = [i for i in step.distribution.top(10) if i != step.token_id]
    cols = st.columns([3, 2])
    choice = cols[0].selectbox(
        t("ch7.branch.label", n=step.index + 1),
        alternatives,
        format_func=lambda i: f"{display_token(tokenizer.id_to_token(i))}  ({percent(step.distribution.probs[i])})",
        key=f"ch7_branch_choice_{step.index}",
        help=t("ch7.branch.help"),
    )
    if cols[1].button(t("ch7.branch.button"), key="ch7_branch", icon=":material/call_split:"):
        remaining = run.branch(step.index)
        with guard():
            stream_tokens(model_name, run, settings, min(knobs.MAX_NEW, max(remaining, 5)), forced_first=choice)
        st.session_state["ch7_step_goto"] = step.index + 1
        st.rerun(scope="fragment")
