"""Figures for chapter 9: chunks over the text, similarity of a question to every chunk, the
question among its neighbours, answers with their citations.

Plain data in, a plotly Figure or an HTML string out; no Streamlit, no model. Every piece of
text (the learner's own documents and questions too) goes through ``viz.text`` before it
reaches HTML or a chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from viz.style import PALETTE, apply_style
from viz.text import for_html, for_plotly

# Light backgrounds for chunks, readable with dark text; they repeat after eight.
CHUNK_COLOURS = ("#dbeafe", "#fde68a", "#bbf7d0", "#fbcfe8", "#bae6fd", "#fed7aa", "#e9d5ff", "#d9f99d")
CHOSEN_COLOUR = PALETTE[1]  # orange: a chunk put in the prompt
OTHER_COLOUR = "#94a3b8"  # grey: a chunk left out
QUESTION_COLOUR = PALETTE[5]


def _hover(text: str, width: int = 60) -> str:
    """A chunk's text for a hover box: escaped, broken into lines of about ``width`` characters."""
    lines, line = [], ""
    for word in text.split(" "):
        if len(line) + len(word) > width and line:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
        while len(line) > width:  # Chinese: no spaces to break at
            lines.append(line[:width])
            line = line[width:]
    lines.append(line)
    return "<br>".join(for_html(part) for part in lines)


def chunks_html(text: str, spans: Sequence[tuple[int, int]], overlap_label: str, numbers: Sequence[int] | None = None) -> str:
    """``text`` with each chunk drawn as a coloured span, its number in front; characters in
    two chunks (overlap) are underlined. ``numbers``: the label of each chunk (default 1, 2, ...)."""
    numbers = list(numbers) if numbers is not None else list(range(1, len(spans) + 1))
    starts = {start: k for k, (start, _) in enumerate(spans)}
    cuts = sorted({0, len(text), *(s for s, _ in spans), *(e for _, e in spans)})
    parts = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        if left in starts:
            k = starts[left]
            parts.append(f'<sup style="font-weight:700;color:#1e3a8a;margin-right:1px;">{numbers[k]}</sup>')
        owners = [k for k, (s, e) in enumerate(spans) if s <= left and right <= e]
        piece = for_html(text[left:right]).replace("\n", "<br>")
        if not owners:
            parts.append(f'<span style="color:#6b7280;">{piece}</span>')
            continue
        colour = CHUNK_COLOURS[owners[-1] % len(CHUNK_COLOURS)]
        style = f"background:{colour};border-radius:3px;"
        title = ""
        if len(owners) > 1:
            style += "text-decoration:underline wavy #b45309;"
            title = f' title="{for_html(overlap_label)}"'
        parts.append(f'<span style="{style}"{title}>{piece}</span>')
    return f'<div style="font-family:sans-serif;line-height:1.9;font-size:1rem;">{"".join(parts)}</div>'


def similarity_figure(scores: Sequence[float], texts: Sequence[str], chosen: Sequence[int],
                      labels: Mapping[str, str], gold: Sequence[bool] | None = None, height: int = 380) -> go.Figure:
    """One bar per chunk: how similar it is to the question; the top-k chosen in orange.
    ``gold``: chunks that hold the right answer get a dark outline. ``labels``: ``title``,
    ``x``, ``y``, ``chosen``, ``other``, ``gold``."""
    numbers = list(range(1, len(scores) + 1))
    chosen_set = set(chosen)
    gold = list(gold) if gold is not None else [False] * len(scores)
    figure = go.Figure()
    for name, picked in ((labels["chosen"], True), (labels["other"], False)):
        rows = [i for i in range(len(scores)) if (i in chosen_set) == picked]
        figure.add_bar(
            x=[numbers[i] for i in rows], y=[float(scores[i]) for i in rows], name=name,
            marker={"color": CHOSEN_COLOUR if picked else OTHER_COLOUR,
                    "line": {"color": ["#111827" if gold[i] else "rgba(0,0,0,0)" for i in rows], "width": 2}},
            customdata=[_hover(texts[i]) for i in rows],
            hovertemplate=f"#%{{x}} · %{{y:.3f}}<br>%{{customdata}}<extra>{for_html(name)}</extra>",
        )
    if any(gold):
        figure.add_scatter(x=[None], y=[None], mode="markers", name=labels["gold"],
                           marker={"symbol": "square-open", "color": "#111827", "size": 12})
    apply_style(figure, height=height, title=labels["title"])
    figure.update_layout(barmode="overlay", bargap=0.15, legend={"orientation": "h", "y": -0.3},
                         xaxis={"title": {"text": labels["x"]}}, yaxis={"title": {"text": labels["y"]}})
    return figure


def map_figure(points: Sequence[Sequence[float]], texts: Sequence[str], chosen: Sequence[int], question: str,
               labels: Mapping[str, str], height: int = 420) -> go.Figure:
    """Chunks and the question on a 2D map (the last point is the question): chunks put in
    the prompt orange, the others grey, the question a star."""
    chosen_set = set(chosen)
    figure = go.Figure()
    for name, picked in ((labels["other"], False), (labels["chosen"], True)):
        rows = [i for i in range(len(texts)) if (i in chosen_set) == picked]
        figure.add_scatter(
            x=[points[i][0] for i in rows], y=[points[i][1] for i in rows], mode="markers+text" if picked else "markers",
            text=[f"#{i + 1}" for i in rows], textposition="top center", name=name,
            marker={"color": CHOSEN_COLOUR if picked else OTHER_COLOUR, "size": 11 if picked else 8},
            customdata=[_hover(texts[i]) for i in rows],
            hovertemplate=f"#%{{text}}<br>%{{customdata}}<extra>{for_html(name)}</extra>" if not picked
            else "%{text}<br>%{customdata}<extra></extra>",
        )
    figure.add_scatter(x=[points[-1][0]], y=[points[-1][1]], mode="markers", name=labels["question"],
                       marker={"symbol": "star", "size": 20, "color": QUESTION_COLOUR},
                       hovertemplate=f"{_hover(question)}<extra></extra>")
    apply_style(figure, height=height, title=labels["title"])
    figure.update_layout(legend={"orientation": "h", "y": -0.12}, xaxis={"showticklabels": False, "title": None},
                         yaxis={"showticklabels": False, "title": None})
    return figure


def answer_html(title: str, text: str, cited: Sequence[int], note: str, verdict: str | None = None) -> str:
    """An answer in a card: its title, the text (escaped), the chunks it cites as chips, a note."""
    chips = "".join(
        f'<span style="background:{CHOSEN_COLOUR};color:#111827;border-radius:10px;padding:1px 8px;margin-right:4px;'
        f'font-weight:600;">[{n}]</span>' for n in cited
    )
    verdict_html = f'<div style="margin-top:4px;font-weight:600;">{for_html(verdict)}</div>' if verdict else ""
    return (
        '<div style="font-family:sans-serif;border:1px solid #cbd5e1;border-radius:8px;padding:10px;">'
        f'<div style="font-weight:700;margin-bottom:6px;">{for_html(title)}</div>'
        f'<div style="font-size:1.05rem;white-space:pre-wrap;">{for_html(text)}</div>'
        f'<div style="margin-top:6px;">{chips}<span style="color:#4b5563;">{for_html(note)}</span></div>'
        f"{verdict_html}</div>"
    )


def accuracy_figure(rows: Mapping[str, float], title: str, x_label: str, height: int = 260) -> go.Figure:
    """Share of right answers per condition, as horizontal bars."""
    names = list(rows)
    figure = go.Figure(go.Bar(
        y=[for_plotly(n) for n in names], x=[rows[n] for n in names], orientation="h",
        marker={"color": [PALETTE[i % len(PALETTE)] for i in range(len(names))]},
        text=[f"{rows[n]:.0%}" for n in names], textposition="auto",
    ))
    apply_style(figure, height=height, title=title)
    figure.update_layout(xaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": x_label}},
                         yaxis={"autorange": "reversed"})
    return figure
