"""Chapter 7: token-by-token generation with the tiny GPT.

One step at a time ("Next token") or N at once (streamed); every step keeps its logits,
so the timeline can be scrolled back and the knobs (temperature, top-k, top-p) redraw a
step's candidates from those cached logits without running the model again. The panel
with the buttons, the text, the context window and the step view is an ``st.fragment``:
a click reruns only that panel. Any step can be branched: take another candidate there
and continue. The context window is drawn as slots, with cropping when it overflows.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch7")

import contextlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lm_core.analysis import quiz  # noqa: E402
from lm_core.analysis.logit_lens import MAX_LENS_TOKENS, describe_architecture, logit_lens  # noqa: E402
from lm_core.core.device import inference_threads  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.text import clean_text  # noqa: E402
from lm_core.decoding.generation import (  # noqa: E402
    GenerationStep,
    SamplingSettings,
    generate_steps,
    next_token_logits,
    shape_distribution,
)
from lm_core.decoding.run import GenerationRun  # noqa: E402
from lm_core.models.checkpoints import gpt_meta, list_gpts, load_gpt  # noqa: E402
from lm_core.models.smollm2 import DEFAULT_SYSTEM, load_smollm2  # noqa: E402
from ui import own_model  # noqa: E402
from ui.common import (  # noqa: E402
    chart,
    choice_query_param,
    current_seed,
    explain_after,
    float_query_param,
    guard,
    int_query_param,
    intro,
    join_sentences,
    main_chart,
    md,
    plain,
    projector_on,
    query_param,
    set_query_param,
    set_text_query_param,
    show_error,
    t,
    template,
    text_query_param,
)
from ui.predict import ask  # noqa: E402
from viz.generation import (  # noqa: E402
    candidates_figure,
    chat_template_html,
    context_slots_html,
    generated_text_html,
    logit_lens_figure,
    percent,
    timeline_figure,
    token_strip_html,
)
from viz.tokens import display_token  # noqa: E402

CHART = {"width": "stretch", "config": {"displaylogo": False}}
MAX_PROMPT_CHARS = 1000
MAX_NEW = 60
TOP_SHOWN = 12
RUN = "ch7_run"
SMOL = "smollm2"  # the real LLM (SmolLM2-135M-Instruct), beside the tiny GPTs
LENS_POSITIONS = 10  # positions shown in the logit lens (the last ones)
MAX_SYSTEM_CHARS = 500
SMOL_MAX_PROMPT_TOKENS = 400  # SmolLM2's prompt cap on this page (its window is far larger)


# --------------------------------------------------------------------------- models


def shared_gpt(name: str):
    """The model behind ``name``: a shipped one (one per server), or this session's own
    model from chapter 8 (``name`` is then its private cache key, see ui.own_model)."""
    if own_model.is_own(name):
        return own_model.resolve(name)
    return shipped_gpt(name)


@st.cache_resource(show_spinner=False)
def shipped_gpt(name: str):
    """One read-only model per server (eval, no gradients); sampling never touches it."""
    if name == SMOL:
        return load_smollm2()  # InputError (what to install) when its package is absent
    model, tokenizer = load_gpt(name)
    return model, tokenizer


@st.cache_data(show_spinner=False, max_entries=512)
def cached_logits(name: str, ids: tuple[int, ...]) -> tuple[np.ndarray, list[int], int]:
    """Logits of the token after ``ids`` (one forward pass per context, then reused)."""
    model, _ = shared_gpt(name)
    with inference_threads():
        logits, window, cropped = next_token_logits(model, list(ids))
    return logits.numpy(), window, cropped


@st.cache_data(show_spinner=False, max_entries=128)
def cached_continuation(
    name: str, ids: tuple[int, ...], knobs: tuple[float, int | None, float, bool], n: int, seed: int
) -> list[tuple[int, float]]:
    """(token id, model probability) of a whole continuation, for greedy vs sampled."""
    model, tokenizer = shared_gpt(name)
    settings = SamplingSettings(*knobs)
    generator = torch.Generator().manual_seed(seed)
    with inference_threads():
        steps = generate_steps(model, list(ids), settings, n, generator=generator, end_id=tokenizer.eos_id)
        return [(step.token_id, step.model_prob) for step in steps]


# --------------------------------------------------------------------------- state


def default_prompt_key(choice: str) -> str:
    """The example prompt of a model (the own model's follows the language it read)."""
    if choice == own_model.OWN:
        choice = "gpt_toy_zh" if own_model.language() == "zh" else "gpt_toy_en"
    return f"ch7.prompt.default_{choice}"


def _on_model_change() -> None:
    # A new model speaks another language: offer its own example prompt.
    st.session_state["ch7_prompt"] = t(default_prompt_key(st.session_state["ch7_model"]))


def choose_model(models: list[str]) -> str:
    """The chosen model's name to compute with (for the own model, its private cache key)."""
    if "ch7_model" not in st.session_state or st.session_state["ch7_model"] not in models:
        default = "gpt_toy_zh" if lang == "zh" else "gpt_toy_en"
        st.session_state["ch7_model"] = choice_query_param("model", models, default if default in models else models[0])
    name = st.selectbox(
        t("ch7.model.label"),
        models,
        format_func={m: own_model.label(t) if m == own_model.OWN else t(f"ch7.model.{m}") for m in models}.get,
        help=t("ch7.model.help"),
        key="ch7_model",
        on_change=_on_model_change,
    )
    set_query_param("model", name)
    return own_model.cache_key(name)


def model_kind(model_name: str) -> str:
    """Which model the page's words describe: "tiny" (a shipped tiny GPT), "smollm2", or "own"."""
    if own_model.is_own(model_name):
        return "own"
    return "smollm2" if model_name == SMOL else "tiny"


def sampling_controls() -> tuple[SamplingSettings, int]:
    defaults = {
        "ch7_temp": float_query_param("temp", 1.0, 0.1, 2.0),
        "ch7_topk": int_query_param("top_k", 0, 0, 50),
        "ch7_topp": float_query_param("top_p", 1.0, 0.05, 1.0),
        "ch7_greedy": query_param("greedy", "0") == "1",
        "ch7_n": int_query_param("n", 15, 1, MAX_NEW),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    cols = st.columns(5)
    greedy = cols[0].toggle(t("ch7.controls.greedy"), key="ch7_greedy", help=t("ch7.controls.greedy_help"))
    temperature = cols[1].slider(
        t("ch7.controls.temperature"),
        0.1,
        2.0,
        step=0.05,
        key="ch7_temp",
        help=t("ch7.controls.temperature_help"),
        disabled=greedy,
    )
    top_k = cols[2].slider(
        t("ch7.controls.top_k"), 0, 50, step=1, key="ch7_topk", help=t("ch7.controls.top_k_help"), disabled=greedy
    )
    top_p = cols[3].slider(
        t("ch7.controls.top_p"),
        0.05,
        1.0,
        step=0.05,
        key="ch7_topp",
        help=t("ch7.controls.top_p_help"),
        disabled=greedy,
    )
    n = cols[4].slider(t("ch7.controls.n"), 1, MAX_NEW, step=1, key="ch7_n", help=t("ch7.controls.n_help"))
    for name, value in (("temp", temperature), ("top_k", top_k), ("top_p", top_p), ("greedy", int(greedy)), ("n", n)):
        set_query_param(name, value)
    settings = SamplingSettings(
        temperature=float(temperature), top_k=int(top_k) or None, top_p=float(top_p), greedy=greedy
    )
    return settings, int(n)


def chat_controls(model_name: str) -> tuple[bool, str]:
    """SmolLM2 only: chat mode (the chat template) and the system message; both in the URL."""
    if model_name != SMOL:
        return False, ""
    st.session_state.setdefault("ch7_chat", query_param("chat", "1") != "0")
    st.session_state.setdefault("ch7_system", str(query_param("system", ""))[:MAX_SYSTEM_CHARS])
    cols = st.columns([1, 4])
    chat = cols[0].toggle(t("ch7.smollm2.chat"), key="ch7_chat", help=t("ch7.smollm2.chat_help"))
    system = cols[1].text_input(
        t("ch7.smollm2.system"),
        key="ch7_system",
        max_chars=MAX_SYSTEM_CHARS,
        placeholder=DEFAULT_SYSTEM,
        help=t("ch7.smollm2.system_help"),
        disabled=not chat,
    )
    set_query_param("chat", int(chat))
    set_query_param("system", system)
    return chat, clean_text(system, MAX_SYSTEM_CHARS) if system.strip() else ""


def chat_ids(tokenizer, prompt: str, system: str) -> list[int]:
    """The ChatML prompt: (system turn), the learner's text as the user's turn, the assistant's turn opened."""
    turns = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return tokenizer.encode(tokenizer.chat_prompt(turns))


def current_run(model_name: str, prompt_ids: list[int]) -> GenerationRun:
    """The steps taken from this prompt with this model (a new prompt starts afresh)."""
    key = (model_name, tuple(prompt_ids), current_seed())
    run = st.session_state.get(RUN)
    if not isinstance(run, GenerationRun) or run.key != key:
        # This learner's own random stream: same seed + same clicks = same text.
        _, tokenizer = shared_gpt(model_name)
        run = GenerationRun(key, list(prompt_ids), current_seed(), end_id=tokenizer.eos_id)
        st.session_state[RUN] = run
    return run


# --------------------------------------------------------------------------- actions


def take_next(model_name: str, run: GenerationRun, settings: SamplingSettings) -> None:
    def logits_fn(ids):
        logits, window, cropped = cached_logits(model_name, tuple(ids))
        return torch.from_numpy(logits), window, cropped

    run.take(logits_fn, settings)


def stream_tokens(
    model_name: str, run: GenerationRun, settings: SamplingSettings, n: int, forced_first: int | None = None
) -> None:
    """Generate up to ``n`` tokens with the KV cache, showing each one as it comes."""
    model, tokenizer = shared_gpt(model_name)
    placeholder = st.empty()
    with inference_threads():
        for _ in run.extend(model, settings, n, forced_first=forced_first):
            placeholder.markdown(f"{t('ch7.text.streaming')} {plain(tokenizer.decode(run.ids))}")
    placeholder.empty()


# --------------------------------------------------------------------------- views


def step_labels(title: str) -> dict[str, str]:
    return {
        "title": title,
        "x": t("ch7.step.x"),
        "y": t("ch7.step.y"),
        "kept": t("ch7.step.kept"),
        "cut": t("ch7.step.cut"),
        "chosen": t("ch7.step.chosen"),
        "model": t("ch7.step.model"),
    }


def candidates_chart(tokenizer, logits: torch.Tensor, settings: SamplingSettings, chosen: int | None, title: str):
    """Bars of the most likely candidates, reshaped with the current knobs (no model run)."""
    distribution = shape_distribution(logits, settings)
    ids = distribution.top(TOP_SHOWN)
    if chosen is not None and chosen not in ids:
        ids = ids[:-1] + [chosen]
    fig = candidates_figure(
        tokens=[tokenizer.id_to_token(i) for i in ids],
        tempered=[float(distribution.tempered[i]) for i in ids],
        final=[float(distribution.final[i]) for i in ids],
        kept=[bool(distribution.keep[i]) for i in ids],
        chosen=ids.index(chosen) if chosen is not None else None,
        labels=step_labels(title),
        model_probs=None
        if settings.greedy or settings.temperature == 1.0
        else [float(distribution.probs[i]) for i in ids],
    )
    chart(fig, key="ch7_candidates", **CHART)
    kept = int(distribution.keep.sum())
    st.caption(t("ch7.step.kept_count", kept=kept, total=int(distribution.keep.numel())))
    return distribution


def step_view(model_name: str, prompt_ids: list[int], settings: SamplingSettings, n: int) -> None:
    """Scroll back through the steps; redraw one from its cached logits; branch from it."""
    _, tokenizer = shared_gpt(model_name)
    run: GenerationRun = st.session_state[RUN]
    steps: list[GenerationStep] = run.steps
    pending = not run.ended
    positions = len(steps) + (1 if pending else 0)
    highlight = st.session_state.get("ch7_step_goto") or st.session_state.get("ch7_step") or len(steps)
    if steps:
        chart(
            timeline_figure(
                [tokenizer.id_to_token(s.token_id) for s in steps],
                [s.model_prob for s in steps],
                min(highlight, positions) - 1,
                {
                    "title": t("ch7.timeline.title"),
                    "x": t("ch7.timeline.x"),
                    "y": t("ch7.timeline.y"),
                    "forced": t("ch7.timeline.forced"),
                },
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
        candidates_chart(tokenizer, step.distribution.logits, settings, step.token_id, title)
        context = tokenizer.decode(step.context)
        st.caption(
            join_sentences(
                t("ch7.step.context", text=plain(context[-160:])),
                t("ch7.step.context_cropped", count=step.cropped) if step.was_cropped else "",
            )
        )
        branch_controls(model_name, prompt_ids, run, step, tokenizer, settings, n)
    else:
        logits, _, _ = cached_logits(model_name, tuple(run.ids))
        candidates_chart(tokenizer, torch.from_numpy(logits), settings, None, t("ch7.step.title_next", n=selected))
        st.caption(t("ch7.step.pending_help"))


def branch_controls(model_name, prompt_ids, run, step: GenerationStep, tokenizer, settings, n) -> None:
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
            stream_tokens(model_name, run, settings, min(MAX_NEW, max(remaining, 5)), forced_first=choice)
        st.session_state["ch7_step_goto"] = step.index + 1
        st.rerun(scope="fragment")


def compare_section(model_name: str, prompt: str, prompt_ids: list[int], settings: SamplingSettings, n: int) -> None:
    st.subheader(t("ch7.compare.header"))
    st.markdown(md("ch7/compare"))
    _, tokenizer = shared_gpt(model_name)
    draw = st.session_state.get("ch7_draw", 0)
    sampled_settings = settings if not settings.greedy else SamplingSettings()
    columns = st.columns(2)
    for column, kind, chosen_settings, seed in (
        (columns[0], "greedy", SamplingSettings(greedy=True), 0),
        (columns[1], "sampled", sampled_settings, current_seed() + draw),
    ):
        with column:
            knobs = (chosen_settings.temperature, chosen_settings.top_k, chosen_settings.top_p, chosen_settings.greedy)
            pairs = cached_continuation(model_name, tuple(prompt_ids), knobs, n, seed)
            title = t(f"ch7.compare.{kind}", temp=f"{sampled_settings.temperature:.2f}", seed=seed)
            st.html(
                token_strip_html(
                    prompt if model_name == SMOL else tokenizer.decode(prompt_ids[-40:]),
                    [tokenizer.id_to_token(i) for i, _ in pairs],
                    [p for _, p in pairs],
                    title=title,
                )
            )
            mean = sum(p for _, p in pairs) / max(1, len(pairs))
            st.caption(t("ch7.compare.mean_prob", p=f"{100 * mean:.0f}", count=len(pairs)))
    if st.button(t("ch7.compare.resample"), key="ch7_resample", icon=":material/casino:"):
        st.session_state["ch7_draw"] = draw + 1
        st.rerun()


@st.fragment
def generation_panel(model_name: str, prompt_ids: list[int], settings: SamplingSettings, n_tokens: int) -> None:
    """Buttons, text, context window and step view: a click reruns only this part of the page."""
    model, tokenizer = shared_gpt(model_name)
    cfg = model.config
    run = current_run(model_name, prompt_ids)
    steps: list[GenerationStep] = run.steps

    buttons = st.columns([1, 1, 1, 3])
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
            take_next(model_name, run, settings)
            st.session_state["ch7_step_goto"] = len(steps)
        elif generate_clicked:
            stream_tokens(model_name, run, settings, n_tokens)
            st.session_state["ch7_step_goto"] = len(steps)

    def text_and_window() -> None:
        # The text so far: prompt in normal weight, generated part in bold.
        generated_text = tokenizer.decode(run.ids)
        prompt_text = tokenizer.decode(prompt_ids)
        st.subheader(t("ch7.text.header"))
        added = generated_text[len(prompt_text) :] if generated_text.startswith(prompt_text) else generated_text
        st.html(generated_text_html(prompt_text, added if steps else ""))
        if not steps:
            st.caption(t("ch7.text.no_steps"))
        elif run.ended:
            ended_key = "ch7.smollm2.ended_turn" if model_name == SMOL else "ch7.text.ended"
            st.success(t(ended_key, count=len(steps)), icon=":material/check_circle:")
        if run.previous_ids:
            st.caption(t("ch7.text.previous", text=plain(tokenizer.decode(run.previous_ids))))

        st.subheader(t("ch7.window.header"))
        st.html(
            context_slots_html(
                tokenizer.tokens(run.ids),
                [False] * len(prompt_ids) + [True] * len(steps),
                [None] * len(prompt_ids) + [s.model_prob for s in steps],
                cfg.block_size,
                {
                    "window": template("ch7.window.window"),
                    "cropped": template("ch7.window.cropped"),
                    "prompt": t("ch7.window.prompt"),
                    "generated": t("ch7.window.generated"),
                    "low": t("ch7.window.low"),
                    "high": t("ch7.window.high"),
                },
                max_empty=24 if model_name == SMOL else None,
            )
        )
        st.caption(join_sentences(t("ch7.window.help", size=cfg.block_size), space_note(tokenizer.tokens(run.ids))))

    def steps_and_chart() -> None:
        so_far = tuple(run.ids)
        confidence = ask("ch7.confidence", quiz.PROBABILITY_BUCKETS,
                         lambda: quiz.top_probability(torch.from_numpy(cached_logits(model_name, so_far)[0])),
                         facts=lambda answer: {"token": tokenizer.decode([answer.facts["top"]]).strip()},
                         context=(model_name, so_far))
        if not projector_on():  # on a projector the chart's own title says it
            st.subheader(t("ch7.step.header"))
        shown = explain_after("ch7/knobs")
        with main_chart():
            step_view(model_name, prompt_ids, settings, n_tokens)
        if not shown:
            intro("ch7/knobs", "common.read_more")
        confidence.end()

    # The projector layout shows the next-token chart first, the text and window after.
    for section in (steps_and_chart, text_and_window) if projector_on() else (text_and_window, steps_and_chart):
        section()


def space_note(tokens: list[str]) -> str:
    """The reminder of what ␣ means, when tokens on screen show one."""
    return t("common.space_mark") if any("␣" in display_token(tok) for tok in tokens) else ""


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@st.cache_data(show_spinner=False, max_entries=64)
def cached_lens(name: str, ids: tuple[int, ...]):
    """Top-3 guesses after every layer for this context (one step-by-step forward pass)."""
    model, _ = shared_gpt(name)
    lens = logit_lens(model, list(ids), k=3)
    return lens.top_ids.numpy(), lens.top_probs.numpy(), lens.final_rank_of_answer.numpy()


def template_section(tokenizer, prompt_ids: list[int]) -> None:
    """The chat prompt token by token, one line per turn, special tokens dark."""
    st.subheader(t("ch7.smollm2.template_header"))
    labels = {role: t(f"ch7.smollm2.role_{role}") for role in ("system", "user", "assistant")}
    labels["special"] = t("ch7.smollm2.special")
    st.html(
        chat_template_html(
            tokenizer.tokens(prompt_ids),
            tokenizer.turn_roles(prompt_ids),
            [i in tokenizer.special_ids for i in prompt_ids],
            labels,
        )
    )
    st.caption(t("ch7.smollm2.template_caption", count=len(prompt_ids)))


def scale_section(prompt: str, prompt_ids: list[int], chat: bool, n: int) -> None:
    """The same prompt, greedy, on the tiny English GPT and on SmolLM2."""
    st.subheader(t("ch7.smollm2.scale_header"))
    greedy = (1.0, None, 1.0, True)
    columns = st.columns(2)
    with columns[1]:
        smol_model, smol_tok = shared_gpt(SMOL)
        pairs = cached_continuation(SMOL, tuple(prompt_ids), greedy, n, 0)
        title = t("ch7.smollm2.scale_smol", params=f"{smol_model.num_parameters() / 1e6:.0f}")
        st.html(token_strip_html(prompt, [smol_tok.id_to_token(i) for i, _ in pairs], [p for _, p in pairs], title))
    with columns[0]:
        if "gpt_toy_en" not in list_gpts():
            return
        tiny_model, tiny_tok = shared_gpt("gpt_toy_en")
        title = t("ch7.smollm2.scale_tiny", params=f"{tiny_model.num_parameters() / 1e6:.2f}")
        try:
            tiny_ids = tiny_tok.encode(prompt)
        except InputError as exc:
            show_error(exc, warning=True)
            return
        pairs = cached_continuation("gpt_toy_en", tuple(tiny_ids), greedy, n, 0)
        st.html(
            token_strip_html(
                tiny_tok.decode(tiny_ids), [tiny_tok.id_to_token(i) for i, _ in pairs], [p for _, p in pairs], title
            )
        )
        if chat:
            st.caption(t("ch7.smollm2.scale_tiny_chat"))


def lens_section(model_name: str, prompt_ids: list[int]) -> None:
    """Logit lens on the prompt: layers x the last positions, top guess per cell."""
    st.subheader(t("ch7.smollm2.lens_header"))
    st.markdown(md("ch7/lens"))
    if len(prompt_ids) > MAX_LENS_TOKENS:
        raise InputError("errors.text.too_many_tokens", limit=MAX_LENS_TOKENS, count=len(prompt_ids))
    _, tokenizer = shared_gpt(model_name)
    top_ids, top_probs, ranks = cached_lens(model_name, tuple(prompt_ids))
    shown = range(max(0, len(prompt_ids) - LENS_POSITIONS), len(prompt_ids))
    rows = top_ids.shape[0]
    row_labels = [t("ch7.smollm2.lens_embedding")] + [t("ch7.smollm2.lens_layer", n=r) for r in range(1, rows)]
    fig = logit_lens_figure(
        [tokenizer.id_to_token(prompt_ids[c]) for c in shown],
        row_labels,
        [[[tokenizer.id_to_token(int(i)) for i in top_ids[r, c]] for c in shown] for r in range(rows)],
        [[[float(p) for p in top_probs[r, c]] for c in shown] for r in range(rows)],
        {
            "title": t("ch7.smollm2.lens_title", count=len(shown)),
            "x": t("ch7.smollm2.lens_x"),
            "y": t("ch7.smollm2.lens_y"),
            "prob": t("ch7.smollm2.lens_prob"),
        },
    )
    chart(fig, key="ch7_lens", **CHART)
    last = ranks[:, -1]
    first = rows - 1
    while first > 0 and last[first - 1] == 1:
        first -= 1
    answer = plain(display_token(tokenizer.id_to_token(int(top_ids[-1, -1, 0]))))
    if first == rows - 1:
        st.caption(t("ch7.smollm2.lens_caption_last", answer=answer))
    else:
        st.caption(t("ch7.smollm2.lens_caption", answer=answer, where=row_labels[first]))


def since_gpt2_section(tiny_models: list[str]) -> None:
    """A table read from the two models' modules: tiny GPT (GPT-2's design) vs SmolLM2 (Llama's)."""
    import pandas as pd

    name = "gpt_toy_en" if "gpt_toy_en" in tiny_models else tiny_models[0]
    st.subheader(t("ch7.smollm2.arch_header"))
    st.markdown(md("ch7/since_gpt2"))
    facts = [describe_architecture(shared_gpt(name)[0]), describe_architecture(shared_gpt(SMOL)[0])]

    def cells(f: dict) -> list[str]:
        heads = "heads_full" if f["n_kv_head"] == f["n_head"] else "heads_gqa"
        window = (
            t("ch7.smollm2.window", window=f["window"])
            if f["trained_window"] == f["window"]
            else t("ch7.smollm2.window_smol", trained=f"{f['trained_window']:,}", window=f"{f['window']:,}")
        )
        return [
            t(f"ch7.smollm2.pos_{f['positions']}", window=f["window"]),
            t(f"ch7.smollm2.norm_{f['norm']}"),
            t(f"ch7.smollm2.mlp_{f['mlp']}", width=f"{f['mlp_width']:,}"),
            t(f"ch7.smollm2.{heads}", heads=f["n_head"], kv=f["n_kv_head"]),
            t("ch7.smollm2.layers", layers=f["n_layer"], width=f["n_embd"]),
            f"{f['vocab_size']:,}",
            window,
            f"{f['params']:,}",
        ]

    aspects = ["positions", "norm", "mlp", "heads", "layers", "vocab", "window", "params"]
    table = pd.DataFrame(
        {
            t("ch7.smollm2.arch_aspect"): [t(f"ch7.smollm2.arch_{a}") for a in aspects],
            t(f"ch7.model.{name}"): cells(facts[0]),
            t(f"ch7.model.{SMOL}"): cells(facts[1]),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


# --------------------------------------------------------------------------- page

st.title(t("ch7.title"))
intro_box = st.container()  # filled once the model is chosen: the intro names it

tiny_models = list_gpts()
if not tiny_models:
    st.error(t("ch7.errors.no_checkpoint"))
    st.stop()
models = own_model.choices([*tiny_models, SMOL])  # plus this session's own model, if any

top = st.columns([2, 3])  # wide enough for the longest model name at 1280 px
with top[0]:
    model_name = choose_model(models)
with intro_box:
    intro("ch7/intro", extra=t("ch7.drive.text", model=t(f"ch7.drive.{model_kind(model_name)}")))
try:
    with st.spinner(t("ch7.model.loading"), show_time=True) if model_name == SMOL else contextlib.nullcontext():
        model, tokenizer = shared_gpt(model_name)
    if own_model.is_own(model_name):
        meta = {"final_val_loss": own_model.final_val_loss()}
    else:
        meta = {} if model_name == SMOL else gpt_meta(model_name)
except InputError as exc:  # a damaged checkpoint, or SmolLM2's package absent: say what to do
    show_error(exc)
    st.stop()
cfg = model.config
with top[1]:
    example_prompt = t(default_prompt_key(own_model.choice_of(model_name)))
    st.session_state.setdefault("ch7_prompt", text_query_param("prompt", example_prompt))
    prompt_help = t("ch7.prompt.help_smollm2" if model_name == SMOL else "ch7.prompt.help")
    raw_prompt = st.text_area(t("ch7.prompt.label"), key="ch7_prompt", height=80, help=prompt_help)
    set_text_query_param("prompt", raw_prompt, example_prompt)
caption_box = st.empty() if projector_on() else st  # on a projector the chart needs the room
if model_name == SMOL:
    caption_box.caption(
        t(
            "ch7.model.info_smollm2",
            layers=cfg.n_layer,
            heads=cfg.n_head,
            kv_heads=cfg.n_kv_head,
            dim=cfg.n_embd,
            params=f"{model.num_parameters() / 1e6:.1f}",
            vocab=cfg.vocab_size,
            kind=t("ch7.model.kind_bytes"),
            trained=cfg.max_position,
            block=cfg.block_size,
        )
    )
    if not projector_on():
        st.markdown(md("ch7/smollm2"))
else:
    caption_box.caption(
        t(
            "ch7.model.info",
            layers=cfg.n_layer,
            heads=cfg.n_head,
            dim=cfg.n_embd,
            params=f"{model.num_parameters() / 1e6:.2f}",
            block=cfg.block_size,
            vocab=cfg.vocab_size,
            kind=t(f"ch7.model.kind_{tokenizer.kind}"),
            loss=meta.get("final_val_loss", "?"),
        )
    )

chat, system = False, ""
with guard():
    chat, system = chat_controls(model_name)
settings, n_tokens = sampling_controls()

prompt_ids: list[int] | None = None
try:
    prompt = clean_text(raw_prompt, max_chars=MAX_PROMPT_CHARS)
    prompt_ids = chat_ids(tokenizer, prompt, system) if chat else tokenizer.encode(prompt)
except InputError as exc:
    show_error(exc)
    if exc.key == "errors.text.nothing_known":
        st.info(t("ch7.prompt.try_other_model"))

if prompt_ids is not None:
    if model_name == SMOL and any(is_cjk(ch) for ch in prompt):
        st.info(t("ch7.smollm2.chinese_note"), icon=":material/translate:")
    dropped = tokenizer.unknown_characters(prompt)
    if dropped:
        st.warning(t("ch7.prompt.dropped", chars=plain(" ".join(dropped[:30]))), icon=":material/warning:")
    if model_name == SMOL and len(prompt_ids) > SMOL_MAX_PROMPT_TOKENS:
        # A real LLM on a shared CPU: a long prompt would make every step slow for the whole class.
        st.error(t("ch7.smollm2.too_many_tokens", count=len(prompt_ids), limit=SMOL_MAX_PROMPT_TOKENS))
        st.stop()
    if len(prompt_ids) > cfg.block_size:
        st.warning(
            t(
                "ch7.prompt.too_long",
                count=len(prompt_ids),
                size=cfg.block_size,
                cropped=len(prompt_ids) - cfg.block_size,
            ),
            icon=":material/content_cut:",
        )
    if chat:
        template_section(tokenizer, prompt_ids)
    generation_panel(model_name, prompt_ids, settings, n_tokens)

    hot = 1.5
    same_next = ask("ch7.same_next", (quiz.YES, quiz.NO),
                    lambda: quiz.greedy_vs_sampled(torch.from_numpy(cached_logits(model_name, tuple(prompt_ids))[0]), hot, current_seed()),
                    params={"temp": hot, "seed": current_seed()},
                    facts=lambda answer: {k: tokenizer.decode([answer.facts[k[:-6]]]).strip() for k in ("greedy_token", "sampled_token")},
                    context=(model_name, tuple(prompt_ids), current_seed()))
    with guard():
        compare_section(model_name, prompt, prompt_ids, settings, n_tokens)
    same_next.end()
    if model_name == SMOL:
        with guard():
            scale_section(prompt, prompt_ids, chat, n_tokens)
    with guard():
        lens_section(model_name, prompt_ids)
    if model_name == SMOL:
        with guard():
            since_gpt2_section(tiny_models)

st.divider()
st.markdown(md("ch7/takeaways"))
