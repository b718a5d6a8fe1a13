"""Chapter 5: self-attention step by step, every head, BertViz, on real models.

The model runs once per (model, sentence) inside ``st.cache_data``, and every head's
numbers go to the browser once (viz/attention_explorer.py): the explorer's layer, head and
token controls, its views, the causal what-if and the softmax temperature then answer in
the browser without asking the server, and write the view into the link.
"""

import streamlit as st

from ui.common import setup_page

lang = setup_page("ch5")

from lm_core.analysis import attention_lab as lab  # noqa: E402
from lm_core.analysis import quiz  # noqa: E402
from lm_core.core.errors import InputError  # noqa: E402
from lm_core.data.curriculum import HEAD_SEARCHES  # noqa: E402
from lm_core.models.smollm2 import smollm2_available  # noqa: E402
from ui import i18n, own_model  # noqa: E402
from ui.common import (  # noqa: E402
    chart,
    choice_query_param,
    current_language,
    explain_after,
    int_query_param,
    intro,
    join_sentences,
    main_chart,
    md,
    plain,
    projector_on,
    query_param,
    set_query_param,
    set_text_query_param,
    show_error,
    t,
    text_query_param,
)
from ui.predict import ask, bar_reveal  # noqa: E402
from viz import attention as figs  # noqa: E402
from viz import attention_explorer as explorer  # noqa: E402
from viz import bertviz_offline  # noqa: E402
from viz.tokens import display_token  # noqa: E402

CHART = {"width": "stretch", "config": {"displaylogo": False}}
#: What the explorer shows under its controls: the five steps of one head; one token's
#: attention (weights + temperature, lines); or every head (grid of a layer, overview).
#: One view at a time keeps a slider move to a few charts (see bench/RESULTS.md).
VIEWS = ("steps", "token", "heads")
GPT_NAMES = ("gpt_toy_en", "gpt_toy_zh")
SEARCHES = HEAD_SEARCHES  # the curriculum's two claims: (sentence key, source word, target words)


# --------------------------------------------------------------------------- models


def available_models() -> list[str]:
    names = [lab.MINILM]
    try:
        from lm_core.models.checkpoints import list_gpts

        shipped = set(list_gpts())
    except Exception:  # the GPT chapter's files may be absent in a partial install
        shipped = set()
    names += [name for name in GPT_NAMES if name in shipped]
    if smollm2_available():
        names.append(lab.SMOLLM2)  # a real LLM (decoder, grouped-query attention, RoPE)
    return names


def shared_gpt(name: str):
    """A shipped tiny GPT (one per server), or this session's own model from chapter 8
    (``name`` is then its private cache key, see ui.own_model)."""
    if own_model.is_own(name):
        return own_model.resolve(name)
    return shipped_gpt(name)


@st.cache_resource(show_spinner=False)
def shipped_gpt(name: str):
    from lm_core.models.checkpoints import load_gpt

    model, tokenizer = load_gpt(name)
    model.eval()
    model.requires_grad_(False)
    return model, tokenizer


def cached_trace(model_name: str, text: str) -> lab.AttentionTrace:
    """The one forward pass per (model, sentence); every control reuses it."""
    if model_name == lab.SMOLLM2:
        return cached_smollm2_trace(text)
    return cached_small_trace(model_name, text)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_smollm2_trace(text: str) -> lab.AttentionTrace:
    """SmolLM2's trace is 30 layers x 9 heads (a few MB): fewer of them are kept."""
    return lab.trace_smollm2(text)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_small_trace(model_name: str, text: str) -> lab.AttentionTrace:
    if model_name == lab.MINILM:
        return lab.trace_minilm(text)
    model, tokenizer = shared_gpt(model_name)
    return lab.trace_gpt(text, model, tokenizer, model_name=model_name)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_bertviz(model_name: str, text: str, kind: str, layer: int, head: int) -> tuple[str, bool]:
    trace = cached_trace(model_name, text)
    weights = trace.all_weights()
    if kind == "head":
        return bertviz_offline.head_view_html(weights, trace.tokens, layer=layer, heads=[head])
    return bertviz_offline.model_view_html(weights, trace.tokens)


@st.cache_data(show_spinner=False)
def curriculum_search(key: str) -> tuple[str, list[lab.HeadMatch]]:
    sentence_key, source, targets = SEARCHES[key]
    sentence = lab.EXAMPLE_SENTENCES[sentence_key]
    return sentence, lab.find_heads(cached_trace(lab.MINILM, sentence), source, targets)


# --------------------------------------------------------------------------- choosing


def _on_example() -> None:
    choice = st.session_state.get("ch5_example")
    if choice in lab.EXAMPLE_SENTENCES:
        st.session_state["ch5_text"] = lab.EXAMPLE_SENTENCES[choice]


def _open_example(sentence_key: str, layer: int, head: int, focus: int) -> None:
    st.session_state["ch5_model"] = lab.MINILM
    st.session_state["ch5_example"] = sentence_key
    st.session_state["ch5_text"] = lab.EXAMPLE_SENTENCES[sentence_key]
    st.session_state["ch5_layer"] = layer
    st.session_state["ch5_head"] = head
    st.session_state["ch5_focus"] = focus
    st.session_state.pop("_ch5_last_click", None)
    st.session_state["_ch5_preselected"] = (lab.MINILM, lab.EXAMPLE_SENTENCES[sentence_key])


def _example_for_model(model: str | None, example: str) -> str:
    """The example a model can read: the Chinese tiny GPT knows no Latin letters, the
    English one no Chinese characters."""
    if model == own_model.OWN:  # the learner's model reads the language of its corpus
        model = "gpt_toy_zh" if own_model.language() == "zh" else "gpt_toy_en"
    if model == "gpt_toy_zh" and example != "zh":
        return "zh"
    if model == "gpt_toy_en" and example == "zh":
        return "rained"
    return example


def _on_model() -> None:
    """Switching to a model that cannot read the current example opens one it can."""
    model, text = st.session_state.get("ch5_model"), st.session_state.get("ch5_text")
    if text not in lab.EXAMPLE_SENTENCES.values():
        return  # the student's own sentence: keep it (an error will explain a problem)
    current = next(key for key, sentence in lab.EXAMPLE_SENTENCES.items() if sentence == text)
    wanted = _example_for_model(model, current)
    if wanted != current:
        st.session_state["ch5_example"] = wanted
        st.session_state["ch5_text"] = lab.EXAMPLE_SENTENCES[wanted]


def choose_model(models: list[str]) -> str:
    if "ch5_model" not in st.session_state or st.session_state["ch5_model"] not in models:
        st.session_state["ch5_model"] = choice_query_param("model", models, lab.MINILM)
    # Labels are translated now, not inside format_func (which may run without the page's state).
    labels = {name: own_model.label(t) if name == own_model.OWN else t(f"ch5.model.{name}") for name in models}
    choice = st.selectbox(t("ch5.model.label"), models, key="ch5_model", format_func=labels.__getitem__,
                          help=t("ch5.model.help"), on_change=_on_model)
    if len(models) == 1:
        st.caption(t("ch5.model.gpt_missing"))
    return choice


def choose_sentence(model: str) -> str:
    if "ch5_text" not in st.session_state:  # a fresh visit: the link's example or text
        default_key = "zh" if _example_for_model(model, "rained") == "zh" else "rained"
        example = choice_query_param("example", list(lab.EXAMPLE_SENTENCES), default_key)
        if "example" not in st.query_params:
            example = _example_for_model(model, example)
        st.session_state["ch5_example"] = example
        st.session_state["ch5_text"] = text_query_param("text", lab.EXAMPLE_SENTENCES[example], lab.MAX_CHARS)
    st.radio(t("ch5.sentence.examples"), list(lab.EXAMPLE_SENTENCES), key="ch5_example", horizontal=True,
             format_func=lambda key: lab.EXAMPLE_SENTENCES[key], on_change=_on_example)
    text = st.text_input(t("ch5.sentence.label"), key="ch5_text",
                         help=t("ch5.sentence.help", limit=lab.MAX_TOKENS, chars=lab.MAX_CHARS))
    example = st.session_state["ch5_example"]
    set_query_param("example", example)
    set_text_query_param("text", text, lab.EXAMPLE_SENTENCES.get(example, ""))
    return text


def model_notes(trace: lab.AttentionTrace, text: str) -> None:
    unknown = sum(token == "[UNK]" for token in trace.tokens)
    if unknown:
        st.warning(t("ch5.notes.unk", count=unknown, total=trace.n_tokens), icon=":material/help:")
    if trace.model_name == lab.SMOLLM2:
        caption = t("ch5.notes.smollm2_check", error=f"{trace.max_weight_error:.1e}",
                    rope=f"{trace.max_rope_error:.1e}", layers=trace.n_layers, heads=trace.n_heads,
                    kv=trace.n_kv_heads, tokens=trace.n_tokens, limit=lab.SMOLLM2_MAX_TOKENS)
    elif trace.model_name == lab.MINILM:
        caption = t("ch5.notes.minilm_check", error=f"{trace.max_weight_error:.1e}", layers=trace.n_layers,
                    heads=trace.n_heads, tokens=trace.n_tokens)
    else:
        _, tokenizer = shared_gpt(trace.model_name)
        dropped = tokenizer.unknown_characters(text)
        if dropped:
            st.warning(t("ch5.notes.gpt_dropped", chars=plain(" ".join(dropped[:20]))), icon=":material/help:")
        caption = t("ch5.notes.gpt_info", layers=trace.n_layers, heads=trace.n_heads, tokens=trace.n_tokens)
    if not projector_on():  # on a projector the room goes to the chart
        st.caption(caption)


def preselect_head(trace: lab.AttentionTrace, text: str) -> None:
    """When a new sentence arrives, open the head the curriculum talks about, if any.

    A shared link's layer, head and token win on the visit it opens: the head search
    suggests (its buttons below), it never overrules the link."""
    marker = (trace.model_name, text)
    if st.session_state.get("_ch5_preselected") == marker:
        return
    fresh_visit = "_ch5_preselected" not in st.session_state
    st.session_state["_ch5_preselected"] = marker
    ordinary = [i for i in range(trace.n_tokens) if i not in trace.special] or [0]
    # A decoder's first token can only see itself: follow its last token instead.
    layer, head, focus = 0, 0, ordinary[-1] if trace.causal else ordinary[0]
    for _, source, targets in SEARCHES.values():
        matches = lab.find_heads(trace, source, targets)
        if matches:
            layer, head, focus = matches[0].layer, matches[0].head, matches[0].source
            break
    if fresh_visit and any(name in st.query_params for name in ("layer", "head", "token")):
        # Layers and heads are numbered from 1 on screen and in the link.
        layer = int_query_param("layer", layer + 1, 1, trace.n_layers) - 1
        head = int_query_param("head", head + 1, 1, trace.n_heads) - 1
        focus = int_query_param("token", focus, 0, trace.n_tokens - 1)
    st.session_state["ch5_layer"] = layer
    st.session_state["ch5_head"] = head
    st.session_state["ch5_focus"] = focus
    st.session_state.pop("_ch5_last_click", None)


# --------------------------------------------------------------------------- sections


def input_section(trace: lab.AttentionTrace) -> None:
    width = trace["embed.token"].shape[1]
    shape = f"({trace.n_tokens} × {width})"
    panels = [(t("ch5.input.token"), trace["embed.token"])]
    if "embed.position" in trace.tensors:  # SmolLM2 has none: RoPE turns Q and K instead (step 2b)
        panels.append((t("ch5.input.position"), trace["embed.position"]))
    if "embed.token_type" in trace.tensors:
        panels.append((t("ch5.input.token_type"), trace["embed.token_type"]))
    if "embed.sum" in trace.tensors:
        panels.append((t("ch5.input.sum"), trace["embed.sum"]))
    if "embed.layernorm" in trace.tensors:
        panels.append((t("ch5.input.layernorm"), trace["embed.layernorm"]))
    chart(figs.vectors_figure(panels, trace.tokens, t("ch5.axis.dimension"), t("ch5.axis.token"),
                                        t("ch5.input.title_smollm2" if trace.rope else "ch5.input.title", shape=shape),
                                        shared_scale=False), key="ch5_input_fig", **CHART)
    caption = {lab.MINILM: "ch5.input.caption_minilm", lab.SMOLLM2: "ch5.input.caption_smollm2"}
    st.caption(t(caption.get(trace.model_name, "ch5.input.caption_gpt")))


def search_section(trace: lab.AttentionTrace, text: str) -> None:
    st.markdown(md("ch5/search"))
    columns = st.columns(2)
    for column, key in zip(columns, SEARCHES, strict=True):
        sentence, matches = curriculum_search(key)
        _, source, targets = SEARCHES[key]
        with column:
            st.markdown(t(f"ch5.search.{key}_title"))
            if not matches:
                st.info(t("ch5.search.none", source=source, targets=", ".join(targets)))
                continue
            best = matches[0]
            st.markdown(t("ch5.search.found", layer=best.layer + 1, head=best.head + 1, weight=f"{best.weight:.2f}",
                          source=source, targets=", ".join(targets), count=len(matches)))
            if not best.is_top:
                st.caption(t("ch5.search.not_top"))
            st.button(t("ch5.search.open", layer=best.layer + 1, head=best.head + 1), key=f"ch5_open_{key}",
                      on_click=_open_example, args=(key, best.layer, best.head, best.source))
    del text


#: The explorer's words: key in the page's script -> catalogue key (templates keep their
#: {placeholders}, which the script fills as the learner moves).
EXPLORER_LABELS = {
    "layer": "ch5.controls.layer", "head": "ch5.controls.head", "focus": "ch5.controls.focus",
    "causal": "ch5.controls.causal", "causal_gpt_help": "ch5.controls.causal_gpt_help",
    "causal_whatif": "ch5.controls.causal_whatif", "causal_whatif_help": "ch5.controls.causal_whatif_help",
    "temperature": "ch5.controls.temperature", "temperature_note": "ch5.steps.temperature_note",
    "views_label": "ch5.views.label", "whatif_banner": "ch5.steps.whatif_banner", "where": "ch5.steps.where",
    "dimension": "ch5.axis.dimension", "s1": "ch5.steps.s1", "s2": "ch5.steps.s2", "s3": "ch5.steps.s3",
    "s4": "ch5.steps.s4", "s5": "ch5.steps.s5", "input_title": "ch5.steps.input_title",
    "qkv_title": "ch5.steps.qkv_title", "scores_figure": "ch5.steps.scores_figure",
    "scores_title": "ch5.steps.scores_title", "scaled_title": "ch5.steps.scaled_title",
    "masked_title": "ch5.steps.masked_title", "unmasked_title": "ch5.steps.unmasked_title",
    "weights_title": "ch5.steps.weights_title", "head_out_title": "ch5.steps.head_out_title",
    "rope_groups": "ch5.rope.groups", "rope_header": "ch5.rope.header", "rope_title": "ch5.rope.title",
    "q_before": "ch5.rope.q_before", "q_after": "ch5.rope.q_after", "k_before": "ch5.rope.k_before",
    "k_after": "ch5.rope.k_after", "lines_header": "ch5.lines.header", "lines_title": "ch5.lines.title",
    "heads_header": "ch5.heads.header", "heads_title": "ch5.heads.title", "heads_click": "ch5.heads.click",
    "overview_header": "ch5.overview.header", "metric": "ch5.overview.metric",
    "overview_title": "ch5.overview.title", "overview_caption": "ch5.overview.caption",
}
METRICS = ("focus", "sharpness")


def explorer_labels(trace: lab.AttentionTrace) -> dict:
    lang = current_language()
    labels = {name: i18n.template(key, lang) for name, key in EXPLORER_LABELS.items()}
    labels["rope_caption"] = t("ch5.rope.caption", error=f"{trace.max_rope_error:.1e}") if trace.rope else ""
    labels["views"] = {view: t(f"ch5.views.{view}") for view in VIEWS}
    labels["metrics"] = {metric: i18n.template(f"ch5.overview.{metric}", lang) for metric in METRICS}
    labels["metric_short"] = {metric: t(f"ch5.overview.{metric}_short") for metric in METRICS}
    return labels


@st.cache_data(show_spinner=False, max_entries=16)
def cached_explorer_numbers(model_name: str, text: str) -> dict[str, dict]:
    """Every head's numbers for one (model, sentence), packed for the browser once per server."""
    return explorer.pack_arrays(lab.explorer_arrays(cached_trace(model_name, text)))


def opening_view(trace: lab.AttentionTrace) -> dict:
    """What the explorer opens on: the head chosen above (link or search) and the link's view."""
    temperature = query_param("temp", "1")
    try:
        temperature = float(temperature)
    except (TypeError, ValueError):
        temperature = 1.0
    view = query_param("view", VIEWS[0])
    metric = query_param("metric", METRICS[0])
    return {
        "layer": min(max(int(st.session_state.get("ch5_layer", 0)), 0), trace.n_layers - 1),
        "head": min(max(int(st.session_state.get("ch5_head", 0)), 0), trace.n_heads - 1),
        "token": min(max(int(st.session_state.get("ch5_focus", 0)), 0), trace.n_tokens - 1),
        "view": view if view in VIEWS else VIEWS[0],
        "causal": bool(trace.causal or query_param("causal", "0") == "1"),
        "temperature": temperature if temperature in lab.TEMPERATURES else 1.0,
        "metric": metric if metric in METRICS else METRICS[0],
    }


def explore(model_name: str, text: str, trace: lab.AttentionTrace) -> None:
    """Layer, head, token, view, causal what-if and temperature, all moved in the browser."""
    view = opening_view(trace)
    layer, head, focus, causal = view["layer"], view["head"], view["token"], view["causal"]
    steps = lab.attention_steps(trace, layer, head, causal=causal)
    names = {str(i): f"{i}: {display_token(token)}" for i, token in enumerate(trace.tokens)}
    attend = ask("ch5.attend", list(names), lambda: quiz.most_attended(steps.weights, focus),
                 bar_reveal("ch5.attend", labels=names), labels=names,
                 params={"layer": layer + 1, "head": head + 1, "token": trace.tokens[focus]},
                 facts=lambda answer: {"target": trace.tokens[answer.facts["best"]]},
                 context=(trace.model_name, tuple(trace.tokens), layer, head, focus, causal))
    if not projector_on():
        spaces = any("␣" in display_token(token) for token in trace.tokens)
        st.caption(join_sentences(t("ch5.explorer.note", layers=trace.n_layers, heads=trace.n_heads),
                                  t("common.space_mark") if spaces else ""))
    with main_chart():
        html = explorer.explorer_html(trace, cached_explorer_numbers(model_name, text), explorer_labels(trace),
                                      view, lab.TEMPERATURES, projector=projector_on())
        st.iframe(html, height="content")
    attend.end()


def bertviz_section(model_name: str, text: str, trace: lab.AttentionTrace) -> None:
    st.markdown(md("ch5/bertviz"))
    layer = int(st.session_state.get("ch5_layer", 0))
    head = int(st.session_state.get("ch5_head", 0))
    st.caption(t("ch5.bertviz.numbering"))
    head_tab, model_tab = st.tabs([t("ch5.bertviz.head_tab"), t("ch5.bertviz.model_tab")])
    with head_tab:
        html, offline = cached_bertviz(model_name, text, "head", layer, head)
        if not offline:
            st.warning(t("ch5.bertviz.cdn_fallback"), icon=":material/cloud_off:")
        st.iframe(html, height=bertviz_offline.view_height("head", trace.n_layers, trace.n_heads, trace.n_tokens))
    with model_tab:
        html, offline = cached_bertviz(model_name, text, "model", 0, 0)
        if not offline:
            st.warning(t("ch5.bertviz.cdn_fallback"), icon=":material/cloud_off:")
        st.iframe(html, height=bertviz_offline.view_height("model", trace.n_layers, trace.n_heads, trace.n_tokens))


# --------------------------------------------------------------------------- page

st.title(t("ch5.title"))
intro("ch5/intro")

model_column, sentence_column = st.columns([1, 2])
with model_column:
    chosen_choice = choose_model(own_model.choices(available_models()))  # plus this session's own model
    chosen_model = own_model.cache_key(chosen_choice)  # the name results are computed and cached under
with sentence_column:
    sentence = choose_sentence(chosen_choice)

try:
    current = cached_trace(chosen_model, sentence)
except InputError as exc:
    show_error(exc)
    st.stop()

set_query_param("model", chosen_choice)
model_notes(current, sentence)
preselect_head(current, sentence)



def explorer_section() -> None:
    if not projector_on():  # on a projector the charts' own titles say it
        st.header(t("ch5.steps.header"))
    shown = explain_after("ch5/steps")
    explore(chosen_model, sentence, current)
    if not shown:
        intro("ch5/steps", "common.read_more")


if projector_on():  # the chart the teacher talks about comes first
    explorer_section()

st.header(t("ch5.input.header"))
st.markdown(md("ch5/input"))
input_section(current)

st.header(t("ch5.search.header"))
if chosen_model == lab.MINILM:
    search_section(current, sentence)
elif chosen_model == lab.SMOLLM2 and (found := lab.find_heads(current, *SEARCHES["keys"][1:])):
    # The pronoun head exists in this real LLM too: found by the same search, not hard-coded.
    st.markdown(t("ch5.search.smollm2_found", layer=found[0].layer + 1, head=found[0].head + 1,
                  weight=f"{found[0].weight:.2f}", count=len(found), threshold=0.3))  # find_heads' default
else:
    st.info(t("ch5.search.decoder_note"), icon=":material/info:")

if not projector_on():
    explorer_section()

shown_layer = int(st.session_state.get("ch5_layer", 0))
head_names = {str(h): t("quiz.ch5.sharpest.head", head=h + 1) for h in range(current.n_heads)}
sharpest = ask("ch5.sharpest", list(head_names), lambda: quiz.sharpest_head(lab.focus_scores(current), shown_layer),
               bar_reveal("ch5.sharpest", labels=head_names), labels=head_names, params={"layer": shown_layer + 1},
               context=(chosen_model, sentence, shown_layer))
st.header(t("ch5.bertviz.header"))
bertviz_section(chosen_model, sentence, current)
sharpest.end()

st.divider()
st.markdown(md("ch5/takeaways"))
del lang
