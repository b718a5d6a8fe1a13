"""Chapter 5's "switch this head off" (AppTest): the link opens the head switched off, the
before/after chart and the head-importance map; both languages; learner text stays text."""

from __future__ import annotations

import base64

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from ui import i18n

PAGE = "pages/5_Self_attention.py"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return apptest_helpers.open_page(PAGE, lang, **params)


def array(value) -> np.ndarray:  # noqa: ANN001
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return data.reshape([int(n) for n in str(value["shape"]).split(",")]) if value.get("shape") else data
    return np.asarray(value, dtype=float)


def title_of(lang: str, key: str, **params: object) -> str:
    """The start of a chart title in that language, before its first placeholder."""
    return i18n.translate(f"ch5_ablation.{key}", lang, **params).split("（")[0].split("(")[0]


def test_tiny_gpt_link_opens_the_head_switched_off_and_the_guess_reveals_every_head() -> None:
    app = open_page("en", model="gpt_toy_en", example="rained", off="1", off_layer="2", off_head="3")
    assert app.session_state["ch5_off_layer"] == 2 and app.session_state["ch5_off_head"] == 3
    spec = apptest_helpers.chart_titled(app, title_of("en", "next_title", answer="x"))
    before, after = spec["data"]
    assert "layer 2, head 3" in after["name"]
    assert array(before["x"]).shape == array(after["x"]).shape and not np.allclose(array(before["x"]),
                                                                                  array(after["x"]))
    assert app.query_params["off"] == "1"
    app.button(key="quiz_lock_ch5_ablation")  # the question waits for a guess: no map yet
    assert not any("What each head is worth" in title for title in apptest_helpers.chart_titles(app))
    app.button(key="quiz_skip_ch5_ablation").click().run()
    assert not app.exception, [e.value for e in app.exception]
    heatmap = apptest_helpers.chart_titled(app, "What each head is worth")
    assert array(heatmap["data"][0]["z"]).shape == (4, 4)
    app.toggle(key="ch5_off").set_value(False).run()  # switched back on: no before/after chart
    assert "off" not in app.query_params
    assert not any("Next-token" in title for title in apptest_helpers.chart_titles(app))


def test_minilm_claim_in_chinese_on_a_projector_with_every_answer_shown() -> None:
    app = open_page("zh", model="minilm", example="keys", off="1", off_layer="6", off_head="8",
                    projector="1", reveal="all")
    similar = apptest_helpers.chart_titled(app, title_of("zh", "similar_title", answer="x"))
    assert similar["layout"]["font"]["size"] >= 16  # readable from the back row
    heatmap = apptest_helpers.chart_titled(app, title_of("zh", "map_title", answer="x"))
    assert array(heatmap["data"][0]["z"]).shape == (6, 12)
    assert any("they → keys" in m.value and "72" in m.value for m in app.markdown)  # the search's head, ranked


def test_hostile_text_shows_as_text() -> None:
    app = open_page("en", model="minilm", text="<b>they</b> <img src=x onerror=alert(1)> keys", off="1")
    spec = apptest_helpers.chart_titled(app, "moved")
    labels = " ".join(str(label) for label in spec["data"][0]["y"])
    assert "<b>" not in labels and "<img" not in labels and "&lt;" in labels
