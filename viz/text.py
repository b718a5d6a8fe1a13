"""Learner text made safe to show: the one place that escapes it, for every path.

Whatever a student typed (or put in a link) is shown literally, never read as markup:

- ``visible``: control and invisible format characters (``\\x07``, ESC, zero-width
  space, right-to-left override) are written out as ``\\x07`` / ``\\u202e``, so a
  message never carries them raw and never flips the direction of the text around it.
- ``for_markdown``: for ``st.markdown``, captions, messages and widget labels (Markdown,
  Streamlit's ``:red[...]`` / ``:material/...:`` directives, LaTeX ``$``).
- ``for_html``: for ``st.html``, iframes, Plotly labels and hover text (quotes too).
- ``for_html_text``: the same between tags only, where a quote may stay a quote.
- ``for_plotly``: for chart titles, axis titles, legend names and tick labels (Plotly
  reads ``<b>``, ``<a href>``, ``<br>`` in them).

No Streamlit here (tests use these directly).
"""

from __future__ import annotations

import html
import unicodedata

_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=")
_KEEP = frozenset("\n\t")


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` with control and invisible format characters written out as escapes."""
    out = []
    for ch in str(text):
        if ch not in _KEEP and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def for_markdown(text: object) -> str:
    """Literal inside Streamlit Markdown: every character Markdown could read as syntax
    gets a backslash; line breaks become spaces (a message stays one paragraph)."""
    shown = visible(text).replace("\n", " ").replace("\t", " ")
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in shown)


def for_html(text: object) -> str:
    """Literal inside HTML (quotes too, so it is safe in an attribute)."""
    return html.escape(visible(text), quote=True)


def for_html_text(text: object) -> str:
    """Literal between HTML tags (never inside an attribute): ``<``, ``>`` and ``&``
    become entities while quotes and apostrophes stay as typed (``don't`` in a label)."""
    return html.escape(visible(text), quote=False)


def for_plotly(text: object) -> str:
    """Literal inside a Plotly title or label: its pseudo-HTML tags become text.

    Only ``<`` and ``>`` are replaced: an entity a figure factory already wrote
    (``&lt;``) stays as it is, so text escaped once is not escaped twice."""
    return visible(text).replace("<", "&lt;").replace(">", "&gt;")
