"""Chapter 5's "by hand" section (AppTest): both languages, a link with an edited model, tampered links."""

import json

import numpy as np
import pytest

from lm_core.models import by_hand
from tests.pages import apptest_helpers
from ui import i18n

PAGE = "pages/5_Self_attention.py"
MARK = "id='by-hand-payload'>"


def payload(app) -> dict:
    frames = [frame.proto.srcdoc for frame in app.get("iframe") if MARK in frame.proto.srcdoc]
    assert len(frames) == 1, f"{len(frames)} by-hand tables on the page"
    html = frames[0]
    start = html.index(MARK) + len(MARK)
    return json.loads(html[start:html.index("</script>", start)])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_section_shows_the_shipped_model_in_each_language(lang):
    app = apptest_helpers.open_page(PAGE, lang)
    data = payload(app)
    model = by_hand.load_shipped(lang)
    assert data["words"] == list(model.words)
    assert data["weights"] == data["base"] == {n: v.tolist() for n, v in model.weights.items()}
    sentence, expected = by_hand.EXAMPLE[lang]
    assert data["init"]["ids"] == model.ids(sentence) and data["words"][data["init"]["target"]] == expected
    assert data["labels"]["undo"] == i18n.translate("ch5_by_hand.labels.undo", lang)
    assert data["labels"]["steps"]["qkv"] == i18n.translate("ch5_by_hand.steps.qkv", lang)
    headers = [h.value for h in app.header]
    assert i18n.translate("ch5_by_hand.header", lang) in headers
    assert data["real_model"] == f"gpt_toy_{lang}"
    assert not apptest_helpers.messages(app)


def test_a_link_with_an_edited_model_reopens_it():
    model = by_hand.load_shipped("en")
    edited = model.copy()
    edited.weights["WK"][0, 1] = 1.5
    edited.weights["Wout"][3, 5] = -2.0
    link = by_hand.encode_edits(model, edited)
    app = apptest_helpers.open_page(PAGE, "en", hand=link, hand_words="0.2.4", hand_target="7", hand_lr="0.03")
    data = payload(app)
    for name, value in edited.weights.items():
        np.testing.assert_array_equal(np.array(data["weights"][name]), value)
    assert data["init"] == {"ids": [0, 2, 4], "target": 7, "rate": 0.03, "edits": link}
    assert i18n.translate("ch5_by_hand.edited_link", "en") in [i.value for i in app.info]
    assert not apptest_helpers.messages(app)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tampered_link_values_show_a_message_not_a_traceback(lang):
    app = apptest_helpers.open_page(PAGE, lang, hand="WK.0.1:1.5,WQ.9.9:<b>x</b>", hand_words="0.77",
                                    hand_target="nine", hand_lr="1e9")
    shown = apptest_helpers.messages(app)
    for key, part in [("link_part", "WK.0.1:1.5,WQ.9.9:<b>x</b>".split(",")[1]), ("link_words", "0.77"),
                      ("link_target", "nine"), ("link_rate", "1e9")]:
        namespace = "ch5_by_hand.errors" if key in ("link_target", "link_rate") else "errors.edited_model"
        expected = i18n.translate(f"{namespace}.{key}", lang, part=part, limit=by_hand.LIMIT,
                                  decimals=by_hand.STEP_DECIMALS)
        assert any(expected.split("“")[0] in message for message in shown), (key, shown)
    data = payload(app)  # the example's model and view instead
    assert data["weights"] == data["base"] and data["init"]["edits"] == ""
    assert data["init"]["ids"] == data["default_ids"]
    assert not any("<b>" in message for message in shown)  # the learner's text is never markup
