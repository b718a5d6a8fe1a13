"""BertViz views as self-contained HTML: no CDN when node_modules is installed, and
tokens typed by students can never become markup."""

import json
import re

import numpy as np
import pytest

from viz import bertviz_offline as bo
from viz.tokens import display_token

XSS = "<img src=x onerror=alert(1)>"
BREAKOUT = "</script><script>alert(2)</script>"


def _weights(layers=2, heads=3, tokens=5, seed=0):
    rng = np.random.default_rng(seed)
    weights = rng.random((layers, heads, tokens, tokens))
    return weights / weights.sum(-1, keepdims=True)


needs_node_modules = pytest.mark.skipif(
    not bo.offline_assets_available(),
    reason="node_modules is missing (run `npm ci` in the project folder): offline BertViz cannot be checked",
)


@needs_node_modules
@pytest.mark.parametrize("kind", ["head", "model"])
def test_offline_html_loads_nothing_from_a_cdn(kind):
    html, offline = bo.build_view(kind, _weights(), ["[CLS]", "it", "rained", "today", "[SEP]"])
    assert offline
    assert "cdnjs" not in html and "cdn.jsdelivr" not in html and "unpkg" not in html
    assert not re.search(r"<script[^>]+src=", html), "no external script tags"
    assert not re.search(r"require\.config\(\{\s*paths", html), "BertViz's CDN paths config is removed"
    # d3 and jQuery come first (they set globals), then require.js, then the shims.
    d3_at = html.index("d3js.org")
    jquery_at = html.index("jQuery")
    require_at = html.index("RequireJS")
    shim_at = html.index("define('d3'")
    assert d3_at < require_at and jquery_at < require_at < shim_at
    assert html.index("requirejs(['jquery', 'd3']") > shim_at


def test_without_node_modules_the_view_falls_back_to_the_cdn(tmp_path):
    html, offline = bo.head_view_html(_weights(), list("abcde"), node_modules=tmp_path)
    assert offline is False
    assert "cdnjs.cloudflare.com" in html
    assert bo.offline_assets_available(tmp_path) is False


@pytest.mark.parametrize("node_modules", [None, "missing"])
@pytest.mark.parametrize("kind", ["head", "model"])
def test_typed_html_never_reaches_the_page_as_markup(kind, node_modules, tmp_path):
    folder = tmp_path if node_modules == "missing" else None
    tokens = ["[CLS]", XSS, BREAKOUT, "a&b", "[SEP]"]
    html, _ = bo.build_view(kind, _weights(), tokens, node_modules=folder)
    assert XSS not in html
    assert BREAKOUT not in html
    assert "alert(1)" in html and "alert(2)" in html  # still there, as escaped text
    # The tokens come back intact when the JSON is read: the view shows what was typed, its
    # spaces written ␣ as on every page.
    literal = bo.safe_json_string(display_token(XSS))
    assert literal in html
    assert json.loads(literal) == XSS.replace(" ", "␣")


def test_safe_json_string_escapes_every_html_special():
    literal = bo.safe_json_string("<b>&\u2028</b>")
    assert "<" not in literal and ">" not in literal and "&" not in literal
    assert json.loads(literal) == "<b>&\u2028</b>"


def test_shapes_are_checked():
    with pytest.raises(ValueError):
        bo.build_view("head", _weights(tokens=4), list("abcde"))
    with pytest.raises(ValueError):
        bo.build_view("neuron", _weights(), list("abcde"))
    with pytest.raises(ValueError):
        bo.build_view("head", np.ones((3, 3)), list("abc"))


def test_view_height_grows_with_tokens_and_is_capped():
    small = bo.view_height("model", 6, 12, 6)
    big = bo.view_height("model", 6, 12, 40)
    assert 200 <= small < big <= 2400
    assert bo.view_height("head", 6, 12, 6) < bo.view_height("head", 6, 12, 30)
