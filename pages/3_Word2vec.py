"""Chapter 3: word2vec trained live, its vectors projected, questioned and exported, and
the limit of one static vector per word shown next to MiniLM's contextual vectors."""

import hashlib
import time

import streamlit as st

from ui.common import (
    chart,
    choice_query_param,
    current_seed,
    guard,
    int_query_param,
    intro,
    main_chart,
    md,
    plain,
    projector_on,
    query_param,
    reset_button,
    seed_widget,
    set_query_param,
    set_text_query_param,
    setup_page,
    t,
    text_query_param,
)

lang = setup_page("ch3")

import numpy as np  # noqa: E402

from lm_core.analysis import quiz  # noqa: E402
from lm_core.core.device import pick_device, training_threads  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.text import clean_text, decode_upload  # noqa: E402
from lm_core.data.curriculum import BANK_SENTENCES, WORD_EXAMPLES  # noqa: E402
from lm_core.embeddings import projection as proj  # noqa: E402
from lm_core.embeddings import word2vec as w2v  # noqa: E402
from lm_core.embeddings.vectors import WordVectors, cosine  # noqa: E402
from ui import jobs  # noqa: E402
from ui.predict import ask, bar_reveal  # noqa: E402
from ui.shared import shared_chart, shared_figure  # noqa: E402
from viz import embeddings as fig  # noqa: E402

CORPORA = ("toy_en", "toy_zh", "upload")
METHODS = proj.METHODS
TRAIN_BUDGET_S = 60.0  # a run stops (keeping what it learned) after this long
LIVE_CHART_EVERY = 20  # progress reports between two redraws of the live loss curve
EXAMPLES = WORD_EXAMPLES  # words the lesson talks about, per language: defaults of the boxes below
EXAMPLES_BY_CORPUS = {"toy_en": "en", "toy_zh": "zh"}


# ---------------------------------------------------------------------------------------
# Cached loaders (shared, read-only) and pure computations
# ---------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _umap_warmup() -> bool:
    """Start compiling UMAP in the background the first time any session opens the page."""
    proj.start_umap_warmup()
    return True


@st.cache_resource(show_spinner=False, max_entries=2)
def toy_corpus(name: str) -> w2v.TrainingCorpus:
    return w2v.load_toy_corpus(name)


@st.cache_resource(show_spinner=False, max_entries=2)
def shipped_model(name: str) -> w2v.Word2VecModel:
    """The checkpoint trained by scripts/train_word2vec.py, shared read-only by every session."""
    return w2v.Word2VecModel.from_checkpoint(name, toy_corpus(name).word_groups)


@st.cache_data(show_spinner=False, max_entries=32)
def projected(vectors: np.ndarray, method: str, dims: int, seed: int) -> np.ndarray:
    return proj.project(vectors, method, dims, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def replay_frames(snapshots: list[np.ndarray]) -> list[np.ndarray]:
    return proj.align_snapshots(snapshots, 2)


@st.cache_data(show_spinner=False, max_entries=32)
def contextual_vector(sentence: str, word: str) -> np.ndarray:
    from lm_core.models.minilm import contextual_word_vectors

    return contextual_word_vectors(sentence, word)


@st.cache_data(show_spinner=False, max_entries=8)
def projector_files(model_id: str, _wv: WordVectors) -> tuple[str, str]:
    """The two TSV files, built once per model (``model_id`` names the vectors)."""
    return _wv.to_projector_tsv()


def example_words(corpus_name: str, wv: WordVectors) -> dict:
    """Default words of the boxes: the lesson's for the toy world, frequent words of an upload."""
    if corpus_name in EXAMPLES_BY_CORPUS:
        return EXAMPLES[EXAMPLES_BY_CORPUS[corpus_name]]
    # An upload: skip the very frequent little words, prefer longer ones.
    long_enough = [w for w in wv.words[5:] if len(w) >= (2 if w2v.has_cjk(w) else 4)] or wv.words
    picks = (long_enough * 3)[:8]
    return dict(word=picks[0], analogy=tuple(picks[:3]), heatmap=", ".join(dict.fromkeys(picks)), pairs=())


def lesson_words(examples: dict) -> list[str]:
    """The words the lesson talks about (labelled first on the maps)."""
    words = [examples["word"], *examples["analogy"], *(w for pair in examples["pairs"] for w in pair)]
    words += [w.strip() for w in examples["heatmap"].split(",")]
    return list(dict.fromkeys(w for w in words if w))


def parse_words(text: str) -> list[str]:
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")]
    words = list(dict.fromkeys(p for p in parts if p))
    if not words:
        raise InputError("errors.word.none_given")
    return words


def training_job(corpus: w2v.TrainingCorpus, config: w2v.Word2VecConfig):
    """The training run as a job of the shared queue (it reads the corpus, never changes it)."""

    def run(report, should_stop) -> w2v.TrainResult:
        def on_progress(p: w2v.TrainProgress) -> None:
            report({"step": p.step, "total_steps": p.total_steps, "loss": p.loss, "epoch": p.epoch,
                    "words_done": p.words_done})

        with training_threads():
            return w2v.train_word2vec(
                corpus.sentences, config, callback=on_progress, report_every=10,
                snapshots_per_epoch=max(1, 40 // config.epochs), snapshot_words=400,
                extra_snapshot_steps=w2v.EARLY_SNAPSHOTS, should_stop=should_stop, device=pick_device(),
            )

    return run


def session_model(job: jobs.Job, corpus_name: str, corpus: w2v.TrainingCorpus, config: w2v.Word2VecConfig) -> None:
    """Wait for the shared run (replaying its progress here), then keep this session's own copy."""
    progress_bar = st.progress(0.0, text=t("ch3.train.starting"))
    loss_slot = st.empty()
    live_steps: list[int] = []
    live_losses: list[float] = []
    last_bar, last_draw = [0.0], [0.0]

    def on_progress(p: dict) -> None:
        live_steps.append(p["step"])
        live_losses.append(p["loss"])
        now = time.monotonic()
        if now - last_bar[0] > 0.25:  # a replay of a finished run sends a few updates, not hundreds
            last_bar[0] = now
            share = min(1.0, p["step"] / max(p["total_steps"], 1))
            progress_bar.progress(share, text=t("ch3.train.progress", epoch=p["epoch"] + 1, epochs=config.epochs,
                                                loss=f"{p['loss']:.3f}", words=f"{p['words_done']:,}"))
        # The live loss curve: every LIVE_CHART_EVERY-th report, at most twice a second, and built once per
        # server for all the sessions sharing this run (60 sessions each building it 2.5 times a second
        # starved the training itself).
        if len(live_steps) % LIVE_CHART_EVERY == 1 and now - last_draw[0] > 0.5:
            last_draw[0] = now
            steps, losses = list(live_steps), list(live_losses)
            curve = shared_figure(("ch3.live", job.key, lang, len(steps)), lambda: fig.loss_curve(
                steps, losses, title=t("ch3.train.loss_title"), x_title=t("ch3.train.step"), y_title=t("ch3.train.loss"),
                total_steps=p["total_steps"]))
            shared_chart(curve, key=f"w2v_live_{len(steps)}", where=loss_slot)

    result: w2v.TrainResult = jobs.wait_in_page(job, on_progress=on_progress)  # this session's deep copy
    progress_bar.progress(1.0, text=t("ch3.train.done", seconds=f"{result.seconds:.1f}",
                                      speed=f"{result.words_per_second:,.0f}"))
    if result.stopped:
        st.warning(t("ch3.train.stopped", seconds=int(TRAIN_BUDGET_S)), icon=":material/timer:")
    # Named after the request: sessions that shared one run share the cached views of it too.
    model_id = f"{corpus_name}-{hashlib.sha256(repr(job.key).encode('utf-8')).hexdigest()[:16]}"
    st.session_state["w2v_model"] = w2v.Word2VecModel.from_result(result, corpus_name, model_id, corpus.word_groups)
    loss_slot.empty()


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------

_umap_warmup()
st.title(t("ch3.title"))
intro("ch3/intro")

# --- 1. Corpus and training -----------------------------------------------------------------
# The projector layout shows the map first and folds the training controls below it.
if projector_on():
    map_area = main_chart()
    train_area = st.expander(t("ch3.train.header"), icon=":material/model_training:")
else:
    train_area = st.container()
    map_area = main_chart()
with train_area:
    if not projector_on():
        st.header(t("ch3.train.header"))
    controls, results = st.columns([2, 3], gap="large")
# Every control starts from the URL (a shared link opens the same view) and writes back.
SETTINGS = {  # URL parameter -> (widget key, low, high, default)
    "dim": ("w2v_dim", 2, 200, w2v.TOY_CONFIG.dim),
    "window": ("w2v_window", 1, 10, w2v.TOY_CONFIG.window),
    "negative": ("w2v_negative", 1, 20, w2v.TOY_CONFIG.negative),
    "epochs": ("w2v_epochs", 1, 50, w2v.TOY_CONFIG.epochs),
    "min_count": ("w2v_min_count", 1, 20, w2v.TOY_CONFIG.min_count),
}
for param, (key, low, high, default) in SETTINGS.items():
    seed_widget(key, int_query_param(param, default, low, high))
seed_widget("w2v_corpus", choice_query_param("corpus", CORPORA, "toy_en" if lang == "en" else "toy_zh"))
seed_widget("w2v_arch", choice_query_param("arch", ("sg", "cbow"), "sg"))
with controls:
    corpus_name = st.radio(
        t("ch3.train.corpus"), CORPORA,
        format_func={c: t(f"ch3.corpus.{c}") for c in CORPORA}.__getitem__, horizontal=True, key="w2v_corpus",
    )
    set_query_param("corpus", corpus_name)
    upload = None
    if corpus_name == "upload":
        upload = st.file_uploader(t("ch3.train.upload"), type=["txt"], key="w2v_upload", help=t("ch3.train.upload_help"))
    architecture = st.radio(t("ch3.train.architecture"), ("sg", "cbow"), format_func={a: t(f"ch3.train.arch_{a}") for a in ("sg", "cbow")}.__getitem__,
                            horizontal=True, key="w2v_arch")
    col_a, col_b = st.columns(2)
    with col_a:
        dim = st.slider(t("ch3.train.dim"), 2, 200, step=1, key="w2v_dim", help=t("ch3.train.dim_help"))
        window = st.slider(t("ch3.train.window"), 1, 10, key="w2v_window", help=t("ch3.train.window_help"))
        negative = st.slider(t("ch3.train.negative"), 1, 20, key="w2v_negative",
                             help=t("ch3.train.negative_help"))
    with col_b:
        epochs = st.slider(t("ch3.train.epochs"), 1, 50, key="w2v_epochs", help=t("ch3.train.epochs_help"))
        min_count = st.slider(t("ch3.train.min_count"), 1, 20, key="w2v_min_count",
                              help=t("ch3.train.min_count_help"))
    for param, (key, *_unused) in SETTINGS.items():
        set_query_param(param, st.session_state[key])
    set_query_param("arch", architecture)
    train_clicked = st.button(t("ch3.train.button"), type="primary", icon=":material/model_training:", key="w2v_train")

with results:
    if train_clicked:
        with guard():
            if corpus_name == "upload":
                if upload is None:
                    raise InputError("errors.file.none_uploaded")
                upload_text = decode_upload(upload.getvalue())
                corpus = w2v.corpus_from_upload(upload_text)
                corpus_key = ("upload", hashlib.sha256(upload_text.encode("utf-8")).hexdigest())
            else:
                corpus = toy_corpus(corpus_name)
                corpus_key = (corpus_name,)
            config = w2v.Word2VecConfig(dim=dim, window=window, negative=negative, epochs=epochs,
                                        min_count=min_count, sg=architecture == "sg", seed=current_seed())
            # Identical requests (same corpus, settings, seed) share one run on the server's queue.
            st.session_state["w2v_job"] = (jobs.submit(("ch3.word2vec", corpus_key, config), training_job(corpus, config),
                                                       label="ch3.word2vec", cap_s=TRAIN_BUDGET_S),
                                           corpus_name, corpus, config)
    pending = st.session_state.get("w2v_job")
    if pending is not None:
        # Kept in the session, so a rerun while waiting (a slider moved) keeps waiting.
        with guard():
            try:
                session_model(*pending)
            except Exception:  # failed (the message shows): wait no more; a rerun keeps waiting
                st.session_state.pop("w2v_job", None)
                raise
            st.session_state.pop("w2v_job", None)

model = st.session_state.get("w2v_model")
if model is not None and model.corpus != corpus_name:
    model = None
if model is None and corpus_name != "upload":
    with guard():
        model = shipped_model(corpus_name)

with results:
    if model is None and corpus_name == "upload":
        st.info(t("ch3.train.upload_first"), icon=":material/upload_file:")
    elif model is None:
        pass  # the shipped vectors could not be read: the message above says why
    else:
        cfg = model.config
        source = t("ch3.train.source_shipped") if model.shipped else t("ch3.train.source_session")
        st.caption(t("ch3.train.model_info", source=source, words=len(model.vectors), dim=cfg["dim"], window=cfg["window"],
                     negative=cfg["negative"], epochs=cfg["epochs"], arch=t(f"ch3.train.arch_{'sg' if cfg['sg'] else 'cbow'}")))
        if model.losses:
            steps, losses = zip(*model.losses, strict=True)
            chart(fig.loss_curve(steps, losses, title=t("ch3.train.loss_title"), x_title=t("ch3.train.step"),
                                           y_title=t("ch3.train.loss")), width="stretch", key="w2v_loss")

if model is None:
    st.stop()

wv: WordVectors = model.vectors
if st.session_state.get("w2v_model_seen") != model.id:
    # Other vectors, maybe another vocabulary: the word boxes go back to their examples.
    for stale in ("w2v_word", "w2v_a", "w2v_b", "w2v_c", "w2v_heat_words", "w2v_focus", "w2v_picked"):
        st.session_state.pop(stale, None)
    st.session_state["w2v_model_seen"] = model.id
examples = example_words(corpus_name, wv)
group_names = {g: t(f"ch3.groups.{g}") if t(f"ch3.groups.{g}") != f"ch3.groups.{g}" else g for g in set(wv.groups.values())}

# --- 2. The map -----------------------------------------------------------------------------
with map_area:
    st.header(t("ch3.map.header"))
    intro("ch3/map", "common.read_more")
    seed_widget("w2v_method", choice_query_param("method", METHODS, "tsne"))
    seed_widget("w2v_dims", int_query_param("dims", 2, 2, 3))
    c1, c2, c3, c4 = st.columns([2, 1, 2, 2])
    with c1:
        method = st.radio(t("ch3.map.method"), METHODS,
                          format_func={m: t(f"ch3.map.method_{m}") for m in METHODS}.__getitem__, horizontal=True, key="w2v_method")
        set_query_param("method", method)
    with c2:
        dims = st.radio(t("ch3.map.dims"), (2, 3), format_func=lambda d: f"{d}D",
                        horizontal=True, key="w2v_dims")
        set_query_param("dims", dims)
    with c3:
        has_groups = any(w in wv.groups for w in wv.words)
        seed_widget("w2v_grouped", has_groups and query_param("grouped", "1") != "0")
        grouped_only = st.toggle(t("ch3.map.grouped_only"), disabled=not has_groups, key="w2v_grouped")
        set_query_param("grouped", int(grouped_only))
    with c4:
        if len(wv) > 10:
            top_high = min(400, len(wv))
            seed_widget("w2v_top_n", int_query_param("top", min(120, len(wv)), 10, top_high))
            st.session_state["w2v_top_n"] = min(max(10, int(st.session_state["w2v_top_n"])), top_high)
            top_n = st.slider(t("ch3.map.top_n"), 10, top_high, key="w2v_top_n", disabled=grouped_only and has_groups)
            set_query_param("top", top_n)
        else:  # a tiny vocabulary: show every word
            top_n = len(wv)
    shown = [w for w in wv.words if w in wv.groups] if grouped_only and has_groups else wv.words[:top_n]
    focus = st.session_state.get("w2v_focus", examples["word"])

    with guard():
        if method == "umap" and not proj.umap_is_warm():
            with st.status(t("ch3.map.umap_preparing"), expanded=False) as status:
                coords = projected(wv.subset(shown).vectors, method, dims, current_seed())
                status.update(label=t("ch3.map.umap_ready"), state="complete")
        else:
            with st.spinner(t("ch3.map.computing")):
                coords = projected(wv.subset(shown).vectors, method, dims, current_seed())
        axis = [t("ch3.map.axis", n=k + 1) for k in range(dims)]
        highlight = [focus] if focus in shown else []
        scatter = shared_figure(  # built once per server for this view, not once per student
            ("ch3.map", model.id, method, dims, current_seed(), tuple(shown), lang, tuple(highlight)),
            lambda: fig.embedding_scatter(coords, shown, wv.groups, title=t("ch3.map.title", method=t(f"ch3.map.method_{method}"), n=len(shown)),
                                          axis_titles=axis, group_names=group_names, other_name=t("ch3.groups.other"),
                                          highlight=highlight, labelled=lesson_words(examples)))
        event = shared_chart(scatter, key="w2v_map", on_select="rerun", selection_mode="points")
        points = (event or {}).get("selection", {}).get("points", []) if dims == 2 else []
        if points and points[0].get("customdata"):
            picked = points[0]["customdata"]
            picked = picked[0] if isinstance(picked, list) else picked
            if picked in wv and st.session_state.get("w2v_picked") != picked:
                st.session_state["w2v_picked"] = picked
                st.session_state["w2v_word"] = picked
        st.caption(t(f"ch3.map.caption_{method}"))

# --- 3. Replay --------------------------------------------------------------------------------
st.header(t("ch3.replay.header"))
st.markdown(md("ch3/replay"))
with guard():
    snap_words = model.snapshot_words
    keep = [i for i, w in enumerate(snap_words) if w in set(shown)] or list(range(min(len(snap_words), 120)))
    replay = shared_figure(  # 27 animation frames: built once per server, model, words and language
        ("ch3.replay", model.id, tuple(keep), lang),
        lambda: fig.replay_animation(
            replay_frames([s[keep] for s in model.snapshots]), model.snapshot_steps, [snap_words[i] for i in keep], wv.groups,
            title=t("ch3.replay.title", n=len(model.snapshots)), axis_titles=[t("ch3.map.axis", n=1), t("ch3.map.axis", n=2)],
            step_label=t("ch3.replay.step"), play_label=t("ch3.replay.play"), pause_label=t("ch3.replay.pause"),
            group_names=group_names, other_name=t("ch3.groups.other"), labelled=lesson_words(examples),
        ))
    shared_chart(replay, key="w2v_replay")

# --- 4. Ask the vectors ------------------------------------------------------------------------


@st.fragment
def ask_the_vectors(wv: WordVectors, examples: dict) -> None:
    """A fragment: typing a word redraws these charts only, not the maps above."""
    st.header(t("ch3.ask.header"))
    asked = st.session_state.get("w2v_word", examples["word"]).strip()
    nearest = ask("ch3.nearest", lambda: quiz.nearest_candidates(wv, asked), lambda: quiz.nearest_word(wv, asked, quiz.nearest_candidates(wv, asked)),
                  bar_reveal("ch3.nearest"), params={"word": asked[:60]}, context=(asked, len(wv), wv.dim, float(wv.vectors[0, 0])))
    tab_nb, tab_an, tab_sim = st.tabs([t("ch3.ask.tab_neighbours"), t("ch3.ask.tab_analogy"), t("ch3.ask.tab_similarity")])
    example_word = examples["word"] if examples["word"] in wv else wv.words[0]
    a_default, b_default, c_default = examples["analogy"]
    boxes = {  # URL parameter -> (widget key, the example's value, longest accepted)
        "word": ("w2v_word", example_word, 60), "a": ("w2v_a", a_default, 60), "b": ("w2v_b", b_default, 60),
        "c": ("w2v_c", c_default, 60), "words": ("w2v_heat_words", examples["heatmap"], 400),
    }
    for param, (key, example, _) in boxes.items():
        seed_widget(key, text_query_param(param, example))
    seed_widget("w2v_k", int_query_param("k", 10, 3, 20))
    reset_button([key for key, _, _ in boxes.values()] + ["w2v_k"], [*boxes, "k"])
    with tab_nb:
        word = st.text_input(t("ch3.ask.word"), key="w2v_word", help=t("ch3.ask.word_help"))
        k = st.slider(t("ch3.ask.k"), 3, 20, key="w2v_k")
        set_query_param("k", k)
        for param, (key, example, _) in boxes.items():
            set_text_query_param(param, st.session_state[key], example)
        with guard():
            word = clean_text(word, max_chars=boxes["word"][2], require_words=False)
            neighbours = wv.neighbours(word, k)
            st.session_state["w2v_focus"] = word.strip().lower()
            chart(fig.score_bars(neighbours, title=t("ch3.ask.neighbours_title", word=word.strip()), x_title=t("ch3.ask.cosine")),
                            width="stretch", key="w2v_neighbours")
    with tab_an:
        st.markdown(md("ch3/analogy"))
        ca, cb, cc = st.columns(3)
        a = ca.text_input(t("ch3.ask.a"), key="w2v_a")
        b = cb.text_input(t("ch3.ask.b"), key="w2v_b")
        c = cc.text_input(t("ch3.ask.c"), key="w2v_c")
        with guard():
            a, b, c = (clean_text(x, max_chars=boxes["a"][2], require_words=False) for x in (a, b, c))
            answers = wv.analogy(a, b, c, k=5)
            st.markdown(t("ch3.ask.analogy_answer", a=plain(a), b=plain(b), c=plain(c), best=plain(answers[0][0]),
                          score=f"{answers[0][1]:.3f}"))
            chart(fig.score_bars(answers, title=t("ch3.ask.analogy_title"), x_title=t("ch3.ask.cosine"), colour="#009E73"),
                            width="stretch", key="w2v_analogy")
    with tab_sim:
        words_text = st.text_input(t("ch3.ask.heatmap_words"), key="w2v_heat_words")
        with guard():
            words = parse_words(clean_text(words_text, max_chars=boxes["words"][2], require_words=False))[:20]
            matrix = wv.similarity_matrix(words)
            chart(fig.similarity_heatmap(matrix, [w.lower() for w in words], title=t("ch3.ask.heatmap_title"),
                                                   value_name=t("ch3.ask.cosine")), width="stretch", key="w2v_heatmap")
    nearest.end()


ask_the_vectors(wv, examples)

# --- 5. The curriculum's examples --------------------------------------------------------------
st.header(t("ch3.examples.header"))
st.markdown(md("ch3/examples"))
pairs = examples["pairs"] or EXAMPLES["en"]["pairs"]
metric_cols = st.columns(len(pairs))
for column, (x, y) in zip(metric_cols, pairs, strict=True):
    with column:
        if x in wv and y in wv:
            st.metric(t("ch3.examples.pair", a=x, b=y), f"{wv.similarity(x, y):.2f}")
        else:
            st.metric(t("ch3.examples.pair", a=x, b=y), "—", help=t("ch3.examples.missing"))

# --- 6. The limit: one vector per word -----------------------------------------------------------


@st.fragment
def one_vector_per_word(wv: WordVectors) -> None:
    """A fragment: editing the sentences reruns MiniLM and this chart only."""
    st.header(t("ch3.bank.header"))
    st.markdown(md("ch3/bank"))
    bank_boxes = {"s1": ("w2v_bank_s1", BANK_SENTENCES[0]), "s2": ("w2v_bank_s2", BANK_SENTENCES[1]),
                  "bank": ("w2v_bank_word", "bank")}
    for param, (key, example) in bank_boxes.items():
        seed_widget(key, text_query_param(param, example))
    s1 = st.text_input(t("ch3.bank.sentence_river"), key="w2v_bank_s1")
    s2 = st.text_input(t("ch3.bank.sentence_money"), key="w2v_bank_s2")
    bank_word = st.text_input(t("ch3.bank.word"), key="w2v_bank_word")
    for param, (_, example), value in zip(bank_boxes, bank_boxes.values(), (s1, s2, bank_word), strict=True):
        set_text_query_param(param, value, example)
    contextual_pair = lambda: [contextual_vector(clean_text(x, max_chars=300), bank_word) for x in (s1, s2)]  # noqa: E731
    bank = ask("ch3.bank", quiz.COSINE_BUCKETS, lambda: quiz.cosine_bucket(quiz.cosine(*contextual_pair())),
               params={"word": bank_word.strip()}, context=(s1, s2, bank_word))
    with guard():
        s1c, s2c = clean_text(s1, max_chars=300), clean_text(s2, max_chars=300)
        bank_word = clean_text(bank_word, max_chars=40)
        with st.spinner(t("ch3.bank.loading")):
            v1, v2 = contextual_vector(s1c, bank_word), contextual_vector(s2c, bank_word)
        contextual = cosine(v1, v2)
        in_vocabulary = bank_word.lower() in wv
        # One static vector per word: its similarity with itself is 1 (drawn only when
        # the word has a vector here at all).
        labels = ([t("ch3.bank.static_label")] if in_vocabulary else []) + [t("ch3.bank.contextual_label")]
        values = ([1.0] if in_vocabulary else []) + [contextual]
        chart(fig.context_comparison(labels, values, title=t("ch3.bank.title", word=bank_word),
                                     x_title=t("ch3.ask.cosine")), width="stretch", key="w2v_bank")
        if in_vocabulary:
            st.caption(t("ch3.bank.static_in_vocab", word=plain(bank_word),
                         neighbours=plain(", ".join(w for w, _ in wv.neighbours(bank_word, 5)))))
        else:
            st.caption(t("ch3.bank.static_not_in_vocab", word=plain(bank_word)))
        st.markdown(t("ch3.bank.result", value=f"{contextual:.3f}"))
    bank.end()


one_vector_per_word(wv)

# --- 7. Export ------------------------------------------------------------------------------------
st.header(t("ch3.export.header"))
st.markdown(md("ch3/export"))
vectors_tsv, metadata_tsv = projector_files(model.id, wv)
e1, e2 = st.columns(2)
e1.download_button(t("ch3.export.vectors"), vectors_tsv, file_name=f"w2v_{corpus_name}_vectors.tsv", mime="text/tab-separated-values",
                   icon=":material/download:", key="w2v_dl_vectors", on_click="ignore")
e2.download_button(t("ch3.export.metadata"), metadata_tsv, file_name=f"w2v_{corpus_name}_metadata.tsv",
                   mime="text/tab-separated-values", icon=":material/download:", key="w2v_dl_meta", on_click="ignore")
