"""Every page runs without an exception, in both languages (streamlit AppTest)."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.apptest_helpers import open_page
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
TIMEOUT = 240  # a cold page loads MiniLM or a checkpoint on two shared cores


def run_page(path: Path, lang: str = "en") -> AppTest:
    """Run ``path`` the way the server does: app.py is the entry point, the page is switched to."""
    return open_page(path.relative_to(ROOT), lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_runs_without_exception(path, lang):
    app = run_page(path, lang)
    assert not app.exception, [e.value for e in app.exception]
    # The page drew something beyond the sidebar: a title and real content.
    assert app.title, f"{path.name} shows no title"
    # Nothing fell back to a raw i18n key.
    texts = [element.value for element in app.markdown] + [element.value for element in app.title]
    raw_keys = [text for text in texts if isinstance(text, str) and text.startswith(("ch", "home.", "common.")) and " " not in text and "." in text]
    assert not raw_keys, raw_keys
    # Every chart downloads under a name of its own, in Chinese too (a slug keeps only Latin
    # letters: two Chinese titles once gave one name, and a teacher's second PNG replaced the first).
    names = [json.loads(chart.proto.config).get("toImageButtonOptions", {}).get("filename") for chart in app.get("plotly_chart")]
    assert all(names) and len(set(names)) == len(names), names


def test_home_page_draws_the_journey_in_both_languages():
    english = run_page(ROOT / "app.py", "en")
    chinese = run_page(ROOT / "app.py", "zh")
    spec_en = json.loads(english.get("plotly_chart")[0].proto.spec)
    spec_zh = json.loads(chinese.get("plotly_chart")[0].proto.spec)
    labels_en = [a["text"] for a in spec_en["layout"]["annotations"]]
    labels_zh = [a["text"] for a in spec_zh["layout"]["annotations"]]
    assert len(labels_en) == len(labels_zh) == 9
    assert any("Bag-of-words" in label for label in labels_en)
    assert any("词袋模型" in label for label in labels_zh)
    assert english.title[0].value == i18n.translate("home.title", "en")
    assert chinese.title[0].value == i18n.translate("home.title", "zh")


def test_every_page_keeps_the_files_its_clicks_build(monkeypatch):
    """The page's set-up has ``ui.downloads`` keep a clicked download's file on the server
    until the browser has fetched it (tests/unit/test_downloads.py: without it, two runs of any
    session ending delete it)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    from ui import downloads

    given = []
    real = downloads.keep_clicked_files
    monkeypatch.setattr(downloads, "keep_clicked_files", lambda manager: given.append(manager) or real(manager))
    app = run_page(ROOT / "pages" / "1_Tokenization.py")
    assert not app.exception
    assert given and all(isinstance(manager, MediaFileManager) for manager in given)


def test_language_switch_updates_page_and_url():
    app = run_page(ROOT / "app.py", "en")
    app.sidebar.radio(key="_lang_choice").set_value("zh").run()
    assert not app.exception
    assert app.title[0].value == i18n.translate("home.title", "zh")
    assert app.query_params["lang"] == ["zh"] or app.query_params["lang"] == "zh"


def test_seed_comes_from_the_url_and_goes_back_into_it():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params["seed"] = "123"
    app.run()
    assert app.sidebar.number_input(key="_seed_choice").value == 123
    app.sidebar.number_input(key="_seed_choice").set_value(7).run()
    assert app.session_state["_seed"] == 7
    seed = app.query_params["seed"]
    assert seed in ("7", ["7"])


def test_bad_url_values_fall_back_quietly():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params["lang"] = "<script>alert(1)</script>"
    app.query_params["seed"] = "-5; DROP TABLE"
    app.run()
    assert not app.exception
    assert app.session_state["_lang"] == "en"
    assert app.session_state["_seed"] == 42
