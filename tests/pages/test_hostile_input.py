"""Whatever a student types into any text box of any page, the page answers without an
exception: empty, blank, emoji, HTML/script, Chinese, control characters, 100,000 characters."""

from pathlib import Path

import pytest

from tests.pages.apptest_helpers import ROOT, open_page

PAGES = sorted((ROOT / "pages").glob("*.py"))
HOSTILE = {
    "empty": "",
    "blank": "   \n\t  ",
    "emoji": "😀🎉🦙" * 20,
    "html": '<script>alert(1)</script><img src=x onerror=alert(1)>',
    "chinese": "今天早上下雨了，我的钥匙丢了。",
    "controls": "rain\x00\x07\x1b[31m thunder",
    "huge": "rain " * 20_000,
}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_every_text_box_survives_hostile_input(path: Path):
    app = open_page(path.relative_to(ROOT))
    boxes = [("text_area", i) for i in range(len(app.text_area))] + [
        ("text_input", i) for i in range(len(app.text_input))
    ]
    if not boxes:
        pytest.skip(f"{path.name} has no text box")
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
    """All sliders at their minimum together, then all at their maximum: the combinations
    nobody planned for (top-k 0 with top-p at its lowest, the largest window with the
    fewest epochs...) still give a page, never a traceback."""
    app = open_page(path.relative_to(ROOT))
    if not app.slider:
        pytest.skip(f"{path.name} has no slider")
    for choice in (0, 1):
        for slider in app.slider:
            if slider.proto.disabled:
                continue
            values = _extremes(slider)
            value = values[choice]
            if isinstance(value, tuple):
                slider.set_range(*value)
            else:
                slider.set_value(value)
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
    ],
)
def test_junk_in_a_shared_link_falls_back_or_clamps(page, params, slider_key, expected):
    """A hand-edited link never breaks a page: numbers are clamped, junk falls back."""
    app = open_page(page, **params)
    if slider_key:
        assert app.slider(key=slider_key).value == expected
