"""Figures for chapter 7: next-token candidates, the timeline of steps, the context window.

Plain data in (token strings, probabilities, flags), a plotly Figure or an HTML string
out; no Streamlit, no model. All labels come in translated from the page. Every token
string goes through ``viz.text.for_html`` before it reaches HTML: tokens come from the
student's prompt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from lm_core.decoding.candidates import Candidate
from viz.style import apply_style
from viz.text import for_html
from viz.tokens import display_token

KEPT_COLOUR = "#0072B2"  # blue: still a candidate after top-k / top-p
CUT_COLOUR = "#cbd5e1"  # light grey: cut by top-k / top-p
CHOSEN_COLOUR = "#E69F00"  # orange: the token taken
PROMPT_COLOUR = "#e5e7eb"
# Probability as colour: low = warm red, high = deep green (readable with dark text).
PROB_SCALE = [[0.0, "#f87171"], [0.35, "#fbbf24"], [0.7, "#a3e635"], [1.0, "#22c55e"]]


def probability_colour(p: float) -> str:
    """Colour of a probability in [0, 1] on the red → green scale."""
    return sample_colorscale(PROB_SCALE, [min(1.0, max(0.0, float(p)))])[0]


def percent(p: float) -> str:
    """A probability as a readable percentage; tiny ones are not shown as a flat 0."""
    p = float(p)
    if p == 0:
        return "0%"
    if p < 0.001:
        return "<0.1%"
    return f"{100 * p:.1f}%"


def _shown(token: str) -> str:
    """A token as learners read it on every page (␣ for its space; see ``viz.tokens``)."""
    return display_token(token)


def candidates_figure(
    candidates: Sequence[Candidate],
    labels: Mapping[str, str],
    show_model: bool = False,
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars: the top candidates for the next token, most likely on top.

    Per :class:`~lm_core.decoding.candidates.Candidate`: ``tempered`` (probability after
    temperature, what top-k / top-p look at) is the bar; ``final`` (after the filters,
    renormalised, 0 for cut tokens) is the label; ``kept`` colours it blue (survives the
    filters) or grey (cut); ``chosen`` orange (the token taken). ``show_model``: mark the
    model's own probabilities (temperature 1) as black ticks.
    ``labels``: ``title``, ``x``, ``kept``, ``cut``, ``chosen``, ``model``.
    """
    n = len(candidates)
    tempered = [c.tempered for c in candidates]
    final = [c.final for c in candidates]
    model_probs = [c.model_prob for c in candidates] if show_model else None
    chosen = next((k for k, c in enumerate(candidates) if c.chosen), None)
    names = [f"{k + 1}. {_shown(c.token)}" for k, c in enumerate(candidates)]
    colours, status = [], []
    for candidate in candidates:
        if candidate.chosen:
            colours.append(CHOSEN_COLOUR)
            status.append(labels.get("chosen", "chosen"))
        elif candidate.kept:
            colours.append(KEPT_COLOUR)
            status.append(labels.get("kept", "kept"))
        else:
            colours.append(CUT_COLOUR)
            status.append(labels.get("cut", "cut"))
    text = [f"{percent(c.tempered)} → {percent(c.final)}" if c.kept else f"{percent(c.tempered)} ✗" for c in candidates]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=names,
            x=list(tempered),
            orientation="h",
            marker={
                "color": colours,
                "line": {"color": "#1f2937", "width": [2 if c == CHOSEN_COLOUR else 0 for c in colours]},
            },
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=list(zip(status, [100 * f for f in final], strict=True)),
            hovertemplate="%{y}<br>%{x:.1%}<br>%{customdata[0]}: %{customdata[1]:.1f}%<extra></extra>",
            name=labels.get("x", "probability"),
            showlegend=False,
        )
    )
    if model_probs is not None:
        fig.add_trace(
            go.Scatter(
                y=names,
                x=list(model_probs),
                mode="markers",
                marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#111827"}},
                name=labels.get("model", "model (T = 1)"),
                hovertemplate="%{y}<br>" + labels.get("model", "model") + ": %{x:.1%}<extra></extra>",
                showlegend=True,
            )
        )
    # Legend entries for the bar colours (invisible points: one per meaning).
    for colour, key in ((KEPT_COLOUR, "kept"), (CUT_COLOUR, "cut"), (CHOSEN_COLOUR, "chosen")):
        if key == "chosen" and chosen is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 14, "color": colour},
                name=labels.get(key, key),
                showlegend=True,
                hoverinfo="skip",
            )
        )
    top = max([*tempered, *(model_probs or [0.0]), 0.01])
    # Room on the right for the labels; ticks only up to 100 %.
    ticks = [v / 10 for v in range(0, 11) if v / 10 <= top + 0.05]
    fig.update_xaxes(
        title_text=labels.get("x", "probability"),
        tickformat=".0%",
        range=[0, top * 1.45 + 0.02],
        tickvals=ticks if len(ticks) > 2 else None,
    )
    fig.update_yaxes(autorange="reversed", title_text=labels.get("y", ""), type="category")
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0}, bargap=0.25)
    return apply_style(fig, height=height or max(320, 42 * n + 140), title=labels.get("title"))


def timeline_figure(
    tokens: Sequence[str],
    probs: Sequence[float],
    selected: int | None,
    labels: Mapping[str, str],
    forced: Sequence[bool] | None = None,
) -> go.Figure:
    """One bar per generated token: its probability under the model; the selected step outlined."""
    x = list(range(1, len(tokens) + 1))
    colours = [probability_colour(p) for p in probs]
    widths = [3 if selected is not None and k == selected else 0 for k in range(len(tokens))]
    hover_forced = [labels.get("forced", "forced") if (forced and forced[k]) else "" for k in range(len(tokens))]
    fig = go.Figure(
        go.Bar(
            x=x,
            y=list(probs),
            marker={"color": colours, "line": {"color": "#111827", "width": widths}},
            text=[_shown(t) for t in tokens],
            textposition="outside",
            cliponaxis=False,
            customdata=hover_forced,
            hovertemplate="#%{x} %{text}<br>%{y:.1%} %{customdata}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=labels.get("x", "step"), dtick=1 if len(tokens) <= 30 else 5)
    fig.update_yaxes(title_text=labels.get("y", "probability"), tickformat=".0%", range=[0, 1.15])
    return apply_style(fig, height=300, title=labels.get("title"))


_SLOT = (
    "display:inline-flex;align-items:center;justify-content:center;min-width:2.1em;height:2.2em;"
    "margin:2px;padding:0 5px;border-radius:6px;font-size:1.0rem;color:#111827;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre;"
)


def _slot(label: str, style: str, title: str) -> str:
    return f'<span title="{for_html(title)}" style="{_SLOT}{style}">{for_html(label)}</span>'


def context_slots_html(
    tokens: Sequence[str],
    generated: Sequence[bool],
    probs: Sequence[float | None],
    block_size: int,
    labels: Mapping[str, str],
    max_empty: int | None = None,
) -> str:
    """The context window as ``block_size`` slots filling up with tokens.

    ``max_empty``: draw at most this many empty slots, then "… +N" (a 2,048-token window).

    Tokens that no longer fit (the oldest ones) are drawn first, faded and struck
    through; then the window: prompt tokens grey, generated tokens coloured by
    ``probs`` (red = unlikely, green = likely); empty slots dashed.
    ``labels``: ``window`` (with ``{used}``/``{size}``), ``cropped`` (with ``{count}``),
    ``prompt``, ``generated``, ``low``, ``high``.
    """
    total = len(tokens)
    cropped = max(0, total - block_size)
    parts: list[str] = []
    if cropped:
        crop_label = labels.get("cropped", "{count} cropped").format(count=cropped)
        shown = range(max(0, cropped - 12), cropped)  # the last few that fell out
        faded = "".join(
            _slot(_shown(tokens[k]), "background:#f3f4f6;opacity:0.55;text-decoration:line-through;", f"#{k + 1}")
            for k in shown
        )
        more = "… " if cropped > len(shown) else ""
        parts.append(f'<div style="margin-bottom:6px;color:#6b7280;">✂ {for_html(crop_label)} {more}{faded}</div>')
    slots = []
    for k in range(cropped, total):
        if generated[k]:
            p = probs[k] if probs[k] is not None else 0.0
            style = f"background:{probability_colour(p)};border:1px solid #374151;"
            title = f"#{k + 1} · p = {100 * p:.1f}%"
        else:
            style = f"background:{PROMPT_COLOUR};border:1px solid #9ca3af;"
            title = f"#{k + 1} · {labels.get('prompt', 'prompt')}"
        slots.append(_slot(_shown(tokens[k]), style, title))
    free = block_size - (total - cropped)
    for _ in range(free if max_empty is None else min(free, max_empty)):
        slots.append(_slot(" ", "border:1px dashed #9ca3af;background:#ffffff;", ""))
    if max_empty is not None and free > max_empty:
        slots.append(_slot(f"… +{free - max_empty}", "border:1px dashed #9ca3af;background:#ffffff;", ""))
    used = total - cropped
    header = labels.get("window", "{used}/{size}").format(used=used, size=block_size)
    legend = (
        f'<span style="{_SLOT}background:{PROMPT_COLOUR};border:1px solid #9ca3af;">{for_html(labels.get("prompt", "prompt"))}</span>'
        f'<span style="margin:0 6px;">{for_html(labels.get("generated", "generated"))}:</span>'
        f'<span style="{_SLOT}background:{probability_colour(0.05)};">{for_html(labels.get("low", "low"))}</span>'
        f'<span style="{_SLOT}background:{probability_colour(0.5)};">50%</span>'
        f'<span style="{_SLOT}background:{probability_colour(1.0)};">{for_html(labels.get("high", "high"))}</span>'
    )
    return (
        '<div style="font-family:sans-serif;">'
        f'<div style="font-weight:600;margin-bottom:4px;">{for_html(header)}</div>'
        + "".join(parts)
        + f'<div style="display:flex;flex-wrap:wrap;border:2px solid #0072B2;border-radius:8px;padding:4px;">{"".join(slots)}</div>'
        + f'<div style="margin-top:6px;font-size:0.9rem;">{legend}</div></div>'
    )


# The prompt in a strip may be long or hold line breaks (a chat template): let it wrap.
_PROMPT_SLOT = _SLOT.replace("display:inline-flex;", "display:inline;").replace(
    "white-space:pre;", "white-space:pre-wrap;"
)
_PROMPT_SLOT = _PROMPT_SLOT.replace("height:2.2em;", "line-height:2.2em;word-break:break-word;")


def token_strip_html(prompt: str, tokens: Sequence[str], probs: Sequence[float], title: str | None = None) -> str:
    """A continuation as coloured tokens after the prompt (for greedy vs sampled)."""
    chips = "".join(
        _slot(_shown(token), f"background:{probability_colour(p)};margin:1px;", f"p = {100 * p:.1f}%")
        for token, p in zip(tokens, probs, strict=True)
    )
    heading = f'<div style="font-weight:600;margin-bottom:4px;">{for_html(title)}</div>' if title else ""
    return (
        f'<div style="font-family:sans-serif;">{heading}<div style="line-height:2.4;">'
        f'<span style="{_PROMPT_SLOT}background:{PROMPT_COLOUR};">{for_html(prompt)}</span>{chips}</div></div>'
    )


def generated_text_html(prompt: str, generated: str, note: str | None = None) -> str:
    """The text so far: the prompt in normal weight, what the model added in bold blue."""
    extra = f'<div style="color:#6b7280;font-size:0.9rem;margin-top:4px;">{for_html(note)}</div>' if note else ""
    return (
        '<div style="font-size:1.25rem;line-height:1.6;white-space:pre-wrap;font-family:sans-serif;">'
        f"<span>{for_html(prompt)}</span>"
        f'<span style="font-weight:700;color:#0072B2;">{for_html(generated)}</span></div>{extra}'
    )


# --- SmolLM2: the chat template, the logit lens -----------------------------------------

ROLE_COLOURS = {"system": "#ede9fe", "user": "#dbeafe", "assistant": "#dcfce7"}
SPECIAL_STYLE = "background:#1f2937;color:#ffffff;border:1px solid #1f2937;font-family:monospace;"


def chat_template_html(
    tokens: Sequence[str], roles: Sequence[str | None], special: Sequence[bool], labels: Mapping[str, str]
) -> str:
    """A ChatML prompt token by token: one line per turn, coloured by its role, special tokens dark.

    ``labels``: a translated name per role (``system``, ``user``, ``assistant``) and ``special``
    (the legend for the dark chips).
    """
    lines: list[list[str]] = [[]]
    line_roles: list[str | None] = [None]
    for token, role, is_special in zip(tokens, roles, special, strict=True):
        if is_special and token == "<|im_start|>" and lines[-1]:
            lines.append([])
            line_roles.append(role)
        if not lines[-1]:
            line_roles[-1] = role
        style = SPECIAL_STYLE if is_special else f"background:{ROLE_COLOURS.get(role or '', '#f3f4f6')};"
        lines[-1].append(_slot(_shown(token), style, token))
    rows = []
    for role, chips in zip(line_roles, lines, strict=True):
        name = labels.get(role or "", role or "")
        badge = (
            f'<span style="display:inline-block;min-width:7em;font-weight:600;">{for_html(name)}</span>'
            if name
            else '<span style="display:inline-block;min-width:7em;"></span>'
        )
        rows.append(f'<div style="margin:3px 0;line-height:2.2;">{badge}{"".join(chips)}</div>')
    legend = f'<div style="margin-top:6px;"><span style="{_SLOT}{SPECIAL_STYLE}">&lt;|…|&gt;</span> {for_html(labels.get("special", ""))}</div>'
    return f'<div style="font-family:sans-serif;font-size:1rem;">{"".join(rows)}{legend}</div>'


def _cell(token: str, width: int = 9) -> str:
    shown = _shown(token)
    return for_html(shown if len(shown) <= width else shown[: width - 1] + "…")


def logit_lens_figure(
    position_tokens: Sequence[str],
    row_labels: Sequence[str],
    top_tokens: Sequence[Sequence[Sequence[str]]],
    top_probs: Sequence[Sequence[Sequence[float]]],
    labels: Mapping[str, str],
) -> go.Figure:
    """Layers × positions: in each cell the top next-token guess, coloured by its probability.

    ``top_tokens[r][t]`` / ``top_probs[r][t]``: the k best guesses at row r (0 = embedding,
    bottom) and position t; the cell shows the first, the hover all k. ``labels``: ``title``,
    ``x``, ``y``, ``prob``. Tokens are escaped: they come from the learner's prompt. The
    hover names the cell's row as the y axis does (``row_labels``: layers counted from 1).
    """
    rows, cols = len(top_tokens), len(position_tokens)
    z = [[float(top_probs[r][c][0]) for c in range(cols)] for r in range(rows)]
    text = [[_cell(top_tokens[r][c][0]) for c in range(cols)] for r in range(rows)]
    hover = [
        [
            "<br>".join(
                [f"<b>{for_html(str(row_labels[r]))}</b> · {for_html(_shown(position_tokens[c]))}"]
                + [
                    f"{for_html(_shown(tok))}: {percent(p)}"
                    for tok, p in zip(top_tokens[r][c], top_probs[r][c], strict=True)
                ]
            )
            for c in range(cols)
        ]
        for r in range(rows)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(cols)),
            y=list(range(rows)),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="Blues",
            zmin=0.0,
            zmax=1.0,
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": labels.get("prob", "p")}, "tickformat": ".0%"},
        )
    )
    apply_style(fig)
    fig.update_layout(
        title={"text": for_html(labels.get("title", ""))},
        height=140 + 24 * rows,
        margin={"l": 110, "r": 20, "t": 60, "b": 90},
        xaxis={
            "title": {"text": for_html(labels.get("x", ""))},
            "tickmode": "array",
            "tickvals": list(range(cols)),
            "ticktext": [_cell(tok, 12) for tok in position_tokens],
            "tickfont": {"size": 14},
            "side": "bottom",
        },
        yaxis={
            "title": {"text": for_html(labels.get("y", ""))},
            "tickmode": "array",
            "tickvals": list(range(rows)),
            "ticktext": list(row_labels),
            "tickfont": {"size": 14},
        },
    )
    return fig
