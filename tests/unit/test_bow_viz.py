"""Chapter 2 figures: labelled, escaped, and carrying the numbers they are given."""

import numpy as np

from viz.bow import cosine_heatmap, dtm_heatmap, pca_scatter, sparsity_figure, vectors_figure


def test_dtm_heatmap_carries_matrix_words_and_escaped_sentences():
    matrix = np.array([[1.0, 0.0], [2.0, 1.0]])
    figure = dtm_heatmap(matrix, ["dog", "<b>"], ["<script>x</script>", "a dog"], "DTM", "count", "vocabulary")
    heatmap = figure.data[0]
    assert np.array_equal(np.array(heatmap.z), matrix)
    assert list(heatmap.x) == ["dog", "&lt;b&gt;"]
    assert all("<script" not in label for label in heatmap.y)
    assert heatmap.y[0].startswith("S1: ")
    assert figure.layout.title.text == "DTM" and figure.layout.xaxis.title.text == "vocabulary"


def test_cosine_heatmap_is_square_and_bounded():
    similarity = np.array([[1.0, 0.5], [0.5, 1.0]])
    figure = cosine_heatmap(similarity, ["a", "b"], "cos")
    assert figure.data[0].zmin == 0 and figure.data[0].zmax == 1
    assert list(figure.data[0].x) == ["S1", "S2"]


def test_vectors_figure_one_series_per_sentence():
    figure = vectors_figure(["bites", "dog"], [[1, 1], [1, 1]], ["A", "B"], "t", "x", "y")
    assert [trace.name for trace in figure.data] == ["A", "B"]
    assert list(figure.data[0].y) == list(figure.data[1].y)


def test_sparsity_figure_two_axes():
    figure = sparsity_figure([2, 10, 100], [10, 40, 120], [0.5, 0.8, 0.97], "t", "docs", "vocab", "zeros")
    assert list(figure.data[1].y) == [50.0, 80.0, 97.0]
    assert figure.layout.xaxis.type == "log"
    assert figure.layout.yaxis2.range == (0, 100)


def test_pca_scatter_one_trace_per_topic_other_last():
    coords = np.array([[0, 0], [1, 1], [2, 2], [3, 3]], dtype=float)
    figure = pca_scatter(
        coords,
        ["a", "b", "c", "d"],
        ["weather", "other", "animal", "weather"],
        {"weather": "Weather", "animal": "Animals", "other": "Other"},
        (0.4, 0.2),
        "t",
        "PC",
    )
    assert [trace.name for trace in figure.data] == ["Animals", "Weather", "Other"]
    assert list(figure.data[1].x) == [0.0, 3.0]
    assert "40%" in figure.layout.xaxis.title.text
