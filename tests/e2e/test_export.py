"""Keep your own pictures, in headless Chromium with the network cut off: a chart's SVG, PNG
and CSV on two chapters, chapter 5's explorer's PNG and CSV, and the BertViz view's HTML page
are downloaded and checked (the SVG parses and carries the chart's title, the PNG has the size
promised, the CSV holds the numbers the chart drew). Nothing reaches outside 127.0.0.1.

Run alone: ``pytest tests/e2e/test_export.py -p no:xdist``.
"""

import csv
import html
import io
import re
import struct
import xml.etree.ElementTree as ET

import pytest

from tests.e2e.conftest import SCREENSHOTS, explorer_frame, only_local_requests, wait_for_streamlit

pytestmark = pytest.mark.e2e

#: What the page drew for every chart with a download bar: its traces' values (plotly.js's own,
#: typed arrays decoded), its title, the picture's size and name the bar promises, and where
#: the bar sits against the chart.
CHARTS = """() => [...document.querySelectorAll('.llmx-export')].map((bar, index) => {
    const gd = bar.closest('[data-testid="stElementContainer"]').querySelector('.js-plotly-plot');
    const options = {filename: bar.dataset.filename, width: Number(bar.dataset.width),
                     height: Number(bar.dataset.height), scale: Number(bar.dataset.scale)};
    const plain = (v) => (v === undefined || v === null) ? null
        : (ArrayBuffer.isView(v) ? Array.from(v) : (Array.isArray(v) ? v.map(plain) : v));
    return {
        index, title: (gd.layout.title && gd.layout.title.text) || '', options,
        traces: gd._fullData.map(t => ({type: t.type, name: gd.data[t.index].name, x: plain(t.x), y: plain(t.y),
                                        z: plain(t.z)})),
        plotBottom: gd.getBoundingClientRect().bottom, barTop: bar.getBoundingClientRect().top,
        shown: bar.getBoundingClientRect().height > 0
            && bar.checkVisibility({visibilityProperty: true, opacityProperty: true}),
        buttons: [...bar.querySelectorAll('button')].map(b => {
            const r = b.getBoundingClientRect(); return [r.left, r.right]; }),
    };
})"""


BARS_NAMED = """() => [...document.querySelectorAll('.llmx-export')].every(bar => {
    const gd = bar.closest('[data-testid="stElementContainer"]').querySelector('.js-plotly-plot');
    const given = gd && gd._context && gd._context.toImageButtonOptions;
    return gd && gd._fullLayout && (!given || !given.filename || bar.dataset.filename === given.filename);
})"""


@pytest.fixture()
def offline_page(open_page):
    """A 1280 x 720 projector-sized page whose every request off 127.0.0.1 fails (downloads are
    accepted: a context's default)."""
    page = open_page({"width": 1280, "height": 720})
    page.blocked = only_local_requests(page)
    return page


def _download(page, click):
    """(file name, bytes) of the download that ``click`` starts (in the page or one of its frames)."""
    with page.expect_download(timeout=60_000) as info:
        click()
    download = info.value
    return download.suggested_filename, download.path().read_bytes()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _label(value) -> str:
    """A label as the CSV writes it: the figure's entities and line breaks undone."""
    return html.unescape(re.sub(r"<br\s*/?>", " ", str(value)))


def _check_csv(rows: list[list[str]], traces: list[dict]) -> None:
    """The chart's numbers are in the file: a heatmap as its matrix, other traces point by point."""
    blocks, block = [], []
    for row in rows + [[]]:
        if any(cell != "" for cell in row):
            block.append(row)
        elif block:
            blocks.append(block)
            block = []
    heatmaps = [t for t in traces if t["type"] == "heatmap"]
    others = [t for t in traces if t["type"] != "heatmap" and (t["x"] is not None or t["y"] is not None)]
    assert len(blocks) == len(heatmaps) + (1 if others else 0)
    for trace, matrix in zip(heatmaps, blocks, strict=False):  # the matrices first, then the points
        if trace["x"] is not None:
            assert [cell.lstrip("'") for cell in matrix[0][1:]] == [_label(x) for x in trace["x"]]
        for row, (y, values) in zip(matrix[1:], zip(trace["y"], trace["z"], strict=True), strict=True):
            assert row[0].lstrip("'") == _label(y)
            assert [_number(cell) for cell in row[1:]] == pytest.approx(
                [None if v is None else float(v) for v in values], abs=1e-9)
    if others:
        table = blocks[-1]
        header = table[0]
        assert header[:2] == ["trace", "point"]
        points = table[1:]
        assert len(points) == sum(len(t["y"] if t["y"] is not None else t["x"]) for t in others)
        start = 0
        for trace in others:
            count = len(trace["y"] if trace["y"] is not None else trace["x"])
            mine = points[start:start + count]
            start += count
            for axis in ("x", "y"):
                values = trace[axis]
                if values is None:
                    continue
                column = [row[header.index(axis)] for row in mine]
                if all(isinstance(v, (int, float)) for v in values):
                    assert [_number(cell) for cell in column] == pytest.approx([float(v) for v in values], abs=1e-9)
                else:
                    assert [cell.lstrip("'") for cell in column] == [_label(v) for v in values]


def _check_chart_downloads(page, chart: dict) -> None:
    bar = page.locator(".llmx-export").nth(chart["index"])
    name, svg = _download(page, lambda: bar.locator("button[data-format=svg]").click())
    assert name == f"{chart['options']['filename']}.svg"
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == (str(chart["options"]["width"]), str(chart["options"]["height"]))
    drawn = re.sub(r"\s+", "", "".join(root.itertext()))
    for line in re.split(r"<br\s*/?>", chart["title"]):
        assert re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", line))) in drawn

    name, png = _download(page, lambda: bar.locator("button[data-format=png]").click())
    assert name == f"{chart['options']['filename']}.png"
    scale = chart["options"]["scale"]
    assert png_size(png) == (chart["options"]["width"] * scale, chart["options"]["height"] * scale)
    assert png_size(png)[0] == 1920  # slide resolution
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"export_{chart['options']['filename']}.png").write_bytes(png)

    name, data = _download(page, lambda: bar.locator("button[data-format=csv]").click())
    assert name == f"{chart['options']['filename']}.csv"
    _check_csv(_csv_rows(data), chart["traces"])


@pytest.mark.parametrize("chapter", ["Bag_of_words", "Pretrain_finetune_prompt"])
def test_a_chart_downloads_as_svg_png_and_csv(offline_page, server_url, chapter):
    page = offline_page
    page.goto(f"{server_url}/{chapter}?lang=en&projector=1&reveal=all", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    page.wait_for_selector(".llmx-export button", state="attached", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('.llmx-export').length"
                           " === document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length")
    # A bar made before its chart had drawn names the file by position until its next pass (0.7 s;
    # a click always uses the chart's own name): wait until every bar promises its chart's name.
    page.wait_for_function(BARS_NAMED, timeout=30_000)
    charts = page.evaluate(CHARTS)
    for chart in charts:  # below its chart, never over its title (a chart in a closed tab is not shown)
        assert chart["barTop"] >= chart["plotBottom"] - 1 or not chart["shown"]
        assert chart["options"]["filename"].startswith("ch")
        assert re.fullmatch(r"[a-z0-9-]+", chart["options"]["filename"])
    titled = [chart for chart in charts if chart["title"] and chart["shown"]]
    assert titled, "a chart with a title"
    _check_chart_downloads(page, titled[0])
    assert page.blocked == []
    if chapter == "Bag_of_words":  # and on a phone: under the chart, within the screen's 390 px
        page.set_viewport_size({"width": 390, "height": 800})
        page.wait_for_function("() => [...document.querySelectorAll('.llmx-export button')]"
                               ".every(b => b.getBoundingClientRect().right <= 390)", timeout=30_000)
        for chart in [chart for chart in page.evaluate(CHARTS) if chart["shown"]]:
            assert chart["barTop"] >= chart["plotBottom"] - 1
            assert all(0 <= left and right <= 390 for left, right in chart["buttons"]), chart["buttons"]


def test_the_explorer_and_bertviz_download_their_own(offline_page, server_url):
    page = offline_page
    page.goto(f"{server_url}/Self_attention?lang=en&reveal=all", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    frame = explorer_frame(page)
    status = frame.locator("#explorer .status")
    layer, head = status.get_attribute("data-layer"), status.get_attribute("data-head")  # 1-based
    name, png = _download(page, lambda: frame.locator("button[data-export=png]").click())
    assert name == f"ch5-attention-steps-layer-{layer}-head-{head}.png"
    promised = (int(status.get_attribute("data-picture-width")), int(status.get_attribute("data-picture-height")))
    stage = frame.evaluate("() => { const r = document.querySelector('.stage').getBoundingClientRect();"
                           " return [Math.ceil(r.width) * 2, Math.ceil(r.height) * 2]; }")
    assert png_size(png) == promised == tuple(stage)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "export_explorer.png").write_bytes(png)  # for review: the picture a teacher gets
    frame.locator(".controls").screenshot(path=str(SCREENSHOTS / "export_explorer_controls.png"))

    name, data = _download(page, lambda: frame.locator("button[data-export=csv]").click())
    assert name == f"ch5-attention-layer-{layer}-head-{head}.csv"
    rows = _csv_rows(data)
    tokens = frame.evaluate("() => JSON.parse(document.getElementById('payload').textContent).tokens")
    assert re.findall(r"\d+", rows[0][0])[:2] == [layer, head]  # the head named in the corner
    assert rows[0][1:] == tokens and [row[0] for row in rows[1:]] == tokens
    weights = [[float(cell) for cell in row[1:]] for row in rows[1:]]
    assert len(weights) == len(tokens) and all(len(row) == len(tokens) for row in weights)
    assert all(sum(row) == pytest.approx(1, abs=1e-3) for row in weights)
    # the same numbers the weights panel drew (its fingerprint, computed the explorer's way)
    fingerprint = sum(x * (1 + ((r * 31 + c * 17) % 7)) for r, row in enumerate(weights) for c, x in enumerate(row))
    drawn = [float(x) for x in status.get_attribute("data-checksums").split()]
    assert any(abs(fingerprint - x) < 2e-3 * max(1, abs(x)) for x in drawn), (fingerprint, drawn)

    button = page.locator('[class*="st-key-bertviz_download_head"] button')
    name, page_html = _download(page, lambda: button.click())
    assert re.fullmatch(r"ch5-bertviz-head-view-layer-\d+-head-\d+\.html", name)
    text = page_html.decode("utf-8")
    assert 'data-bertviz-offline="1"' in text
    assert not re.search(r"<script[^>]+src=", text)  # everything inlined: it opens offline
    assert '"rained"' in text or "rained" in text
    assert page.blocked == []
