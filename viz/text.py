"""Learner text made safe to show: the one place that escapes it, for every path.

Whatever a student typed (or put in a link) is shown literally, never read as markup:

- ``visible``: control and invisible format characters (``\\x07``, ESC, zero-width
  space, right-to-left override) are written out as ``\\x07`` / ``\\u202e``, so a
  message never carries them raw and never flips the direction of the text around it;
  the joiners inside emoji and scripts (ZWJ, ZWNJ, emoji tags) stay characters.
- ``for_markdown``: for ``st.markdown``, captions, messages and widget labels (Markdown,
  Streamlit's ``:red[...]`` / ``:material/...:`` directives, LaTeX ``$``, and GFM's
  literal autolinks of ``http://``, ``www.`` and e-mail addresses).
- ``for_html``: for ``st.html``, iframes, Plotly labels and hover text (quotes too).
- ``for_html_text``: the same between tags only, where a quote may stay a quote.
- ``for_plotly``: for chart titles, axis titles, legend names and tick labels (Plotly
  reads ``<b>``, ``<a href>``, ``<br>`` in them).

No Streamlit here (tests use these directly).
"""

from __future__ import annotations

import html
import re
import unicodedata

_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=")
_KEEP = frozenset("\n\t")
# Joiners that build emoji (👨‍👩‍👧), Indic and Persian letters, and the tag characters of
# flag emoji: harmless, and written out they would show as "\u200d" in the middle of an emoji.
_JOINERS = frozenset("\u200c\u200d") | frozenset(chr(code) for code in range(0xE0020, 0xE0080))
# Streamlit's Markdown (react-markdown with remark-gfm) turns ``http://…``, ``www.…`` and
# ``name@host.tld`` into live links AFTER backslash escapes are resolved, so escaping ":" or "."
# does not stop it. A WORD JOINER (U+2060: invisible, no line break) where those patterns start
# leaves the text looking the same and no longer a link.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?<=@)(?=[-\w])")


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` with control and invisible format characters written out as escapes."""
    out = []
    for ch in str(text):
        if ch not in _KEEP and ch not in _JOINERS and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def for_markdown(text: object) -> str:
    """Literal inside Streamlit Markdown: every character Markdown could read as syntax
    gets a backslash; line breaks become spaces (a message stays one paragraph)."""
    shown = _AUTOLINK_STARTS.sub(WORD_JOINER, visible(text).replace("\n", " ").replace("\t", " "))
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
