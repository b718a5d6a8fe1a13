"""BertViz head view and model view as self-contained HTML that works with no internet.

BertViz's ``html_action="return"`` HTML loads require.js, d3 and jQuery from a CDN; in a
classroom without internet the view is blank ("require is not defined"). Here the three
libraries come from ``node_modules`` (installed by ``npm ci`` from ``package.json``, never
committed) and are inlined: d3 and jQuery first so they set their globals, then
require.js, then ``define`` calls that hand those globals to BertViz's ``requirejs([...])``.
The ``require.config({paths: ...})`` with the CDN addresses is removed.

Where ``node_modules`` is missing, :func:`offline_assets_available` is False and the HTML
keeps BertViz's CDN links (the page says so plainly: it then needs internet).

Safety: the HTML runs in an iframe with script rights, and the tokens are typed by
students. BertViz puts them into a ``<script>`` block through ``json.dumps``, which would
let ``</script><img src=x onerror=...>`` break out. So tokens go in as random
placeholders and are replaced afterwards by JSON strings with ``<``, ``>``, ``&`` written
as ``\\u003c``-style escapes: the browser sees the same characters (d3 draws them with
``.text()``) but the HTML parser never sees a tag. No Streamlit here.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import numpy as np

from viz.tokens import display_token

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
#: The three files, in the order they must be inlined.
ASSET_FILES = {
    "d3": Path("d3/dist/d3.min.js"),
    "jquery": Path("jquery/dist/jquery.min.js"),
    "requirejs": Path("requirejs/require.js"),
}
# BertViz's HTML loads require.js from a remote address with a <script src="https://..."> tag;
# the offline build replaces that tag with the inlined libraries.
_REQUIRE_TAG = re.compile(r'<script src="https?://[^"]*require[^"]*"></script>')
_REQUIRE_CONFIG = re.compile(r"require\.config\(\{.*?\}\);", re.DOTALL)


def _asset_paths(node_modules: Path | None = None) -> dict[str, Path]:
    base = Path(node_modules) if node_modules is not None else NODE_MODULES
    return {name: base / rel for name, rel in ASSET_FILES.items()}


def offline_assets_available(node_modules: Path | None = None) -> bool:
    """True when d3, jQuery and require.js are installed under ``node_modules``."""
    return all(path.is_file() for path in _asset_paths(node_modules).values())


def _read_assets(node_modules: Path | None) -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in _asset_paths(node_modules).items()}


def _script(code: str) -> str:
    # A library containing "</script" would end the tag early; none of these does, but
    # escape it anyway so the rule holds for any version.
    return "<script>\n" + code.replace("</script", "<\\/script") + "\n</script>\n"


def safe_json_string(text: str) -> str:
    """A JSON string literal that is also safe inside an HTML ``<script>`` block."""
    return (
        json.dumps(str(text), ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _display_token(token: str) -> str:
    # BertViz's prettify_tokens would turn "Ġ"/"▁" into plain (invisible) spaces; tokens go in
    # as placeholders, written the way every page writes them: ␣ for a space (viz.tokens).
    return display_token(token.replace("Ġ", " ").replace("</w>", ""))


def _placeholders(tokens: list[str]) -> tuple[list[str], dict[str, str]]:
    tag = uuid.uuid4().hex
    names = [f"TOKEN{tag}N{i}" for i in range(len(tokens))]
    return names, {name: _display_token(tok) for name, tok in zip(names, tokens, strict=True)}


def _fill_tokens(html: str, replacements: dict[str, str]) -> str:
    for name, token in replacements.items():
        html = html.replace(f'"{name}"', safe_json_string(token))
    return html


def _inline(html: str, node_modules: Path | None) -> str:
    assets = _read_assets(node_modules)
    shim = (
        "define('d3', [], function () { return window.d3; });\n"
        "define('jquery', [], function () { return window.jQuery; });\n"
    )
    libraries = _script(assets["d3"]) + _script(assets["jquery"]) + _script(assets["requirejs"]) + _script(shim)
    html, count = _REQUIRE_TAG.subn(lambda _match: libraries, html, count=1)
    if count != 1:
        raise RuntimeError("BertViz HTML changed: the require.js <script> tag was not found")
    html, count = _REQUIRE_CONFIG.subn("", html, count=1)
    if count != 1:
        raise RuntimeError("BertViz HTML changed: require.config(...) was not found")
    return html


def _as_layers(attention: np.ndarray) -> list:
    import torch

    weights = np.asarray(attention, dtype=np.float32)
    if weights.ndim != 4:
        raise ValueError("attention must have shape (layers, heads, tokens, tokens)")
    # BertViz wants one (1, H, T, T) tensor per layer; round to keep the HTML small.
    return [torch.from_numpy(np.round(layer, 4)).unsqueeze(0) for layer in weights]


# BertViz draws at a fixed width (the model view is 970 px): shrink the page to fit a
# narrower frame instead of cutting off the last heads.
_FIT_SCRIPT = """<script>
(function () {
  function fit() {
    var svg = document.querySelector('#vis svg');
    if (!svg) { return false; }
    document.body.style.zoom = 1;
    var right = svg.getBoundingClientRect().right + 4;
    if (right > window.innerWidth) { document.body.style.zoom = (window.innerWidth / right).toFixed(3); }
    return true;
  }
  var tries = 0;
  var timer = setInterval(function () { if (fit() || ++tries > 50) { clearInterval(timer); } }, 100);
  window.addEventListener('resize', fit);
})();
</script>"""


def _page(body: str, offline: bool) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<style>html,body{margin:0;background:#fff;color:#111;overflow:auto}</style></head>\n"
        f"<body data-bertviz-offline=\"{'1' if offline else '0'}\">\n{body}\n{_FIT_SCRIPT}\n</body></html>\n"
    )


def build_view(kind: str, attention: np.ndarray, tokens: list[str], layer: int | None = None,
               heads: list[int] | None = None, node_modules: Path | None = None) -> tuple[str, bool]:
    """BertViz ``"head"`` or ``"model"`` view as a complete HTML page.

    ``attention``: (L, H, T, T) weights; ``tokens``: T strings, any text (escaped here).
    Returns ``(html, offline)``: ``offline`` is False when ``node_modules`` lacks the
    libraries and the HTML falls back to BertViz's CDN links.
    """
    from bertviz import head_view, model_view

    layers = _as_layers(attention)
    if len(tokens) != layers[0].shape[-1]:
        raise ValueError("one token per attention row is needed")
    names, replacements = _placeholders(list(tokens))
    if kind == "head":
        result = head_view(layers, names, layer=layer, heads=heads, prettify_tokens=False, html_action="return")
    elif kind == "model":
        result = model_view(layers, names, prettify_tokens=False, html_action="return")
    else:
        raise ValueError(f"unknown BertViz view {kind!r}")
    html = _fill_tokens(result.data, replacements)
    offline = offline_assets_available(node_modules)
    if offline:
        html = _inline(html, node_modules)
    return _page(html, offline), offline


def view_height(kind: str, n_layers: int, n_heads: int, n_tokens: int) -> int:
    """Pixels an iframe needs to show a whole view (BertViz's own layout rules: the
    model view draws boxes of 7 * 12 / heads pixels per token in each thumbnail; a
    head view row is about 23 pixels). Clamped to 2,400."""
    if kind == "head":
        height = 90 + 23 * n_tokens
    else:
        box = 7 * 12 / max(1, n_heads)
        axis = 15 + 5 + 13 + 5
        thumbnails = n_layers * (n_tokens * box + 10) + axis
        detail = n_tokens * 18 + 2 * 15 + 25
        height = max(thumbnails, detail) + 40
    return int(min(2400, max(200, height)))


def head_view_html(attention: np.ndarray, tokens: list[str], layer: int | None = None,
                   heads: list[int] | None = None, node_modules: Path | None = None) -> tuple[str, bool]:
    """BertViz head view (lines between tokens, one colour per head) as HTML."""
    return build_view("head", attention, tokens, layer=layer, heads=heads, node_modules=node_modules)


def model_view_html(attention: np.ndarray, tokens: list[str],
                    node_modules: Path | None = None) -> tuple[str, bool]:
    """BertViz model view (every layer x head as a thumbnail) as HTML."""
    return build_view("model", attention, tokens, node_modules=node_modules)
