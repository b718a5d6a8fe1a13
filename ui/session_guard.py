"""Two checks at the top of every page (``ui.common.setup_page`` calls
:func:`require_class_code` and :func:`check_lost_model`).

**The class code.** A teacher who sets ``LLM_EXPLAINER_CLASS_CODE`` (say, to ``maple42``)
closes the app to anyone who was not told the code: every page first asks for it, once per
browser tab (remembered in the session; a link may carry it as ``?code=maple42``, which is
then taken out of the address bar). Unset, nothing is asked.

**A lost trained model.** What a learner trains lives in their session, in the server's
memory. When the server restarts, or a sticky proxy sends the tab to another replica, the page
comes back with the settings (they are in the URL) but without the model, and would silently
show the shipped one. So a page with a trained model adds ``trained=<chapter>`` to its URL;
a session that opens with that mark but never had the model is told so, and asked to press
Train again (identical requests are shared by the queue: often it comes back at once).
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

from ui import i18n

CLASS_CODE_ENV = "LLM_EXPLAINER_CLASS_CODE"
CODE_PARAM = "code"
_CODE_OK = "_class_code_ok"
_CODE_TYPED = "_class_code_typed"

#: Where each chapter keeps what a learner trained (its ``st.session_state`` keys). A page
#: that keeps it elsewhere calls :func:`mark_trained` / :func:`check_lost_model` itself.
TRAINED_KEYS: dict[str, tuple[str, ...]] = {
    "ch3": ("w2v_model",),
    "ch4": ("ch4_run",),
    "ch8": ("ch8_pt_run", "ch8_ft_result", "ch8_it_result"),
}
TRAINED_PARAM = "trained"
_HAD = "_trained_in_session"  # chapters whose trained model this session has held


# --------------------------------------------------------------------------- class code


def class_code() -> str | None:
    """The code a teacher set (``LLM_EXPLAINER_CLASS_CODE``), or None for an open app."""
    code = os.environ.get(CLASS_CODE_ENV, "").strip()
    return code or None


def code_matches(typed: object, code: str) -> bool:
    """Compare in constant time (no hint from how long a wrong guess took)."""
    return hmac.compare_digest(str(typed).strip().encode("utf-8"), code.encode("utf-8"))


def require_class_code(lang: str) -> None:
    """Ask for the class code once per session; ``st.stop()`` until it is right."""
    code = class_code()
    if code is None or st.session_state.get(_CODE_OK):
        return
    wrong = False
    from_url = st.query_params.get(CODE_PARAM)
    if from_url is not None:
        del st.query_params[CODE_PARAM]  # out of the address bar (and of links copied from it)
        if code_matches(from_url, code):
            st.session_state[_CODE_OK] = True
            return
        wrong = True
    st.title(i18n.translate("faults.class_code.title", lang))
    st.markdown(i18n.translate("faults.class_code.prompt", lang))
    typed = st.text_input(i18n.translate("faults.class_code.label", lang), key=_CODE_TYPED, type="password",
                          max_chars=200)
    if typed:
        if code_matches(typed, code):
            st.session_state[_CODE_OK] = True
            st.session_state.pop(_CODE_TYPED, None)
            st.rerun()
        wrong = True
    if wrong:
        st.error(i18n.translate("faults.class_code.wrong", lang), icon=":material/lock:")
    st.stop()


# --------------------------------------------------------------------------- lost trained model


def _marked() -> list[str]:
    value = st.query_params.get(TRAINED_PARAM) or ""
    return [name for name in value.split(",") if name]


def _set_marks(names: list[str]) -> None:
    if names:
        value = ",".join(sorted(set(names)))
        if st.query_params.get(TRAINED_PARAM) != value:
            st.query_params[TRAINED_PARAM] = value
    elif TRAINED_PARAM in st.query_params:
        del st.query_params[TRAINED_PARAM]


def mark_trained(namespace: str) -> None:
    """This session now holds a model it trained on page ``namespace``: say so in the URL.
    ``check_lost_model`` does it by itself on the page's next run; call this right after
    training to mark the URL at once."""
    st.session_state.setdefault(_HAD, set()).add(namespace)
    if namespace not in _marked():
        _set_marks([*_marked(), namespace])


def _forget(namespace: str) -> None:
    _set_marks([name for name in _marked() if name != namespace])


def check_lost_model(namespace: str, lang: str, keys: tuple[str, ...] | None = None) -> bool:
    """On page ``namespace``: mark the URL while the session holds a trained model (``keys``,
    default :data:`TRAINED_KEYS`); if the URL has the mark but this session never held the
    model, tell the learner and offer to train again. True when the notice was shown."""
    keys = TRAINED_KEYS.get(namespace, ()) if keys is None else keys
    if any(key in st.session_state for key in keys):
        mark_trained(namespace)
        return False
    if namespace not in _marked():
        return False
    if namespace in st.session_state.get(_HAD, set()):
        _forget(namespace)  # the learner let it go here (a reset): nothing was lost
        return False
    st.info(i18n.translate("faults.lost.message", lang), icon=":material/cloud_off:")
    st.button(i18n.translate("faults.lost.dismiss", lang), key=f"_lost_{namespace}", on_click=_forget,
              args=(namespace,), icon=":material/restart_alt:")
    return True
