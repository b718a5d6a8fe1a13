"""Chapter 6: one sentence through the three families, side by side, and their masks.

The encoder fills in masked tokens (seeing both sides), the GPT guesses the next token at
every position (seeing only the left), the encoder-decoder writes back a span hidden behind
a sentinel (reading the input through cross-attention). Each column is an ``st.fragment``:
moving its control reruns only it. The link carries ``text``, ``mask`` and ``span``.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from lm_core.analysis import families as fam
from lm_core.analysis import quiz
from lm_core.core.errors import InputError
from lm_core.core.text import clean_text
from lm_core.data.curriculum import FAMILY_EXAMPLES
from ui import bounded, shared
from ui.chapters.ch6 import views
from ui.common import (
    chart,
    guard,
    guarded_fragment,
    join_sentences,
    main_chart,
    md,
    plain,
    projector_fit,
    projector_on,
    query_param,
    set_query_param,
    show_error,
    t,
)
from ui.predict import ask
from viz import families as figs
from viz.tokens import display_token

MAX_CHARS = 200


def sentence_control(lang: str) -> str | None:
    """The sentence box (from the link on a fresh visit); the cleaned sentence or None."""
    default = FAMILY_EXAMPLES[lang].sentence
    st.session_state.setdefault("ch6_text", (query_param("text", default) or default)[: MAX_CHARS * 2])
    text = bounded.text_input(t("ch6.sentence.label"), key="ch6_text", help=t("ch6.sentence.help"), limit=MAX_CHARS)
    set_query_param("text", text)
    try:
        return clean_text(text, max_chars=MAX_CHARS)
    except InputError as exc:
        show_error(exc)
        return None


def token_names(tokens: list[str]) -> dict[int, str]:
    return {i: f"{i}: {display_token(tok)}" for i, tok in enumerate(tokens)}


#: The projector's height (px) of a column's charts: with the sentence, the column's name and
#: its tabs above them, they stay on a 720 px screen.
PROJECTOR_GUESS_HEIGHT, PROJECTOR_ATTENTION_HEIGHT = 220, 380


def _two_parts():
    """What a family writes, then where it looks. On a projector the two are tabs of the
    column (both drawn, widgets kept; the teacher switches), so a column fits the first
    screen; elsewhere one after the other as before."""
    if projector_on():
        return st.tabs([t("ch6.families.tab_writes"), t("ch6.families.tab_looks")])
    return contextlib.nullcontext(), contextlib.nullcontext()


def _goal(key: str, top: bool) -> None:
    """A column's goal: under its name, or on a projector under its charts."""
    if top != projector_on():
        st.caption(t(key))


def _mask_choice(lang: str, text: str, n_tokens: int) -> None:
    """The masked tokens in session state: from the link on a fresh visit, the lesson's
    choice on a new sentence, kept inside the sentence."""
    if "ch6_mask" not in st.session_state or st.session_state.get("_ch6_mask_text") != text:
        fresh_visit = "_ch6_mask_text" not in st.session_state
        wanted = fam.mask_from_link(query_param("mask"), n_tokens) if fresh_visit else None
        st.session_state["ch6_mask"] = fam.opening_mask(lang, text, n_tokens) if wanted is None else wanted
        st.session_state["_ch6_mask_text"] = text
    st.session_state["ch6_mask"] = [i for i in st.session_state["ch6_mask"] if 0 <= i < n_tokens]


@guarded_fragment
def encoder_column(lang: str, text: str, ids: list[int]) -> None:
    tokens = views.tokenizer(lang).tokens(ids)
    st.markdown("#### " + t("ch6.families.encoder"))
    _goal("ch6.families.encoder_goal", top=True)
    writes, looks = _two_parts()
    names = token_names(tokens)
    _mask_choice(lang, text, len(ids))
    with writes:
        guesses = st.container() if projector_on() else contextlib.nullcontext()  # on a projector above the pills
        chosen = st.pills(t("ch6.families.mask_label"), list(range(len(ids))), selection_mode="multi",
                          format_func=names.get, key="ch6_mask", help=t("ch6.families.mask_help"))
    set_query_param("mask", ",".join(str(i) for i in sorted(chosen)))
    with guard():
        view = views.encoder_view(lang, text, tuple(sorted(chosen)))
        with writes, guesses:
            for position in sorted(view.top)[:3]:
                title = t("ch6.families.mask_title", token=figs.token_label(tokens[position], 20), position=position)
                fig = shared.figure(figs.predictions_figure, view.top[position], title, t("ch6.families.probability"),
                                    height=240)
                chart(projector_fit(fig, PROJECTOR_GUESS_HEIGHT), key=f"ch6_pred_{position}")
            if len(view.top) > 3:
                st.caption(t("ch6.families.more_masked", count=len(view.top) - 3))
        fig = shared.figure(figs.attention_figure, view.weights, view.tokens, view.tokens, t("ch6.families.encoder_attention"),
                            t("ch6.families.keys"), t("ch6.families.queries"), height=420)
        with looks:
            chart(projector_fit(_thin_on_projector(fig), PROJECTOR_ATTENTION_HEIGHT), key="ch6_enc_attn")
    _goal("ch6.families.encoder_goal", top=False)


#: Tick labels an attention panel shows on a projector, where it has a third of the width (the
#: cross-attention panel, narrower beside its row labels, three fewer).
PROJECTOR_TICKS = 10


def _thin_on_projector(fig, most: int = PROJECTOR_TICKS):  # noqa: ANN001, ANN202
    return figs.thin_ticks(fig, most) if projector_on() else fig


@guarded_fragment
def decoder_column(lang: str, text: str) -> None:
    st.markdown("#### " + t("ch6.families.decoder"))
    _goal("ch6.families.decoder_goal", top=True)
    writes, looks = _two_parts()
    with guard():
        view = views.gpt_view(lang, text)
        rows = [
            {
                t("ch6.families.col_token"): display_token(tok),
                t("ch6.families.col_guess"): display_token(guess),
                t("ch6.families.col_prob"): f"{100 * p:.0f}%",
            }
            for tok, guess, p in zip(view.tokens, view.predicted, view.predicted_prob, strict=True)
        ]
        with writes:
            st.dataframe(rows, hide_index=True, height=min(38 * len(rows) + 40, 300), width="stretch")
        fig = shared.figure(figs.attention_figure, view.weights, view.tokens, view.tokens, t("ch6.families.decoder_attention"),
                            t("ch6.families.keys"), t("ch6.families.queries"), height=420, allowed=view.allowed)
        with looks:
            chart(projector_fit(_thin_on_projector(fig), PROJECTOR_ATTENTION_HEIGHT), key="ch6_dec_attn")
    _goal("ch6.families.decoder_goal", top=False)


def _span_choice(lang: str, text: str, n_tokens: int) -> None:
    """The hidden span in session state: from the link on a fresh visit (a span past the
    end is explained), the lesson's choice on a new sentence, kept inside the sentence."""
    default = fam.opening_span(lang, text, n_tokens)
    if "ch6_span" not in st.session_state or st.session_state.get("_ch6_span_text") != text:
        span = default
        if "_ch6_span_text" not in st.session_state:
            try:
                span = fam.span_from_link(query_param("span"), n_tokens) or default
            except InputError as exc:
                show_error(exc, warning=True)
        st.session_state["ch6_span"] = span
        st.session_state["_ch6_span_text"] = text
    st.session_state["ch6_span"] = fam.span_within(st.session_state["ch6_span"], n_tokens, default)


def _written_table(steps: list[dict]) -> None:
    rows = [
        {
            t("ch6.families.col_step"): i + 1,
            t("ch6.families.col_written"): display_token(step["token"]),
            t("ch6.families.col_prob"): f"{100 * step['prob']:.0f}%",
            t("ch6.families.col_runner_up"): f"{display_token(step['top'][1][0])} ({100 * step['top'][1][1]:.0f}%)",
        }
        for i, step in enumerate(steps)
    ]
    st.dataframe(rows, hide_index=True, height=min(38 * len(rows) + 40, 260), width="stretch")


@guarded_fragment
def encdec_column(lang: str, text: str, ids: list[int]) -> None:
    tokens = views.encdec_tokenizer(lang).tokens(ids)
    st.markdown("#### " + t("ch6.families.encdec"))
    _goal("ch6.families.encdec_goal", top=True)
    if len(ids) < 2:
        show_error(InputError("errors.mask.sentence_too_short"))
        return
    writes, looks = _two_parts()
    _span_choice(lang, text, len(ids))
    with writes:
        first, last = st.slider(t("ch6.families.span_label"), 0, len(ids) - 1, key="ch6_span", step=1,
                                help=t("ch6.families.span_help"))
        hidden = " ".join(display_token(tok) for tok in tokens[first : last + 1])
        st.caption(t("ch6.families.span_tokens", tokens=plain(hidden)))
    set_query_param("span", f"{first}-{last}")

    def answer() -> quiz.Answer:
        view = views.encdec_view(lang, text, first, last)
        return quiz.span_restored(view.expected, view.written)

    with writes:
        restored = ask("ch6.span_restored", [quiz.YES, quiz.NO], answer, params={"first": first, "last": last},
                       context=(lang, text, first, last))
        with guard():
            view = views.encdec_view(lang, text, first, last)
            source = " ".join(f"**{plain(tok)}**" if tok.startswith("<extra") else plain(display_token(tok))
                              for tok in view.source)
            st.markdown(join_sentences(t("ch6.families.encdec_input"), source))
            verdict = "encdec_right" if view.written == view.expected else "encdec_wrong"
            expected = " ".join(plain(display_token(tok)) for tok in view.expected)
            st.markdown(t(f"ch6.families.{verdict}", expected=expected))
            if not projector_on():
                _written_table(view.steps)
            fig = shared.figure(figs.attention_figure, view.cross, [step["token"] for step in view.steps], view.source,
                                t("ch6.families.cross_attention"), t("ch6.families.encoder_tokens"),
                                t("ch6.families.written_tokens"), height=360)
            with looks:
                chart(projector_fit(_thin_on_projector(fig, PROJECTOR_TICKS - 3), PROJECTOR_ATTENTION_HEIGHT), key="ch6_cross")
                if projector_on():  # the steps of the chart's rows, under it (the first tab has no room)
                    _written_table(view.steps)
        restored.end()
    _goal("ch6.families.encdec_goal", top=False)


def masks_section(lang: str, ids: list[int]) -> None:
    st.header(t("ch6.masks.header"))
    st.markdown(md("ch6/masks"))
    tokenizer = views.encdec_tokenizer(lang)
    tokens = tokenizer.tokens(ids)[:12]
    target = [tokenizer.id_to_token(tokenizer.bos_id), *tokens[:6]]
    panels = [
        (t(f"ch6.masks.{name}"), allowed, rows, cols)
        for name, allowed, rows, cols in fam.mask_panels(tokens[:8], target, pad="[PAD]")
    ]
    fig = shared.figure(figs.masks_figure, panels, t("ch6.masks.title"), t("ch6.masks.allowed"), t("ch6.masks.zeroed"))
    chart(fig, key="ch6_masks")


def checked_ids(lang: str, text: str | None) -> list[int] | None:
    """The sentence's tokens, or None after a message (too long, models not shipped)."""
    if text is None:
        return None
    try:
        ids = views.sentence_ids(text, lang)
        dropped = views.tokenizer(lang).unknown_characters(text)
        if dropped:
            st.caption(t("ch6.sentence.dropped", chars=plain(" ".join(dropped[:20]))))
        return ids
    except InputError as exc:
        show_error(exc)
    except FileNotFoundError:
        st.error(t("ch6.no_checkpoint"))
    return None


def families_section(lang: str, text: str, ids: list[int]) -> None:
    """The three families side by side (the chapter's main chart), then the three masks."""
    with main_chart():
        columns = st.columns(3, gap="medium")
        with columns[0]:
            encoder_column(lang, text, ids)
        with columns[1]:
            decoder_column(lang, text)
        with columns[2]:
            encdec_column(lang, text, ids)
        if any("␣" in display_token(tok) for tok in views.tokenizer(lang).tokens(ids)):
            st.caption(t("common.space_mark"))
    st.markdown(md("ch6/intro"))
    st.markdown(md("ch6/families"))
    with guard():
        masks_section(lang, ids)
