"""Chapters 4 and 6: a paste longer than a box's limit (301 characters, 1 MB) is refused with a
message that names the limit, and the box keeps the text it had; a paste within the limit is taken."""

import pytest

from tests.pages.apptest_helpers import open_page
from ui import i18n

BOXES = [  # page, box key, its limit
    ("pages/4_RNN_and_attention.py", "ch4_text", 300),
    ("pages/4_RNN_and_attention.py", "ch4_ctx_a", 300),
    ("pages/4_RNN_and_attention.py", "ch4_ctx_b", 300),
    ("pages/6_Model_families.py", "ch6_text", 200),
    ("pages/6_Model_families.py", "ch6_query", 200),
]


def _warnings(app) -> str:
    return " ".join(str(w.value) for w in app.warning)


@pytest.mark.parametrize(("page", "key", "limit"), BOXES, ids=[b[1] for b in BOXES])
def test_a_too_long_paste_says_the_limit_and_keeps_the_text(page, key, limit):
    app = open_page(page)
    box = app.text_input(key=key)
    before = box.value
    for paste in ("x" * (limit + 1), "rain " * 200_000):  # one character too many, then 1 MB
        app.text_input(key=key).set_value(paste).run()
        assert not app.exception, [e.value for e in app.exception]
        assert app.text_input(key=key).value == before
        assert f"at most {limit}" in _warnings(app) and f"{len(paste):,}" in _warnings(app)
    # the message goes once the learner types something that fits
    app.text_input(key=key).set_value(before + " ").run()
    assert f"at most {limit}" not in _warnings(app)


def test_the_message_speaks_chinese_on_chinese_pages():
    app = open_page("pages/4_RNN_and_attention.py", "zh")
    app.text_input(key="ch4_ctx_a").set_value("雨" * 301).run()
    expected = i18n.translate("bounded.text.refused", "zh", length=301, limit=300).split("301")[0]
    assert expected in _warnings(app) and "300" in _warnings(app)
