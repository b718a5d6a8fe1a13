"""Whatever a student types into any text box of any page, the page answers without an
exception (empty, blank, emoji, HTML/script, Chinese, right-to-left override, zero-width
and control characters, a 1 MB paste), and nothing typed renders as markup: no link, no
image, no tag, no raw control character in any message, caption, title or chart."""

import json
from pathlib import Path

import pytest

from tests.pages.apptest_helpers import ROOT, open_page, select_by_label
from ui import wayfinding

PAGES = sorted((ROOT / "pages").glob("*.py"))
HOSTILE = {
    "empty": "",
    "blank": "   \n\t  ",
    "emoji": "😀🎉🦙" * 20,
    "html": '<script>alert(1)</script><img src=x onerror=alert(1)>',
    "chinese": "今天早上下雨了，我的钥匙丢了。",
    "controls": "rain\x00\x07\x1b[31m thunder",
    "rtl_zero_width": "rain\u202e\u200bthunder\u200d\ufeff",
    "huge": "rain " * 200_000,  # a 1 MB paste
}
MARKUP = "[click me](http://a.example) ![x](http://a.example/p.png) <b>bold</b> <script>alert(1)</script> \x1b[31m"
LIVE_MARKUP = ("](http://a.example", "<b>bold</b>", "<script>", "\x1b")
LIVE_IN_CHARTS = ("<b>bold</b>", "<script>", "\x1b")  # Plotly reads tags, not Markdown
# Pages without a widget of a kind: their tests check that it is still so, instead of skipping.
NO_TEXT_BOX = {"8_Pretrain_finetune_prompt"}  # numbers, an upload and choices only
NO_SLIDER = {"5_Self_attention"}  # its layer, head and temperature live in the browser explorer


def _shown_text(app) -> list[tuple[str, tuple[str, ...]]]:
    """Everything the page renders from Markdown, HTML or chart text (not the boxes),
    with what would be live markup there."""
    texts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader"):
        texts += [str(element.value) for element in getattr(app, kind)]
    texts += [str(element.proto.body) for element in app.get("html")
              if not wayfinding.is_own_html(element.proto.body)]  # the footer's own script and style
    texts += [str(expander.label) for expander in app.expander]
    shown = [(text, LIVE_MARKUP) for text in texts]
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        chart_texts = [json.dumps(layout.get("title", ""), ensure_ascii=False)]
        chart_texts += [json.dumps(layout.get(axis, {}).get("title", ""), ensure_ascii=False)
                        for axis in layout if axis.startswith(("xaxis", "yaxis"))]
        chart_texts += [str(trace.get("name", "")) for trace in spec.get("data", [])]
        shown += [(text, LIVE_IN_CHARTS) for text in chart_texts]
    return shown


def _text_boxes(app, path: Path) -> list[tuple[str, int]]:
    """Every text area and text input of the page; a page listed in NO_TEXT_BOX must have none
    (so the list cannot go stale, and no parametrisation quietly skips)."""
    boxes = [("text_area", i) for i in range(len(app.text_area))] + [
        ("text_input", i) for i in range(len(app.text_input))
    ]
    if path.stem in NO_TEXT_BOX:
        assert not boxes, f"{path.name} now has a text box: take it off NO_TEXT_BOX"
    else:
        assert boxes, f"{path.name} has no text box: add it to NO_TEXT_BOX"
    return boxes


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_nothing_typed_renders_as_markup(path: Path):
    """A link, an image, a tag, a script, a terminal escape typed into any box appear
    literally (escaped), wherever the page echoes them."""
    app = open_page(path.relative_to(ROOT))
    boxes = _text_boxes(app, path)
    for kind, index in boxes:
        getattr(app, kind)[index].set_value(MARKUP).run()
        assert not app.exception, [e.value for e in app.exception]
        for text, live_markup in _shown_text(app):
            for live in live_markup:
                assert live not in text, f"{path.name} {kind}[{index}] renders {live!r}: {text[:200]!r}"
        getattr(app, kind)[index].set_value("It rained this morning").run()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_text_box_survives_hostile_input(path: Path):
    app = open_page(path.relative_to(ROOT))
    boxes = _text_boxes(app, path)
    for kind, index in boxes:
        for name, value in HOSTILE.items():
            getattr(app, kind)[index].set_value(value).run()
            assert not app.exception, f"{path.name} {kind}[{index}] <- {name}: {[e.value for e in app.exception]}"
        # Put something ordinary back so the next box is tested from a working page.
        getattr(app, kind)[index].set_value("It rained this morning").run()
        assert not app.exception


def _extremes(slider):
    if isinstance(slider.value, (list, tuple)):
        return [(slider.min, slider.min), (slider.max, slider.max), (slider.min, slider.max)]
    return [slider.min, slider.max]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_slider_at_its_extremes_at_once(path: Path):
    """All sliders and select-sliders at their minimum together, then all at their maximum:
    the combinations nobody planned for (top-k 0 with top-p at its lowest, the largest
    window with the fewest epochs...) still give a page, never a traceback."""
    app = open_page(path.relative_to(ROOT))
    has_sliders = bool(app.slider or app.select_slider)
    assert has_sliders != (path.stem in NO_SLIDER), f"{path.name}: NO_SLIDER is out of date"
    for choice in (0, 1):
        for slider in app.slider:
            if slider.proto.disabled:
                continue
            value = _extremes(slider)[choice]
            if isinstance(value, tuple):
                slider.set_range(*value)
            else:
                slider.set_value(value)
        for slider in app.select_slider:
            if slider.proto.disabled:
                continue
            end = slider.options[-choice]  # the first option, then the last
            is_range = isinstance(slider.value, (list, tuple))
            select_by_label(slider, *((end, end) if is_range else (end,)))
        app.run()
        assert not app.exception, f"{path.name} extremes #{choice}: {[e.value for e in app.exception]}"


@pytest.mark.parametrize(
    ("page", "params", "slider_key", "expected"),
    [
        ("pages/1_Tokenization.py", {"vocab": "1e9"}, None, None),
        ("pages/3_Word2vec.py", {"dims": "x", "method": "<script>", "corpus": "../../etc"}, None, None),
        # Clamped to the last head (11), not the curriculum's searched head nor the default 0.
        ("pages/5_Self_attention.py", {"layer": "-7", "head": "99"}, "ch5_head", 11),
        ("pages/5_Self_attention.py", {"layer": "-7", "head": "99"}, "ch5_layer", 0),
        ("pages/7_Generation.py", {"temp": "nan", "top_k": "-5", "top_p": "inf", "n": "999999"}, "ch7_temp", 1.0),
        ("pages/7_Generation.py", {"temp": "9"}, "ch7_temp", 2.0),
        ("pages/1_Tokenization.py", {"vocab": "nan", "steps": "-4", "corpus": "<script>", "text": "<b>x</b>"}, "ch1_vocab", 500),
        ("pages/1_Tokenization.py", {"vocab": "-9", "lang": "xx"}, "ch1_vocab", 256),
        ("pages/2_Bag_of_words.py", {"sample": "inf", "first": "99", "second": "-1", "mode": "x"}, "ch2_pca", 240),
        ("pages/3_Word2vec.py", {"top": "1e99", "k": "nan", "dim": "-5", "epochs": "999"}, "w2v_epochs", 50),
        ("pages/5_Self_attention.py", {"layer": "nan", "head": "inf", "token": "999", "example": "<x>"}, "ch5_layer", 5),
        ("pages/7_Generation.py", {"n": "-3", "prompt": "\x1b[31m<script>"}, "ch7_n", 1),
    ],
)
def test_junk_in_a_shared_link_falls_back_or_clamps(page, params, slider_key, expected):
    """A hand-edited link never breaks a page: numbers are clamped, junk falls back."""
    app = open_page(page, **params)
    assert not app.exception
    if slider_key and slider_key.startswith("ch5_"):
        # Chapter 5's layer and head are the browser explorer's (0-based) opening view.
        assert app.session_state[slider_key] == expected
    elif slider_key:
        assert app.slider(key=slider_key).value == expected
