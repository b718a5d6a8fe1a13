"""Chapter 6: encoder-only, decoder-only and encoder-decoder side by side, and what size means.

One sentence goes through three tiny models trained in this project on the same toy world
with the same tokens: the encoder fills in masked tokens (seeing both sides), the GPT
guesses the next token at every position (seeing only the left), the encoder-decoder
writes back a span hidden behind a sentinel (reading the input through cross-attention).
Then the three masks, sentence vectors (the toy encoder vs MiniLM) with a search box, and
a size calculator placing GPT-1 to GPT-3 and the app's own models.

Every model runs inside ``st.cache_data`` keyed by its inputs; the controls of each part
live in their own ``st.fragment``, so moving one reruns only that part.
"""

import numpy as np
import streamlit as st

from ui.common import setup_page

lang = setup_page("ch6")

from lm_core.analysis import families as fam  # noqa: E402
from lm_core.analysis import quiz, sizes  # noqa: E402
from lm_core.analysis.quiz import Answer  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.core.text import clean_text  # noqa: E402
from ui.common import (  # noqa: E402
    chart,
    choice_query_param,
    guard,
    int_query_param,
    join_sentences,
    main_chart,
    md,
    query_param,
    set_query_param,
    show_error,
    t,
)
from ui.predict import ask, bar_reveal  # noqa: E402
from viz import families as figs  # noqa: E402
from viz.tokens import display_token  # noqa: E402

CHART = {"width": "stretch", "config": {"displaylogo": False}}
MAX_CHARS = 200
MAX_QUERY_CHARS = 200
GPT_NAME = f"gpt_toy_{lang}"
ENCODER_NAME = f"encoder_toy_{lang}"
ENCDEC_NAME = f"encdec_toy_{lang}"
SENTIMENT = f"sentiment_{lang}"
# Example inputs (data, in the models' language): sentences the toy world really contains.
DEFAULT_SENTENCE = {
    "en": "The king gave a speech to the whole kingdom.",
    "zh": "我的钥匙找了一整天，原来它们在面包旁边。",
}
DEFAULT_QUERY = {"en": "profits fell sharply", "zh": "利润大幅下降"}
DEFAULT_MASK = {"en": [4], "zh": [2]}  # "speech"; "钥" (first character of "keys")
DEFAULT_SPAN = {"en": (7, 8), "zh": (15, 16)}  # "whole kingdom"; "面包" (bread)


def plain(text: str) -> str:
    """Learner text shown inside Markdown: escaped, so it never renders as markup."""
    specials = set("\\`*_{}[]()<>#+-.!|~$")
    return "".join("\\" + ch if ch in specials else ch for ch in text)


# --------------------------------------------------------------------------- models (shared, read-only)


@st.cache_resource(show_spinner=False)
def shared_encoder(name: str = ENCODER_NAME):
    from lm_core.models.encoder import load_encoder

    model, tokenizer, meta = load_encoder(name)
    return model, tokenizer, meta


@st.cache_resource(show_spinner=False)
def shared_gpt(name: str = GPT_NAME):
    from lm_core.models.checkpoints import gpt_meta, load_gpt

    model, tokenizer = load_gpt(name)
    return model, tokenizer, gpt_meta(name)


@st.cache_resource(show_spinner=False)
def shared_encdec(name: str = ENCDEC_NAME):
    from lm_core.models.encoder_decoder import load_encoder_decoder

    model, tokenizer, meta = load_encoder_decoder(name)
    return model, tokenizer, meta


def sentence_ids(text: str, lang: str = lang) -> list[int]:
    """The sentence's tokens (the three models share one tokenizer); raises InputError."""
    _, tokenizer, _ = shared_encoder(f"encoder_toy_{lang}")
    ids = tokenizer.encode(text)
    if len(ids) > fam.MAX_SENTENCE_TOKENS:
        raise InputError("errors.text.too_many_tokens", count=len(ids), limit=fam.MAX_SENTENCE_TOKENS)
    return ids


@st.cache_data(show_spinner=False, max_entries=256)
def encoder_view(lang: str, text: str, masked: tuple[int, ...]):
    from lm_core.models.encoder import predict_masked

    model, tokenizer, _ = shared_encoder(f"encoder_toy_{lang}")
    result = predict_masked(model, tokenizer, sentence_ids(text, lang), masked)
    return result.tokens, result.top, result.weights[-1].mean(dim=0).numpy()


@st.cache_data(show_spinner=False, max_entries=128)
def gpt_view(lang: str, text: str) -> fam.NextTokenView:
    model, tokenizer, _ = shared_gpt(f"gpt_toy_{lang}")
    return fam.gpt_predictions(model, tokenizer, sentence_ids(text, lang))


@st.cache_data(show_spinner=False, max_entries=256)
def encdec_view(lang: str, text: str, start: int, length: int):
    from lm_core.models.encoder_decoder import reconstruct

    model, tokenizer, _ = shared_encdec(f"encdec_toy_{lang}")
    result = reconstruct(model, tokenizer, sentence_ids(text, lang), start, length)
    return result.source_tokens, result.expected, result.steps, result.written, result.cross.numpy()


@st.cache_data(show_spinner=False)
def sentiment_vectors(corpus_name: str):
    """Texts, labels, and unit vectors from the toy encoder and from MiniLM (test split)."""
    from lm_core.data.corpora import load_corpus
    from lm_core.embeddings.projection import pca

    examples = load_corpus(corpus_name).split("test")
    texts, labels = [text for text, _ in examples], [label for _, label in examples]
    model, tokenizer, _ = shared_encoder(f"encoder_toy_{corpus_name[-2:]}")
    own = fam.encoder_vectors(model, tokenizer, texts)
    result = {"texts": texts, "labels": labels, "encoder": own, "encoder_xy": pca(own, 2)}
    try:
        minilm = fam.minilm_vectors(texts)
        result.update(minilm=minilm, minilm_xy=pca(minilm, 2))
    except Exception:  # MiniLM is an optional package: the rest of the chapter still works
        result.update(minilm=None, minilm_xy=None)
    return result


@st.cache_data(show_spinner=False, max_entries=64)
def search_hits(corpus_name: str, query: str) -> tuple[list, list]:
    data = sentiment_vectors(corpus_name)
    model, tokenizer, _ = shared_encoder(f"encoder_toy_{corpus_name[-2:]}")
    own = fam.search(fam.encoder_vectors(model, tokenizer, [query])[0], data["encoder"])
    mini = fam.search(fam.minilm_vectors([query])[0], data["minilm"]) if data["minilm"] is not None else []
    return own, mini


# --------------------------------------------------------------------------- the sentence


def sentence_control() -> str | None:
    default = DEFAULT_SENTENCE[lang]
    st.session_state.setdefault("ch6_text", (query_param("text", default) or default)[: MAX_CHARS * 2])
    text = st.text_input(t("ch6.sentence.label"), key="ch6_text", help=t("ch6.sentence.help"), max_chars=MAX_CHARS * 2)
    set_query_param("text", text)
    try:
        return clean_text(text, max_chars=MAX_CHARS)
    except InputError as exc:
        show_error(exc)
        return None


def parse_indices(raw: str | None) -> list[int] | None:
    if raw is None:
        return None
    try:
        return sorted({int(part) for part in raw.split(",") if part.strip() != ""})
    except ValueError:
        return None


def token_names(tokens: list[str]) -> dict[int, str]:
    return {i: f"{i}: {display_token(tok)}" for i, tok in enumerate(tokens)}


# --------------------------------------------------------------------------- three families


@st.fragment
def encoder_column(text: str, ids: list[int]) -> None:
    _, tokenizer, meta = shared_encoder(ENCODER_NAME)
    tokens = tokenizer.tokens(ids)
    st.markdown("#### " + t("ch6.families.encoder"))
    st.caption(t("ch6.families.encoder_goal"))
    names = token_names(tokens)
    if "ch6_mask" not in st.session_state or st.session_state.get("_ch6_mask_text") != text:
        wanted = parse_indices(query_param("mask")) if "_ch6_mask_text" not in st.session_state else None
        if wanted is None or any(i >= len(ids) for i in wanted):
            wanted = DEFAULT_MASK[lang] if text == DEFAULT_SENTENCE[lang] else [len(ids) // 2]
        st.session_state["ch6_mask"] = [i for i in wanted if 0 <= i < len(ids)]
        st.session_state["_ch6_mask_text"] = text
    st.session_state["ch6_mask"] = [i for i in st.session_state["ch6_mask"] if 0 <= i < len(ids)]
    chosen = st.pills(
        t("ch6.families.mask_label"),
        list(range(len(ids))),
        selection_mode="multi",
        format_func=names.get,
        key="ch6_mask",
        help=t("ch6.families.mask_help"),
    )
    set_query_param("mask", ",".join(str(i) for i in sorted(chosen)))
    with guard():
        shown, top, weights = encoder_view(lang, text, tuple(sorted(chosen)))
        for position in sorted(top)[:3]:
            fig = figs.predictions_figure(
                top[position],
                t("ch6.families.mask_title", token=figs.token_label(tokens[position], 20), position=position),
                t("ch6.families.probability"),
                height=240,
            )
            chart(fig, key=f"ch6_pred_{position}", **CHART)
        if len(top) > 3:
            st.caption(t("ch6.families.more_masked", count=len(top) - 3))
        fig = figs.attention_figure(
            weights,
            shown,
            shown,
            t("ch6.families.encoder_attention"),
            t("ch6.families.keys"),
            t("ch6.families.queries"),
            height=420,
        )
        chart(fig, key="ch6_enc_attn", **CHART)


@st.fragment
def decoder_column(ids: list[int], text: str) -> None:
    st.markdown("#### " + t("ch6.families.decoder"))
    st.caption(t("ch6.families.decoder_goal"))
    with guard():
        view = gpt_view(lang, text)
        rows = [
            {
                t("ch6.families.col_token"): display_token(tok),
                t("ch6.families.col_guess"): display_token(guess),
                t("ch6.families.col_prob"): f"{100 * p:.0f}%",
            }
            for tok, guess, p, _ in zip(view.tokens, view.predicted, view.predicted_prob, view.actual_prob, strict=True)
        ]
        st.dataframe(rows, hide_index=True, height=min(38 * len(rows) + 40, 300), width="stretch")
        n = len(view.tokens)
        allowed = np.tril(np.ones((n, n), dtype=bool))
        fig = figs.attention_figure(
            view.weights,
            view.tokens,
            view.tokens,
            t("ch6.families.decoder_attention"),
            t("ch6.families.keys"),
            t("ch6.families.queries"),
            height=420,
            allowed=allowed,
        )
        chart(fig, key="ch6_dec_attn", **CHART)


@st.fragment
def encdec_column(ids: list[int], text: str) -> None:
    _, tokenizer, _ = shared_encdec(ENCDEC_NAME)
    tokens = tokenizer.tokens(ids)
    n = len(ids)
    st.markdown("#### " + t("ch6.families.encdec"))
    st.caption(t("ch6.families.encdec_goal"))
    if n < 2:
        show_error(InputError("errors.mask.sentence_too_short"))
        return
    default = DEFAULT_SPAN[lang] if text == DEFAULT_SENTENCE[lang] else (max(0, n // 2 - 1), min(n - 2, n // 2))
    if "ch6_span" not in st.session_state or st.session_state.get("_ch6_span_text") != text:
        span = default
        raw = query_param("span") if "_ch6_span_text" not in st.session_state else None
        if raw:
            try:
                first, last = (int(x) for x in raw.split("-", 1))
                if 0 <= first <= last < n:
                    span = (first, last)
                else:
                    show_error(InputError("errors.mask.span_past_end", count=n), warning=True)
            except ValueError:
                pass
        st.session_state["ch6_span"] = span
        st.session_state["_ch6_span_text"] = text
    current = st.session_state["ch6_span"]
    try:
        first, last = sorted(int(v) for v in current)
    except (TypeError, ValueError):
        first, last = default
    st.session_state["ch6_span"] = (max(0, min(first, n - 1)), max(0, min(last, n - 1)))
    first, last = st.slider(
        t("ch6.families.span_label"), 0, n - 1, key="ch6_span", step=1, help=t("ch6.families.span_help")
    )
    st.caption(t("ch6.families.span_tokens", tokens=plain(" ".join(display_token(tok) for tok in tokens[first : last + 1]))))
    set_query_param("span", f"{first}-{last}")
    restored = ask("ch6.span_restored", [quiz.YES, quiz.NO], lambda: quiz.span_restored(
        *encdec_view(lang, text, first, last - first + 1)[1:4:2]), params={"first": first, "last": last},
        context=(lang, text, first, last))
    with guard():
        source, expected, steps, written, cross = encdec_view(lang, text, first, last - first + 1)
        st.markdown(
            join_sentences(
                t("ch6.families.encdec_input"),
                " ".join(
                    f"**{plain(tok)}**" if tok.startswith("<extra") else plain(display_token(tok)) for tok in source
                ),
            )
        )
        verdict = "encdec_right" if written == expected else "encdec_wrong"
        st.markdown(t(f"ch6.families.{verdict}", expected=" ".join(plain(display_token(tok)) for tok in expected)))
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
        fig = figs.attention_figure(
            cross,
            [s["token"] for s in steps],
            source,
            t("ch6.families.cross_attention"),
            t("ch6.families.encoder_tokens"),
            t("ch6.families.written_tokens"),
            height=360,
        )
        chart(fig, key="ch6_cross", **CHART)
    restored.end()


def masks_section(ids: list[int], text: str) -> None:
    st.header(t("ch6.masks.header"))
    st.markdown(md("ch6/masks"))
    _, tokenizer, _ = shared_encdec(ENCDEC_NAME)
    tokens = tokenizer.tokens(ids)[:12]
    target = [tokenizer.id_to_token(tokenizer.bos_id), *tokens[:6]]
    panels = [
        (t(f"ch6.masks.{name}"), allowed, rows, cols)
        for name, allowed, rows, cols in fam.mask_panels(tokens[:8], target, pad="[PAD]")
    ]
    fig = figs.masks_figure(panels, t("ch6.masks.title"), t("ch6.masks.allowed"), t("ch6.masks.zeroed"))
    chart(fig, key="ch6_masks", **CHART)


# --------------------------------------------------------------------------- representation vs generation


@st.fragment
def representation_section() -> None:
    st.header(t("ch6.vectors.header"))
    st.markdown(md("ch6/vectors"))
    with st.spinner(t("ch6.vectors.computing")):
        data = sentiment_vectors(SENTIMENT)
    default = DEFAULT_QUERY[lang]
    st.session_state.setdefault("ch6_query", (query_param("q", default) or "")[: MAX_QUERY_CHARS * 2])
    query = st.text_input(t("ch6.vectors.query_label"), key="ch6_query", help=t("ch6.vectors.query_help"))
    set_query_param("q", query)
    own_hits, mini_hits = [], []
    try:
        cleaned = clean_text(query, max_chars=MAX_QUERY_CHARS)
        own_hits, mini_hits = search_hits(SENTIMENT, cleaned)
    except InputError as exc:
        show_error(exc)
    label_names = {name: t(f"ch6.vectors.label_{name}") for name in ("positive", "negative", "neutral")}
    cols = st.columns(2)
    panels = [
        ("encoder", own_hits, t("ch6.vectors.title_encoder")),
        ("minilm", mini_hits, t("ch6.vectors.title_minilm")),
    ]
    for col, (key, hits, title) in zip(cols, panels, strict=True):
        with col:
            if data[f"{key}_xy"] is None:
                st.info(t("errors.model.minilm_missing"))
                continue
            fig = figs.embedding_map_figure(
                data[f"{key}_xy"], data["labels"], data["texts"], label_names, title, [i for i, _ in hits]
            )
            chart(fig, key=f"ch6_map_{key}", **CHART)
            if hits:
                rows = [
                    {
                        "#": rank + 1,
                        t("ch6.vectors.col_sentence"): data["texts"][i],
                        t("ch6.vectors.col_label"): label_names[data["labels"][i]],
                        t("ch6.vectors.col_similarity"): f"{score:.2f}",
                    }
                    for rank, (i, score) in enumerate(hits)
                ]
                st.dataframe(rows, hide_index=True, width="stretch")


# --------------------------------------------------------------------------- sizes

SLIDERS = {  # name -> (URL key, options builder)
    "vocab_size": "vocab",
    "d_model": "width",
    "n_layers": "layers",
    "n_encoder_layers": "enc_layers",
    "n_heads": "heads",
    "n_kv_heads": "kv_heads",
    "d_ff": "ff",
    "context": "ctx",
}
GRIDS = {
    "vocab_size": [256, 512, 1000, 2000, 4000, 8000, 16000, 32000, 50000, 64000, 100000, 128000, 256000],
    "d_model": [32, 64, 96, 128, 256, 384, 512, 768, 1024, 1536, 2048, 4096, 8192, 12288, 16384],
    "d_ff": [128, 256, 384, 512, 1024, 1536, 2048, 3072, 4096, 8192, 16384, 32768, 49152, 65536],
    "context": [64, 128, 256, 512, 1024, 2048, 4096, 8192, 32768, 131072, 1048576],
}
TOKENS = [0, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 3e11, 1e12, 2e12, 1e13, 1.5e13]
FAMILY_KEYS = ("decoder", "encoder", "encoder_decoder")


def app_models() -> dict[str, tuple[str, sizes.ModelShape]]:
    """The app's own models, from their checkpoints: key -> (name, shape)."""
    models = {}
    try:
        model, _, _ = shared_gpt(GPT_NAME)
        models["app_gpt"] = (t("ch6.sizes.app_gpt"), sizes.gpt_shape(model.config.to_dict()))
        model, _, _ = shared_encoder(ENCODER_NAME)
        models["app_encoder"] = (t("ch6.sizes.app_encoder"), sizes.encoder_shape(model.config.to_dict()))
        model, _, _ = shared_encdec(ENCDEC_NAME)
        models["app_encdec"] = (t("ch6.sizes.app_encdec"), sizes.encoder_decoder_shape(model.config.to_dict()))
    except Exception:  # a missing checkpoint only removes its point from the chart
        pass
    return models


def all_presets() -> dict[str, tuple[str, sizes.ModelShape, int | None, float | None]]:
    out = {key: (p.name, p.shape, p.year, p.training_tokens) for key, p in sizes.PRESETS.items()}
    for key, (name, shape) in app_models().items():
        out[key] = (name, shape, None, None)
    return out


def options_for(name: str, presets) -> list[int]:  # noqa: ANN001
    values = set(GRIDS[name])
    for _, shape, _, _ in presets.values():
        values.add(int(getattr(shape, "ff_width" if name == "d_ff" else name)))
    return sorted(values)


def _load_preset(presets) -> None:  # noqa: ANN001
    key = st.session_state["ch6_preset"]
    _, shape, _, tokens = presets[key]
    st.session_state["ch6_family"] = shape.family
    for name in ("vocab_size", "d_model", "d_ff", "context"):
        st.session_state[f"ch6_{name}"] = int(getattr(shape, "ff_width" if name == "d_ff" else name))
    st.session_state["ch6_n_layers"] = min(shape.n_layers, 128)
    st.session_state["ch6_n_encoder_layers"] = max(1, min(shape.n_encoder_layers, 128))
    st.session_state["ch6_n_heads"] = min(shape.n_heads, 128)
    st.session_state["ch6_n_kv_heads"] = min(shape.kv_heads, 128)
    st.session_state["ch6_ff_kind"] = shape.ff_kind
    st.session_state["ch6_tied"] = shape.tied
    st.session_state["ch6_positions"] = shape.positions
    if tokens is not None:
        st.session_state["ch6_tokens"] = min(TOKENS, key=lambda v: abs(v - tokens))


def _init_calculator(presets) -> None:  # noqa: ANN001
    """Session values from the URL (each checked), else from the preset."""
    if "ch6_preset" in st.session_state:
        return
    st.session_state["ch6_preset"] = choice_query_param("preset", list(presets), "gpt2_small")
    _load_preset(presets)
    _, shape, _, _ = presets[st.session_state["ch6_preset"]]
    st.session_state["ch6_family"] = choice_query_param("family", FAMILY_KEYS, shape.family)
    for name in ("vocab_size", "d_model", "d_ff", "context"):
        raw = query_param(SLIDERS[name])
        try:
            value = int(raw) if raw is not None else None
        except ValueError:
            value = None
        if value is not None and value in options_for(name, presets):
            st.session_state[f"ch6_{name}"] = value
    for name in ("n_layers", "n_encoder_layers", "n_heads", "n_kv_heads"):
        # Out of range is tampering: fall back to the preset rather than clamp.
        value = int_query_param(SLIDERS[name], -1, -(10**9), 10**9)
        if 1 <= value <= 128:
            st.session_state[f"ch6_{name}"] = value
    st.session_state["ch6_ff_kind"] = choice_query_param("ff_kind", sizes.FF_KINDS, shape.ff_kind)
    st.session_state["ch6_positions"] = choice_query_param("pos", sizes.POSITIONS, shape.positions)
    st.session_state["ch6_tied"] = query_param("tied", "1" if shape.tied else "0") != "0"
    st.session_state["ch6_precision"] = choice_query_param("precision", list(sizes.PRECISIONS), "bf16")
    raw_tokens = query_param("tokens")
    try:
        tokens = float(raw_tokens) if raw_tokens is not None else None
    except ValueError:
        tokens = None
    st.session_state.setdefault("ch6_tokens", 3e11)
    if tokens is not None and tokens in TOKENS:
        st.session_state["ch6_tokens"] = tokens


@st.fragment
def sizes_section() -> None:
    st.header(t("ch6.sizes.header"))
    st.markdown(md("ch6/sizes"))
    presets = all_presets()
    _init_calculator(presets)
    top = st.columns([2, 1, 1, 1])
    top[0].selectbox(
        t("ch6.sizes.preset"),
        list(presets),
        key="ch6_preset",
        format_func=lambda k: presets[k][0],
        on_change=_load_preset,
        args=(presets,),
        help=t("ch6.sizes.preset_help"),
    )
    family = top[1].selectbox(
        t("ch6.sizes.family"), FAMILY_KEYS, key="ch6_family", format_func=lambda k: t(f"ch6.sizes.family_{k}")
    )
    precision = top[2].selectbox(
        t("ch6.sizes.precision"), list(sizes.PRECISIONS), key="ch6_precision", help=t("ch6.sizes.precision_help")
    )
    tokens = top[3].select_slider(
        t("ch6.sizes.tokens"), TOKENS, key="ch6_tokens", format_func=figs.human_count, help=t("ch6.sizes.tokens_help")
    )
    row1 = st.columns(4)
    values = {}
    for col, name in zip(row1, ("vocab_size", "d_model", "d_ff", "context"), strict=True):
        values[name] = col.select_slider(
            t(f"ch6.sizes.{name}"), options_for(name, presets), key=f"ch6_{name}", help=t(f"ch6.sizes.{name}_help")
        )
    row2 = st.columns(4)
    values["n_layers"] = row2[0].slider(
        t("ch6.sizes.n_layers"), 1, 128, key="ch6_n_layers", help=t("ch6.sizes.n_layers_help")
    )
    values["n_heads"] = row2[1].slider(
        t("ch6.sizes.n_heads"), 1, 128, key="ch6_n_heads", help=t("ch6.sizes.n_heads_help")
    )
    values["n_kv_heads"] = row2[2].slider(
        t("ch6.sizes.n_kv_heads"), 1, 128, key="ch6_n_kv_heads", help=t("ch6.sizes.n_kv_heads_help")
    )
    values["n_encoder_layers"] = row2[3].slider(
        t("ch6.sizes.n_encoder_layers"),
        1,
        128,
        key="ch6_n_encoder_layers",
        help=t("ch6.sizes.n_encoder_layers_help"),
        disabled=family != "encoder_decoder",
    )
    row3 = st.columns(4)
    ff_kind = row3[0].selectbox(
        t("ch6.sizes.ff_kind"),
        sizes.FF_KINDS,
        key="ch6_ff_kind",
        help=t("ch6.sizes.ff_kind_help"),
        format_func={"gelu": "GELU", "relu": "ReLU", "swiglu": "SwiGLU"}.get,
    )
    positions = row3[1].selectbox(
        t("ch6.sizes.positions"), sizes.POSITIONS, key="ch6_positions", format_func=lambda k: t(f"ch6.sizes.pos_{k}")
    )
    tied = row3[2].toggle(t("ch6.sizes.tied"), key="ch6_tied", help=t("ch6.sizes.tied_help"))

    preset_key = st.session_state["ch6_preset"]
    for name, value in values.items():
        set_query_param(SLIDERS[name], value)
    for name, value in (
        ("preset", preset_key),
        ("family", family),
        ("precision", precision),
        ("tokens", f"{tokens:g}"),
        ("ff_kind", ff_kind),
        ("pos", positions),
        ("tied", int(tied)),
    ):
        set_query_param(name, value)

    base = presets[preset_key][1]
    try:
        shape = sizes.with_changes(
            base,
            family=family,
            ff_kind=ff_kind,
            positions=positions,
            tied=tied,
            n_encoder_layers=values["n_encoder_layers"] if family == "encoder_decoder" else 0,
            **{k: v for k, v in values.items() if k != "n_encoder_layers"},
        )
        count = sizes.count_parameters(shape)
        flops = sizes.flops_per_token(shape)
        memory = sizes.memory(shape, precision)
    except InputError as exc:
        show_error(exc)
        return

    metrics = st.columns(5)
    metrics[0].metric(t("ch6.sizes.m_params"), figs.human_count(count.total), help=f"{count.total:,}")
    metrics[1].metric(t("ch6.sizes.m_flops"), figs.human_flops(flops["forward"]), help=t("ch6.sizes.m_flops_help"))
    metrics[2].metric(
        t("ch6.sizes.m_train"),
        figs.human_flops(sizes.training_flops(count.total, tokens)),
        help=t("ch6.sizes.m_train_help", tokens=figs.human_count(tokens)),
    )
    metrics[3].metric(
        t("ch6.sizes.m_weights"),
        figs.human_bytes(memory["weights"]),
        help=t("ch6.sizes.m_weights_help", precision=precision),
    )
    metrics[4].metric(
        t("ch6.sizes.m_cache"),
        figs.human_bytes(memory["kv_cache"]),
        help=t("ch6.sizes.m_cache_help", context=f"{shape.context:,}"),
    )

    family_names = {k: t(f"ch6.sizes.family_{k}") for k in FAMILY_KEYS}
    points = [
        {"name": name, "params": sizes.count_parameters(preset_shape).total, "family": preset_shape.family}
        for name, preset_shape, _, _ in presets.values()
    ]
    points.append({"name": t("ch6.sizes.yours"), "params": count.total, "family": family, "highlight": True})
    quiz_parts = ("embeddings", "attention", "feed_forward")
    shares = {part: 100.0 * count.share(part) for part in quiz_parts}
    best = max(shares, key=shares.get)
    question = ask(
        "ch6.biggest_part",
        list(quiz_parts),
        lambda: Answer(frozenset({best}), best, {"values": shares, "share": shares[best]}),
        bar_reveal("ch6.biggest_part", number_format=".0f"),
        context=(shape, precision),
    )
    cols = st.columns([3, 2])
    with cols[0]:
        fig = figs.size_ladder_figure(points, t("ch6.sizes.ladder_title"), t("ch6.sizes.params_axis"), family_names)
        chart(fig, key="ch6_ladder", **CHART)
    with cols[1]:
        compared = ["gpt1", "gpt2_xl", "gpt3", "bert_base", "t5_base", "smollm2_135m", "app_gpt"]
        rows = [(t("ch6.sizes.yours"), count.as_dict())]
        rows += [(presets[k][0], sizes.count_parameters(presets[k][1]).as_dict()) for k in compared if k in presets]
        part_names = {p: t(f"ch6.sizes.part_{p}") for p in sizes.PARTS}
        fig = figs.parts_figure(rows, part_names, t("ch6.sizes.parts_title"), t("ch6.sizes.share_axis"))
        chart(fig, key="ch6_parts", **CHART)
    st.caption(
        t(
            "ch6.sizes.ff_share",
            share=f"{100 * count.share('feed_forward'):.0f}",
            attention=f"{100 * count.share('attention'):.0f}",
            embeddings=f"{100 * count.share('embeddings'):.0f}",
        )
    )
    question.end()


# --------------------------------------------------------------------------- the page

st.title(t("ch6.title"))

text = sentence_control()
ids = None
if text is not None:
    try:
        ids = sentence_ids(text)
        _, _tokenizer, _ = shared_encoder(ENCODER_NAME)
        dropped = _tokenizer.unknown_characters(text)
        if dropped:
            st.caption(t("ch6.sentence.dropped", chars=plain(" ".join(dropped[:20]))))
    except InputError as exc:
        show_error(exc)
    except FileNotFoundError:
        st.error(t("ch6.no_checkpoint"))

if ids is not None:
    with main_chart():
        columns = st.columns(3, gap="medium")
        with columns[0]:
            encoder_column(text, ids)
        with columns[1]:
            decoder_column(ids, text)
        with columns[2]:
            encdec_column(ids, text)
        _, _tokenizer, _ = shared_encoder(ENCODER_NAME)
        if any("␣" in display_token(tok) for tok in _tokenizer.tokens(ids)):
            st.caption(t("common.space_mark"))
    st.markdown(md("ch6/intro"))
    st.markdown(md("ch6/families"))
    with guard():
        masks_section(ids, text)

with guard():
    representation_section()

with guard():
    sizes_section()
