"""Chapter 9: "Say hi to an LLM" the seed's way, and open versus closed, computed.

``say_hi_section``: the seed's OpenAI-client snippet (pointed at ``make api``'s endpoint), a
system and a user message, and the very chat completion the endpoint computes
(:func:`lm_core.serve.chat.completion_job`, a job of the shared queue) shown as the request
JSON, the streamed chunks token by token and the response JSON.

``open_closed_section``: what this machine sees of SmolLM2 (every weight's shape, its
licence, one forward pass opened up) against what an API returns, and what the learner's
request would cost on a hosted model at dated example prices.
"""

from __future__ import annotations

import functools
import json

import streamlit as st

from lm_core.serve import chat
from lm_core.serve import openness as open_model
from ui import bounded, jobs, models
from ui.common import (
    current_seed,
    guard,
    int_query_param,
    md,
    number_choice_query_param,
    plain,
    set_query_param,
    set_text_query_param,
    t,
    text_query_param,
)

SYSTEM_LIMIT = 500  # characters a box takes (well inside the endpoint's own limits)
USER_LIMIT = 1000
MAX_TOKENS_CHOICES = (16, 32, 48, 96, 128)
DEFAULT_MAX_TOKENS = 48
TEMPERATURES = (0.0, 0.3, 0.7, 1.0, 1.5)
DEFAULT_TEMPERATURE = 1.0  # OpenAI's default, what the seed's snippet gets
TOP_LOGPROBS = 3  # alternatives asked for each token (shown as "what an API returns")
#: A class's use, for the cost estimate: students × requests each.
CLASS_STUDENTS, CLASS_REQUESTS = 30, 20
RESULT = "ch9_hi_result"  # session key: the last answer (request, chunks, response)


# --- the learner's request ---------------------------------------------------------------


def _messages() -> tuple[str, str, int, float]:
    """The system and user message, the answer's length and the temperature, each kept in the link."""
    st.session_state.setdefault("ch9_hi_system", text_query_param("hi_sys", chat.SAY_HI_SYSTEM, SYSTEM_LIMIT))
    st.session_state.setdefault("ch9_hi_user", text_query_param("hi_user", chat.SAY_HI_USER, USER_LIMIT))
    st.session_state.setdefault("ch9_hi_max", number_choice_query_param("hi_max", MAX_TOKENS_CHOICES,
                                                                        DEFAULT_MAX_TOKENS, int))
    system = bounded.text_input(t("ch9_api.say_hi.system"), key="ch9_hi_system", limit=SYSTEM_LIMIT)
    user = bounded.text_input(t("ch9_api.say_hi.user"), key="ch9_hi_user", limit=USER_LIMIT)
    max_tokens = st.select_slider(t("ch9_api.say_hi.max_tokens"), MAX_TOKENS_CHOICES, key="ch9_hi_max",
                                  help=t("ch9_api.say_hi.max_tokens_help", ceiling=chat.MAX_TOKENS_CEILING))
    st.session_state.setdefault("ch9_hi_temp", number_choice_query_param("hi_temp", TEMPERATURES, DEFAULT_TEMPERATURE))
    temperature = st.select_slider(t("ch9_api.say_hi.temperature"), TEMPERATURES, key="ch9_hi_temp",
                                   help=t("ch9_api.say_hi.temperature_help"))
    set_text_query_param("hi_sys", system, chat.SAY_HI_SYSTEM)
    set_text_query_param("hi_user", user, chat.SAY_HI_USER)
    set_query_param("hi_max", max_tokens)
    set_query_param("hi_temp", temperature)
    return system, user, int(max_tokens), float(temperature)


def request_body(system: str, user: str, max_tokens: int, temperature: float, seed: int) -> dict:
    """The JSON the OpenAI client would send for the snippet (plus length, seed and log-probs)."""
    messages = ([{"role": "system", "content": system}] if system.strip() else []) + [
        {"role": "user", "content": user}]
    return {"model": chat.MODEL_ID, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
            "seed": seed, "logprobs": True, "top_logprobs": TOP_LOGPROBS, "stream": True}


def _code(value: object) -> None:
    """JSON shown literally (a code block never renders what is inside as markup)."""
    st.code(json.dumps(value, ensure_ascii=False, indent=2), language="json", wrap_lines=True)


# --- section: say hi ----------------------------------------------------------------------


def say_hi_section() -> None:
    st.header(t("ch9_api.say_hi.title"))
    st.markdown(md("ch9/api_say_hi"))
    left, right = st.columns([2, 3])
    with left:
        system, user, max_tokens, temperature = _messages()
        send = st.button(t("ch9_api.say_hi.send"), key="ch9_hi_send", type="primary")
    with right:
        st.caption(t("ch9_api.say_hi.snippet"))
        st.code(chat.say_hi_snippet(chat.DEFAULT_BASE_URL, chat.MODEL_ID, system, user, temperature),
                language="python", wrap_lines=True)
    body = request_body(system, user, max_tokens, temperature, current_seed())
    with guard():
        if send:
            _send(body)
        _show_result(st.session_state.get(RESULT), body)
    st.markdown(md("ch9/api_run_it"))
    st.markdown(md("ch9/api_hosted"))


def _send(body: dict) -> None:
    """Check the request as the endpoint would, then run it in the shared queue, streaming."""
    if not models.smollm2_available():
        st.info(t("ch9_api.say_hi.no_smollm2"), icon=":material/download:")
        return
    try:
        chat.parse_request(body)
    except chat.ApiError as refused:
        st.error(t("ch9_api.say_hi.refused", status=refused.status, detail=plain(refused.message)),
                 icon=":material/block:")
        return
    shown = st.empty()
    streamed: list[str] = []

    def on_progress(report: dict) -> None:
        for choice in report.get("chunk", {}).get("choices", []):
            streamed.append(choice["delta"].get("content") or "")
        shown.markdown(plain("".join(streamed)) + " ▌")

    key = ("ch9.say_hi", json.dumps(body, sort_keys=True, ensure_ascii=False))
    result = jobs.run_shared(key, functools.partial(chat.completion_job, body), label="say_hi",
                             on_progress=on_progress, cap_s=120)
    shown.empty()
    st.session_state[RESULT] = result


def token_rows(chunks: list[dict]) -> list[dict]:
    """One row per streamed token: what it adds to the text, its probability, its rivals."""
    rows = []
    for chunk in chunks:
        for choice in chunk.get("choices", []):
            entries = (choice.get("logprobs") or {}).get("content") or []
            for entry in entries:
                rows.append({
                    t("ch9_api.say_hi.col_index"): len(rows) + 1,
                    t("ch9_api.say_hi.col_token"): entry["token"],
                    t("ch9_api.say_hi.col_text"): choice["delta"].get("content") or "",
                    t("ch9_api.say_hi.col_prob"): round(2.718281828459045 ** entry["logprob"], 4),
                    t("ch9_api.say_hi.col_alternatives"): "  ·  ".join(
                        f"{alt['token']} {2.718281828459045 ** alt['logprob']:.2f}" for alt in entry["top_logprobs"]),
                })
    return rows


def _show_result(result: dict | None, body: dict) -> None:
    if not result:
        st.caption(t("ch9_api.say_hi.not_sent"))
        return
    if result["request"] != body:
        st.caption(t("ch9_api.say_hi.stale"))
    response = result["response"]
    st.markdown(t("ch9_api.say_hi.answer"))
    st.markdown(plain(response["choices"][0]["message"]["content"]) or "—")
    usage = response["usage"]
    st.caption(t("ch9_api.say_hi.usage", prompt=usage["prompt_tokens"], completion=usage["completion_tokens"],
                 finish=response["choices"][0]["finish_reason"]))
    request_column, response_column = st.columns(2)
    with request_column:
        st.markdown(t("ch9_api.say_hi.request"))
        _code(result["request"])
    with response_column:
        st.markdown(t("ch9_api.say_hi.response"))
        shown = json.loads(json.dumps(response))
        shown["choices"][0]["logprobs"] = t("ch9_api.say_hi.logprobs_below")
        _code(shown)
    st.markdown(t("ch9_api.say_hi.tokens"))
    st.dataframe(token_rows(result["chunks"]), hide_index=True, width="stretch")
    with st.expander(t("ch9_api.say_hi.wire"), icon=":material/stream:"):
        wire = [f"data: {json.dumps(chunk, ensure_ascii=False)}" for chunk in result["chunks"] if chunk["choices"]]
        st.code("\n\n".join([*wire, "data: [DONE]"]), language="text")


# --- section: open versus closed ------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def _inside(ids: tuple[int, ...], layer: int) -> open_model.InsidePass:
    model, _ = models.smollm2()
    return open_model.inside_one_pass(model, list(ids), layer)


@st.cache_data(show_spinner=False, max_entries=1)
def _weights() -> tuple[list[dict], int]:
    model, _ = models.smollm2()
    table = open_model.parameter_table(model)
    return table, sum(row["count"] for row in table)


def open_closed_section() -> None:
    st.header(t("ch9_api.open.title"))
    st.markdown(md("ch9/api_open_closed"))
    if not models.smollm2_available():
        st.info(t("ch9_api.say_hi.no_smollm2"), icon=":material/download:")
        return
    with guard():
        _, tokenizer = models.smollm2()
        system = st.session_state.get("ch9_hi_system", chat.SAY_HI_SYSTEM)
        user = st.session_state.get("ch9_hi_user", chat.SAY_HI_USER)
        max_tokens = int(st.session_state.get("ch9_hi_max", DEFAULT_MAX_TOKENS))
        temperature = float(st.session_state.get("ch9_hi_temp", DEFAULT_TEMPERATURE))
        body = request_body(system, user, max_tokens, temperature, current_seed())
        try:
            request = chat.parse_request(body)
        except chat.ApiError as refused:
            st.error(t("ch9_api.say_hi.refused", status=refused.status, detail=plain(refused.message)),
                     icon=":material/block:")
            return
        ids = chat.prompt_ids(tokenizer, request)
        here, there = st.columns(2)
        with here:
            _what_this_machine_sees(ids)
        with there:
            completion = _what_an_api_returns()
        _cost(len(ids), completion if completion is not None else max_tokens, completion is not None)


def _what_this_machine_sees(ids: list[int]) -> None:
    st.markdown(t("ch9_api.open.here"))
    table, total = _weights()
    st.metric(t("ch9_api.open.params"), f"{total:,}")
    st.caption(t("ch9_api.open.tensors", tensors=len(table)))
    with st.expander(t("ch9_api.open.weights_table"), icon=":material/table:"):
        st.dataframe([{t("ch9_api.open.col_name"): row["name"],
                       t("ch9_api.open.col_shape"): " × ".join(str(n) for n in row["shape"]),
                       t("ch9_api.open.col_count"): row["count"]} for row in table],
                     hide_index=True, width="stretch", height=280)
    name, text = open_model.licence()
    st.markdown(t("ch9_api.open.licence", name=plain(name or "?")))
    if text:
        with st.expander(t("ch9_api.open.licence_text"), icon=":material/gavel:"):
            st.text(text)
    layer_count = models.smollm2()[0].config.n_layer
    st.session_state.setdefault("ch9_oc_layer", int_query_param("oc_layer", layer_count // 2, 0, layer_count - 1))
    layer = st.slider(t("ch9_api.open.layer"), 0, layer_count - 1, key="ch9_oc_layer")
    set_query_param("oc_layer", layer)
    inside = _inside(tuple(ids), int(layer))
    st.markdown(t("ch9_api.open.recorded", tokens=inside.tokens, names=inside.names, numbers=f"{inside.numbers:,}"))
    st.caption(t("ch9_api.open.distribution", vocab=f"{models.smollm2()[0].config.vocab_size:,}"))
    st.caption(t("ch9_api.open.top_units", layer=inside.layer, units=f"{inside.hidden_units:,}"))
    st.dataframe([{t("ch9_api.open.col_unit"): unit, t("ch9_api.open.col_value"): round(value, 4)}
                  for unit, value in inside.top_units], hide_index=True, width="stretch")


def _what_an_api_returns() -> int | None:
    """The API side: the fields of the last response, and how many numbers it carries at most.
    Returns that response's completion tokens (None when nothing was sent yet)."""
    st.markdown(t("ch9_api.open.api"))
    result = st.session_state.get(RESULT)
    st.markdown(md("ch9/api_what_returns"))
    if not result:
        st.caption(t("ch9_api.open.send_first"))
        return None
    completion = int(result["response"]["usage"]["completion_tokens"])
    st.metric(t("ch9_api.open.api_numbers"), f"{open_model.api_numbers(completion):,}")
    st.caption(t("ch9_api.open.api_returns", tokens=completion, top=open_model.HOSTED_TOP_LOGPROBS))
    return completion


def _cost(prompt_tokens: int, completion_tokens: int, measured: bool) -> None:
    st.markdown(t("ch9_api.cost.title"))
    calls = CLASS_STUDENTS * CLASS_REQUESTS
    rows = []
    for price in open_model.EXAMPLE_PRICES:
        one = open_model.hosted_cost(prompt_tokens, completion_tokens, price)
        rows.append({
            t("ch9_api.cost.col_model"): price.model,
            t("ch9_api.cost.col_price"): f"${price.input_per_million:.2f} / ${price.output_per_million:.2f}",
            t("ch9_api.cost.col_listed"): f"{price.listed} ({price.source})",
            t("ch9_api.cost.col_call"): f"${one:.6f}",
            t("ch9_api.cost.col_class", calls=calls): f"${one * calls:.4f}",
        })
    st.dataframe(rows, hide_index=True, width="stretch")
    tokens_key = "ch9_api.cost.tokens_measured" if measured else "ch9_api.cost.tokens_at_most"
    st.caption(t(tokens_key, prompt=prompt_tokens, completion=completion_tokens))
    st.caption(t("ch9_api.cost.assumption", students=CLASS_STUDENTS, requests=CLASS_REQUESTS))
