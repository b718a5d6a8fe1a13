"""Figures for chapter 2 (bag-of-words). Plain data in, plotly Figure out; no Streamlit.

Sentences and words typed by the user appear in hover labels and axis ticks; plotly
reads a few HTML tags there, so they are escaped first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.labels import place_labels
from viz.text import for_html

FONT = dict(size=16)
TOPIC_COLOURS = (
    "#2563eb",
    "#dc2626",
    "#059669",
    "#d97706",
    "#7c3aed",
    "#db2777",
    "#0891b2",
    "#65a30d",
    "#92400e",
    "#1e3a8a",
    "#f472b6",
    "#14b8a6",
    "#facc15",
    "#7f1d1d",
)
OTHER_COLOUR = "#9ca3af"


def short_label(text: str, limit: int = 28) -> str:
    """A sentence cut to fit an axis tick, escaped."""
    text = " ".join(text.split())
    return for_html(text if len(text) <= limit else text[: limit - 1] + "…")


def sentence_labels(sentences: Sequence[str]) -> list[str]:
    """ "S1: The dog bites…" — numbered so two equal sentences stay two rows."""
    return [f"S{k + 1}: {short_label(s)}" for k, s in enumerate(sentences)]


def dtm_heatmap(
    matrix: np.ndarray,
    vocabulary: Sequence[str],
    sentences: Sequence[str],
    title: str,
    value_name: str,
    x_title: str,
) -> go.Figure:
    """The document-term matrix: one row per sentence, one column per vocabulary word;
    hovering a cell gives the sentence, the word and its value."""
    words = [for_html(w) for w in vocabulary]
    rows = sentence_labels(sentences)
    integer = np.allclose(matrix, np.round(matrix))
    cell_text = [[(f"{v:.0f}" if integer else f"{v:.2f}") if v else "" for v in row] for row in matrix]
    figure = go.Figure(
        go.Heatmap(
            z=np.asarray(matrix).tolist(),
            x=words,
            y=rows,
            text=cell_text,
            texttemplate="%{text}" if len(words) <= 32 and len(rows) <= 20 else None,
            colorscale="Blues",
            zmin=0,
            colorbar=dict(title=value_name),
            hovertemplate=f"%{{y}}<br>%{{x}}<br>{for_html(value_name)}: %{{z:.3g}}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    figure.update_layout(
        title=title,
        xaxis_title=x_title,
        font=FONT,
        height=max(320, 90 + 34 * len(rows)),
        margin=dict(t=60, b=60, l=10, r=10),
    )
    figure.update_xaxes(tickangle=-45, side="bottom", type="category")
    figure.update_yaxes(autorange="reversed", type="category")
    return figure


def cosine_heatmap(similarity: np.ndarray, sentences: Sequence[str], title: str) -> go.Figure:
    """Cosine similarity of every pair of sentences (1 on the diagonal)."""
    labels = [f"S{k + 1}" for k in range(len(sentences))]
    hover = [[f"{short_label(a, 40)}<br>{short_label(b, 40)}" for b in sentences] for a in sentences]
    figure = go.Figure(
        go.Heatmap(
            z=np.round(np.asarray(similarity), 6).tolist(),
            x=labels,
            y=labels,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            text=hover,
            texttemplate="%{z:.2f}" if len(labels) <= 15 else None,
            hovertemplate="%{text}<br>cos = %{z:.3f}<extra></extra>",
            colorbar=dict(title="cos"),
        )
    )
    figure.update_layout(title=title, font=FONT, height=max(360, 120 + 36 * len(labels)), margin=dict(t=60, b=40))
    figure.update_yaxes(autorange="reversed", type="category", showgrid=False)
    figure.update_xaxes(type="category", showgrid=False)
    return figure


def vectors_figure(
    vocabulary: Sequence[str],
    vectors: Sequence[Sequence[float]],
    names: Sequence[str],
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """Two (or more) sentence vectors as grouped bars over the vocabulary, so equal
    vectors are visibly equal."""
    figure = go.Figure()
    words = [for_html(w) for w in vocabulary]
    for k, (vector, name) in enumerate(zip(vectors, names, strict=True)):
        figure.add_bar(
            x=words,
            y=[float(v) for v in vector],
            name=for_html(name),
            marker_color=TOPIC_COLOURS[k % len(TOPIC_COLOURS)],
            hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
        )
    figure.update_layout(
        title=title,
        barmode="group",
        xaxis_title=x_title,
        yaxis_title=y_title,
        font=FONT,
        height=380,
        margin=dict(t=60, b=60),
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
    )
    figure.update_xaxes(type="category")
    return figure


def sparsity_figure(
    documents: Sequence[int],
    vocabulary_sizes: Sequence[int],
    zero_shares: Sequence[float],
    title: str,
    x_title: str,
    vocab_name: str,
    zeros_name: str,
) -> go.Figure:
    """Vocabulary size (left axis) and share of zeros (right axis) against the number of
    documents, on a log x axis."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Scatter(
            x=list(documents),
            y=list(vocabulary_sizes),
            name=vocab_name,
            mode="lines+markers",
            line=dict(color="#2563eb", width=3),
        ),
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=list(documents),
            y=[100 * z for z in zero_shares],
            name=zeros_name,
            mode="lines+markers",
            line=dict(color="#dc2626", width=3, dash="dash"),
        ),
        secondary_y=True,
    )
    figure.update_layout(
        title=title,
        font=FONT,
        height=400,
        margin=dict(t=60, b=50),
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
    )
    figure.update_xaxes(title_text=x_title, type="log")
    figure.update_yaxes(title_text=vocab_name, secondary_y=False, rangemode="tozero")
    figure.update_yaxes(title_text=zeros_name + " (%)", secondary_y=True, range=[0, 100], dtick=20, showgrid=False)
    return figure


def pca_scatter(
    coordinates: np.ndarray,
    sentences: Sequence[str],
    topics: Sequence[str],
    topic_names: dict[str, str],
    explained: tuple[float, float],
    title: str,
    axis_name: str,
    extra: np.ndarray | None = None,
    extra_sentences: Sequence[str] = (),
    extra_name: str = "",
) -> go.Figure:
    """Sentences as points in 2D (PCA of their vectors), one colour per topic; ``extra``
    points (the learner's own sentences) drawn on top as labelled black stars."""
    figure = go.Figure()
    for k, topic in enumerate(sorted(set(topics), key=lambda t: (t == "other", t))):
        idx = [i for i, t in enumerate(topics) if t == topic]
        figure.add_scatter(
            x=coordinates[idx, 0].tolist(),
            y=coordinates[idx, 1].tolist(),
            mode="markers+text" if len(sentences) <= 20 else "markers",
            text=[f"S{i + 1}" for i in idx],
            textposition="top center",
            customdata=[short_label(sentences[i], 60) for i in idx],
            name=for_html(topic_names.get(topic, topic)),
            marker=dict(
                size=13,
                color=OTHER_COLOUR if topic == "other" else TOPIC_COLOURS[k % len(TOPIC_COLOURS)],
                line=dict(width=1, color="#111827"),
            ),
            hovertemplate="%{customdata}<extra>%{fullData.name}</extra>",
        )
    if extra is not None and len(extra):
        # The stars' labels never overlap: each takes a free side of its star (on top
        # of the corpus points, so the whole map sets the scale).
        names = [f"S{i + 1}" for i in range(len(extra))]
        spots = place_labels(np.vstack([extra[:, :2], coordinates[:, :2]]), names + [""] * len(coordinates),
                             must=range(len(extra)), budget=len(extra), width_px=900, height_px=360,
                             font_px=15, marker_px=17)[: len(extra)]
        figure.add_scatter(
            x=extra[:, 0].tolist(),
            y=extra[:, 1].tolist(),
            mode="markers+text",
            text=[name if spot else "" for name, spot in zip(names, spots, strict=True)],
            textposition=[spot or "top center" for spot in spots],
            textfont=dict(size=15, color="#111827"),
            customdata=[short_label(s, 60) for s in extra_sentences],
            name=for_html(extra_name),
            marker=dict(size=17, symbol="star", color="#111827", line=dict(width=1, color="#ffffff")),
            hovertemplate="%{customdata}<extra>%{fullData.name}</extra>",
        )
    figure.update_layout(
        title=title,
        font=FONT,
        height=480,
        xaxis_title=f"{axis_name} 1 ({explained[0]:.0%})",
        yaxis_title=f"{axis_name} 2 ({explained[1]:.0%})",
        margin=dict(t=60, b=50),
    )
    return figure
