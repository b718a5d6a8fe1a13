"""A chat completion, in OpenAI's format, computed by our own SmolLM2: no HTTP here.

The OpenAI Python client (and most chat tools) speak one format: a request with a model name
and a list of ``{"role", "content"}`` messages, a response with ``choices[0].message.content``,
a finish reason and token counts, or, when ``stream`` is set, the same answer cut into
"chunks", one per token. This module turns such a request into SmolLM2's ChatML prompt
(:meth:`lm_core.tokenizers.smol.SmolTokenizer.chat_prompt`), generates with chapter 7's loop
(:func:`lm_core.decoding.generation.generate_steps`) and writes the answer back in that format.

The HTTP server (:mod:`lm_core.serve.app`) and chapter 9's page both call these functions,
so what the page shows is exactly what the endpoint sends:

    request = parse_request({"model": MODEL_ID, "messages": [{"role": "user", "content": "Hello"}]})
    response = chat_completion(model, tokenizer, request)      # a dict, as OpenAI's JSON
    for chunk in chat_completion_chunks(model, tokenizer, request): ...   # the streamed form

Everything a request may ask for is bounded (token ceiling, message count and length,
temperature and top-p ranges); a request outside the bounds raises :class:`ApiError`, which
carries the HTTP status and OpenAI's error JSON, never a traceback.
"""

from __future__ import annotations

import json
import math
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from lm_core.core.device import inference_threads
from lm_core.decoding.generation import MIN_TEMPERATURE, SamplingSettings, generate_steps
from lm_core.tokenizers.smol import IM_END, IM_START

#: The name a client asks for (``model=`` in the OpenAI client) and ``/v1/models`` lists.
MODEL_ID = "smollm2-135m-instruct"
#: Who ``/v1/models`` says owns it (the weights are Hugging Face's; the server is ours).
OWNED_BY = "llm-explainer"
#: Most tokens one answer may have (a classroom server on a few CPU cores).
MAX_TOKENS_CEILING = 256
#: When a request does not say: answers to a greeting end long before this.
DEFAULT_MAX_TOKENS = 128
MAX_MESSAGES = 32
MAX_CONTENT_CHARS = 4000  # one message
MAX_TOTAL_CHARS = 8000  # all messages together
MAX_TEMPERATURE = 2.0  # OpenAI's own range is 0..2
MAX_TOP_LOGPROBS = 5  # OpenAI allows 20; a small model's sixth-best token says little
ROLES = ("system", "developer", "user", "assistant")  # "developer" is the newer name of "system"
#: Where ``make api`` listens unless told otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
#: The seed's first experiment, "Say hi to an LLM": a system and a user message.
SAY_HI_SYSTEM = "You are a helpful assistant"
SAY_HI_USER = "Hello"

SNIPPET = """from openai import OpenAI

client = OpenAI(api_key="not-needed", base_url={base_url})
response = client.chat.completions.create(
    model={model},
    messages=[
        {{"role": "system", "content": {system}}},
        {{"role": "user", "content": {user}}},
    ],
{extra}    stream=False,
)
print(response.choices[0].message.content)
"""


def say_hi_snippet(base_url: str = DEFAULT_BASE_URL, model: str = MODEL_ID, system: str = SAY_HI_SYSTEM,
                   user: str = SAY_HI_USER, temperature: float | None = None) -> str:
    """The seed's Python snippet, only ``base_url`` and ``model`` changed (a key is required by the
    client, never checked here); the messages are written as Python strings, whatever they hold.
    A ``temperature`` other than OpenAI's default (1) adds that one argument."""
    def literal(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    extra = f"    temperature={temperature:g},\n" if temperature is not None and temperature != 1 else ""
    return SNIPPET.format(base_url=literal(base_url), model=literal(model), system=literal(system),
                          user=literal(user), extra=extra)


class ApiError(Exception):
    """A request the endpoint refuses: an HTTP status and OpenAI's error object.

    ``{"error": {"message", "type", "param", "code"}}`` is what OpenAI's servers answer, so the
    OpenAI client raises its own exception (``BadRequestError``, ``NotFoundError``,
    ``RateLimitError``...) with this message.
    """

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


def _bad(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


# --- the request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatRequest:
    """A checked chat-completion request: every field within the server's bounds."""

    messages: tuple[tuple[str, str], ...]  # (role, content), "developer" already read as "system"
    model: str = MODEL_ID
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stream: bool = False
    include_usage: bool = False
    logprobs: bool = False
    top_logprobs: int = 0

    def settings(self) -> SamplingSettings:
        """OpenAI's knobs as chapter 7's: temperature 0 (or top-p 0) means "always the likeliest"."""
        if self.temperature == 0 or self.top_p == 0:
            return SamplingSettings(greedy=True)
        return SamplingSettings(temperature=max(self.temperature, MIN_TEMPERATURE), top_p=self.top_p)

    def turns(self) -> list[dict]:
        return [{"role": role, "content": content} for role, content in self.messages]


def _number(body: dict, name: str, default: float, low: float, high: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(f"'{name}' must be a number.", name, "invalid_type")
    if not low <= value <= high:
        raise _bad(f"'{name}' is {value}; it must be between {low:g} and {high:g}.", name, "invalid_value")
    return float(value)


def _integer(body: dict, name: str, default: int | None, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"'{name}' must be an integer.", name, "invalid_type")
    if not low <= value <= high:
        raise _bad(f"'{name}' is {value}; it must be between {low} and {high}.", name, "invalid_value")
    return value


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad(f"'{name}' must be true or false.", name, "invalid_type")
    return value


def _content(value: object, where: str) -> str:
    """A message's text: a string, or OpenAI's list of ``{"type": "text", "text": ...}`` parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(p, dict) and p.get("type") == "text"
                                       and isinstance(p.get("text"), str) for p in value):
        return "".join(p["text"] for p in value)
    raise _bad(f"'{where}.content' must be a string (this model reads text only).", f"{where}.content", "invalid_type")


def _messages(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise _bad("'messages' must be a list of {\"role\", \"content\"} objects.", "messages", "invalid_type")
    if not value:
        raise _bad("'messages' is empty: send at least one message.", "messages", "empty_array")
    if len(value) > MAX_MESSAGES:
        raise _bad(f"{len(value)} messages: at most {MAX_MESSAGES} per request.", "messages", "array_above_max_length")
    turns, total = [], 0
    for index, message in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise _bad(f"'{where}' must be an object with 'role' and 'content'.", where, "invalid_type")
        role = message.get("role")
        if role not in ROLES:
            raise _bad(f"'{where}.role' is {role!r}; it must be one of {', '.join(ROLES)}.", f"{where}.role",
                       "invalid_value")
        content = _content(message.get("content"), where)
        if len(content) > MAX_CONTENT_CHARS:
            raise _bad(f"'{where}.content' has {len(content)} characters; at most {MAX_CONTENT_CHARS}.",
                       f"{where}.content", "string_above_max_length")
        if IM_START in content or IM_END in content:
            # These two strings would become the template's own markers and open a turn of
            # another role inside a message: refused rather than silently changed.
            raise _bad(f"'{where}.content' contains {IM_START} or {IM_END}, the chat template's own markers.",
                       f"{where}.content", "invalid_value")
        total += len(content)
        turns.append(("system" if role == "developer" else role, content))
    if total > MAX_TOTAL_CHARS:
        raise _bad(f"The messages have {total} characters together; at most {MAX_TOTAL_CHARS}.", "messages",
                   "string_above_max_length")
    return tuple(turns)


def parse_request(body: object) -> ChatRequest:
    """Check a decoded JSON body and return the request, or raise :class:`ApiError` (400/404).

    Parameters this server does not know are ignored, as many OpenAI-compatible servers do;
    those it cannot honour (``n`` other than 1) are refused.
    """
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.", None, "invalid_type")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("'model' is required: a model name (GET /v1/models lists them).", "model", "missing_required_parameter")
    if model != MODEL_ID:
        raise ApiError(404, f"The model '{model[:100]}' does not exist here; this server has '{MODEL_ID}'.",
                       param="model", code="model_not_found")
    messages = _messages(body.get("messages"))
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise _bad("Send 'max_tokens' or 'max_completion_tokens', not both.", "max_tokens", "invalid_value")
    name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    max_tokens = _integer(body, name, DEFAULT_MAX_TOKENS, 1, MAX_TOKENS_CEILING)
    if body.get("n") not in (None, 1):
        raise _bad("'n' must be 1: this server writes one answer per request.", "n", "invalid_value")
    stream_options = body.get("stream_options") or {}
    if not isinstance(stream_options, dict):
        raise _bad("'stream_options' must be an object.", "stream_options", "invalid_type")
    logprobs = _flag(body, "logprobs")
    top_logprobs = _integer(body, "top_logprobs", 0, 0, MAX_TOP_LOGPROBS)
    if top_logprobs and not logprobs:
        raise _bad("'top_logprobs' needs 'logprobs': true.", "top_logprobs", "invalid_value")
    return ChatRequest(
        messages=messages,
        model=model,
        max_tokens=max_tokens,
        temperature=_number(body, "temperature", 1.0, 0.0, MAX_TEMPERATURE),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0),
        seed=_integer(body, "seed", None, -(2**63), 2**63 - 1),
        stream=_flag(body, "stream"),
        include_usage=_flag(stream_options, "include_usage"),
        logprobs=logprobs,
        top_logprobs=top_logprobs,
    )


def prompt_ids(tokenizer, request: ChatRequest) -> list[int]:  # noqa: ANN001
    """The ChatML prompt as ids (SmolLM2's default system turn first when the request has none)."""
    return tokenizer.encode(tokenizer.chat_prompt(request.turns()))


def check_fits(ids: list[int], request: ChatRequest, window: int) -> None:
    """Refused (400) when the prompt and the longest answer asked for cannot fit the model's window."""
    if len(ids) + request.max_tokens > window:
        raise _bad(f"The prompt is {len(ids)} tokens and max_tokens is {request.max_tokens}: together more than "
                   f"the {window} tokens this server lets the model read.", "messages", "context_length_exceeded")


# --- the answer, token by token ------------------------------------------------------------


@dataclass
class Piece:
    """One generated token as the client sees it."""

    token_id: int
    text: str  # the new text it adds (empty while it holds part of a character)
    logprob: float  # log of its probability under the model (temperature 1)
    top: list[tuple[int, float]] = field(default_factory=list)  # the likeliest tokens and their log-probs
    is_end: bool = False  # the end-of-turn token: not part of the text


def _seeded(seed: int | None) -> torch.Generator:
    """A private random stream: the request's seed, or a fresh one (never the global seed)."""
    return torch.Generator().manual_seed(int(seed if seed is not None else secrets.randbits(63)) % 2**63)


def pieces(model, tokenizer, request: ChatRequest, should_stop: Callable[[], bool] | None = None) -> Iterator[Piece]:  # noqa: ANN001
    """Generate the answer: one :class:`Piece` per token, the last one may be the end token.

    Text is decoded incrementally: a Chinese character spread over two tokens appears whole
    with the second (a client never receives half a character).
    """
    ids = prompt_ids(tokenizer, request)
    check_fits(ids, request, model.config.block_size)
    answer: list[int] = []
    shown = ""
    top_n = request.top_logprobs if request.logprobs else 0
    with inference_threads():
        steps = generate_steps(model, ids, request.settings(), request.max_tokens, generator=_seeded(request.seed),
                               end_id=tokenizer.eos_id)
        for step in steps:
            log_probs = torch.log_softmax(step.distribution.logits, dim=-1)
            top = []
            if top_n:
                values, indices = torch.topk(log_probs, top_n)
                top = [(int(i), float(v)) for i, v in zip(indices, values, strict=True)]
            text = ""
            if not step.is_end:
                answer.append(step.token_id)
                decoded = tokenizer.decode(answer)
                if not decoded.endswith("\ufffd"):
                    text, shown = decoded[len(shown):], decoded
            yield Piece(step.token_id, text, float(log_probs[step.token_id]), top, step.is_end)
            if should_stop is not None and should_stop():
                return
    rest = tokenizer.decode(answer)[len(shown):]
    if rest:  # a last character the model never finished
        yield Piece(-1, rest, 0.0)


# --- OpenAI's JSON ---------------------------------------------------------------------------


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _token_logprob(tokenizer, token_id: int, logprob: float) -> dict:  # noqa: ANN001
    return {"token": tokenizer.id_to_token(token_id), "logprob": round(logprob, 6),
            "bytes": list(tokenizer.token_bytes(token_id))}


def _logprobs_entry(tokenizer, piece: Piece) -> dict:  # noqa: ANN001
    entry = _token_logprob(tokenizer, piece.token_id, piece.logprob)
    entry["top_logprobs"] = [_token_logprob(tokenizer, i, lp) for i, lp in piece.top]
    return entry


def chat_completion_chunks(model, tokenizer, request: ChatRequest, *, completion_id: str | None = None,  # noqa: ANN001
                           created: int | None = None,
                           should_stop: Callable[[], bool] | None = None) -> Iterator[dict]:
    """The answer as OpenAI's ``chat.completion.chunk`` objects: a first chunk with the role,
    one chunk per token (``delta.content``), a last one with ``finish_reason``, then one with
    ``usage`` and no choices (a client sees it when it asks ``stream_options.include_usage``).
    """
    completion_id = completion_id or new_completion_id()
    created = int(time.time()) if created is None else created
    base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": request.model}

    def chunk(delta: dict, finish: str | None = None, logprobs: list | None = None) -> dict:
        choice = {"index": 0, "delta": delta, "logprobs": {"content": logprobs} if logprobs is not None else None,
                  "finish_reason": finish}
        return {**base, "choices": [choice]}

    prompt_tokens = len(prompt_ids(tokenizer, request))
    yield chunk({"role": "assistant", "content": ""})
    generated, finish = 0, "length"
    for piece in pieces(model, tokenizer, request, should_stop):
        if piece.token_id >= 0:
            generated += 1
        if piece.is_end:
            finish = "stop"
            continue
        entry = [_logprobs_entry(tokenizer, piece)] if request.logprobs and piece.token_id >= 0 else None
        yield chunk({"content": piece.text}, logprobs=entry if request.logprobs else None)
    yield chunk({}, finish)
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": generated, "total_tokens": prompt_tokens + generated}
    yield {**base, "choices": [], "usage": usage}


def response_from_chunks(chunks: list[dict]) -> dict:
    """The non-streamed ``chat.completion`` object that the same chunks add up to."""
    first = chunks[0]
    text, logprobs, finish, usage = [], [], None, None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk["choices"]:
            text.append(choice["delta"].get("content") or "")
            logprobs.extend((choice.get("logprobs") or {}).get("content") or [])
            finish = choice["finish_reason"] or finish
    has_logprobs = any(choice.get("logprobs") for chunk in chunks for choice in chunk["choices"])
    return {
        "id": first["id"],
        "object": "chat.completion",
        "created": first["created"],
        "model": first["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "".join(text)},
            "logprobs": {"content": logprobs} if has_logprobs else None,
            "finish_reason": finish,
        }],
        "usage": usage,
    }


def chat_completion(model, tokenizer, request: ChatRequest, *,  # noqa: ANN001
                    on_chunk: Callable[[dict], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> dict:
    """The whole ``chat.completion`` response (``on_chunk`` sees each streamed chunk on the way)."""
    chunks = []
    for chunk in chat_completion_chunks(model, tokenizer, request, should_stop=should_stop):
        chunks.append(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
    return response_from_chunks(chunks)


def completion_job(body: dict, progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """Chapter 9's "Say hi" as a job of the shared queue (picklable with ``functools.partial``).

    Loads SmolLM2 in the worker, reports every streamed chunk as it comes (a page replays
    them), returns ``{"request", "chunks", "response"}``, all plain JSON data.
    """
    from lm_core.models.smollm2_cache import load_smollm2

    request = parse_request(body)
    model, tokenizer = load_smollm2()
    chunks: list[dict] = []

    def report(chunk: dict) -> None:
        chunks.append(chunk)
        progress({"chunk": chunk})

    response = chat_completion(model, tokenizer, request, on_chunk=report, should_stop=should_stop)
    return {"request": body, "chunks": chunks, "response": response}


def models_list(created: int = 0) -> dict:
    """What ``GET /v1/models`` answers."""
    return {"object": "list", "data": [model_card(created)]}


def model_card(created: int = 0) -> dict:
    return {"id": MODEL_ID, "object": "model", "created": created, "owned_by": OWNED_BY}
