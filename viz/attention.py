"""Chapter 5's server-drawn figure (the input vectors): plain arrays and strings in, a
plotly Figure out. The explorer's charts (steps, one token, every head) are drawn in the
browser by :mod:`viz.attention_explorer`, with the same colour scales as here.

Tokens are text a student typed. Plotly reads a few HTML tags in labels, so every token
goes through :func:`token_label` (``viz.text.for_html``) before it reaches a figure, and token
axes are numeric positions with escaped tick labels: a sentence with "the" twice keeps
two rows instead of merging them into one category.

Speed: building figures through plotly's validating constructors (``go.Heatmap``,
``make_subplots``) cost 0.3-0.9 s per redraw on the 2-core machine, most of the page's
latency; so traces and layouts are written as plain dicts (the same keys plotly
documents) and wrapped once with ``go.Figure(..., _validate=False)``. The unit tests
check that the result passes plotly's validation.

No Streamlit here, and no model: every number drawn was computed in ``lm_core``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from viz.style import FONT_FAMILY, FONT_SIZE
from viz.text import for_html
from viz.tokens import display_token

# Explicit colour lists: figures here skip plotly's validator, which is what would turn
# a Python-side name such as "RdBu_r" into colours (plotly.js knows no "_r" names, and
# its own "Blues" runs the other way).
WEIGHT_SCALE = get_colorscale("Blues")  # 0 = white, 1 = dark blue
VALUE_SCALE = get_colorscale("RdBu_r")  # negative blue, 0 white, positive red
COLORBAR_ROOM = 100  # px right of the plot for a colour bar with its tick labels


# --------------------------------------------------------------------------- helpers


def token_label(token: str, limit: int = 14) -> str:
    """A token made safe for a plotly label (␣ for its space, escaped, long ones shortened)."""
    text = display_token(str(token))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return for_html(text)


def _labels(tokens: Sequence[str]) -> list[str]:
    return [token_label(tok) for tok in tokens]


def _token_axis(tokens: Sequence[str]) -> dict:
    return {"tickmode": "array", "tickvals": list(range(len(tokens))), "ticktext": _labels(tokens)}


def _finite_or_none(matrix: np.ndarray) -> list:
    """A matrix as nested lists with -inf/nan as None (plotly draws a gap)."""
    values = np.asarray(matrix, dtype=np.float64)
    return [[None if not np.isfinite(v) else round(float(v), 4) for v in row] for row in values]


def robust_limit(values: np.ndarray, percentile: float = 99.0) -> float:
    """A symmetric colour limit that a few outlier dimensions cannot wash out."""
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 1.0
    return float(np.percentile(finite, percentile)) or float(finite.max()) or 1.0


def _layout(title: str | None, height: int, **extra) -> dict:
    """The shared look (viz.style): large fonts, uncut margins. No plotly template: in
    an unvalidated figure it would stay a bare name plotly.js does not resolve, and
    st.plotly_chart applies Streamlit's own theme anyway."""
    layout = {
        "font": {"size": FONT_SIZE, "family": FONT_FAMILY},
        "margin": {"l": 40, "r": 20, "t": 60 if title else 30, "b": 40},
        "hoverlabel": {"font": {"size": FONT_SIZE}},
        "height": height,
    }
    if title is not None:
        layout["title"] = {"text": title, "x": 0.01, "xanchor": "left"}
    layout.update(extra)
    return layout


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """A generous estimate of a label's width in px (CJK characters count double)."""
    plain = html.unescape(str(text).replace("<b>", "").replace("</b>", ""))
    return sum(size * (1.05 if ord(ch) > 0x2E7F else 0.62) for ch in plain)


def _fit_margins(layout: dict, data: Sequence[dict] = ()) -> None:
    """Margins that fit the tick labels and axis titles, computed here instead of by
    plotly's ``automargin``.

    Streamlit's theme turns ``automargin`` on for every axis; plotly.js then draws each
    figure, measures its labels and draws it again. For the five charts a layer change
    redraws that was about 80 ms of the browser's work per change (bench/RESULTS.md), so
    the axes here switch it off and get room from the labels they carry.
    """
    margin = layout["margin"]
    # A colour bar (and the temperature slider, see temperature_figure) pushes the margin
    # it needs after a first draw, which makes plotly.js draw the figure again: give it
    # that room up front.
    if any(trace.get("showscale", True) for trace in data if trace.get("type") == "heatmap") or any(
            trace.get("marker", {}).get("showscale") for trace in data):
        margin["r"] = max(margin["r"], COLORBAR_ROOM)
    for name, axis in list(layout.items()):
        if not name.startswith(("xaxis", "yaxis")) or not isinstance(axis, dict):
            continue
        axis["automargin"] = False
        if axis.get("visible") is False:
            continue
        has_title = bool(axis.get("title", {}).get("text"))
        if has_title:
            axis["title"]["standoff"] = 8
        title_room = FONT_SIZE + 14 if has_title else 0
        ticks = axis.get("ticktext") if axis.get("showticklabels", True) else []
        if ticks is None:  # numeric ticks: at most four digits
            ticks = ["0000"] if name.startswith("y") else ["0"]
        size = axis.get("tickfont", {}).get("size", FONT_SIZE)
        widest = max((_text_width(tick, size) for tick in ticks), default=0.0)
        if name.startswith("y"):
            margin["l"] = max(margin["l"], round(widest + title_room + 14))
        elif axis.get("tickangle") == -45:
            margin["b"] = max(margin["b"], round(0.72 * widest + size + title_room + 14))
        else:
            margin["b"] = max(margin["b"], round(size * 1.4 + title_room + 10))


def _figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    _fit_margins(layout, data)
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)


def _subplot_axes(rows: int, cols: int, hspace: float, vspace: float) -> list[tuple[str, str, list, list]]:
    """Axis names and domains of a rows x cols grid, row 0 at the top (make_subplots' layout)."""
    width = (1.0 - hspace * (cols - 1)) / cols
    height = (1.0 - vspace * (rows - 1)) / rows
    cells = []
    for index in range(rows * cols):
        row, col = divmod(index, cols)
        x0 = col * (width + hspace)
        y1 = 1.0 - row * (height + vspace)
        suffix = "" if index == 0 else str(index + 1)
        cells.append((f"x{suffix}", f"y{suffix}", [x0, x0 + width], [y1 - height, y1]))
    return cells


def _subplot_title(text: str, x_domain: list, y_domain: list) -> dict:
    return {"text": text, "x": (x_domain[0] + x_domain[1]) / 2, "y": y_domain[1], "xref": "paper", "yref": "paper",
            "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": FONT_SIZE}}


def _heatmap(z, **kwargs) -> dict:
    return {"type": "heatmap", "z": z, **kwargs}


# --------------------------------------------------------------------------- figures


def vectors_figure(panels: Sequence[tuple[str, np.ndarray]], tokens: Sequence[str], x_title: str,
                   y_title: str, title: str, shared_scale: bool = True) -> go.Figure:
    """Several (T, width) matrices side by side (e.g. token embedding, position
    embedding, their sum; or Q, K, V).

    ``shared_scale``: one colour scale for all panels (comparable values); otherwise each
    panel gets its own and its title says its range (``±0.12``), so small vectors next
    to big ones stay visible without pretending they are the same size.
    """
    arrays = [np.asarray(matrix, dtype=np.float64) for _, matrix in panels]
    if shared_scale:
        return _vectors_mosaic(panels, arrays, tokens, x_title, y_title, title)
    limits = [robust_limit(a) for a in arrays]
    if shared_scale:
        limits = [max(limits)] * len(arrays)
        titles = [name for name, _ in panels]
    else:
        titles = [f"{name}<br>(±{limit:.2g})" for (name, _), limit in zip(panels, limits, strict=True)]
    cells = _subplot_axes(1, len(panels), hspace=0.03, vspace=0.0)
    data, layout, annotations = [], {}, []
    labels = _labels(tokens)
    for index, (values, (x_name, y_name, x_domain, y_domain)) in enumerate(zip(arrays, cells, strict=True)):
        limit = limits[index]
        data.append(_heatmap(
            values.round(4), colorscale=VALUE_SCALE, zmid=0.0, zmin=-limit, zmax=limit, xaxis=x_name, yaxis=y_name,
            showscale=shared_scale and index == len(panels) - 1, colorbar={"thickness": 14},
            customdata=[[labels[r]] * values.shape[1] for r in range(values.shape[0])],
            hovertemplate="%{customdata}<br>dim %{x}: %{z:.3f}<extra></extra>",
        ))
        layout[f"xaxis{x_name[1:]}"] = {"domain": x_domain, "anchor": y_name, "title": {"text": x_title}}
        y_axis = {"domain": y_domain, "anchor": x_name, "autorange": "reversed", **_token_axis(tokens)}
        if index == 0:
            y_axis["title"] = {"text": y_title}
        else:
            y_axis["matches"] = "y"
            y_axis["showticklabels"] = False
        layout[f"yaxis{y_name[1:]}"] = y_axis
        annotations.append(_subplot_title(titles[index], x_domain, y_domain))
    height = min(max(300, 30 * len(tokens) + 200), 740)
    figure_layout = _layout(title, height, annotations=annotations, **layout)
    figure_layout["margin"]["t"] = 110  # room for the title above two-line panel names
    return _figure(data, figure_layout)


def _vectors_mosaic(panels, arrays, tokens, x_title, y_title, title) -> go.Figure:
    """Panels sharing one colour scale, drawn as a single heatmap with blank columns
    between them (one trace: fast to redraw); the panel names label the x axis."""
    limit = max(robust_limit(a) for a in arrays)
    gap = max(1, sum(a.shape[1] for a in arrays) // 60)
    blocks, hover, centres, starts = [], [], [], []
    labels = _labels(tokens)
    column = 0
    for index, ((name, _), values) in enumerate(zip(panels, arrays, strict=True)):
        if index:
            blocks.append(np.full((values.shape[0], gap), np.nan))
            hover.append([[""] * gap for _ in range(values.shape[0])])
            column += gap
        starts.append(column)
        centres.append(column + (values.shape[1] - 1) / 2)
        blocks.append(values)
        hover.append([[f"{labels[r]} · {for_html(name)} dim {d}" for d in range(values.shape[1])]
                      for r in range(values.shape[0])])
        column += values.shape[1]
    z = np.concatenate(blocks, axis=1)
    hover_rows = [sum((part[r] for part in hover), []) for r in range(z.shape[0])]
    trace = _heatmap(_finite_or_none(z), colorscale=VALUE_SCALE, zmid=0.0, zmin=-limit, zmax=limit,
                     hoverongaps=False, colorbar={"thickness": 14}, customdata=hover_rows,
                     hovertemplate="%{customdata}: %{z:.3f}<extra></extra>")
    layout = _layout(
        title, min(max(280, 30 * len(tokens) + 170), 720), plot_bgcolor="#ffffff",
        xaxis={"title": {"text": x_title}, "tickmode": "array", "tickvals": centres,
               "ticktext": [f"<b>{for_html(name)}</b>" for name, _ in panels], "showgrid": False,
               "zeroline": False, "tickfont": {"size": FONT_SIZE + 1}},
        yaxis={"autorange": "reversed", "title": {"text": y_title}, **_token_axis(tokens)},
    )
    return _figure([trace], layout)


