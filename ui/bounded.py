"""Text boxes with a length limit that say so: a paste longer than the limit is refused with a
message naming the limit, and the box keeps the text it had.

Streamlit's own ``max_chars`` silently drops a paste that is too long (the browser never sends
it), so a learner who pasted a paragraph sees nothing happen. Here the box takes any paste, and
a callback (which runs before the page) puts the previous text back and remembers why.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.common import t

_GOOD = "_bounded_good"  # {box key: the last text within the limit}
_REFUSED = "_bounded_refused"  # {box key: length of the paste just refused}


def _keep_within(key: str, limit: int, then: Callable[[], None] | None) -> None:
    """on_change: a text over ``limit`` is replaced by the box's previous text."""
    text = st.session_state.get(key) or ""
    good = st.session_state.setdefault(_GOOD, {})
    refused = st.session_state.setdefault(_REFUSED, {})
    if len(text) > limit:
        st.session_state[key] = good.get(key, "")
        refused[key] = len(text)
    else:
        good[key] = text
        refused.pop(key, None)
    if then is not None:
        then()


def text_input(label: str, *, key: str, limit: int, container=st, on_change=None, **kwargs) -> str:  # noqa: ANN001
    """``container.text_input`` that refuses more than ``limit`` characters, saying so, and
    keeps what the box held before. The box's session value must be set before (as a link's
    text or an example), so there is a previous text to keep."""
    good = st.session_state.setdefault(_GOOD, {})
    current = st.session_state.get(key)
    if isinstance(current, str) and len(current) <= limit:  # what the page set or the learner typed
        good[key] = current
    value = container.text_input(label, key=key, on_change=_keep_within, args=(key, limit, on_change), **kwargs)
    refused = st.session_state.get(_REFUSED, {}).pop(key, None)
    if refused is not None:
        container.warning(t("bounded.text.refused", length=f"{refused:,}", limit=limit), icon=":material/content_cut:")
    return value
