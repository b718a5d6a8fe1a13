"""Figures for chapter 5 (self-attention): plain arrays and strings in, plotly Figures out.

Tokens are text a student typed. Plotly reads a few HTML tags in labels, so every token
goes through :func:`token_label` (``html.escape``) before it reaches a figure, and token
axes are numeric positions with escaped tick labels: a sentence with "the" twice keeps
two rows instead of merging them into one category.

Speed: these figures are redrawn every time a student moves the layer or head slider.
Building them through plotly's validating constructors (``go.Heatmap``,
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

# Explicit colour lists: figures here skip plotly's validator, which is what would turn
# a Python-side name such as "RdBu_r" into colours (plotly.js knows no "_r" names, and
# its own "Blues" runs the other way).
WEIGHT_SCALE = get_colorscale("Blues")  # 0 = white, 1 = dark blue
VALUE_SCALE = get_colorscale("RdBu_r")  # negative blue, 0 white, positive red
MASKED_COLOUR = "#bdbdbd"
COLORBAR_ROOM = 100  # px right of the plot for a colour bar with its tick labels
SLIDER_ROOM = 105  # px below the x axis for the temperature slider and its labels


# --------------------------------------------------------------------------- helpers


def token_label(token: str, limit: int = 14) -> str:
    """A token made safe for a plotly label (escaped, long ones shortened)."""
    text = str(token)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def _labels(tokens: Sequence[str]) -> list[str]:
    return [token_label(tok) for tok in tokens]


def _token_axis(tokens: Sequence[str]) -> dict:
    return {"tickmode": "array", "tickvals": list(range(len(tokens))), "ticktext": _labels(tokens)}


def _finite_or_none(matrix: np.ndarray) -> list:
    """A matrix as nested lists with -inf/nan as None (plotly draws a gap)."""
    values = np.asarray(matrix, dtype=np.float64)
    return [[None if not np.isfinite(v) else round(float(v), 4) for v in row] for row in values]


def _hover_pairs(tokens: Sequence[str]) -> list[list[list[str]]]:
    labels = _labels(tokens)
    return [[[labels[r], labels[c]] for c in range(len(tokens))] for r in range(len(tokens))]


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


def matrix_heatmap(matrix: np.ndarray, row_tokens: Sequence[str], title: str, x_title: str, y_title: str,
                   column_tokens: Sequence[str] | None = None, colorscale: str = VALUE_SCALE,
                   zmid: float | None = 0.0, zmin: float | None = None, zmax: float | None = None,
                   show_values: bool = False, height: int | None = None) -> go.Figure:
    """One labelled heatmap: rows are tokens, columns are tokens or vector dimensions.

    ``-inf`` cells (masked) are drawn as grey gaps. ``title`` should carry the shape.
    """
    values = np.asarray(matrix, dtype=np.float64)
    n_rows, n_cols = values.shape
    if column_tokens is None and zmin is None and zmax is None and zmid == 0.0:
        zmax = robust_limit(values)  # one outlier dimension must not wash out the rest
        zmin = -zmax
    heat = _heatmap(_finite_or_none(values), colorscale=colorscale, zmid=zmid, zmin=zmin, zmax=zmax,
                    colorbar={"thickness": 14}, hoverongaps=False, ygap=1)
    layout_extra: dict = {}
    if column_tokens is not None:
        heat["xgap"] = 1
        if len(column_tokens) == n_rows:
            heat["customdata"] = _hover_pairs(row_tokens)
            heat["hovertemplate"] = "%{customdata[0]} → %{customdata[1]}<br>%{z:.3f}<extra></extra>"
        if show_values and n_rows <= 16:
            heat["texttemplate"] = "%{z:.2f}" if zmax is not None and zmax <= 1 else "%{z:.1f}"
            heat["textfont"] = {"size": 11}
        layout_extra["xaxis"] = {"title": {"text": x_title}, "tickangle": -45, **_token_axis(column_tokens)}
    else:
        heat["customdata"] = [[token_label(row_tokens[r])] * n_cols for r in range(n_rows)]
        heat["hovertemplate"] = "%{customdata}<br>dim %{x}: %{z:.3f}<extra></extra>"
        layout_extra["xaxis"] = {"title": {"text": x_title}}
    layout_extra["yaxis"] = {"autorange": "reversed", "title": {"text": y_title}, **_token_axis(row_tokens)}
    if np.isneginf(values).any():
        layout_extra["plot_bgcolor"] = MASKED_COLOUR
    rows_height = max(260, 34 * n_rows + 150)
    return _figure([heat], _layout(title, height or min(rows_height, 720), **layout_extra))


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


def score_panels_figure(panels: Sequence[tuple[str, np.ndarray]], tokens: Sequence[str], title: str,
                        x_title: str, y_title: str, show_values: bool = True) -> go.Figure:
    """Token x token matrices side by side in one chart (Q·Kᵀ, ÷√d, masked), each with
    its own symmetric colour range; -inf (masked) cells are grey gaps."""
    n_tokens = len(tokens)
    cells = _subplot_axes(1, len(panels), hspace=0.05, vspace=0.0)
    hover = _hover_pairs(tokens)
    data, layout, annotations = [], {}, []
    for index, ((name, matrix), (x_name, y_name, x_domain, y_domain)) in enumerate(zip(panels, cells, strict=True)):
        values = np.asarray(matrix, dtype=np.float64)
        limit = robust_limit(values, 100.0)
        trace = _heatmap(_finite_or_none(values), colorscale=VALUE_SCALE, zmid=0.0, zmin=-limit, zmax=limit,
                         xaxis=x_name, yaxis=y_name, showscale=False, hoverongaps=False, xgap=1, ygap=1,
                         customdata=hover, hovertemplate="%{customdata[0]} → %{customdata[1]}<br>%{z:.3f}<extra></extra>")
        if show_values and n_tokens <= 8:
            trace["texttemplate"] = "%{z:.1f}"
            trace["textfont"] = {"size": 11}
        data.append(trace)
        layout[f"xaxis{x_name[1:]}"] = {"domain": x_domain, "anchor": y_name, "title": {"text": x_title},
                                        "tickangle": -45, **_token_axis(tokens)}
        y_axis = {"domain": y_domain, "anchor": x_name, "autorange": "reversed", **_token_axis(tokens)}
        if index == 0:
            y_axis["title"] = {"text": y_title}
        else:
            y_axis["showticklabels"] = False
        layout[f"yaxis{y_name[1:]}"] = y_axis
        annotations.append(_subplot_title(name, x_domain, y_domain))
        if np.isneginf(values).any():
            layout["plot_bgcolor"] = MASKED_COLOUR
    height = min(max(320, 34 * n_tokens + 190), 760)
    return _figure(data, _layout(title, height, annotations=annotations, **layout))


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
        hover.append([[f"{labels[r]} · {html.escape(name)} dim {d}" for d in range(values.shape[1])]
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
               "ticktext": [f"<b>{html.escape(name)}</b>" for name, _ in panels], "showgrid": False,
               "zeroline": False, "tickfont": {"size": FONT_SIZE + 1}},
        yaxis={"autorange": "reversed", "title": {"text": y_title}, **_token_axis(tokens)},
    )
    return _figure([trace], layout)


def temperature_figure(frames: Sequence[np.ndarray], temperatures: Sequence[float], tokens: Sequence[str],
                       title: str, slider_label: str, x_title: str, y_title: str,
                       start_index: int | None = None) -> go.Figure:
    """Attention weights with a Plotly slider over softmax temperatures.

    Every frame is precomputed (``frames[i]`` = softmax(scores / ``temperatures[i]``)), so
    moving the slider redraws in the browser with no server round trip.
    """
    if start_index is None:
        start_index = int(np.argmin([abs(t - 1.0) for t in temperatures]))
    n_tokens = len(tokens)
    hover = _hover_pairs(tokens)

    def heat(weights: np.ndarray) -> dict:
        trace = _heatmap(np.asarray(weights, dtype=np.float64).round(4), zmin=0.0, zmax=1.0, colorscale=WEIGHT_SCALE,
                         xgap=1, ygap=1, colorbar={"thickness": 14}, customdata=hover,
                         hovertemplate="%{customdata[0]} → %{customdata[1]}<br>%{z:.3f}<extra></extra>")
        if n_tokens <= 16:
            trace["texttemplate"] = "%{z:.2f}"
            trace["textfont"] = {"size": 11}
        return trace

    names = [f"{t:g}" for t in temperatures]
    steps = [{"method": "animate", "label": name,
              "args": [[name], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                "transition": {"duration": 0}}]} for name in names]
    layout = _layout(
        title, min(max(400, 34 * n_tokens + 290), 850),
        sliders=[{"active": start_index, "steps": steps, "pad": {"t": 105},
                  "currentvalue": {"prefix": slider_label + ": ", "font": {"size": FONT_SIZE}}}],
        yaxis={"autorange": "reversed", "title": {"text": y_title}, **_token_axis(tokens)},
        xaxis={"title": {"text": x_title}, "tickangle": -45, **_token_axis(tokens)},
    )
    first = heat(frames[start_index])
    _fit_margins(layout, [first])
    layout["sliders"][0]["pad"]["t"] = layout["margin"]["b"]  # below the token labels
    layout["margin"]["b"] += SLIDER_ROOM
    frame_list = [{"name": name, "data": [heat(w)]} for w, name in zip(frames, names, strict=True)]
    return _figure([first], layout, frame_list)


def heads_grid_figure(weights: np.ndarray, tokens: Sequence[str], title: str, head_label: str,
                      selected: int | None = None, columns: int = 4) -> go.Figure:
    """Every head of one layer as a small attention heatmap (weights: (H, T, T)).

    Drawn as one mosaic heatmap (blocks separated by a blank row/column) rather than
    H subplots: one trace on one pair of axes redraws several times faster in the
    browser, which is what a student moving the layer slider waits for.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_heads, n_tokens, _ = weights.shape
    columns = min(columns, n_heads)
    rows = int(np.ceil(n_heads / columns))
    step = n_tokens + 1
    z = np.full((rows * step - 1, columns * step - 1), np.nan)
    labels = _labels(tokens)
    hover = [["" for _ in range(z.shape[1])] for _ in range(z.shape[0])]
    annotations = []
    for h in range(n_heads):
        row, col = divmod(h, columns)
        z[row * step: row * step + n_tokens, col * step: col * step + n_tokens] = weights[h]
        for r in range(n_tokens):
            for c in range(n_tokens):
                hover[row * step + r][col * step + c] = f"{head_label} {h}<br>{labels[r]} → {labels[c]}"
        mark = "▶ " if h == selected else ""
        annotations.append({"text": f"{mark}{head_label} {h}", "x": col * step + (n_tokens - 1) / 2, "y": row * step - 0.6,
                            "xref": "x", "yref": "y", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": FONT_SIZE - 1, "color": "#D55E00" if h == selected else "#333"}})
    trace = _heatmap(_finite_or_none(z), zmin=0.0, zmax=1.0, colorscale=WEIGHT_SCALE, hoverongaps=False,
                     colorbar={"thickness": 12}, customdata=hover,
                     hovertemplate="%{customdata}: %{z:.2f}<extra></extra>")
    y_axis = {"autorange": "reversed", "showgrid": False, "zeroline": False, "scaleanchor": "x", "constrain": "domain"}
    if n_tokens <= 14:
        y_axis.update({"tickmode": "array", "tickfont": {"size": 10},
                       "tickvals": [row * step + i for row in range(rows) for i in range(n_tokens)],
                       "ticktext": [labels[i] for _ in range(rows) for i in range(n_tokens)]})
    else:
        y_axis["showticklabels"] = False
    layout = _layout(title, 210 * rows + 120, annotations=annotations, yaxis=y_axis,
                     xaxis={"showticklabels": False, "showgrid": False, "zeroline": False, "constrain": "domain"},
                     plot_bgcolor="#ffffff")
    layout["margin"]["t"] = 90
    return _figure([trace], layout)


def overview_figure(scores: np.ndarray, title: str, layer_label: str, head_label: str, value_label: str,
                    selected: tuple[int, int] | None = None) -> go.Figure:
    """Layers x heads, one square per head coloured by ``scores[layer, head]``.

    Drawn as a scatter of square markers (not a heatmap) so a click selects a point and
    the page can open that head.
    """
    n_layers, n_heads = scores.shape
    layers, heads = np.meshgrid(np.arange(n_layers), np.arange(n_heads), indexing="ij")
    values = np.asarray(scores, dtype=np.float64)
    data = [{
        "type": "scatter", "x": heads.ravel().tolist(), "y": layers.ravel().tolist(), "mode": "markers",
        "marker": {"symbol": "square", "size": 30, "color": values.ravel().round(4), "colorscale": WEIGHT_SCALE,
                   "cmin": 0.0, "cmax": max(1e-6, float(values.max())), "showscale": True,
                   "colorbar": {"thickness": 14, "title": {"text": value_label}},
                   "line": {"width": 1, "color": "#555"}},
        "customdata": np.stack([layers.ravel(), heads.ravel()], axis=-1).tolist(),
        "hovertemplate": f"{layer_label} %{{y}}, {head_label} %{{x}}<br>{value_label}: %{{marker.color:.3f}}<extra></extra>",
    }]
    if selected is not None:
        data.append({"type": "scatter", "x": [selected[1]], "y": [selected[0]], "mode": "markers",
                     "hoverinfo": "skip", "showlegend": False,
                     "marker": {"symbol": "square-open", "size": 38, "color": "#D55E00", "line": {"width": 4}}})
    layout = _layout(
        title, 80 + 48 * n_layers + 60, showlegend=False, clickmode="event+select", dragmode=False,
        xaxis={"title": {"text": head_label}, "tickmode": "array", "tickvals": list(range(n_heads)),
               "range": [-0.6, n_heads - 0.4]},
        yaxis={"title": {"text": layer_label}, "tickmode": "array", "tickvals": list(range(n_layers)),
               "range": [n_layers - 0.4, -0.6]},
    )
    return _figure(data, layout)


def lines_figure(weights: np.ndarray, tokens: Sequence[str], focus: int, title: str,
                 causal: bool = False, min_weight: float = 0.01) -> go.Figure:
    """The sentence twice, side by side: a line from ``focus`` (left) to every token
    (right), its width and opacity proportional to the attention weight."""
    n_tokens = len(tokens)
    labels = _labels(tokens)
    row = np.asarray(weights[focus], dtype=np.float64)
    data = []
    for target in np.argsort(row):  # strongest drawn last, on top
        weight = float(row[target])
        if weight < min_weight:
            continue
        data.append({
            "type": "scatter", "x": [0.0, 1.0], "y": [focus, int(target)], "mode": "lines", "hoverinfo": "text",
            "text": f"{labels[focus]} → {labels[target]}: {weight:.3f}", "showlegend": False,
            "line": {"width": 1 + 18 * weight, "color": f"rgba(0,114,178,{0.15 + 0.85 * weight:.3f})"},
        })
    faded = [causal and i > focus for i in range(n_tokens)]
    data.append({
        "type": "scatter", "x": [0.0] * n_tokens, "y": list(range(n_tokens)), "mode": "text", "text": labels,
        "textposition": "middle left", "hoverinfo": "skip", "showlegend": False,
        "textfont": {"size": FONT_SIZE + 2, "color": ["#D55E00" if i == focus else "#222" for i in range(n_tokens)]},
    })
    data.append({
        "type": "scatter", "x": [1.0] * n_tokens, "y": list(range(n_tokens)), "mode": "text",
        "text": [f"{label}  {row[i]:.2f}" for i, label in enumerate(labels)], "textposition": "middle right",
        "hoverinfo": "skip", "showlegend": False,
        "textfont": {"size": FONT_SIZE + 2, "color": ["#aaaaaa" if faded[i] else "#222" for i in range(n_tokens)]},
    })
    layout = _layout(title, max(300, 30 * n_tokens + 110),
                     xaxis={"visible": False, "range": [-0.9, 1.9]},
                     yaxis={"visible": False, "range": [n_tokens - 0.5, -0.5]})
    return _figure(data, layout)


def heads_flipbook_figure(weights: np.ndarray, tokens: Sequence[str], title: str, slider_label: str,
                          x_title: str, y_title: str, start: tuple[int, int] = (0, 0)) -> go.Figure:
    """One head's attention weights with a Plotly slider over every layer x head.

    ``weights``: (L, H, T, T), e.g. ``AttentionTrace.all_weights()``. Every frame is
    precomputed (rounded to 3 decimals to keep the JSON small) and the colour scale is
    fixed to 0..1 so heads are comparable: moving the slider redraws in the browser
    with no server round trip. Step labels read ``L3·H1``; the slider starts at ``start``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_layers, n_heads, n_tokens, _ = weights.shape
    hover = _hover_pairs(tokens)
    names = [f"L{layer}·H{head}" for layer in range(n_layers) for head in range(n_heads)]
    start_layer = min(max(int(start[0]), 0), n_layers - 1)
    start_head = min(max(int(start[1]), 0), n_heads - 1)
    start_index = start_layer * n_heads + start_head

    def heat(matrix: np.ndarray, with_text: bool) -> dict:
        # Lists of 3-decimal numbers: plotly would write a numpy array as 8-byte floats.
        trace = _heatmap(matrix.round(3).tolist(), zmin=0.0, zmax=1.0, colorscale=WEIGHT_SCALE, xgap=1, ygap=1,
                         colorbar={"thickness": 14})
        if with_text:  # the first draw carries what frames leave unchanged
            trace["customdata"] = hover
            trace["hovertemplate"] = "%{customdata[0]} → %{customdata[1]}<br>%{z:.3f}<extra></extra>"
            if n_tokens <= 12:
                trace["texttemplate"] = "%{z:.2f}"
                trace["textfont"] = {"size": 11}
        return trace

    steps = [{"method": "animate", "label": name,
              "args": [[name], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                "transition": {"duration": 0}}]} for name in names]
    layout = _layout(
        title, min(max(420, 34 * n_tokens + 300), 860),
        sliders=[{"active": start_index, "steps": steps, "pad": {"t": 105},
                  "currentvalue": {"prefix": slider_label + ": ", "font": {"size": FONT_SIZE}},
                  "font": {"size": 10 if len(names) > 24 else FONT_SIZE - 2}}],
        yaxis={"autorange": "reversed", "title": {"text": y_title}, **_token_axis(tokens)},
        xaxis={"title": {"text": x_title}, "tickangle": -45, **_token_axis(tokens)},
    )
    first = heat(weights[start_layer, start_head], with_text=True)
    _fit_margins(layout, [first])
    layout["sliders"][0]["pad"]["t"] = layout["margin"]["b"]  # below the token labels
    layout["margin"]["b"] += SLIDER_ROOM
    frame_list = [{"name": name, "data": [heat(weights[index // n_heads, index % n_heads], with_text=False)]}
                  for index, name in enumerate(names)]
    return _figure([first], layout, frame_list)
