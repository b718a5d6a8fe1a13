"""Keep your own pictures: file names, the picture's size, the page's script block, and the CSV
writer the browser runs (``viz/csv.js``, run here with node: formulas disarmed, a heatmap as its
matrix, other traces point by point)."""

import json
import re
import shutil
import subprocess

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from ui import export, wayfinding
from viz import attention_explorer

NODE = shutil.which("node")


def test_slug_keeps_only_safe_characters():
    assert export.slug("Attention: layer 3!") == "attention-layer-3"
    assert export.slug("../../etc/passwd <script>") == "etc-passwd-script"
    assert export.slug("Café naïve") == "cafe-naive"
    assert export.slug("注意力") == ""
    assert len(export.slug("word " * 40)) <= export.SLUG_LIMIT


def test_chart_filename_names_the_chapter_and_the_chart():
    assert export.chart_filename("ch2", "bow_counts") == "ch2-bow-counts"
    assert export.chart_filename("ch2", None, "Document-term matrix (counts)") == "ch2-document-term-matrix-counts"
    assert export.chart_filename("ch7", "ch7_lens") == "ch7-lens"  # the chapter once, not twice
    chinese = export.chart_filename("ch2", None, "文档-词矩阵")
    assert re.fullmatch(r"ch2-chart-[0-9a-f]{6}", chinese)
    assert chinese != export.chart_filename("ch2", None, "余弦相似度")  # two charts, two names
    # a title spelled in part in Latin letters keeps them, and a fingerprint tells two apart
    counts, tfidf = (export.chart_filename("ch2", None, f"n = 1…1 的{what}") for what in ("计数", " TF-IDF"))
    assert re.fullmatch(r"ch2-n-1-1-[0-9a-f]{6}", counts) and re.fullmatch(r"ch2-n-1-1-tf-idf-[0-9a-f]{6}", tfidf)
    assert export.chart_filename("ch2", None, "n = 1…1 的计数") == counts  # the same chart, the same name
    assert export.chart_filename(None, None, "") == "llm-explainer-chart"
    # a learner's typed title leaves no markup or path in the name
    assert re.fullmatch(r"[a-z0-9-]+", export.chart_filename("ch1", None, '<img src=x onerror="a()"> / ..'))


def test_image_options_give_a_slide_sized_png():
    options = export.image_options(go.Figure(layout={"title": {"text": "Loss"}}), "ch4")
    assert options == {"format": "png", "filename": "ch4-loss", "width": 960, "height": 540, "scale": 2}
    tall = export.image_options(go.Figure(layout={"height": 700}), "ch5", key="heads")
    assert (tall["width"] * tall["scale"], tall["height"] * tall["scale"]) == (1920, 1400)


def test_the_page_block_is_recognised_and_nothing_else():
    for lang in ("en", "zh"):
        block = export.tools_block("ch2", lang)
        assert export.is_own_html(block) and wayfinding.is_own_html(block)
    smuggled = export.TOOLS_CSS + '<span class="llmx-export-wanted" data-x="<b>" hidden></span>' + export.EXPORT_SCRIPT
    assert not export.is_own_html(smuggled)
    assert not export.is_own_html("<b>typed</b>" + export.tools_block("ch2", "en"))


def test_the_script_survives_the_pages_html_sanitiser():
    """Streamlit's DOMPurify drops a <script> whose text has "<" before a letter, "/" or "!"."""
    body = export.EXPORT_SCRIPT[len("<script>"):-len("</script>")]
    assert not re.search(r"<[/\w!]", body)


def test_chart_sets_the_pictures_size_and_name():
    def script():
        import plotly.graph_objects as go
        import streamlit as st

        from ui.common import chart

        st.session_state["_export_chapter"] = "ch2"
        chart(go.Figure(go.Bar(x=["a"], y=[1]), layout={"title": {"text": "Counts"}}), key="bow_counts")
        chart(go.Figure(go.Bar(x=["a"], y=[1])), config={"displaylogo": False, "toImageButtonOptions": {"format": "svg"}})

    app = AppTest.from_function(script)
    app.run()
    assert not app.exception
    configs = [json.loads(element.proto.config) for element in app.get("plotly_chart")]
    assert configs[0]["toImageButtonOptions"] == {"format": "png", "filename": "ch2-bow-counts", "width": 960,
                                                  "height": 540, "scale": 2}
    assert configs[0]["displaylogo"] is False
    assert configs[1]["toImageButtonOptions"] == {"format": "svg"}  # a page's own choice wins


def test_the_explorer_carries_the_csv_writer_and_still_escapes():
    class Trace:
        model_name, tokens = "tiny", ["</script><b>", "=1+1"]
        n_layers = n_heads = n_kv_heads = 1
        head_dim, causal, rope, special = 2, True, False, []

    page = attention_explorer.explorer_html(Trace(), {}, {}, {}, [1.0])
    assert "llmxCsv" in page and "</script><b>" not in page


def test_bertviz_file_name():
    assert export.bertviz_filename("head", 2, 0) == "ch5-bertviz-head-view-layer-3-head-1.html"
    assert export.bertviz_filename("model") == "ch5-bertviz-model-view.html"


def _bertviz_button_script():
    import streamlit as st
    from streamlit import runtime

    from ui import downloads, export

    downloads.keep_clicked_files_here()  # as every page's set-up does (tests/pages/test_all_pages.py)
    export.bertviz_download('<!DOCTYPE html><p data-bertviz-offline="1">rained</p>', "head", "en", 2, 0)
    st.session_state["files"] = runtime.get_instance().media_file_mgr  # the server's, for the test


def test_a_bertviz_download_outlives_other_students_runs():
    """The page a click builds is still on the server after other sessions' runs end (a class
    ends several a second): ``ui.downloads`` keeps it, installed by every page's set-up. Without that,
    Streamlit kept what the callable returned under no session and the end of any two runs
    deleted it, so a download could be cancelled (seen on CI, 2026-12-07)."""
    at = AppTest.from_function(_bertviz_button_script, default_timeout=60).run()
    assert not at.exception
    button = at.get("download_button")[0].proto
    assert not button.url  # built on the click only: nothing for the browser to fetch before
    files = at.session_state["files"]
    url = files.execute_deferred(button.deferred_file_id)  # the click
    for _ in range(2):  # two other students' runs end before the browser asks for the file
        files.remove_orphaned_files()
    stored = files._storage.get_file(url.rsplit("/", 1)[-1])  # raises if it was deleted
    assert stored.content.decode("utf-8").endswith('<p data-bertviz-offline="1">rained</p>')
    assert stored.filename == "ch5-bertviz-head-view-layer-3-head-1.html" and stored.mimetype == "text/html"


def _csv(call: str) -> str:
    if NODE is None:
        pytest.skip("node is not installed")
    program = f"const c = require({json.dumps(str(export.HERE.parent / 'viz' / 'csv.js'))}); process.stdout.write({call});"
    result = subprocess.run([NODE, "-e", program], capture_output=True, check=True, timeout=30)
    return result.stdout.decode("utf-8")  # bytes: CSV's own "\r\n" kept as written


def test_csv_disarms_formulas_and_quotes_what_it_must():
    cells = ["=HYPERLINK(\"x\")", "+1", "-a", "@sum", "\tx", "plain", "a,b", 'say "hi"', -0.25, None, float("nan")]
    row = _csv(f"c.table([{json.dumps(cells)}])")  # json writes NaN, as JavaScript reads it
    assert row == ("\"'=HYPERLINK(\"\"x\"\")\",'+1,'-a,'@sum,'\tx,plain,\"a,b\",\"say \"\"hi\"\"\",-0.25,,\r\n")


def test_csv_of_a_figure_has_its_numbers():
    heatmap = {"type": "heatmap", "name": "counts", "x": ["&lt;b&gt;", "cat"], "y": ["S1", "=S2"], "z": [[1, 2], [3, 4]]}
    bars = {"type": "bar", "name": "loss", "x": ["a", "b"], "y": [0.5, -1.5]}
    line = {"type": "scatter", "x": [1, 2, 3], "y": [4, 5, 6], "text": ["x", "y", "z"]}
    text = _csv(f"c.figureCsv({json.dumps([heatmap, bars, line])})")
    matrix, points = text.split("\r\n\r\n")
    assert matrix.split("\r\n") == ["counts,<b>,cat", "S1,1,2", "'=S2,3,4"]
    assert points.strip().split("\r\n") == [
        "trace,point,x,y,text", "loss,0,a,0.5,", "loss,1,b,-1.5,", "trace 3,0,1,4,x", "trace 3,1,2,5,y", "trace 3,2,3,6,z"]
