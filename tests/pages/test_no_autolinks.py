"""A bare address, a ``www.`` name or an e-mail typed into any text box of any page never
becomes a live link wherever the page echoes it (questions, expander titles, messages)."""

from pathlib import Path

import pytest

from tests.pages.apptest_helpers import ROOT, open_page
from tests.pages.test_hostile_input import PAGES, _text_boxes
from tests.unit.test_viz_text import autolinks

TYPED = "rain http://bare.example/p and www.bare.example or me@bare.example"
MARKDOWN_KINDS = ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader")


def _markdown_echoes(app) -> list[str]:
    """Every text the page renders as Markdown (charts and HTML do not autolink) that echoes
    what was typed (the chapters' own links to other sites are meant to be links)."""
    texts = [str(element.value) for kind in MARKDOWN_KINDS for element in getattr(app, kind)]
    texts += [str(expander.label) for expander in app.expander]
    return [text for text in texts if "bare" in text]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_a_bare_address_typed_anywhere_is_not_a_link(path: Path):
    app = open_page(path.relative_to(ROOT))
    for kind, index in _text_boxes(app, path):
        getattr(app, kind)[index].set_value(TYPED).run()
        assert not app.exception, [e.value for e in app.exception]
        for text in _markdown_echoes(app):
            assert not autolinks(text), f"{path.name} {kind}[{index}] links {autolinks(text)}: {text[:200]!r}"
