"""Figures for chapter 1: tokens as coloured chips (HTML), token counts (plotly).

Plain data in, HTML string / plotly Figure out; no Streamlit. Every piece of text that
came from the user goes through ``viz.text.for_html`` before it touches the HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from lm_core.tokenizers.lesson import Token
from viz.text import for_html, for_markdown

# Soft colours that stay readable with dark text on a projector; a token's colour comes
# from its id, so the same token has the same colour everywhere on the page.
PALETTE = (
    "#fde68a",
    "#bbf7d0",
    "#bfdbfe",
    "#fbcfe8",
    "#ddd6fe",
    "#fed7aa",
    "#a5f3fc",
    "#d9f99d",
    "#fecaca",
    "#e9d5ff",
)
UNKNOWN_COLOUR = "#ef4444"
SPECIAL_COLOUR = "#d1d5db"
WHITESPACE_MARKS = {" ": "␣", "\n": "↵", "\t": "⇥"}
#: How our tiny models' BPE writes a space at the start of a word (SentencePiece's mark).
METASPACE = "\u2581"
_HEX_BYTES = re.compile(r"(⟨[0-9a-f]{2}(?: [0-9a-f]{2})*⟩)")

_CHIP = (
    "display:inline-flex;flex-direction:column;align-items:center;margin:3px 2px;"
    "padding:3px 7px;border-radius:7px;border:1px solid #6b7280;background:{bg};color:#111827;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.05rem;line-height:1.25;"
)
_ID = "font-size:0.72rem;color:#374151;margin-top:1px;"
_NOTE = "font-size:0.78rem;color:#92400e;font-family:sans-serif;margin-top:1px;white-space:nowrap;"
_BOX = "display:flex;flex-wrap:wrap;align-items:flex-start;padding:4px 0;"


def show_whitespace(text: str, visible: bool) -> str:
    """Make spaces, newlines and tabs visible (␣ ↵ ⇥) when ``visible``; the bytes of a
    piece of a character (``⟨e4 b8⟩``) keep their plain spaces."""
    if not visible:
        return text
    parts = _HEX_BYTES.split(text)  # odd positions: the ⟨…⟩ groups
    return "".join(
        part if k % 2 else "".join(WHITESPACE_MARKS.get(ch, ch) for ch in part) for k, part in enumerate(parts)
    )


def display_token(token: str) -> str:
    """A token the way a learner reads it on every page: a space that belongs to the token
    is ␣, whether the tokenizer writes it "▁" (our tiny models), as a plain space (a
    decoded byte-level token such as SmolLM2's) or stored it as "Ġ" (decode those first:
    ``lm_core.tokenizers.lesson.symbols_to_text``); a newline is ↵, a tab ⇥, and a token
    of no characters ∅. One helper, so the symbol is the same on every page."""
    if token == "":
        return "∅"
    return show_whitespace(str(token).replace(METASPACE, " "), True)


def byte_note(parts: Sequence[tuple[str, int, int, int]], labels: Mapping[str, str]) -> str:
    """What a byte-level piece holds, in words from ``labels`` (``whole`` "{char}", ``part``
    and ``one`` with ``{first}``, ``{last}``, ``{total}``): "下 1–2/3" for the first two of
    the three bytes of 下. Empty for a piece of whole characters (its text says it all)."""
    if all((first, last) == (1, total) for _, first, last, total in parts):
        return ""
    notes = []
    for char, first, last, total in parts:
        key = "whole" if (first, last) == (1, total) else "one" if first == last else "part"
        notes.append(labels.get(key, "{char}").format(char=display_token(char), first=first, last=last, total=total))
    return " · ".join(notes)


def chip_colour(token: Token) -> str:
    if token.unknown:
        return UNKNOWN_COLOUR
    if token.special:
        return SPECIAL_COLOUR
    return PALETTE[token.id % len(PALETTE)]


def token_chips_html(
    tokens: Sequence[Token],
    whitespace_visible: bool = False,
    show_ids: bool = True,
    source_text: str | None = None,
    notes: Sequence[str] | None = None,
) -> str:
    """A row of chips, one per token: its text on top, its id underneath.

    ``[UNK]`` chips are red, added tokens ([CLS], [SEP]) grey; the tooltip gives the
    characters of the input the token came from (quoted from ``source_text`` if given,
    so hovering an ``[UNK]`` shows what was lost). ``notes``: a line under a chip's text
    (the character a byte piece belongs to, see :func:`byte_note`), empty for none.
    """
    chips = []
    for k, token in enumerate(tokens):
        label = show_whitespace(token.shown, whitespace_visible)
        if not label.strip():  # a chip of pure space still needs a visible body
            label = label or " "
        title = f"id {token.id} · chars {token.start}–{token.end}"
        if source_text is not None and token.end > token.start:
            title += f" · “{source_text[token.start : token.end]}”"
        colour = chip_colour(token)
        text_colour = "#ffffff" if token.unknown else "#111827"
        chip_style = _CHIP.format(bg=colour) + f"color:{text_colour};"
        if token.special:
            chip_style += "border-style:dashed;"
        id_line = f'<span style="{_ID}color:{text_colour};">{token.id}</span>' if show_ids else ""
        chips.append(
            f'<span title="{for_html(title)}" style="{chip_style}">'
            f'<span style="white-space:pre;">{for_html(label)}</span>{_note_line(notes, k)}{id_line}</span>'
        )
    return f'<div style="{_BOX}">{"".join(chips)}</div>'


def _note_line(notes: Sequence[str] | None, k: int) -> str:
    note = notes[k] if notes is not None and k < len(notes) else ""
    return f'<span style="{_NOTE}">{for_html(note)}</span>' if note else ""


def pieces_html(pieces: Sequence[str], whitespace_visible: bool = True, notes: Sequence[str] | None = None) -> str:
    """Chips without ids, for the BPE history of one word (``pieces`` already readable;
    ``notes`` as in :func:`token_chips_html`)."""
    chips = []
    for k, piece in enumerate(pieces):
        label = show_whitespace(piece, whitespace_visible) or " "
        style = _CHIP.format(bg=PALETTE[k % len(PALETTE)])
        chips.append(
            f'<span style="{style}"><span style="white-space:pre;">{for_html(label)}</span>{_note_line(notes, k)}</span>'
        )
    return f'<span style="display:inline-flex;flex-wrap:wrap;">{"".join(chips)}</span>'


def token_count_figure(
    counts: Mapping[str, Mapping[str, int]],
    tokenizer_labels: Mapping[str, str],
    series_labels: Mapping[str, str],
    title: str,
    y_title: str,
) -> go.Figure:
    """Grouped bars: for each tokenizer (x), the token count of each text (one bar per
    series, e.g. the English and the Chinese sentence).

    ``counts[series][tokenizer]`` -> number of tokens.
    """
    figure = go.Figure()
    colours = ("#2563eb", "#dc2626", "#059669", "#d97706")
    for k, (series, by_tokenizer) in enumerate(counts.items()):
        kinds = [kind for kind in tokenizer_labels if kind in by_tokenizer]
        figure.add_bar(
            name=series_labels.get(series, series),
            x=[tokenizer_labels[kind] for kind in kinds],
            y=[by_tokenizer[kind] for kind in kinds],
            text=[by_tokenizer[kind] for kind in kinds],
            textposition="outside",
            marker_color=colours[k % len(colours)],
            hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
        )
    figure.update_layout(
        title=title,
        barmode="group",
        yaxis_title=y_title,
        font=dict(size=16),
        height=380,
        margin=dict(t=60, b=40, l=60, r=20),
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
    )
    return figure


def word_history_figure(stages: Sequence[tuple[int, int]], title: str, x_title: str, y_title: str) -> go.Figure:
    """Step plot: a number of tokens (y) against the vocabulary size (x)."""
    xs = [size for size, _ in stages]
    ys = [pieces for _, pieces in stages]
    marker_size = 9 if len(xs) <= 20 else 5
    figure = go.Figure(
        go.Scatter(x=xs, y=ys, mode="lines+markers", line_shape="hv", marker=dict(size=marker_size), line=dict(width=3))
    )
    figure.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        font=dict(size=16),
        height=320,
        margin=dict(t=60, b=50, l=60, r=20),
    )
    figure.update_yaxes(rangemode="tozero", dtick=1 if ys and max(ys) <= 12 else None)
    return figure


def word_stages_html(
    stages: Sequence[tuple[str, Sequence[str], str]],
    whitespace_visible: bool = True,
    notes: Sequence[Sequence[str]] | None = None,
) -> str:
    """One line per stage of a word's BPE history: a label (vocabulary size), the pieces
    as chips, and a note (the merge that made this split). All three are escaped.
    ``notes[i]``: the lines under stage i's chips (see :func:`pieces_html`)."""
    lines = []
    for i, (label, pieces, note) in enumerate(stages):
        chip_notes = notes[i] if notes is not None and i < len(notes) else None
        lines.append(
            '<div style="display:flex;align-items:center;gap:12px;font-size:1rem;margin:2px 0;">'
            f'<span style="min-width:9em;font-weight:600;">{for_html(label)}</span>'
            f"{pieces_html(pieces, whitespace_visible, chip_notes)}"
            f'<span style="color:#4b5563;white-space:pre;">{for_html(note)}</span></div>'
        )
    return f"<div>{''.join(lines)}</div>"


def escape_markdown(text: str) -> str:
    """User text made literal inside Streamlit Markdown (labels, messages, captions):
    see ``viz.text.for_markdown``, the one escaping helper."""
    return for_markdown(text)


def byte_pieces_html(pieces: Sequence, labels: Mapping[str, str]) -> str:
    """Byte-level tokens of a text, each with its bytes and the character(s) they belong to.

    ``pieces``: objects with ``id``, ``hex``, ``shown``, ``parts`` ((char, first, last, total)
    per character, 1-based) and ``partial`` (see ``SmolTokenizer.byte_breakdown``).
    ``labels``: ``whole`` ("{char}"), ``part`` ("{char}: bytes {first}–{last} of {total}") and
    ``one`` ("{char}: byte {first} of {total}").
    A piece of a character shows its bytes, never a broken glyph.
    """
    chips = []
    for k, piece in enumerate(pieces):
        notes = []
        for char, first, last, total in piece.parts:
            key = "whole" if (first, last) == (1, total) else "one" if first == last else "part"
            template = labels.get(key, "{char}")
            notes.append(template.format(char=show_whitespace(char, True), first=first, last=last, total=total))
        top = piece.hex if piece.partial else show_whitespace(piece.shown, True)
        colour = "#fde68a" if piece.partial else PALETTE[k % len(PALETTE)]
        chips.append(
            f'<span title="id {piece.id}" style="{_CHIP.format(bg=colour)}">'
            f'<span style="white-space:pre;font-family:monospace;">{for_html(top)}</span>'
            f'<span style="{_ID}">{for_html(" · ".join(notes))}</span></span>'
        )
    return f'<div style="{_BOX}">{"".join(chips)}</div>'
