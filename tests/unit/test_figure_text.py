"""ui.common.safe_figure_text: a learner's markup shows as text in every chart; a figure's own
line break between two lines of a label stays a line break."""

import plotly.graph_objects as go

from ui.common import safe_figure_text


def test_markup_is_text_but_the_figures_own_line_breaks_stay():
    figure = go.Figure(go.Bar(x=["tiny GPT<br>few-shot", "<b>bold</b>", "&lt;br&gt; typed"], y=[1, 2, 3],
                              name="<a href='x'>link</a>"))
    figure.update_layout(title="<script>alert(1)</script>", xaxis_title="<i>x</i>")
    safe_figure_text(figure)
    assert list(figure.data[0].x) == ["tiny GPT<br>few-shot", "&lt;b&gt;bold&lt;/b&gt;", "&lt;br&gt; typed"]
    assert figure.data[0].name == "&lt;a href='x'&gt;link&lt;/a&gt;"
    assert figure.layout.title.text == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert figure.layout.xaxis.title.text == "&lt;i&gt;x&lt;/i&gt;"
