"""A link printed for a class to type: every character kept, lines broken only between its parts.

A projected address wrapped by the browser broke inside words ("Self attentio n") and clipped the
underscore at a line's end. Here the address is monospace, with a break opportunity (``<wbr>``)
only after ``/``, ``?``, ``&`` and ``=``; a single part longer than a line may still wrap anywhere
(``overflow-wrap: anywhere``) rather than run off screen. The visible text is exactly the address.
"""

from __future__ import annotations

import re

from viz.text import for_html

LINK_CLASS = "projected-link"
LINK_CSS = (
    f".{LINK_CLASS} {{ font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;"
    " font-size: 2.2rem; font-weight: 600; line-height: 1.5; white-space: normal; word-break: normal;"
    " overflow-wrap: anywhere; hyphens: none; display: block; padding: 0.15em 0; }"
)
_BREAK_AFTER = re.compile(r"(?<=[?&=])|(?<=[^:/]/)")  # never inside "://"


def link_html(url: str) -> str:
    """``url`` as HTML, escaped, with a line break allowed only after ``/ ? & =``."""
    parts = [part for part in _BREAK_AFTER.split(url) if part]
    body = "<wbr>".join(for_html(part) for part in parts)
    return f'<style>{LINK_CSS}</style><p class="{LINK_CLASS}" translate="no">{body}</p>'


def link_text(html: str) -> str:
    """The text a browser shows for ``link_html``'s output (tests compare it with the address)."""
    import html as html_module

    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "", body))
