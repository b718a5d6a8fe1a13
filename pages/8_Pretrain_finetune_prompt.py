"""Chapter 8: pretraining, instruction tuning, fine-tuning and prompting, measured.

The story chart on top is drawn from the chapter's measured results (every method on
the held-out test split of the sentiment set). Below it, a learner pretrains a GPT of
their own, instruction-tunes and fine-tunes the chapter's base GPT, and prompts the
tiny GPT or SmolLM2 with examples they choose. Identical heavy requests (the defaults a
whole class clicks) are computed once per server and replayed; a learner's own models
live in their session and never touch the shared ones.
"""

import json
import time

import numpy as np
import streamlit as st

from ui.common import setup_page

lang = setup_page("ch8")


from lm_core.analysis import ch8_lab as lab  # noqa: E402
from lm_core.analysis import quiz  # noqa: E402
from lm_core.analysis.evaluation import evaluate  # noqa: E402
from lm_core.analysis.prompting import (  # noqa: E402
    LABELS,
    MAX_EXAMPLES,
    MODES,
    ChatScorer,
    GPTScorer,
    calibrate,
    predictions,
)
from lm_core.core.device import inference_threads, training_threads  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.paths import ASSETS_DIR  # noqa: E402
from lm_core.core.text import decode_upload  # noqa: E402
from lm_core.data.corpora import load_corpus  # noqa: E402
from lm_core.data.instructions import split_pairs  # noqa: E402
from lm_core.train.finetune import FinetuneConfig  # noqa: E402
from lm_core.train.pretrain import MODEL_SIZES, make_gpt, prepare_data, pretrain, upload_sentences  # noqa: E402
from ui import jobs  # noqa: E402
from ui.common import (  # noqa: E402
    chart,
    choice_query_param,
    current_seed,
    guard,
    int_query_param,
    join_sentences,
    main_chart,
    md,
    query_param,
    set_query_param,
    t,
)
from ui.predict import ask, bar_reveal  # noqa: E402
from viz import ch8 as figs  # noqa: E402

CHART = {"width": "stretch", "config": {"displaylogo": False}}
RESULTS_FILE = ASSETS_DIR / "results" / "ch8_results.json"
DATASETS = ("en", "zh")
CORPORA = ("toy_en", "toy_zh", "upload")
SIZES = tuple(MODEL_SIZES)
PROMPT_MODELS = ("gpt", "smollm2")
PT_STEPS = (20, 2000, 300)  # low, high, default
TUNE_STEPS = (10, 500, 150)
PRETRAIN_CAP_S = 240.0  # a run past this stops and keeps what it learned
TUNE_CAP_S = 120.0
MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$")


def plain(text: str) -> str:
    """Learner or corpus text inside Markdown: every Markdown character escaped."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text))


# --------------------------------------------------------------------------- shared, read-only


@st.cache_resource(show_spinner=False)
def shared_base(data_lang: str):
    """The chapter's base GPT (read-only, shared by every session)."""
    return lab.load_base(data_lang)


def smollm2_available() -> bool:
    try:
        from lm_core.models import smollm2

        return bool(smollm2.smollm2_available())
    except Exception:
        return False


@st.cache_resource(show_spinner=False)
def shared_smollm2():
    from lm_core.models import smollm2

    model, tokenizer = smollm2.load_smollm2()
    return ChatScorer(model, tokenizer)


def scorer_for(model_key: str, data_lang: str):
    if model_key == "smollm2":
        return shared_smollm2()
    model, tokenizer = shared_base(data_lang)
    return GPTScorer(model, tokenizer)


@st.cache_data(show_spinner=False)
def shipped_results() -> dict:
    """The precomputed results every learner sees first (scripts/train_ch8.py results)."""
    if not RESULTS_FILE.is_file():
        return {}
    return json.loads(RESULTS_FILE.read_text(encoding="utf-8"))


@st.cache_data(show_spinner=False, max_entries=64)
def cached_prompt_probs(model_key: str, data_lang: str, mode: str, shots: tuple[int, ...]) -> dict:
    """A prompting method on the test split: computed once per server per request."""
    scorer = scorer_for(model_key, data_lang)
    with inference_threads():
        outcome = lab.prompt_probs(scorer, data_lang, mode, chosen=list(shots) if mode in ("few", "one") else None)
    return {"probs": outcome.probs, "content_free": outcome.content_free, "examples": outcome.examples}


def finetune_job(data_lang: str, steps: int, seed: int):
    """Task fine-tuning of a copy of the base GPT, then its test-split probabilities (a queue job)."""

    def run(progress, should_stop) -> dict:
        model, tokenizer = shared_base(data_lang)
        with training_threads():
            own, result = lab.finetune_sentiment(
                model,
                tokenizer,
                data_lang,
                FinetuneConfig(steps=steps, seed=seed),
                callback=lambda step, loss: progress({"step": step, "total": steps, "loss": loss}),
                should_stop=should_stop,
            )
        with inference_threads():
            outcome = lab.prompt_probs(GPTScorer(own, tokenizer), data_lang, "zero")
        return {"losses": result.losses, "probs": outcome.probs, "seconds": result.train_time_s}

    return run


def instruction_job(data_lang: str, steps: int, seed: int):
    """Instruction tuning of a copy of the base GPT, then its answers to held-out questions."""

    def run(progress, should_stop) -> dict:
        model, tokenizer = shared_base(data_lang)
        _, held = split_pairs(data_lang)
        with training_threads():
            tuned, result = lab.instruction_tune(
                model,
                tokenizer,
                data_lang,
                FinetuneConfig(steps=steps, seed=seed),
                callback=lambda step, loss: progress({"step": step, "total": steps, "loss": loss}),
                should_stop=should_stop,
            )
        with inference_threads():
            after = lab.answer_questions(tuned, tokenizer, held)
        return {"losses": result.losses, "after": after, "seconds": result.train_time_s}

    return run


def run_tuning_job(key: tuple, fn, label: str) -> dict:
    """Through the server's queue: identical requests run once, each session gets its copy."""
    bar = st.progress(0.0, text=t("ch8.tune.queued"))

    def on_progress(report: dict) -> None:
        bar.progress(
            report["step"] / report["total"],
            text=t("ch8.tune.progress", step=report["step"], total=report["total"], loss=f"{report['loss']:.3f}"),
        )

    result = jobs.run_shared(key, fn, label=label, on_progress=on_progress, cap_s=TUNE_CAP_S)
    bar.empty()
    return result


@st.cache_data(show_spinner=False, max_entries=4)
def cached_answers_before(data_lang: str) -> list[str]:
    model, tokenizer = shared_base(data_lang)
    _, held = split_pairs(data_lang)
    with inference_threads():
        return lab.answer_questions(model, tokenizer, held)


# --------------------------------------------------------------------------- helpers


def method_label(key: str, two_lines: bool = False) -> str:
    model_key, mode = key.split(":")
    label = t("ch8.methods.label", model=t(f"ch8.models.{model_key}_short"), mode=t(f"ch8.modes.{mode}_short"))
    return label.replace(" · ", "\n") if two_lines else label


def apply_calibration(entry: dict, calibrated: bool) -> np.ndarray:
    probs = np.asarray(entry["probs"], dtype=float)
    if calibrated and entry.get("content_free") is not None and not entry.get("no_calibration"):
        return calibrate(probs, np.asarray(entry["content_free"], dtype=float))
    return probs


def label_names() -> list[str]:
    return [t(f"corpora.labels.{label}") for label in LABELS]


def confusion_labels(title: str) -> dict:
    return {
        "title": title,
        "x": t("ch8.results.predicted"),
        "y": t("ch8.results.true"),
        "hover": t("ch8.results.cell_hover"),
    }


def report_table(evaluation) -> list[dict]:
    rows = []
    for label, name in zip(LABELS, label_names(), strict=True):
        values = evaluation.report[label]
        rows.append(
            {
                t("ch8.results.col_class"): name,
                t("ch8.results.col_precision"): round(values["precision"], 3),
                t("ch8.results.col_recall"): round(values["recall"], 3),
                t("ch8.results.col_f1"): round(values["f1-score"], 3),
                t("ch8.results.col_support"): int(values["support"]),
            }
        )
    weighted = evaluation.report["weighted avg"]
    rows.append(
        {
            t("ch8.results.col_class"): t("ch8.results.weighted"),
            t("ch8.results.col_precision"): round(weighted["precision"], 3),
            t("ch8.results.col_recall"): round(weighted["recall"], 3),
            t("ch8.results.col_f1"): round(weighted["f1-score"], 3),
            t("ch8.results.col_support"): int(weighted["support"]),
        }
    )
    return rows


def parse_shots(text: str | None, n_train: int) -> list[int]:
    """Example indices from the URL ("3,17,5"); junk and out-of-range values are dropped."""
    picked = []
    for piece in str(text or "").split(","):
        piece = piece.strip()
        if piece.isdigit() and int(piece) < n_train and int(piece) not in picked:
            picked.append(int(piece))
    return picked[:MAX_EXAMPLES]


def all_methods(data_lang: str, results: dict) -> dict[str, dict]:
    """Every method's test probabilities: the shipped ones, plus the learner's own runs."""
    methods = dict(results.get(data_lang, {}).get("methods", {}))
    own = st.session_state.get("ch8_own_methods", {}).get(data_lang, {})
    methods.update(own)
    return methods


def method_kind(key: str) -> str:
    if key.endswith("finetuned") or key.endswith("finetuned_own"):
        return "finetune"
    return "prompt_llm" if key.startswith("smollm2") else "prompt_gpt"


# --------------------------------------------------------------------------- page


st.title(t("ch8.title"))

# Projector first: the controls in a narrow column, the story chart beside them; prose below.
controls_column, chart_column = st.columns([1.3, 4], gap="medium")
data_lang = choice_query_param("data", DATASETS, lang)
st.session_state.setdefault("ch8_data", data_lang)
data_lang = controls_column.radio(
    t("ch8.data.label"), DATASETS, format_func=lambda d: t(f"ch8.data.{d}"), key="ch8_data", help=t("ch8.data.help")
)
set_query_param("data", data_lang)
st.session_state.setdefault("ch8_cal", query_param("cal", "0") == "1")
calibrated = controls_column.toggle(t("ch8.calibration.label"), key="ch8_cal", help=t("ch8.calibration.help"))
set_query_param("cal", int(calibrated))

if not lab.base_available(data_lang):
    st.error(t("ch8.errors.no_base"))
    st.stop()

results = shipped_results()
train_split, test_split = lab.sentiment_splits(data_lang)
gold = [label for _, label in test_split]

# --- 0. The story in one chart ------------------------------------------------------------


def story_chart() -> None:
    methods = all_methods(data_lang, results)
    if not methods:
        st.info(t("ch8.story.missing"), icon=":material/hourglass_empty:")
        return
    order = [
        k
        for k in (
            "gpt:finetuned",
            "gpt:finetuned_own",
            "gpt:zero",
            "gpt:one",
            "gpt:per_class",
            "gpt:few",
            "smollm2:zero",
            "smollm2:one",
            "smollm2:per_class",
            "smollm2:few",
        )
        if k in methods
    ]
    scores = []
    for key in order:
        probs = apply_calibration(methods[key], calibrated and method_kind(key) != "finetune")
        scores.append(evaluate(gold, predictions(probs), LABELS).weighted_f1)
    counts = [gold.count(label) for label in LABELS]
    majority = max(counts) / len(gold)
    chance = evaluate(gold, [LABELS[int(np.argmax(counts))]] * len(gold), LABELS).weighted_f1
    fig = figs.story_figure(
        [method_label(k, two_lines=True) for k in order],
        scores,
        [method_kind(k) for k in order],
        {
            "title": t("ch8.story.title", n=len(gold), data=t(f"ch8.data.{data_lang}")),
            "y": t("ch8.story.y"),
            "finetune": t("ch8.story.finetune"),
            "prompt_gpt": t("ch8.story.prompt_gpt"),
            "prompt_llm": t("ch8.story.prompt_llm"),
            "chance": t("ch8.story.chance", f1=f"{chance:.2f}"),
        },
        chance=chance,
    )
    chart(fig, key="ch8_story", **CHART)
    best = order[int(np.argmax(scores))]
    st.caption(
        t("ch8.story.caption", best=method_label(best), f1=f"{max(scores):.2f}", majority=f"{100 * majority:.0f}")
    )


def story_question():
    """Predict first: which way of using a pretrained model wins on the story chart."""
    methods = all_methods(data_lang, results)
    kinds = {k: method_kind(k) for k in methods}
    scores = {k: evaluate(gold, predictions(apply_calibration(m, calibrated and kinds[k] != "finetune")),
                          LABELS).weighted_f1 for k, m in methods.items()}
    return ask("ch8.best_method", [k for k in ("finetune", "prompt_gpt", "prompt_llm") if k in kinds.values()],
               lambda: quiz.best_method_kind(scores, kinds), bar_reveal("ch8.best_method"), params={"n": len(gold)},
               facts=lambda a: {"method": method_label(a.facts["method"])},
               context=(data_lang, calibrated, tuple(sorted(scores.items()))))


with chart_column:
    best_way = story_question()
    with main_chart():
        story_chart()
    best_way.end()
st.markdown(md("ch8/intro"))
st.markdown(md("ch8/story"))

# --- 1. Pretraining, live -------------------------------------------------------------------


def corpus_sentences(corpus: str, upload) -> tuple[list[str], str, str | None]:
    if corpus == "upload":
        if upload is None:
            raise InputError("ch8.errors.no_upload")
        import hashlib

        raw = upload.getvalue()
        sentences, upload_lang = upload_sentences(decode_upload(raw))
        return sentences, upload_lang, hashlib.sha256(raw).hexdigest()[:16]
    shipped = load_corpus(corpus)
    return list(shipped.sentences), shipped.lang, None


def draw_pretraining(run_state: dict, slot, key: str = "ch8_pt_loss") -> None:
    with slot.container():
        checkpoints = run_state["checkpoints"]
        series = {}
        if run_state["losses"]:
            steps, losses = zip(*run_state["losses"], strict=True)
            series[t("ch8.pretrain.batch_loss")] = (steps, losses)
        if checkpoints:
            series[t("ch8.pretrain.train_loss")] = ([c.step for c in checkpoints], [c.train_loss for c in checkpoints])
            series[t("ch8.pretrain.val_loss")] = ([c.step for c in checkpoints], [c.val_loss for c in checkpoints])
        if series:
            chart(
                figs.loss_figure(
                    series, {"title": t("ch8.pretrain.loss_title"), "x": t("ch8.axis.step"), "y": t("ch8.axis.loss")}
                ),
                key=key,
                **CHART,
            )
        if checkpoints:
            st.markdown(f"**{t('ch8.pretrain.samples')}**")
            st.table(
                [
                    {
                        t("ch8.pretrain.col_step"): c.step,
                        t("ch8.pretrain.col_val"): round(c.val_loss, 3),
                        t("ch8.pretrain.col_sample"): c.sample,
                    }
                    for c in checkpoints
                ]
            )


@st.fragment
def pretraining_section() -> None:
    st.header(t("ch8.pretrain.header"))
    st.markdown(md("ch8/pretrain"))
    controls = st.columns([2, 1, 2])
    default_corpus = "toy_zh" if lang == "zh" else "toy_en"
    st.session_state.setdefault("ch8_pt_corpus", choice_query_param("corpus", CORPORA, default_corpus))
    corpus = controls[0].radio(
        t("ch8.pretrain.corpus"),
        CORPORA,
        format_func=lambda c: t(f"ch8.pretrain.corpus_{c}"),
        horizontal=True,
        key="ch8_pt_corpus",
    )
    st.session_state.setdefault("ch8_pt_size", choice_query_param("size", SIZES, "s"))
    size = controls[1].selectbox(
        t("ch8.pretrain.size"),
        SIZES,
        key="ch8_pt_size",
        help=t("ch8.pretrain.size_help"),
        format_func=lambda s: t("ch8.pretrain.size_option", name=s, layers=MODEL_SIZES[s][0], width=MODEL_SIZES[s][2]),
    )
    st.session_state.setdefault("ch8_pt_steps", int_query_param("steps", PT_STEPS[2], PT_STEPS[0], PT_STEPS[1]))
    steps = controls[2].slider(
        t("ch8.pretrain.steps"),
        PT_STEPS[0],
        PT_STEPS[1],
        step=10,
        key="ch8_pt_steps",
        help=t("ch8.pretrain.steps_help"),
    )
    for name, value in (("corpus", corpus), ("size", size), ("steps", steps)):
        set_query_param(name, value)
    upload = None
    if corpus == "upload":
        upload = st.file_uploader(
            t("ch8.pretrain.upload"), type=["txt"], key="ch8_pt_upload", help=t("ch8.pretrain.upload_help")
        )
    buttons = st.columns([1, 1, 4])
    train_clicked = buttons[0].button(
        t("ch8.pretrain.train"), type="primary", key="ch8_pt_train", icon=":material/model_training:"
    )
    buttons[1].button(
        t("ch8.pretrain.stop"), key="ch8_pt_stop", icon=":material/stop_circle:", help=t("ch8.pretrain.stop_help")
    )
    slot = st.empty()
    if train_clicked:
        with guard():
            sentences, corpus_lang, digest = corpus_sentences(corpus, upload)
            key = ("ch8.pretrain", corpus, size, steps, current_seed(), digest)
            train_in_queue(key, pretraining_job(sentences, corpus_lang, size, steps, current_seed()), slot)
    state = st.session_state.get("ch8_pt_run")
    if state is None:
        st.info(t("ch8.pretrain.none_yet"), icon=":material/model_training:")
        return
    done_steps = state["losses"][-1][0] if state["losses"] else 0
    if state["finished"]:
        st.success(
            t("ch8.pretrain.finished", params=f"{state['params']:,}", steps=done_steps), icon=":material/check_circle:"
        )
    else:
        kept = state["checkpoints"][-1].step if state["checkpoints"] else 0
        st.warning(t("ch8.pretrain.stopped", params=f"{state['params']:,}", steps=kept), icon=":material/pause:")
    draw_pretraining(state, slot)


def pretraining_job(sentences: list[str], corpus_lang: str, size: str, steps: int, seed: int):
    """One pretraining run as a queue job. Reports every step; at each checkpoint also the
    weights, so a learner who stops keeps the model of the last checkpoint."""

    def run(progress, should_stop) -> dict:
        data = prepare_data(sentences, corpus_lang, seed=seed)
        progress({"kind": "prepared", "tokenizer": data.tokenizer, "tokens": int(data.train_ids.numel())})

        def on_step(current, p) -> None:
            report = {"kind": "step", "step": p.step, "total": p.max_iters, "loss": p.loss}
            if p.val_loss is not None:
                report["checkpoint"] = current.checkpoints[-1]
                report["state"] = {name: w.detach().clone() for name, w in current.model.state_dict().items()}
            progress(report)

        with training_threads():
            run_result = pretrain(data, size, steps, seed=seed, on_step=on_step, should_stop=should_stop)
        return {"state": run_result.model.state_dict(), "stopped": bool(run_result.result.stopped_early)}

    return run


def train_in_queue(key: tuple, fn, slot) -> None:
    """Wait for the shared run, replaying it here; the session keeps its own model."""
    size = key[2]
    state = {
        "key": key,
        "model": None,
        "tokenizer": None,
        "checkpoints": [],
        "losses": [],
        "finished": False,
        "params": 0,
    }
    st.session_state["ch8_pt_run"] = state  # kept even if the learner presses Stop halfway
    bar = st.progress(0.0, text=t("ch8.pretrain.starting"))
    last_draw = [0.0, 0]

    def on_progress(report: dict) -> None:
        if report["kind"] == "prepared":
            state["tokenizer"] = report["tokenizer"]
            state["model"] = make_gpt(size, report["tokenizer"].vocab_size, seed=key[4])
            state["model"].eval().requires_grad_(False)
            state["params"] = state["model"].num_parameters()
            bar.progress(
                0.0,
                text=t("ch8.pretrain.prepared", tokens=f"{report['tokens']:,}", vocab=report["tokenizer"].vocab_size),
            )
            return
        state["losses"].append((report["step"], report["loss"]))
        if "checkpoint" in report:
            state["checkpoints"].append(report["checkpoint"])
            state["model"].load_state_dict(report["state"])
        bar.progress(
            report["step"] / report["total"],
            text=t("ch8.pretrain.progress", step=report["step"], total=report["total"], loss=f"{report['loss']:.3f}"),
        )
        if "checkpoint" in report or time.monotonic() - last_draw[0] > 1.5:
            last_draw[0] = time.monotonic()
            last_draw[1] += 1
            draw_pretraining(state, slot, key=f"ch8_pt_live_{last_draw[1]}")

    result = jobs.run_shared(key, fn, label="ch8.pretrain", on_progress=on_progress, cap_s=PRETRAIN_CAP_S)
    state["model"].load_state_dict(result["state"])
    state["finished"] = True
    bar.empty()


pretraining_section()

# --- 2. Instruction tuning -------------------------------------------------------------------


def tuning_controls(section: str, prefix: str, icon: str) -> tuple[int, bool]:
    """A tuning panel's steps slider (kept in the URL as ``{prefix}_steps``) and its run button."""
    cols = st.columns([2, 1, 3])
    key = f"ch8_{prefix}_steps"
    st.session_state.setdefault(key, int_query_param(f"{prefix}_steps", TUNE_STEPS[2], TUNE_STEPS[0], TUNE_STEPS[1]))
    steps = cols[0].slider(t(f"ch8.{section}.steps"), TUNE_STEPS[0], TUNE_STEPS[1], step=10, key=key,
                           help=t(f"ch8.{section}.steps_help"))
    set_query_param(f"{prefix}_steps", steps)
    cols[1].write("")
    clicked = cols[1].button(t(f"ch8.{section}.button"), key=f"ch8_{prefix}_run", type="primary", icon=icon)
    return steps, clicked


def tuning_loss_chart(section: str, prefix: str, losses: list) -> None:
    """The answer-only loss curve of a finished tuning run."""
    steps_done, values = zip(*losses, strict=True)
    labels = {"title": t(f"ch8.{section}.loss_title"), "x": t("ch8.axis.step"), "y": t("ch8.axis.answer_loss")}
    chart(figs.loss_figure({t(f"ch8.{section}.loss_name"): (steps_done, values)}, labels, height=300),
                    key=f"ch8_{prefix}_loss", **CHART)


@st.fragment
def instruction_section() -> None:
    st.header(t("ch8.instruct.header"))
    st.markdown(md("ch8/instruct"))
    _, held = split_pairs(data_lang)
    steps, clicked = tuning_controls("instruct", "it", ":material/school:")
    request = (data_lang, steps, current_seed())
    with guard():
        before = cached_answers_before(data_lang)
        if clicked:
            outcome = run_tuning_job(("ch8.instruct", *request), instruction_job(*request), "ch8.instruct")
            st.session_state["ch8_it_result"] = (request, outcome)
        after = None
        stored = st.session_state.get("ch8_it_result")
        if stored is not None and stored[0] == request:
            outcome = stored[1]
            after = outcome["after"]
            tuning_loss_chart("instruct", "it", outcome["losses"])
        rows = []
        for i, pair in enumerate(held):
            row = {
                t("ch8.instruct.col_question"): pair.question,
                t("ch8.instruct.col_expected"): pair.answer.strip(),
                t("ch8.instruct.col_before"): mark(before[i], pair.answer),
            }
            if after is not None:
                row[t("ch8.instruct.col_after")] = mark(after[i], pair.answer)
            rows.append(row)

        def tally(answers: list[str]) -> dict:
            return {
                "right": sum(lab.is_correct(a, p.answer) for a, p in zip(answers, held, strict=True)),
                "kind": sum(lab.is_right_kind(a, p, data_lang) for a, p in zip(answers, held, strict=True)),
                "total": len(held),
            }

        summary = t("ch8.instruct.score_before", **tally(before))
        if after is not None:
            summary = join_sentences(summary, t("ch8.instruct.score_after", **tally(after)))
        st.markdown(f"**{summary}**")
        st.dataframe(rows, hide_index=True, width="stretch")


def mark(answer: str, expected: str) -> str:
    shown = answer if answer else "∅"
    return ("✓ " if lab.is_correct(answer, expected) else "✗ ") + shown


instruction_section()

# --- 3. Fine-tuning for a task ---------------------------------------------------------------


@st.fragment
def finetune_section() -> None:
    st.header(t("ch8.finetune.header"))
    st.markdown(md("ch8/finetune"))
    steps, clicked = tuning_controls("finetune", "ft", ":material/tune:")
    st.caption(t("ch8.finetune.data", n=len(train_split)))
    request = (data_lang, steps, current_seed())
    with guard():
        if clicked:
            outcome = run_tuning_job(("ch8.finetune", *request), finetune_job(*request), "ch8.finetune")
            st.session_state["ch8_ft_result"] = (request, outcome)
            own = st.session_state.setdefault("ch8_own_methods", {}).setdefault(data_lang, {})
            own["gpt:finetuned_own"] = {"probs": outcome["probs"], "content_free": None, "no_calibration": True}
        stored = st.session_state.get("ch8_ft_result")
        if stored is not None and stored[0] == request:
            outcome = stored[1]
            tuning_loss_chart("finetune", "ft", outcome["losses"])
            evaluation = evaluate(gold, predictions(outcome["probs"]), LABELS)
            st.markdown(f"**{t('ch8.finetune.f1', f1=f'{evaluation.weighted_f1:.3f}', n=len(gold))}**")
        else:
            st.info(t("ch8.finetune.press"), icon=":material/tune:")


finetune_section()

# --- 4. Prompting ----------------------------------------------------------------------------


def example_label(index: int) -> str:
    text, label = train_split[index]
    short = text if len(text) <= 70 else text[:67] + "…"
    return f"#{index} [{t(f'corpora.labels.{label}')}] {short}"


@st.fragment
def prompting_section() -> None:
    st.header(t("ch8.prompt.header"))
    st.markdown(md("ch8/prompt"))
    models = [m for m in PROMPT_MODELS if m == "gpt" or smollm2_available()]
    cols = st.columns([2, 3])
    # SmolLM2 first when its measured results ship (instant); a live run of it takes minutes.
    shipped_llm = "smollm2:per_class" in results.get(data_lang, {}).get("methods", {})
    default_model = "smollm2" if "smollm2" in models and shipped_llm else "gpt"
    st.session_state.setdefault("ch8_pm", choice_query_param("pm", models, default_model))
    if st.session_state["ch8_pm"] not in models:
        st.session_state["ch8_pm"] = models[0]
    model_key = cols[0].radio(
        t("ch8.prompt.model"),
        models,
        format_func=lambda m: t(f"ch8.models.{m}"),
        key="ch8_pm",
        help=t("ch8.prompt.model_help"),
    )
    if "smollm2" not in models:
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
            from_url = parse_shots(query_param("shots"), len(train_split))
            default = lab.pick_examples(train_split, "few" if mode == "few" else "one", k=4)
            st.session_state["ch8_shots"] = from_url or default
        chosen = cols[1].multiselect(
            t("ch8.prompt.examples", limit=MAX_EXAMPLES),
            list(range(len(train_split))),
            key="ch8_shots",
            format_func=example_label,
            max_selections=MAX_EXAMPLES,
            help=t("ch8.prompt.examples_help"),
        )
        set_query_param("shots", ",".join(str(i) for i in chosen))
        if mode == "one" and len(chosen) > 1:
            st.caption(t("ch8.prompt.one_uses_first"))
    with guard():
        indices = lab.pick_examples(train_split, mode, k=4, chosen=chosen if mode in ("few", "one") else None)
        scorer = scorer_for(model_key, data_lang)
        parts = lab.build_prompt(data_lang, [train_split[i] for i in indices], chat=getattr(scorer, "chat", None))
        with st.expander(t("ch8.prompt.full_prompt", n=len(indices)), expanded=True):
            st.code(parts.full(test_split[0][0]) + "…", language=None, wrap_lines=True)
            st.caption(t("ch8.prompt.label_words", words=" / ".join(repr(w) for w in parts.label_words)))
        shots = tuple(indices) if mode in ("few", "one") else ()
        shipped = results.get(data_lang, {}).get("methods", {}).get(f"{model_key}:{mode}")
        own = st.session_state.setdefault("ch8_own_methods", {}).setdefault(data_lang, {})
        before = own.get(f"{model_key}:{mode}")
        if shipped is not None and list(shipped["examples"]) == list(indices):
            entry = shipped
            own.pop(f"{model_key}:{mode}", None)  # the story and the results show this panel's method
            st.caption(t("ch8.prompt.from_shipped"))
        else:
            with st.status(t("ch8.prompt.scoring", n=len(test_split)), expanded=False) as status:
                started = time.monotonic()
                entry = cached_prompt_probs(model_key, data_lang, mode, shots)
                status.update(
                    label=t("ch8.prompt.scored", n=len(test_split), seconds=f"{time.monotonic() - started:.1f}"),
                    state="complete",
                )
            own[f"{model_key}:{mode}"] = {
                "probs": entry["probs"],
                "content_free": entry["content_free"],
                "examples": entry["examples"],
            }
        if (before or {}).get("examples") != (own.get(f"{model_key}:{mode}") or {}).get("examples"):
            # The story chart at the top was drawn with the method this panel no longer
            # shows: draw the page again, so it (and a link's cold first view) agrees.
            st.rerun()
        probs = apply_calibration(entry, calibrated)
        evaluation = evaluate(gold, predictions(probs), LABELS)
        left, right = st.columns([2, 3])
        with left:
            title = t(
                "ch8.prompt.confusion_title",
                method=method_label(f"{model_key}:{mode}"),
                f1=f"{evaluation.weighted_f1:.3f}",
            )
            chart(
                figs.confusion_figure(evaluation.confusion, label_names(), confusion_labels(title)),
                key="ch8_prompt_confusion",
                **CHART,
            )
        with right:
            st.markdown(f"**{t('ch8.results.report')}**")
            st.dataframe(report_table(evaluation), hide_index=True, width="stretch")
            cf = np.asarray(entry["content_free"], dtype=float)
            st.caption(t("ch8.prompt.bias", **{label: f"{100 * p:.0f}" for label, p in zip(LABELS, cf, strict=True)}))


prompting_section()

# --- 5. Results side by side -----------------------------------------------------------------


@st.fragment
def results_section() -> None:
    st.header(t("ch8.results.header"))
    st.markdown(md("ch8/results"))
    methods = all_methods(data_lang, results)
    if not methods:
        st.info(t("ch8.story.missing"))
        return
    keys = list(methods)
    evaluations = {}
    for key in keys:
        use_cal = calibrated and method_kind(key) != "finetune"
        evaluations[key] = evaluate(gold, predictions(apply_calibration(methods[key], use_cal)), LABELS)
    st.dataframe(
        [
            {
                t("ch8.results.col_method"): method_label(k),
                t("ch8.results.col_wf1"): round(e.weighted_f1, 3),
                t("ch8.results.col_accuracy"): round(e.accuracy, 3),
            }
            for k, e in evaluations.items()
        ],
        hide_index=True,
        width="stretch",
    )
    per_row = 4
    for start in range(0, len(keys), per_row):
        row = st.columns(per_row)
        for column, key in zip(row, keys[start : start + per_row], strict=False):
            with column:
                e = evaluations[key]
                title = t("ch8.results.small_title", method=method_label(key), f1=f"{e.weighted_f1:.2f}")
                chart(
                    figs.confusion_figure(e.confusion, label_names(), confusion_labels(title), height=300),
                    key=f"ch8_cm_{key}",
                    **CHART,
                )
                with st.expander(t("ch8.results.report")):
                    st.code(e.report_text, language=None)
    st.subheader(t("ch8.drill.header"))
    st.session_state.setdefault("ch8_sent", int_query_param("sent", 0, 0, len(test_split) - 1))
    index = st.number_input(
        t("ch8.drill.index", n=len(test_split)),
        0,
        len(test_split) - 1,
        step=1,
        key="ch8_sent",
        help=t("ch8.drill.help"),
    )
    set_query_param("sent", index)
    text, label = test_split[index]
    st.markdown(t("ch8.drill.sentence", text=plain(text), label=t(f"corpora.labels.{label}")))
    rows = [apply_calibration(methods[k], calibrated and method_kind(k) != "finetune")[index].tolist() for k in keys]
    names = {k: method_label(k) for k in keys}
    surest = ask("ch8.surest", keys, lambda: quiz.surest_method(dict(zip(keys, rows, strict=True)), LABELS.index(label)),
                 bar_reveal("ch8.surest", labels=names), labels=names, facts=lambda a: {"method": names[a.facts["method"]]},
                 params={"n": index, "label": t(f"corpora.labels.{label}")}, context=(data_lang, calibrated, index, tuple(keys)))
    fig = figs.sentence_probs_figure(
        [method_label(k) for k in keys],
        rows,
        label_names(),
        LABELS.index(label),
        {"title": t("ch8.drill.title", n=index), "x": t("ch8.drill.x")},
        height=120 + 38 * len(keys),
    )
    chart(fig, key="ch8_drill", **CHART)
    surest.end()


results_section()

# --- 6. Scaling ------------------------------------------------------------------------------


def scaling_section() -> None:
    st.header(t("ch8.scaling.header"))
    st.markdown(md("ch8/scaling"))
    scaling = results.get("scaling")
    if not scaling:
        st.info(t("ch8.story.missing"))
        return
    runs = [
        {"name": t("ch8.scaling.run_name", size=r["size"], params=f"{r['parameters']:,}"), "points": r["points"]}
        for r in scaling["runs"]
    ]
    left, right = st.columns(2)
    fit_c, fit_n = scaling["fit_compute"], scaling["fit_parameters"]
    with left:
        chart(
            figs.scaling_compute_figure(
                runs,
                scaling["frontier"],
                fit_c,
                {
                    "title": t("ch8.scaling.compute_title", b=f"{fit_c['b']:.3f}"),
                    "x": t("ch8.scaling.compute_x"),
                    "y": t("ch8.scaling.loss_y"),
                    "fit": t("ch8.scaling.fit", a=f"{fit_c['a']:.3g}", e=f"{-fit_c['b']:.3f}"),
                },
            ),
            key="ch8_scaling_compute",
            **CHART,
        )
    with right:
        chart(
            figs.scaling_params_figure(
                [r["parameters"] for r in scaling["runs"]],
                [r["points"][-1][1] for r in scaling["runs"]],
                [r["size"] for r in scaling["runs"]],
                fit_n,
                {
                    "title": t("ch8.scaling.params_title", b=f"{fit_n['b']:.3f}"),
                    "x": t("ch8.scaling.params_x"),
                    "y": t("ch8.scaling.loss_y"),
                    "points": t("ch8.scaling.points"),
                    "fit": t("ch8.scaling.fit", a=f"{fit_n['a']:.3g}", e=f"{-fit_n['b']:.3f}"),
                },
            ),
            key="ch8_scaling_params",
            **CHART,
        )
    st.caption(
        join_sentences(
            t("ch8.scaling.caption", budget=f"{scaling['budget_flops']:.2e}", b=f"{fit_c['b']:.3f}", bn=f"{fit_n['b']:.3f}"),
            t("ch8.scaling.size_note_neg" if fit_n["b"] < 0 else "ch8.scaling.size_note_pos"),
        )
    )


with guard():
    scaling_section()

st.divider()
st.markdown(md("ch8/takeaways"))

# --------------------------------------------------------------------------- training at scale (issue 26)
from ui.chapters.ch8 import scale  # noqa: E402

st.divider()
scale.section(lang)
