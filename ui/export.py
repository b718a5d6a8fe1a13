"""Keep your own pictures: every chart downloadable as SVG, as PNG at slide resolution and as
the CSV of its numbers; chapter 5's BertViz view as one offline HTML page.

The work happens in the learner's browser, with no server-side renderer and no rerun:
``ui/export.js`` (put on every page once, by :func:`page_tools`) adds "Download: SVG · PNG ·
CSV" under each Plotly chart and calls plotly.js's own ``Plotly.downloadImage``; the CSV is
written from the chart's own data by ``viz/csv.js`` (spreadsheet formulas disarmed). The server
only names the file and sets the picture's size, in the chart's ``toImageButtonOptions``
(:func:`image_options`, used by ``ui.common.chart``), which the modebar's camera uses too.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from pathlib import Path

import streamlit as st

from ui import i18n
from viz.text import for_html

HERE = Path(__file__).resolve().parent
#: A picture for a 16:9 slide: a 960 × 540 layout drawn at scale 2 (1920 × 1080 pixels). A chart
#: that sets its own height keeps it (a tall heatmap is not squeezed), at the same width.
IMAGE_WIDTH = 960
IMAGE_HEIGHT = 540
IMAGE_SCALE = 2
#: The longest slug in a file name (the chapter's name and the chart's).
SLUG_LIMIT = 48
#: Where :func:`page_tools` records the chapter shown (the first part of every file name).
CHAPTER_KEY = "_export_chapter"
CSV_SCRIPT = (HERE.parent / "viz" / "csv.js").read_text(encoding="utf-8")
EXPORT_SCRIPT = "<script>" + CSV_SCRIPT + (HERE / "export.js").read_text(encoding="utf-8") + "</script>"
#: The box holding the script takes no room in the page (no gap above the title).
TOOLS_CSS = ("<style>.st-key-llmx_export_tools, [data-testid=\"stLayoutWrapper\"]:has(> .st-key-llmx_export_tools)"
             " { display: none; }</style>")
_MARKER = re.compile(r'<span class="llmx-export-wanted"( data-[a-z]+="[^"<>]*")+ hidden></span>')


def slug(text: object, limit: int = SLUG_LIMIT) -> str:
    """Safe in any file name on any system: ASCII letters, digits and single hyphens, lower
    case, at most ``limit`` characters ("Attention: layer 3!" -> "attention-layer-3")."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].strip("-")


def _spelled_whole(text: str) -> bool:
    """Whether :func:`slug` keeps every letter and digit of ``text`` (accents aside)."""
    plain_text = unicodedata.normalize("NFKD", text)
    return all(ch.isascii() or not ch.isalnum() for ch in plain_text if unicodedata.category(ch) != "Mn")


def chart_filename(chapter: str | None, key: str | None = None, title: object = "") -> str:
    """A chart's file name without extension: its chapter, then its key or a slug of its title.
    A title the slug cannot spell whole (Chinese, in part or in all) adds a short fingerprint
    of itself, so that two charts of one page still get two names ("n = 1…1 的计数" and
    "n = 1…1 的 TF-IDF" were both ``ch2-n-1-1``)."""
    name = slug(key or "")
    if not name and title:
        name = slug(title)
        if not _spelled_whole(str(title)):
            name = f"{name or 'chart'}-{hashlib.sha1(str(title).encode('utf-8')).hexdigest()[:6]}"
    name = name or "chart"
    chapter_name = slug(chapter or "") or "llm-explainer"
    if name == chapter_name or name.startswith(chapter_name + "-"):
        return name
    return f"{chapter_name}-{name}"


def _title_and_height(figure) -> tuple[str, float | None]:
    """The figure's title text and layout height, read from its JSON when it is a stored figure
    not yet built (``ui.common.stored_layout``), else from ``figure.layout``."""
    from ui.common import stored_layout

    layout = stored_layout(figure)
    if layout is not None:
        title = layout.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        return title or "", layout.get("height")
    title = figure.layout.title.text if figure.layout.title and figure.layout.title.text else ""
    return title, figure.layout.height


def image_size(figure) -> tuple[int, int]:
    """Layout size of the exported picture: 960 wide, the chart's own height or 540."""
    height = _title_and_height(figure)[1]
    return IMAGE_WIDTH, int(height) if height else IMAGE_HEIGHT


def image_options(figure, chapter: str | None, key: str | None = None) -> dict:
    """Plotly's ``toImageButtonOptions`` for a chart: PNG, 1920 pixels wide, named after
    its chapter and itself."""
    title = _title_and_height(figure)[0]
    width, height = image_size(figure)
    return {"format": "png", "filename": chart_filename(chapter, key, title), "width": width, "height": height,
            "scale": IMAGE_SCALE}


def current_chapter() -> str | None:
    return st.session_state.get(CHAPTER_KEY)


def tools_block(chapter: str, lang: str) -> str:
    """The page's export script with its words (the PNG's size left as ``{width}``/``{height}``
    for the script to fill per chart). No learner text here."""
    words = {name: i18n.template(f"export.{name}", lang) for name in ("download", "bar", "svg", "png", "csv")}
    words["chapter"] = slug(chapter)
    attributes = "".join(f' data-{name}="{for_html(value)}"' for name, value in words.items())
    return TOOLS_CSS + f'<span class="llmx-export-wanted"{attributes} hidden></span>' + EXPORT_SCRIPT


def is_own_html(body: str) -> bool:
    """Whether an ``st.html`` body is :func:`tools_block`'s (tests that look for learner text
    rendered as markup set it aside, and only it)."""
    if not (body.startswith(TOOLS_CSS) and body.endswith(EXPORT_SCRIPT)):
        return False
    middle = body[len(TOOLS_CSS):-len(EXPORT_SCRIPT)]
    return _MARKER.fullmatch(middle) is not None


def page_tools(chapter: str, lang: str) -> None:
    """Once per page: remember the chapter (file names start with it) and put the export
    script on the page, in a box that takes no room."""
    st.session_state[CHAPTER_KEY] = chapter
    with st.container(key="llmx_export_tools"):
        st.html(tools_block(chapter, lang), unsafe_allow_javascript=True)


def explorer_labels(lang: str) -> dict[str, str]:
    """The words of chapter 5's explorer's own download buttons."""
    return {name: i18n.translate(f"export.{name}", lang) for name in ("download", "explorer_png", "explorer_csv")}


def bertviz_filename(kind: str, layer: int | None = None, head: int | None = None) -> str:
    """``ch5-bertviz-head-view-layer-2-head-3.html`` (1-based, as the page numbers them)."""
    where = f"-layer-{layer + 1}-head-{head + 1}" if kind == "head" and layer is not None and head is not None else ""
    return f"ch5-bertviz-{slug(kind)}-view{where}.html"


def _same_page(html: str) -> str:
    """The download's contents, asked for only on a click (``st.download_button`` calls it)."""
    return html


def bertviz_download(html: str, kind: str, lang: str, layer: int | None = None, head: int | None = None) -> None:
    """A download button for a BertViz view: the very page the frame shows (its JavaScript
    inlined, the tokens escaped as on screen), handed over only when clicked, with no rerun.
    (Given as data, the browser would fetch the 0.5 MB page each time the button is drawn;
    ``ui.downloads`` keeps the file a click builds until the browser has fetched it.)"""
    st.download_button(i18n.translate("export.bertviz", lang), data=functools.partial(_same_page, html),
                       file_name=bertviz_filename(kind, layer, head), mime="text/html", on_click="ignore",
                       icon=":material/download:", key=f"bertviz_download_{kind}")
