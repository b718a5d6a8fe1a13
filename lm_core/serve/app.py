"""An OpenAI-compatible HTTP endpoint for our SmolLM2 (Starlette, served by uvicorn).

The OpenAI Python client, pointed here with ``base_url="http://127.0.0.1:8000/v1"``, runs
unchanged against it. Two routes:

``POST /v1/chat/completions``
    a chat completion (:mod:`lm_core.serve.chat`); with ``"stream": true`` the answer comes as
    server-sent events, one ``data: {chunk}`` per token, ending with ``data: [DONE]``.
``GET /v1/models`` (and ``GET /v1/models/{id}``)
    the one model served.

Bounded like the app, so a class cannot take it down: one generation at a time (a CPU runs
one well, two slowly), a short waiting line behind it (a request that finds the line full
gets 429 at once, as OpenAI's rate limit does), a ceiling on the body size and on
``max_tokens``, every field checked. Anything refused, malformed or broken answers OpenAI's
error JSON ``{"error": {"message", "type", "param", "code"}}``; a traceback goes to the
server's log, never to the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from lm_core.serve.chat import (
    MODEL_ID,
    ApiError,
    ChatRequest,
    chat_completion,
    chat_completion_chunks,
    check_fits,
    model_card,
    models_list,
    parse_request,
    prompt_ids,
)

LOG = logging.getLogger("llm_explainer.api")
#: Requests that may wait behind the one being answered; one more is refused with 429.
WAITING_LINE = 4
#: Largest request body read (a full request within every other limit is well under this).
MAX_BODY_BYTES = 64 * 1024


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


class Line:
    """One generation at a time and a bounded waiting line, kept in the event loop's thread.

    ``inside`` counts the request being answered and those waiting; ``enter`` refuses (429)
    when it would pass ``1 + waiting``. The lock is fair (first come, first served).
    """

    def __init__(self, waiting: int = WAITING_LINE) -> None:
        self.waiting = waiting
        self.inside = 0
        self._turn = asyncio.Lock()

    async def enter(self) -> Seat:
        if self.inside >= 1 + self.waiting:
            raise ApiError(429, f"The server is answering one request and {self.inside - 1} are waiting "
                           "(the line is full). Try again in a few seconds.",
                           code="rate_limit_exceeded", kind="rate_limit_error")
        self.inside += 1
        try:
            await self._turn.acquire()
        except BaseException:
            self.inside -= 1
            raise
        return Seat(self)

    def _leave(self) -> None:
        self._turn.release()
        self.inside -= 1


class Seat:
    """The right to generate; :meth:`release` gives it back (once, whoever calls it first)."""

    def __init__(self, line: Line) -> None:
        self._line: Line | None = line

    def release(self) -> None:
        line, self._line = self._line, None
        if line is not None:
            line._leave()


class _Generation:
    """A streamed answer computed in a thread of its own, chunk by chunk into a queue.

    One thread from start to end, because torch's inference mode is a per-thread setting (a
    generator resumed in whichever pool thread is free would enter it in one and leave it in
    another). ``finish`` asks it to stop at its next token and waits until it has.
    """

    END = object()

    def __init__(self, model, tokenizer, request: ChatRequest) -> None:  # noqa: ANN001
        self.chunks: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(model, tokenizer, request), daemon=True,
                                       name="api-generation")
        self.thread.start()

    def _run(self, model, tokenizer, request: ChatRequest) -> None:  # noqa: ANN001
        try:
            for chunk in chat_completion_chunks(model, tokenizer, request, should_stop=self.stop.is_set):
                self.chunks.put(chunk)
        except Exception as exc:  # handed to the response, which says it as an event
            self.chunks.put(exc)
        finally:
            self.chunks.put(self.END)

    async def next(self) -> object:
        return await anyio.to_thread.run_sync(self.chunks.get)

    async def finish(self) -> None:
        self.stop.set()
        with anyio.CancelScope(shield=True):  # even when the client has gone and the task is cancelled
            await anyio.to_thread.run_sync(self.thread.join)


class _SeatedStream(StreamingResponse):
    """A streamed response that stops its generation and gives its seat back however it ends
    (done, error, client gone)."""

    def __init__(self, content: AsyncIterator[str], generation: _Generation, seat: Seat) -> None:
        super().__init__(content, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        self.generation, self.seat = generation, seat

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                await self.generation.finish()
            finally:
                self.seat.release()


def _sse(data: object) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"data: {payload}\n\n"


async def _read_json(request: Request) -> object:
    """The body as JSON: 413 past :data:`MAX_BODY_BYTES`, 400 when it is not JSON."""
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > MAX_BODY_BYTES:
        raise ApiError(413, f"The request body is {size} bytes; at most {MAX_BODY_BYTES}.", code="request_too_large")
    raw = bytearray()
    async for part in request.stream():
        raw.extend(part)
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, f"The request body is over {MAX_BODY_BYTES} bytes.", code="request_too_large")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "We could not parse the JSON body of your request: send a JSON object such as "
                       '{"model": "...", "messages": [{"role": "user", "content": "Hello"}]}.',
                       code="invalid_json") from None


def create_app(load: Callable[[], tuple] | None = None, waiting: int = WAITING_LINE) -> Starlette:
    """The endpoint. ``load()`` returns ``(model, tokenizer)`` (default: the SmolLM2 cache);
    it runs once, at start-up, so the first request does not wait for it."""
    if load is None:
        from lm_core.models.smollm2_cache import load_smollm2 as load

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        app.state.model, app.state.tokenizer = await run_in_threadpool(load)
        app.state.line = Line(waiting)
        app.state.started = int(time.time())
        LOG.info("serving %s", MODEL_ID)
        yield

    async def chat(request: Request) -> JSONResponse | StreamingResponse:
        body = await _read_json(request)
        chat_request = parse_request(body)
        state = request.app.state
        check_fits(prompt_ids(state.tokenizer, chat_request), chat_request, state.model.config.block_size)
        seat = await state.line.enter()
        if chat_request.stream:
            generation = _Generation(state.model, state.tokenizer, chat_request)
            return _SeatedStream(_events(generation, chat_request.include_usage), generation, seat)
        try:
            response = await run_in_threadpool(chat_completion, state.model, state.tokenizer, chat_request)
        finally:
            seat.release()
        return JSONResponse(response)

    async def _events(generation: _Generation, include_usage: bool) -> AsyncIterator[str]:
        try:
            while (chunk := await generation.next()) is not _Generation.END:
                if isinstance(chunk, Exception):
                    raise chunk
                if chunk["choices"] or include_usage:
                    yield _sse(chunk)
            yield _sse("[DONE]")
        except ApiError as exc:  # headers are sent: the error travels as an event
            yield _sse(exc.body())
        except Exception:
            LOG.exception("a streamed completion failed")
            yield _sse(ApiError(500, "The server failed while answering.", kind="server_error").body())

    async def models(request: Request) -> JSONResponse:
        return JSONResponse(models_list(request.app.state.started))

    async def one_model(request: Request) -> JSONResponse:
        if request.path_params["model_id"] != MODEL_ID:
            raise ApiError(404, f"The model '{request.path_params['model_id'][:100]}' does not exist here.",
                           param="model", code="model_not_found")
        return JSONResponse(model_card(request.app.state.started))

    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        where = f"{request.method} {request.url.path}"
        if exc.status_code == 405:
            error = ApiError(405, f"Method not allowed: {where}.", code="method_not_allowed")
        elif exc.status_code == 404:
            error = ApiError(404, f"Invalid URL ({where}).", code="unknown_url")
        else:
            error = ApiError(exc.status_code, str(exc.detail))
        return error_response(error)

    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        LOG.error("request failed", exc_info=exc)
        return error_response(ApiError(500, "The server failed while answering.", kind="server_error"))

    routes = [
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/models/{model_id:path}", one_model, methods=["GET"]),
    ]
    handlers = {ApiError: api_error, HTTPException: http_error, Exception: server_error}
    return Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
