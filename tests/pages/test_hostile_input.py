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
