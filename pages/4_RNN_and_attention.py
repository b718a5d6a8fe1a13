"""Chapter 4: an RNN encoder-decoder translating English into Dutch, with one context vector
or with attention.

Both shipped models translate the learner's sentence once per (model, sentence, forced
step) inside ``st.cache_data``; the step-by-step view redraws one step from those cached
translations inside its own ``st.fragment`` (its slider is in the link, like every control). The bottleneck chart and the timing chart are computed
once per server. A learner's own training run goes through one shared board: identical
runs are computed once and replayed, distinct ones wait for a free slot.
"""

import html

import numpy as np
import streamlit as st

from ui.common import setup_page

lang = setup_page("ch4")

from lm_core.analysis import quiz  # noqa: E402
from lm_core.core.device import inference_threads, training_threads  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.data.corpora import load_corpus  # noqa: E402
from lm_core.models import seq2seq as s2s  # noqa: E402
from lm_core.train import seq2seq as s2s_train  # noqa: E402
from ui import jobs  # noqa: E402
from ui.common import (  # noqa: E402
    chart,
    choice_query_param,
    current_seed,
    guard,
    int_query_param,
    intro,
    main_chart,
    md,
    query_param,
    set_query_param,
    show_error,
    t,
    template,
)
from ui.predict import ask  # noqa: E402
from viz import seq2seq as figs  # noqa: E402
from viz.tokens import escape_markdown  # noqa: E402

CHART = {"width": "stretch", "config": {"displaylogo": False}}
KINDS = ("plain", "attention")
OWN = "__own__"
EPOCH_CHOICES = (1, 2, 3, 4, 5)
PAIR_CHOICES = (1000, 2000, 4000, 6000)
HIDDEN_CHOICES = (32, 64, 128)
RUN_CAP_S = 300.0  # a learner's run on a busy classroom server: stop it (with what it has) after this
DEFAULT_RUN = s2s_train.QuickRun()


def plain(text: str) -> str:
    """Text a student typed, shown inside Markdown: literal, never markup."""
    return escape_markdown(str(text))


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


# --------------------------------------------------------------------------- models (shared, read-only)


@st.cache_resource(show_spinner=False)
def shared_translator(kind: str) -> s2s.Translator:
    return s2s.load_shipped(f"seq2seq_{kind}")


def models_available() -> bool:
    try:
        for kind in KINDS:
            shared_translator(kind)
    except (OSError, ValueError, KeyError):
        return False
    return True


def _step_dict(step: s2s.DecodeStep) -> dict:
    return {
        "input": step.input_word,  # "<bos>" is named in the learner's language when drawn
        "output": step.output_word,
        "candidates": step.candidates,
        "attention": step.attention,
        "forced": step.forced,
    }


@st.cache_data(show_spinner=False, max_entries=256)
def cached_translation(kind: str, text: str, force: tuple[int, int] | None = None) -> dict:
    """One greedy translation with its steps; plain data, shared by every session."""
    translator = shared_translator(kind)
    with inference_threads():
        result = translator.translate(text, force=force)
    return {
        "source": result.source_words,
        "output": result.output_words,
        "text": result.text,
        "steps": [_step_dict(step) for step in result.steps],
    }


@st.cache_data(show_spinner=False)
def shipped_bottleneck() -> dict:
    """Both shipped models measured on the held-out pairs (computed here, not read from files)."""
    with inference_threads():
        return {
            kind: s2s_train.evaluate_by_length(shared_translator(kind), s2s_train.heldout_pairs()) for kind in KINDS
        }


@st.cache_data(show_spinner=False)
def timing_rows() -> list[dict]:
    with inference_threads():
        return s2s.time_sequential_vs_parallel()


@st.cache_data(show_spinner=False, max_entries=64)
def cached_similarity(sentence_a: str, sentence_b: str, word: str) -> dict:
    with inference_threads():
        return shared_translator("attention").same_word_similarity(sentence_a, sentence_b, word)


# --------------------------------------------------------------------------- learners' runs, shared per server


def training_job(run: s2s_train.QuickRun):
    """The job the server's queue runs: both models trained and measured (plain numbers out)."""

    def job(progress, should_stop) -> dict:
        last = {"step": 0}

        def report(kind: str, p: s2s_train.Seq2SeqProgress) -> None:
            # Every report is kept for replays: one every few steps is plenty for a bar.
            if p.step - last["step"] >= 4 or p.step == p.total_steps:
                last["step"] = 0 if p.step == p.total_steps else p.step
                progress({"kind": kind, "step": p.step, "total": p.total_steps, "loss": p.loss})

        with training_threads():
            return s2s_train.train_and_measure(run, callback=report, should_stop=should_stop)

    return job


def run_shared(run: s2s_train.QuickRun) -> tuple[dict, bool]:
    """``run``'s result through the server's training queue: identical runs (same settings and
    seed) are computed once, and every session replays the progress and gets its own copy.
    Returns (result, whether it was already finished when asked for)."""
    key = ("ch4.seq2seq", run)
    job = jobs.submit(key, training_job(run), label="ch4.seq2seq", cap_s=RUN_CAP_S)
    reused = job.finished
    bar = st.empty() if reused else st.progress(0.0, text=t("ch4.train.starting"))

    def on_progress(report: dict) -> None:
        kind = report["kind"]
        done = (KINDS.index(kind) + report["step"] / report["total"]) / len(KINDS)
        text = t(
            "ch4.train.progress",
            model=t(f"ch4.translate.{kind}"),
            step=report["step"],
            total=report["total"],
            loss=f"{report['loss']:.3f}",
        )
        bar.progress(min(1.0, done), text=text)

    result = jobs.wait_in_page(job, on_progress=None if reused else on_progress)
    bar.empty()
    return result, reused


# --------------------------------------------------------------------------- views


def translation_box(label: str, text: str, colour: str, muted: bool = False) -> str:
    background = "#ffffff" if muted else "#f8fafc"
    weight = 400 if muted else 600
    size = "1.4rem" if len(text) <= 32 else "1.15rem"  # a long sentence stays on two lines
    return (
        f'<div style="border-left:6px solid {colour};padding:6px 12px;background:{background};border-radius:4px">'
        f'<div style="font-size:0.95rem;color:#475569">{html.escape(label)}</div>'
        f'<div style="font-size:{size};font-weight:{weight}">{html.escape(text) or "&nbsp;"}</div></div>'
    )


def choose_sentence() -> str:
    examples = list(s2s.EXAMPLES)
    options = [*examples, OWN]
    wanted_text = query_param("text")
    default_example = choice_query_param("example", [str(i) for i in range(len(examples))], "0")
    if "ch4_example" not in st.session_state:
        st.session_state["ch4_example"] = (
            OWN
            if wanted_text is not None and wanted_text not in examples
            else (wanted_text if wanted_text in examples else examples[int(default_example)])
        )
    if "ch4_text" not in st.session_state:
        choice = st.session_state["ch4_example"]
        st.session_state["ch4_text"] = (wanted_text or "")[:2000] if choice == OWN else choice

    def on_example() -> None:
        if st.session_state["ch4_example"] != OWN:
            st.session_state["ch4_text"] = st.session_state["ch4_example"]

    def on_text() -> None:
        typed = st.session_state["ch4_text"]
        st.session_state["ch4_example"] = typed if typed in examples else OWN

    cols = st.columns([2, 3])
    cols[0].selectbox(
        t("ch4.input.example"),
        options,
        key="ch4_example",
        format_func={**{e: e for e in examples}, OWN: t("ch4.input.own")}.get,  # labels fixed in this run's language
        help=t("ch4.input.example_help"),
        on_change=on_example,
    )
    text = cols[1].text_input(
        t("ch4.input.text"),
        key="ch4_text",
        max_chars=s2s.MAX_INPUT_CHARS,
        help=t("ch4.input.text_help"),
        on_change=on_text,
    )
    example = st.session_state["ch4_example"]
    if example == OWN:
        st.query_params.pop("example", None)
        set_query_param("text", text)
    else:
        set_query_param("example", examples.index(example))
        st.query_params.pop("text", None)
    return text


def translations_section(text: str) -> dict[str, dict] | None:
    results = {}
    try:
        for kind in KINDS:
            results[kind] = cached_translation(kind, text)
    except InputError as exc:
        show_error(exc)
        return None
    reference = s2s_train.reference_for(text)
    cols = st.columns(3 if reference else 2)
    for col, kind, colour in zip(cols, KINDS, (figs.PLAIN_COLOUR, figs.ATTENTION_COLOUR), strict=False):
        col.html(translation_box(t(f"ch4.translate.{kind}"), results[kind]["text"], colour))
    if reference:
        cols[2].html(translation_box(t("ch4.translate.reference"), reference, "#94a3b8", muted=True))
    return results


@st.fragment
def steps_chart(text: str, results: dict[str, dict]) -> None:
    """The two models' candidates and the attention weights at one output step; the step
    slider under the chart redraws only this part and writes ``step`` (from 1) into the URL."""
    n_steps = max(len(results[k]["steps"]) for k in KINDS)
    if "ch4_step" not in st.session_state:  # a cold link: the step it names
        st.session_state["ch4_step"] = int_query_param("step", 1, 1, max(1, n_steps))
    elif st.session_state.get("_ch4_step_text") != text:  # another sentence starts at step 1
        st.session_state["ch4_step"] = 1
    st.session_state["_ch4_step_text"] = text
    st.session_state["ch4_step"] = min(max(1, int(st.session_state["ch4_step"])), max(1, n_steps))
    labels = {
        "plain_title": template("ch4.steps.plain_title"),
        "attention_title": template("ch4.steps.attention_title"),
        "plain_done": t("ch4.steps.plain_done"),
        "attention_done": t("ch4.steps.attention_done"),
        "weights_title": template("ch4.steps.weights_title"),
    }

    def named(word: str) -> str:  # the special tokens in the learner's language
        return t("ch4.steps.start") if word == s2s.BOS else eos_label(word)

    def shown(steps: list[dict]) -> list[dict]:
        return [
            {
                **step,
                "input": named(step["input"]),
                "output": named(step["output"]),
                "candidates": [(named(word), p) for word, p in step["candidates"]],
            }
            for step in steps
        ]

    plain_steps, attention_steps = shown(results["plain"]["steps"]), shown(results["attention"]["steps"])
    chart_box = st.container()
    step_names = figs.step_labels(plain_steps, attention_steps)
    step = st.select_slider(
        t("ch4.steps.slider"),
        options=list(range(1, len(step_names) + 1)),
        format_func=lambda s: plain(step_names[s - 1]),  # shown as Markdown
        key="ch4_step",
    )
    set_query_param("step", step)
    fig = figs.steps_figure(results["attention"]["source"], plain_steps, attention_steps, labels, active=step - 1)
    with chart_box:
        chart(fig, key="ch4_steps", **CHART)
    st.caption(t("ch4.steps.caption"))


def eos_label(word: str) -> str:
    return t("ch4.align.eos") if word == s2s.EOS else word


def alignment_chart(result: dict, key: str, title: str | None = None) -> None:
    steps = result["steps"]
    rows = [step["attention"] for step in steps]
    outputs = [eos_label(step["output"]) for step in steps]
    fig = figs.alignment_figure(
        result["source"],
        outputs,
        rows,
        {
            "title": title or t("ch4.align.title"),
            "x": t("ch4.align.x"),
            "y": t("ch4.align.y"),
            "hover": t("ch4.align.hover"),
        },
    )
    chart(fig, key=key, **CHART)
    content = [i for i, step in enumerate(steps) if step["output"] != s2s.EOS]
    if content:
        last, first = content[-1], content[0]

        def strongest(i: int) -> tuple[str, str]:
            weights = rows[i]
            j = max(range(len(weights)), key=weights.__getitem__)
            return result["source"][j], pct(weights[j])

        src, p = strongest(last)
        first_src, first_p = strongest(first)
        st.caption(
            t(
                "ch4.align.caption",
                out=plain(outputs[last]),
                src=plain(src),
                p=p,
                first_out="“" + plain(outputs[first]) + "”",
                first_src=plain(first_src),
                first_p=first_p,
            )
        )


def looks_at_question(result: dict):
    """Predict, then reveal: where does the last Dutch word look? (the heatmap answers)"""
    steps = [step for step in result["steps"] if step["output"] != s2s.EOS]
    row = len(steps) - 1
    weights = np.array([step["attention"] for step in result["steps"]])
    source = result["source"]
    labels = {str(j): f"{j + 1}. {word}" for j, word in enumerate(source)}
    return ask(
        "ch4.looks_at",
        list(labels),
        lambda: quiz.most_attended(weights, row),
        labels=labels,
        params={"word": steps[row]["output"]},
        facts=lambda answer: {"target": source[answer.facts["best"]]},
        context=(tuple(source), tuple(step["output"] for step in steps)),
    )


def long_sentence_question(runs: dict):
    """Predict, then reveal: how often is the one-vector model exactly right on the longest
    held-out sentences? (the accuracy chart answers)"""
    plain_row, attention_row = runs["plain"][-1], runs["attention"][-1]

    def answer() -> quiz.Answer:
        share = plain_row["exact_match"]
        name = quiz.bucket(share, quiz.PROBABILITY_EDGES, quiz.PROBABILITY_BUCKETS)
        return quiz.Answer(frozenset({name}), "", {"share": share, "attention": attention_row["exact_match"]})

    return ask(
        "ch4.long_sentence",
        quiz.PROBABILITY_BUCKETS,
        answer,
        params={"low": plain_row["low"], "high": plain_row["high"]},
        context=(plain_row["low"], plain_row["high"]),
    )


def bottleneck_chart(runs: dict, title: str, key: str) -> None:
    labels = {
        "title": title,
        "x": t("ch4.bottleneck.x"),
        "y": t("ch4.bottleneck.y"),
        "plain": t("ch4.bottleneck.plain"),
        "attention": t("ch4.bottleneck.attention"),
        "word_accuracy": t("ch4.bottleneck.word_accuracy"),
        "exact_match": t("ch4.bottleneck.exact_match"),
    }
    chart(figs.length_accuracy_figure({k: runs[k] for k in KINDS}, labels), key=key, **CHART)
    longest_plain, longest_attention = runs["plain"][-1], runs["attention"][-1]
    st.caption(
        t(
            "ch4.bottleneck.longest",
            low=longest_plain["low"],
            high=longest_plain["high"],
            att=pct(longest_attention["word_accuracy"]),
            plain=pct(longest_plain["word_accuracy"]),
            att_exact=pct(longest_attention["exact_match"]),
            plain_exact=pct(longest_plain["exact_match"]),
        )
    )


@st.fragment
def training_section() -> None:
    st.subheader(t("ch4.train.header"))
    st.markdown(t("ch4.train.intro"))
    defaults = {
        "ch4_epochs": int_query_param("epochs", DEFAULT_RUN.epochs, EPOCH_CHOICES[0], EPOCH_CHOICES[-1]),
        "ch4_pairs": int(choice_query_param("pairs", [str(p) for p in PAIR_CHOICES], str(DEFAULT_RUN.n_pairs))),
        "ch4_hidden": int(choice_query_param("hidden", [str(h) for h in HIDDEN_CHOICES], str(DEFAULT_RUN.hidden_dim))),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    cols = st.columns([2, 2, 2, 2])
    epochs = cols[0].select_slider(t("ch4.train.epochs"), EPOCH_CHOICES, key="ch4_epochs")
    n_pairs = cols[1].select_slider(t("ch4.train.pairs"), PAIR_CHOICES, key="ch4_pairs")
    hidden = cols[2].select_slider(t("ch4.train.hidden"), HIDDEN_CHOICES, key="ch4_hidden")
    for name, value in (("epochs", epochs), ("pairs", n_pairs), ("hidden", hidden)):
        set_query_param(name, value)
    run = s2s_train.QuickRun(n_pairs=int(n_pairs), epochs=int(epochs), hidden_dim=int(hidden), seed=current_seed())
    cols[3].write("")
    if cols[3].button(t("ch4.train.button"), key="ch4_train", type="primary", icon=":material/model_training:"):
        with guard():
            result, reused = run_shared(run)
            st.session_state["ch4_run"] = {"run": run, "result": result, "reused": reused}
    mine = st.session_state.get("ch4_run")
    if not mine:
        st.caption(t("ch4.train.none"))
        return
    if mine["reused"]:
        st.caption(t("ch4.train.reused"))
    if mine["result"].get("stopped_early"):
        st.warning(t("ch4.train.stopped"), icon=":material/timer_off:")
    st.caption(t("ch4.train.done", seconds=f"{mine['result']['seconds']:.0f}"))
    bottleneck_chart(mine["result"], t("ch4.train.title"), "ch4_own_bottleneck")


@st.fragment
def context_section() -> None:
    st.subheader(t("ch4.context.header"))
    st.markdown(md("ch4/context"))
    default_a, default_b, default_word = s2s.CONTEXT_EXAMPLE
    st.session_state.setdefault("ch4_ctx_a", (query_param("ctx_a", default_a) or "")[:300])
    st.session_state.setdefault("ch4_ctx_b", (query_param("ctx_b", default_b) or "")[:300])
    cols = st.columns(2)
    sentence_a = cols[0].text_input(t("ch4.context.sentence_a"), key="ch4_ctx_a", max_chars=s2s.MAX_INPUT_CHARS)
    sentence_b = cols[1].text_input(t("ch4.context.sentence_b"), key="ch4_ctx_b", max_chars=s2s.MAX_INPUT_CHARS)
    set_query_param("ctx_a", sentence_a)
    set_query_param("ctx_b", sentence_b)
    translator = shared_translator("attention")
    try:
        words_a, words_b = translator.check(sentence_a), translator.check(sentence_b)
    except InputError as exc:
        show_error(exc)
        return
    common = [w for w in dict.fromkeys(words_a) if w in words_b]
    if not common:
        st.info(t("ch4.context.no_common"))
        return
    wanted = query_param("ctx_word", default_word)
    if st.session_state.get("ch4_ctx_word") not in common:
        st.session_state["ch4_ctx_word"] = wanted if wanted in common else common[0]
    word = st.selectbox(t("ch4.context.word"), common, key="ch4_ctx_word")
    set_query_param("ctx_word", word)
    with guard():
        similarity = cached_similarity(sentence_a, sentence_b, word)
        cols = st.columns(2)
        cols[0].metric(t("ch4.context.state_cos"), f"{similarity['state_cosine']:.2f}")
        cols[1].metric(t("ch4.context.embed_cos"), f"{similarity['embedding_cosine']:.2f}")
        outputs = [cached_translation("attention", s)["text"] for s in (sentence_a, sentence_b)]
        st.caption(
            " · ".join(f"{plain(s)} → **{plain(o)}**" for s, o in zip((sentence_a, sentence_b), outputs, strict=True))
        )


@st.fragment
def force_section(text: str, original: dict) -> None:
    st.subheader(t("ch4.force.header"))
    st.markdown(md("ch4/force"))
    source = original["source"]
    n_steps = len(original["steps"])
    st.session_state.setdefault("ch4_force_step", int_query_param("force_step", 1, 1, n_steps))
    st.session_state["ch4_force_step"] = min(max(1, int(st.session_state["ch4_force_step"])), n_steps)
    word_options = [-1, *range(len(source))]
    # The link counts words from 1, as the screen does ("5. horses"); 0 = force nothing.
    wanted_word = int_query_param("force_word", 0, 0, len(source)) - 1
    if st.session_state.get("ch4_force_word") not in word_options:
        st.session_state["ch4_force_word"] = wanted_word
    cols = st.columns(2)
    step_labels = {i + 1: f"{i + 1}: {eos_label(s['output'])}" for i, s in enumerate(original["steps"])}
    step = cols[0].selectbox(t("ch4.force.step"), list(step_labels), key="ch4_force_step", format_func=step_labels.get)
    word = cols[1].selectbox(
        t("ch4.force.word"),
        word_options,
        key="ch4_force_word",
        format_func={-1: t("ch4.force.none"), **{j: f"{j + 1}. {w}" for j, w in enumerate(source)}}.get,
    )
    set_query_param("force_step", step)
    set_query_param("force_word", word + 1)
    if word < 0:
        return
    with guard():
        forced = cached_translation("attention", text, (int(step) - 1, int(word)))
        cols = st.columns(2)
        cols[0].html(translation_box(t("ch4.translate.attention"), original["text"], figs.ATTENTION_COLOUR))
        cols[0].caption(t("ch4.force.original"))
        cols[1].html(translation_box(t("ch4.translate.attention"), forced["text"], figs.CHOSEN_COLOUR))
        cols[1].caption(t("ch4.force.forced", step=step, word=plain(source[word])))
        differ = sum(a != b for a, b in zip(original["output"], forced["output"], strict=False)) + abs(
            len(original["output"]) - len(forced["output"])
        )
        st.caption(t("ch4.force.changed", count=differ) if differ else t("ch4.force.unchanged"))
        alignment_chart(forced, "ch4_forced_alignment", t("ch4.force.forced", step=step, word=source[word]))


def timing_section() -> None:
    st.subheader(t("ch4.timing.header"))
    st.markdown(md("ch4/timing"))
    with st.spinner():
        rows = timing_rows()
    labels = {
        "title": t("ch4.timing.title"),
        "x": t("ch4.timing.x"),
        "y": t("ch4.timing.y"),
        "recurrent": t("ch4.timing.recurrent"),
        "parallel": t("ch4.timing.parallel"),
    }
    chart(figs.timing_figure(rows, labels), key="ch4_timing", **CHART)
    last = rows[-1]
    st.caption(
        t(
            "ch4.timing.caption",
            n=last["length"],
            rnn=f"{1000 * last['recurrent_s']:.1f}",
            att=f"{1000 * last['parallel_s']:.2f}",
            ratio=f"{last['recurrent_s'] / max(last['parallel_s'], 1e-9):.0f}",
            width=128,
        )
    )


# --------------------------------------------------------------------------- page

st.title(t("ch4.title"))
intro("ch4/intro")

if not models_available():
    st.error(t("ch4.err_no_checkpoint"))
    st.stop()

text = choose_sentence()
results = translations_section(text)
if results is not None:
    with main_chart():
        steps_chart(text, results)
st.markdown(md("ch4/how"))
if results is not None:
    st.subheader(t("ch4.align.header"))
    looks_at = looks_at_question(results["attention"])
    alignment_chart(results["attention"], "ch4_alignment")
    looks_at.end()

st.subheader(t("ch4.bottleneck.header"))
st.markdown(md("ch4/bottleneck"))
with guard():
    with st.spinner():
        shipped = shipped_bottleneck()
    long_sentence = long_sentence_question(shipped)
    bottleneck_chart(shipped, t("ch4.bottleneck.title"), "ch4_bottleneck")
    long_sentence.end()
    st.caption(t("ch4.bottleneck.caption", n=sum(row["n"] for row in shipped["plain"]), per=shipped["plain"][0]["n"]))
    plain_model, attention_model = shared_translator("plain"), shared_translator("attention")
    config = attention_model.model.config
    st.caption(
        t(
            "ch4.translate.sizes",
            params_plain=f"{plain_model.model.num_parameters():,}",
            params_attention=f"{attention_model.model.num_parameters():,}",
            embed=config.embed_dim,
            hidden=config.hidden_dim,
            pairs=f"{len(load_corpus('toy_en_nl').pairs):,}",
        )
    )

training_section()

if results is not None:
    force_section(text, results["attention"])

context_section()

with guard():
    timing_section()

st.divider()
st.markdown(md("ch4/takeaways"))
