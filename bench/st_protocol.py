"""A Streamlit session driven over the app's own websocket, the way a browser drives it.

A browser opens ``ws://HOST/_stcore/stream`` (sub-protocol ``streamlit``), sends a ``BackMsg``
whose ``rerun_script`` carries the page, the query string and every widget's state, and draws
the ``ForwardMsg``s that come back until ``script_finished``. This class does the same with
Streamlit's own protobuf classes (``streamlit.proto``), so a load test measures the server, not
thirty browsers drawing pages. Only what a load test needs is modelled: the page's widgets (by
their ``key=``), their values, buttons, and the errors/exceptions the page shows.

    session = StreamlitSession("http://127.0.0.1:8501")
    run = session.open("Word2vec", "lang=en")        # the first run of the page
    run = session.set("w2v_epochs", 5)                # move a slider: one rerun
    run = session.click("w2v_train", timeout=120)     # press a button: one rerun
    run.seconds, run.exceptions, run.errors

Plain blocking sockets (``websocket-client``): under Locust, gevent makes them cooperative.
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass, field

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "rerun",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
}
# Widget types and which WidgetState field the browser fills for each.
VALUE_FIELD = {
    "slider": "double_array_value",
    "radio": "string_value",  # the option's label as shown (set() takes the option's index)
    "selectbox": "string_value",
    "checkbox": "bool_value",  # st.toggle is a checkbox with a toggle style
    "text_input": "string_value",
    "text_area": "string_value",
    "number_input": "double_value",
    "button": "trigger_value",
    "file_uploader": "file_uploader_state_value",  # set by upload(), not set()
}


class ProtocolError(RuntimeError):
    pass


@dataclass
class Run:
    """One script run as the client saw it."""

    seconds: float  # from sending the BackMsg to script_finished
    status: str  # "ok", "rerun", "compile_error" or "timeout"
    messages: int = 0
    bytes: int = 0
    exceptions: list[str] = field(default_factory=list)  # st.exception boxes (tracebacks)
    errors: list[str] = field(default_factory=list)  # st.error boxes
    warnings: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # markdown, captions, progress texts

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not self.exceptions


@dataclass
class Widget:
    id: str
    kind: str
    value: object  # what this client will send for it
    fragment_id: str = ""  # set when the widget lives in an st.fragment: it reruns that only
    options: tuple[str, ...] = ()  # radio / selectbox labels


class StreamlitSession:
    """One browser tab: one websocket, one Streamlit session."""

    def __init__(self, base_url: str, connect_timeout: float = 30.0, sticky: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.ws_url = self.base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.connect_timeout = connect_timeout
        self.sticky = sticky  # behind a proxy: load the page first and keep its cookies
        self.ws: websocket.WebSocket | None = None
        self.page = ""
        self.query = ""
        self.widgets: dict[str, Widget] = {}  # by user key (or by id when there is none)
        # Large elements this client already holds: a browser lists their hashes in each rerun
        # request and the server then sends a short reference instead of the element again.
        self.cache: dict[str, ForwardMsg] = {}
        self.session_id = ""  # the server's id of this session (from its new_session message)
        self._request_number = 0

    # --- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        cookie = None
        if self.sticky:
            # A browser first loads the page's HTML; a sticky proxy answers with a cookie naming
            # the replica, and the browser sends it with the websocket, which then reaches the
            # same replica (and so do uploads and media requests of this session).
            with urllib.request.urlopen(self.base_url + "/", timeout=self.connect_timeout) as response:
                cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
            cookie = "; ".join(cookies) or None
        self.ws = websocket.create_connection(self.ws_url, subprotocols=["streamlit"], timeout=self.connect_timeout,
                                              enable_multithread=False, cookie=cookie)

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            finally:
                self.ws = None

    # --- what a learner does ------------------------------------------------------------------

    def open(self, page: str, query: str = "", timeout: float = 120.0) -> Run:
        """Open a page (its URL path, "" for home) with a query string: the first run."""
        if self.ws is None:
            self.connect()
        if page != self.page:
            self.widgets.clear()
        self.page, self.query = page, query
        return self._rerun(timeout=timeout)

    def set(self, key: str, value: object, timeout: float = 120.0) -> Run:
        """Change one widget (by its ``key=``) and rerun, as a browser does on release.

        Sliders take a number, radios and select boxes the index of an option."""
        widget = self._widget(key)
        if widget.kind == "slider" and not isinstance(value, (list, tuple)):
            value = [value]
        elif widget.options and isinstance(value, int):
            value = widget.options[value]  # a radio / selectbox: the browser sends the label
        widget.value = value
        return self._rerun(fragment_id=widget.fragment_id, timeout=timeout)

    def click(self, key: str, timeout: float = 120.0) -> Run:
        """Press a button: its trigger is true for this one run only."""
        widget = self._widget(key)
        return self._rerun(trigger=widget.id, fragment_id=widget.fragment_id, timeout=timeout)

    def upload(self, key: str, name: str, data: bytes, timeout: float = 120.0) -> Run:
        """Put a file into a file uploader (by its ``key=``) and rerun, as a browser does.

        A browser asks the session for an upload URL, PUTs the file there (with the XSRF
        cookie the server's health check sets and the same token in a header), then reruns
        with the uploader's state naming the file."""
        import requests
        from streamlit.proto.Common_pb2 import UploadedFileInfo

        widget = self._widget(key)
        self._request_number += 1
        request = BackMsg()
        request.file_urls_request.request_id = str(self._request_number)
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id
        self.ws.send_binary(request.SerializeToString())
        urls = self._wait_for("file_urls_response", timeout).file_urls_response.file_urls[0]
        with requests.Session() as http:
            http.get(self.base_url + "/_stcore/health", timeout=timeout)  # sets the XSRF cookie, as for a browser
            token = http.cookies.get("_streamlit_xsrf", "")
            response = http.put(self.base_url + urls.upload_url, files={"file": (name, data, "text/plain")},
                                headers={"X-Xsrftoken": token} if token else {}, timeout=timeout)
        if response.status_code >= 300:
            raise ProtocolError(f"upload refused: HTTP {response.status_code} {response.text[:200]}")
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id)
        info.file_urls.CopyFrom(urls)
        widget.value = info
        return self._rerun(fragment_id=widget.fragment_id, timeout=timeout)

    def _wait_for(self, kind: str, timeout: float) -> ForwardMsg:
        """Read messages until one of ``kind`` arrives (others are dropped: the session is idle)."""
        deadline = time.perf_counter() + timeout
        while (remaining := deadline - time.perf_counter()) > 0:
            self.ws.settimeout(remaining)
            msg = ForwardMsg()
            msg.ParseFromString(self.ws.recv())
            if msg.WhichOneof("type") == kind:
                return msg
        raise ProtocolError(f"no {kind} within {timeout:.0f} s")

    def idle(self, seconds: float) -> None:
        """A learner reading: keep answering the server's pings, as an open tab does."""
        if self.ws is None:
            return
        deadline = time.perf_counter() + seconds
        while (remaining := deadline - time.perf_counter()) > 0:
            self.ws.settimeout(remaining)
            try:
                self.ws.recv()
            except websocket.WebSocketTimeoutException:
                return

    def has_widget(self, key: str) -> bool:
        return key in self.widgets

    # --- inside -----------------------------------------------------------------------------------

    def _widget(self, key: str) -> Widget:
        try:
            return self.widgets[key]
        except KeyError:
            raise ProtocolError(f"no widget with key {key!r} on the page (have: {sorted(self.widgets)})") from None

    def _back_msg(self, trigger: str | None, fragment_id: str = "") -> bytes:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query
        rerun.fragment_id = fragment_id
        rerun.page_name = self.page  # the URL path; the server finds the page's script by it
        rerun.cached_message_hashes.extend(self.cache)
        for widget in self.widgets.values():
            if widget.kind == "button":
                if widget.id != trigger:
                    continue
            elif widget.value is None:
                continue
            state = rerun.widget_states.widgets.add()
            state.id = widget.id
            name = VALUE_FIELD[widget.kind]
            if widget.kind == "button":
                state.trigger_value = True
            elif widget.kind == "file_uploader":
                state.file_uploader_state_value.uploaded_file_info.append(widget.value)
            elif name == "double_array_value":
                state.double_array_value.data.extend(float(v) for v in widget.value)
            else:
                setattr(state, name, widget.value)
        return msg.SerializeToString()

    def _rerun(self, trigger: str | None = None, fragment_id: str = "", timeout: float = 120.0) -> Run:
        if self.ws is None:
            raise ProtocolError("not connected")
        start = time.perf_counter()
        self.ws.send_binary(self._back_msg(trigger, fragment_id))
        run = Run(seconds=0.0, status="timeout")
        deadline = start + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                run.seconds = time.perf_counter() - start
                return run
            self.ws.settimeout(remaining)
            try:
                data = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            if not data:
                raise ProtocolError("the server closed the connection")
            run.messages += 1
            run.bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":  # the server knows we hold this message already
                if msg.ref_hash not in self.cache:
                    raise ProtocolError("reference to a message this client never received")
                msg = self.cache[msg.ref_hash]
                kind = msg.WhichOneof("type")
            elif msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = msg
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "delta":
                self._read_delta(msg.delta, run)
            elif kind == "script_finished":
                status = FINISHED.get(msg.script_finished, "other")
                if status == "rerun":
                    continue  # this run was replaced by the next one, which follows
                run.status = status
                run.seconds = time.perf_counter() - start
                return run

    def _read_delta(self, delta, run: Run) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert":
            alert = element.alert
            text = alert.body
            # Format enum: ERROR = 1, WARNING = 2, INFO = 3, SUCCESS = 4
            if alert.format == 1:
                run.errors.append(text)
            elif alert.format == 2:
                run.warnings.append(text)
            else:
                run.texts.append(text)
        elif kind == "markdown":
            run.texts.append(element.markdown.body)
        elif kind == "progress":
            run.texts.append(element.progress.text)
        elif kind in VALUE_FIELD:
            proto = getattr(element, kind)
            widget_id = proto.id
            key = widget_id.rsplit("-", 1)[-1] if "-" in widget_id else widget_id
            if key in self.widgets and self.widgets[key].id == widget_id:
                return  # known widget, value kept as this client set it
            self.widgets[key] = Widget(widget_id, kind, None, delta.fragment_id, tuple(getattr(proto, "options", ())))
