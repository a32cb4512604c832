"""ASGI adapter: observability sees a masked request, clients never see a registered secret.

:class:`RedactMiddleware` is a pure ASGI middleware (Starlette, FastAPI, any ASGI
app). The application receives the real request untouched (except ``Range`` and
``If-Range`` when the egress guard masks or blocks: a secret split over two partial
responses would be whole in neither, so the app sends the whole body, which the guard
inspects). What observability
records about it is masked: a view of the request (method, path, query string
with sensitive parameters masked, headers with credentials masked) is bound into
``structlog.contextvars`` and set on the current OpenTelemetry span, when those
libraries are installed (both imported lazily; this module imports only the core).

The egress guard checks response headers (read as UTF-8 and as Latin-1) and
bodies of every content type for registered secret values (the redactor's
:class:`~redact.KnownSecrets`; rule findings optionally, on text types), in the
body's charset and through every Content-Encoding a client would undo (gzip
members, deflate, br; ``_web.BodyCodec``), streaming-safe across
``http.response.body`` messages, and masks (default), blocks (500) or reports
them; a body it cannot open (``zstd``) is blocked. Header names are inspected too.
Extension messages: trailers, early hints (``links``) and push promises are read as
headers, debug info (TestClient) is walked by the core; ``pathsend``/``zerocopysend``
are hidden from the app's ``scope["extensions"]`` (and read as the body if sent
anyway); any other response message type blocks the response (fail closed).
:class:`UvicornAccessFilter` masks what uvicorn's own
``uvicorn.access`` / ``uvicorn.error`` loggers write.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
import warnings
from collections.abc import (
    Awaitable,
    Callable,
    Generator,
    Iterable,
    MutableMapping,
    Sequence,
)
from typing import Any, Literal

from redact import Redactor, telemetry
from redact._cuts import MARKER_REACH
from redact.integrations._objects import masked_exception
from redact.integrations._web import (
    DEFAULT_SENSITIVE_HEADERS,
    DEFAULT_SENSITIVE_QUERY_PARAMS,
    BodyCodec,
    CleanCache,
    CodingError,
    NameSet,
    header_codecs,
    header_name,
    header_text,
    mask_for,
    mask_query,
)

__all__ = [
    "RedactMiddleware",
    "UvicornAccessFilter",
    "install_uvicorn_filter",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Egress = Literal["mask", "block", "report"]

PLACEHOLDER = "[REDACTED:redaction-error]"
_egress_log = logging.getLogger("redact.egress")
_log = logging.getLogger(__name__)
_BLOCKED_BODY = b"Internal Server Error"


class _Scanner:
    """Finds registered secret values (and optionally rule findings) in response text."""

    def __init__(self, redactor: Redactor, *, rules: bool, window: int) -> None:
        self._redactor = redactor
        self._rules = rules
        self._window = window
        self._holdback = (-1, 0)

    def holdback(self) -> int:
        """Characters kept between body chunks: enough for the longest registered form.

        Ten times its byte length minus one (at most ``window``): the registry also finds
        a value through decoded views (HTML entities, ``\\u`` escapes), whose escaped
        text is longer than any registered form; and at least a truncated value's head,
        tail and the marker between them (``Zq8v...hCt9``, see :mod:`redact._cuts`).
        """
        if self._rules:
            return self._window
        snap = self._redactor.known.snapshot
        generation, size = self._holdback
        if generation != snap.generation:
            longest = snap.max_form_bytes
            # a truncated value's head, its marker and its tail are read together too
            reach = max(10 * longest - 1, 2 * longest + MARKER_REACH) if longest else 0
            size = min(reach, self._window)
            self._holdback = (snap.generation, size)
        return size

    def mask(self, text: str, *, rules: bool = True, wide: bool = False) -> str:
        """``text`` with findings masked; the same object when there are none.

        ``rules=False`` (a binary body) looks for registered values only. ``wide``: the
        text is raw bytes read as UTF-8 (``surrogateescape``), which are also searched
        for values stored as UTF-16 (the core's :meth:`scan_wide`); each is replaced by
        the mask in the same UTF-16 reading.
        """
        if self._rules and rules:
            out = self._redactor.redact(text)
        else:
            hits = self._redactor.find_known(text)
            out = _masked(text, hits) if hits else text
        # UTF-16/UTF-32 bytes in a body read as text (JSON or text/plain sent without
        # its charset) show as NUL characters: valid UTF-8 text holds none.
        return self._mask_wide(out) if wide or "\x00" in text else out

    def _mask_wide(self, text: str) -> str:
        data = text.encode("utf-8", "surrogateescape")
        hits = self._redactor.known.snapshot.scan_wide(data)
        if not hits:
            return text
        out = bytearray()
        pos = 0
        for hit, codec in hits:
            if hit.start < pos:
                continue  # overlaps one masked already (another reading of the same bytes)
            out += data[pos : hit.start] + mask_for(hit.label).encode(codec)
            pos = hit.end
        out += data[pos:]
        return out.decode("utf-8", "surrogateescape")

    def _wide(self, text: str) -> tuple[list[str], int]:
        """Labels of UTF-16 values in a binary body's text, and the char end of the last."""
        data = text.encode("utf-8", "surrogateescape")
        hits = self._redactor.known.snapshot.scan_wide(data)
        if not hits:
            return [], 0
        end = max(h.end for h, _ in hits)
        return [h.label for h, _ in hits], len(data[:end].decode("utf-8", "surrogateescape"))

    def scan(self, text: str, *, rules: bool = True, wide: bool = False) -> tuple[list[str], int]:
        """Labels of what was found and where the last finding ends (0 when none)."""
        if self._rules and rules:
            found = self._redactor.find(text)
            labels = {f.mask_label for f in found}
            end = max((f.end for f in found), default=0)
        else:
            hits = self._redactor.find_known(text)
            labels, end = {h.label for h in hits}, max((h.end for h in hits), default=0)
        if wide or "\x00" in text:
            more, wide_end = self._wide(text)
            labels.update(more)
            end = max(end, wide_end)
        return sorted(labels), end

    def labels(self, text: str, *, rules: bool = True, wide: bool = False) -> list[str]:
        """Names of what was found (never values)."""
        return self.scan(text, rules=rules, wide=wide)[0]


class RedactMiddleware:
    """Pure ASGI middleware: masked request view for observability plus an egress guard."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        redactor: Redactor | None = None,
        egress: Egress = "mask",
        egress_rules: bool = False,
        sensitive_headers: Sequence[str] = (),
        sensitive_query_params: Sequence[str] = (),
        bind_context: bool | None = None,
        annotate_span: bool | None = None,
        access_log: bool = False,
        access_logger: str = "redact.access",
        buffer_limit: int = 65536,
        window: int = 4096,
    ) -> None:
        if egress not in ("mask", "block", "report"):
            msg = f"RedactMiddleware egress must be 'mask', 'block' or 'report', got {egress!r}"
            raise ValueError(msg)
        if buffer_limit < 0 or window < 1:
            msg = "RedactMiddleware buffer_limit must be >= 0 and window >= 1"
            raise ValueError(msg)
        self.app = app
        if _renders_debug_page(app):
            warnings.warn(
                "redact: RedactMiddleware wraps an app in debug mode: its debug error page "
                "is rendered inside, from the raw exception, and the egress guard masks only "
                "registered values there. Add RedactMiddleware to the app's own middleware "
                "list (inside Starlette's ServerErrorMiddleware), where the exception leaves "
                "the app masked before the page is rendered",
                RuntimeWarning,
                stacklevel=2,
            )
        self.redactor = redactor if redactor is not None else Redactor.default()
        self.egress: Egress = egress
        self.scanner = _Scanner(self.redactor, rules=egress_rules, window=window)
        self.headers = NameSet(self.redactor, (*DEFAULT_SENSITIVE_HEADERS, *sensitive_headers))
        self.params = NameSet(
            self.redactor, (*DEFAULT_SENSITIVE_QUERY_PARAMS, *sensitive_query_params)
        )
        self._values = CleanCache(self.redactor)
        self.buffer_limit = buffer_limit
        self.window = window
        self._contextvars = (
            _optional("structlog.contextvars") if bind_context is not False else None
        )
        self._trace = _optional("opentelemetry.trace") if annotate_span is not False else None
        self._access = logging.getLogger(access_logger) if access_log else None

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Lifespan: a failure's ``message`` (``lifespan.startup.failed``: the server logs
        it, often an exception's text with a DSN) is masked, and an exception leaving the
        app leaves as the core's masked copy, as for requests."""
        redactor = self.redactor

        async def masked_send(message: Message) -> None:
            text = message.get("message")
            if isinstance(text, str) and text:
                shown = redactor.redact(text)
                if shown is not text:
                    message = {**message, "message": shown}
            await send(message)

        masked: BaseException | None = None
        try:
            await self.app(scope, receive, masked_send)
        except Exception as exc:
            masked = masked_exception(redactor, exc)
            if masked is None:
                raise
        if masked is not None:
            raise masked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind the masked view, guard what is sent, hand the app the real request."""
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        view = self.view(scope)
        bound = self._bind(view)
        self._annotate(view, scope)
        guard = (
            _HttpGuard(self, view, send) if kind == "http" else _WebSocketGuard(self, view, send)
        )
        if kind == "http":
            scope = _inspected_extensions(scope)
            if self.egress != "report":
                scope = _whole_body(scope)
        masked: BaseException | None = None
        try:
            try:
                with telemetry.site("asgi", scope):
                    await self.app(scope, receive, guard.send)
            except Exception as exc:
                # What leaves the app leaves masked: Starlette's debug page
                # (ServerErrorMiddleware(debug=True) outside this middleware sends it
                # past the egress guard) and the server's error log render it.
                masked = masked_exception(self.redactor, exc)
                if masked is None:
                    raise
            if masked is not None:
                raise masked  # outside the handler: not chained to the raw exception
        finally:
            try:
                if bound is not None and self._contextvars is not None:
                    self._contextvars.reset_contextvars(**bound)
                if self._access is not None and kind == "http":
                    self._log_access(view, guard.status or 500, time.perf_counter() - start)
            except Exception as exc:  # never mask the app's own outcome
                _log.error("redact: request teardown failed (%s)", type(exc).__name__)

    # -- the masked view ------------------------------------------------------------------
    def view(self, scope: Scope) -> dict[str, Any]:
        """Method, path, masked query string, masked headers and client of a request."""
        try:
            query = scope.get("query_string", b"").decode("latin-1")
            headers: dict[str, str] = {}
            for raw_name, raw_value in scope.get("headers", ()):
                name = self._values.redact(header_text(raw_name).lower())
                value = header_text(raw_value)
                value = mask_for(name) if name in self.headers else self._values.redact(value)
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            client = scope.get("client")
            return {
                "method": scope.get("method", "GET"),
                "path": self._values.redact(scope.get("path", "")),
                "query": mask_query(query, self.params, self._values),
                "headers": headers,
                "client": f"{client[0]}:{client[1]}" if client else None,
            }
        except Exception as exc:
            _log.error("redact: request view failed (%s)", type(exc).__name__)
            return {
                "method": PLACEHOLDER,
                "path": PLACEHOLDER,
                "query": "",
                "headers": {},
                "client": None,
            }

    def _bind(self, view: dict[str, Any]) -> Any:
        contextvars = self._contextvars
        if contextvars is None:
            return None
        try:
            return contextvars.bind_contextvars(
                http_method=view["method"],
                http_path=view["path"],
                http_query=view["query"],
                http_headers=view["headers"],
            )
        except Exception as exc:
            _log.error("redact: binding the request view failed (%s)", type(exc).__name__)
            return None

    def _annotate(self, view: dict[str, Any], scope: Scope) -> None:
        if self._trace is None:
            return
        try:
            span = self._trace.get_current_span()
            if not span.is_recording():
                return
            attrs: dict[str, Any] = {
                "http.request.method": view["method"],
                "url.path": view["path"],
            }
            if view["query"]:
                attrs["url.query"] = view["query"]
            target = view["path"] + ("?" + view["query"] if view["query"] else "")
            existing = getattr(span, "attributes", None) or {}
            for key in ("http.target", "http.url", "url.full"):
                if key in existing:
                    attrs[key] = self._full_url(scope, target) if key != "http.target" else target
            for name, value in view["headers"].items():
                if name in self.headers:
                    attrs[f"http.request.header.{name.replace('-', '_')}"] = (value,)
            span.set_attributes(attrs)
        except Exception as exc:
            _log.error("redact: span annotation failed (%s)", type(exc).__name__)

    @staticmethod
    def _full_url(scope: Scope, target: str) -> str:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
        return f"{scope.get('scheme', 'http')}://{host}{target}"

    def _log_access(self, view: dict[str, Any], status: int, seconds: float) -> None:
        if self._access is None:
            return
        query = "?" + view["query"] if view["query"] else ""
        self._access.info(
            "%s %s%s %s %.1fms",
            view["method"],
            view["path"],
            query,
            status,
            seconds * 1000,
            extra={
                "http_method": view["method"],
                "http_path": view["path"],
                "http_query": view["query"],
                "http_status": status,
                "duration_ms": round(seconds * 1000, 3),
                "client": view["client"],
            },
        )

    # -- egress ---------------------------------------------------------------------------
    def check_headers(
        self, headers: Iterable[tuple[bytes, bytes]]
    ) -> tuple[list[tuple[bytes, bytes]], list[str]]:
        """Headers with registered secrets masked, plus the labels of what was found."""
        out: list[tuple[bytes, bytes]] = []
        labels: list[str] = []
        for name, value in headers:
            # Header bytes have no charset: a non-ASCII value written as UTF-8 is read by
            # uvicorn/Starlette as Latin-1 mojibake, one written as Latin-1 is not UTF-8.
            # The name is sent too: a value in it is masked, as a valid header name.
            name = self._header_part(name, labels, name=True)
            value = self._header_part(value, labels, name=False)
            out.append((name, value))
        return out, labels

    def _header_part(self, raw: bytes, labels: list[str], *, name: bool) -> bytes:
        """A header name or value with registered values masked, in each of its readings."""
        for codec in header_codecs(raw):
            text = raw.decode(codec, "surrogateescape")
            masked = self.scanner.mask(text)
            if masked is not text:
                labels.extend(self.scanner.labels(text))
                raw = masked.encode(codec, "surrogateescape")
                if name:
                    raw = header_name(raw)
        return raw

    def report(self, action: str, where: str, labels: Iterable[str], view: dict[str, Any]) -> None:
        """Log an egress event: what kind of secret, where, which request — never the value."""
        _egress_log.warning(
            "redact egress guard %s: registered secret(s) %s in response %s of %s %s",
            action,
            ",".join(sorted(set(labels))) or "unknown",
            where,
            view["method"],
            view["path"],
        )


class _HttpGuard:
    """Per-request egress state for one HTTP response (its body codec, buffer and carry)."""

    def __init__(self, mw: RedactMiddleware, view: dict[str, Any], send: Send) -> None:
        self.mw = mw
        self.view = view
        self._send = send
        self.status = 0
        self.pending: Message | None = None
        self.passthrough = False
        self.streaming = False
        self.blocked = False
        self.buffer = bytearray()
        self.carry = ""
        self.codec = BodyCodec(())

    async def send(self, message: Message) -> None:
        """The ``send`` the application sees."""
        if self.blocked:
            return
        kind = message["type"]
        if kind == "http.response.start":
            await self._start(message)
        elif kind == "http.response.body":
            if self.passthrough:  # report mode, a body it cannot open: sent as it is
                await self._send(message)
                return
            try:
                await self._body(message.get("body", b""), bool(message.get("more_body", False)))
            except (CodingError, UnicodeError) as exc:  # a body that cannot be read: fail closed
                await self._unreadable(type(exc).__name__)
        elif kind in _FILE_SENDS:
            await self._file(message)
        elif kind == "http.response.trailers":
            if self.pending is not None and not self.streaming:
                self.streaming = True
                await self._send(self.pending)
            if message.get("headers"):
                headers, labels = self.mw.check_headers(message["headers"])
                if labels:
                    self.mw.report("masked", "trailers", labels, self.view)
                    message = {**message, "headers": headers}
            await self._send(message)
        elif kind in ("http.response.early_hint", "http.response.push"):
            await self._hint(message)
        elif kind == "http.response.debug":
            # Starlette's TestClient reads the template and its context from it: the
            # core's masked copy (an object whose repr shows a secret becomes text).
            info = message.get("info")
            masked = self.mw.redactor.redact_obj(info)
            await self._send(message if masked is info else {**message, "info": masked})
        else:
            await self._unknown(message)

    async def _hint(self, message: Message) -> None:
        """An early hint's ``links`` or a push promise's path and headers, masked.

        Read as header values. Block mode drops the message: the response it announces
        is still sent (or blocked) on its own.
        """
        mw = self.mw
        labels: list[str] = []
        out = dict(message)
        if message.get("links"):
            out["links"] = [mw._header_part(link, labels, name=False) for link in message["links"]]
        if isinstance(message.get("path"), str):
            path = message["path"]
            masked = mw.scanner.mask(path)
            if masked is not path:
                labels.extend(mw.scanner.labels(path))
                out["path"] = masked
        if message.get("headers"):
            out["headers"], found = mw.check_headers(message["headers"])
            labels.extend(found)
        where = message["type"].rpartition(".")[2].replace("_", " ")
        if not labels:
            await self._send(message)
        elif mw.egress == "block":
            mw.report("blocked (dropped)", where, labels, self.view)
        elif mw.egress == "report":
            mw.report("reported", where, labels, self.view)
            await self._send(message)
        else:
            mw.report("masked", where, labels, self.view)
            await self._send(out)

    async def _file(self, message: Message) -> None:
        """``pathsend``/``zerocopysend``: the file is read here and sent as body messages.

        The server would send the file itself, unread by the guard. The app is not told
        that the server can (see :func:`_inspected_extensions`), so this is for an app
        that sends them regardless. A file that cannot be read is blocked. The read
        blocks the event loop, as the file is local and this path is a fallback.
        """
        more = message["type"] == "http.response.zerocopysend" and bool(
            message.get("more_body", False)
        )
        chunks = _file_chunks(message)
        try:
            for chunk, last in chunks:
                await self.send(
                    {"type": "http.response.body", "body": chunk, "more_body": more or not last}
                )
                if self.blocked:
                    return
        except (OSError, KeyError, TypeError, ValueError) as exc:
            why = f"file (unreadable: {type(exc).__name__})"
            if self.mw.egress == "report":  # the server sends it, or fails, as without us
                self.mw.report("reported", why, (), self.view)
                await self._send(message)
                return
            await self._unreadable(f"file: {type(exc).__name__}")
        finally:
            chunks.close()

    async def _unknown(self, message: Message) -> None:
        """A message type the guard does not know could carry anything: fail closed.

        Mask and block mode block the response (a 500 when its headers are not sent,
        else the response is aborted); report mode reports it and sends it on.
        """
        mw = self.mw
        where = f"{message['type']!r} message (not inspected)"
        if mw.egress == "report":
            mw.report("reported", where, (), self.view)
            await self._send(message)
            return
        mw.report("blocked", where, (), self.view)
        if not self.streaming:
            await self._send_blocked()
            return
        self.blocked = True
        msg = "response aborted by the redact egress guard: it cannot inspect a message it sent"
        raise RuntimeError(msg)

    async def _start(self, message: Message) -> None:
        mw = self.mw
        self.status = int(message["status"])
        headers, labels = mw.check_headers(message.get("headers", ()))
        if labels:
            if mw.egress == "block":
                mw.report("blocked", "headers", labels, self.view)
                await self._send_blocked()
                return
            mw.report("masked" if mw.egress == "mask" else "reported", "headers", labels, self.view)
            if mw.egress == "mask":
                message = {**message, "headers": headers}
        self.codec = BodyCodec(message.get("headers", ()))
        if self.codec.opaque:
            # A coding the guard cannot open (zstd, compress, ...) or a charset Python does not
            # know: the guard cannot read the body as its client will, so cannot vouch for it.
            where = f"body ({self.codec.why} cannot be inspected)"
            if mw.egress != "report":
                mw.report("blocked", where, (), self.view)
                await self._send_blocked()
                return
            mw.report("reported", where, (), self.view)
            self.passthrough = True
        if self.passthrough or mw.egress == "report":
            self.streaming = True
            await self._send(message)
        else:
            self.pending = message

    async def _send_blocked(self) -> None:
        self.blocked = True
        self.status = 500
        await self._send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(_BLOCKED_BODY)).encode()),
                ],
            }
        )
        await self._send({"type": "http.response.body", "body": _BLOCKED_BODY, "more_body": False})

    async def _unreadable(self, why: str) -> None:
        """A body the codec cannot decode: block it (or abort it if its headers are gone)."""
        if self.mw.egress == "report":
            return
        self.mw.report("blocked", f"body (undecodable: {why})", (), self.view)
        if not self.streaming:
            await self._send_blocked()
            return
        self.blocked = True
        msg = "response aborted by the redact egress guard: its body could not be inspected"
        raise RuntimeError(msg)

    async def _body(self, chunk: bytes, more: bool) -> None:
        mw = self.mw
        if mw.egress == "report":
            await self._report_chunk(chunk, more)
            return
        if not self.streaming:
            self.buffer += chunk
            if more and len(self.buffer) <= mw.buffer_limit:
                return
            if not more:
                await self._whole(bytes(self.buffer))
                return
            await self._commit_streaming()
            chunk, self.buffer = bytes(self.buffer), bytearray()
        await self._stream_chunk(chunk, more)

    async def _whole(self, body: bytes) -> None:
        if self.pending is None:
            return
        codec = self.codec
        text = codec.decode(body, final=True)
        masked = self.mw.scanner.mask(text, rules=codec.text, wide=codec.raw)
        start = self.pending
        if masked is not text:
            labels = self.mw.scanner.labels(text, rules=codec.text, wide=codec.raw)
            if self.mw.egress == "block":
                self.mw.report("blocked", "body", labels, self.view)
                await self._send_blocked()
                return
            self.mw.report("masked", "body", labels, self.view)
            # The whole body is known: send it masked and uncompressed, with its new length.
            body = codec.plain(masked)
            headers = _with_length(start.get("headers", ()), len(body))
            if codec.coding:
                headers = [(n, v) for n, v in headers if n.lower() != b"content-encoding"]
            start = {**start, "headers": headers}
        self.streaming = True
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    async def _commit_streaming(self) -> None:
        if self.pending is None:
            return
        start = self.pending
        if self.mw.egress == "mask":  # masking may change the length of what follows
            start = {**start, "headers": _with_length(start.get("headers", ()), None)}
        self.streaming = True
        await self._send(start)

    async def _stream_chunk(self, chunk: bytes, more: bool) -> None:
        codec = self.codec
        window = self.carry + codec.decode(chunk, final=not more)
        masked = self.mw.scanner.mask(window, rules=codec.text, wide=codec.raw)
        if masked is not window:
            labels = self.mw.scanner.labels(window, rules=codec.text, wide=codec.raw)
            if self.mw.egress == "block":
                self.mw.report("blocked (response aborted)", "body", labels, self.view)
                self.blocked = True
                msg = "response aborted by the redact egress guard after its headers were sent"
                raise RuntimeError(msg)
            self.mw.report("masked", "body", labels, self.view)
        hold = self.mw.scanner.holdback() if more else 0
        out, self.carry = (masked[:-hold], masked[-hold:]) if hold else (masked, "")
        data = codec.encode(out, final=not more)
        if data or not more:
            await self._send({"type": "http.response.body", "body": data, "more_body": more})

    async def _report_chunk(self, chunk: bytes, more: bool) -> None:
        if not self.passthrough:
            try:
                window = self.carry + self.codec.decode(chunk, final=not more)
            except (CodingError, UnicodeError) as exc:
                self.mw.report(
                    "reported", f"body (undecodable: {type(exc).__name__})", (), self.view
                )
                self.passthrough = True
                window = ""
            labels, end = self.mw.scanner.scan(window, rules=self.codec.text, wide=self.codec.raw)
            if labels:
                self.mw.report("reported", "body", labels, self.view)
                window = window[end:]  # report each hit once
            hold = self.mw.scanner.holdback() if more else 0
            self.carry = window[-hold:] if hold else ""
        await self._send({"type": "http.response.body", "body": chunk, "more_body": more})


class _WebSocketGuard:
    """Per-connection egress state for one WebSocket: accept headers and outgoing messages."""

    def __init__(self, mw: RedactMiddleware, view: dict[str, Any], send: Send) -> None:
        self.mw = mw
        self.view = view
        self._send = send
        self.status = 101
        self.blocked = False

    async def send(self, message: Message) -> None:
        """The ``send`` the application sees."""
        if self.blocked:
            return
        mw = self.mw
        kind = message["type"]
        labels: list[str] = []
        if kind == "websocket.accept" and message.get("headers"):
            headers, labels = mw.check_headers(message["headers"])
            if labels and mw.egress == "mask":
                message = {**message, "headers": headers}
        elif kind == "websocket.send":
            message, labels = self._message(message)
        elif kind == "websocket.close" and isinstance(message.get("reason"), str):
            reason = message["reason"]
            masked = mw.scanner.mask(reason)
            if masked is not reason:
                message, labels = {**message, "reason": masked}, mw.scanner.labels(reason)
        elif kind == "websocket.http.response.start" and message.get("headers"):
            # The denial-response extension: an HTTP response instead of the handshake.
            headers, labels = mw.check_headers(message["headers"])
            if labels:
                message = {**message, "headers": headers}
        elif kind == "websocket.http.response.body":
            message, labels = self._message(message, field="body")
        elif kind not in _WEBSOCKET_SENDS:  # unknown: it could carry anything (fail closed)
            where = f"{kind!r} message (not inspected)"
            if mw.egress == "report":
                mw.report("reported", where, (), self.view)
            else:
                mw.report("blocked (connection closed)", where, (), self.view)
                self.blocked = True
                await self._send({"type": "websocket.close", "code": 1011, "reason": ""})
                return
        if labels:
            if mw.egress == "block" and not kind.startswith("websocket.http."):
                mw.report("blocked (connection closed)", "websocket message", labels, self.view)
                self.blocked = True
                await self._send({"type": "websocket.close", "code": 1011, "reason": ""})
                return
            mw.report(
                "masked" if mw.egress == "mask" else "reported",
                "websocket message",
                labels,
                self.view,
            )
        await self._send(message)

    def _message(self, message: Message, *, field: str = "bytes") -> tuple[Message, list[str]]:
        """Mask a message's ``text`` or bytes ``field`` (denial responses cannot be blocked)."""
        scanner = self.mw.scanner
        text_value = message.get("text")
        if isinstance(text_value, str):
            masked = scanner.mask(text_value)
            if masked is text_value:
                return message, []
            return {**message, "text": masked}, scanner.labels(text_value)
        data = message.get(field)
        if isinstance(data, bytes):  # a binary frame: raw bytes, UTF-16 values included
            text = data.decode("utf-8", "surrogateescape")
            masked = scanner.mask(text, wide=True)
            if masked is text:
                return message, []
            encoded = masked.encode("utf-8", "surrogateescape")
            return {**message, field: encoded}, scanner.labels(text, wide=True)
        return message, []


def _masked(text: str, hits: Iterable[Any]) -> str:
    """``text`` with each registered-value hit replaced by its mask (overlaps merged)."""
    out: list[str] = []
    pos = 0
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.end <= pos:
            continue
        out.append(text[pos : max(pos, hit.start)])
        out.append(mask_for(hit.label))
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)


def _with_length(
    headers: Iterable[tuple[bytes, bytes]], length: int | None
) -> list[tuple[bytes, bytes]]:
    out = [(n, v) for n, v in headers if n.lower() != b"content-length"]
    if length is not None:
        out.append((b"content-length", str(length).encode()))
    return out


def _optional(module: str) -> Any:
    """Import an optional integration target, or ``None`` when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


#: Request headers that ask for part of a body: a secret split over two 206 responses
#: (``bytes=0-9`` then ``bytes=10-``) is whole in neither, so no guard could see it.
_RANGE_HEADERS = frozenset({b"range", b"if-range"})


def _renders_debug_page(app: object) -> bool:
    """``app`` is a Starlette/FastAPI application or ``ServerErrorMiddleware`` in debug mode."""
    try:
        return getattr(app, "debug", False) is True and (
            hasattr(app, "build_middleware_stack") or type(app).__name__ == "ServerErrorMiddleware"
        )
    except Exception:
        return False


#: Response extensions whose messages the guard reads: any other ``http.response.*``
#: extension is hidden from the app (pathsend and zerocopysend have the server send a
#: file the guard never reads; Starlette's FileResponse then sends http.response.body).
_INSPECTED_EXTENSIONS = frozenset(
    {
        "http.response.trailers",
        "http.response.early_hint",
        "http.response.push",
        "http.response.debug",
    }
)
_WEBSOCKET_SENDS = frozenset(
    {
        "websocket.accept",
        "websocket.send",
        "websocket.close",
        "websocket.http.response.start",
        "websocket.http.response.body",
    }
)
_FILE_SENDS = frozenset({"http.response.pathsend", "http.response.zerocopysend"})
_FILE_CHUNK = 65536


def _inspected_extensions(scope: Scope) -> Scope:
    """``scope`` whose ``extensions`` name no response message the guard cannot read.

    The same scope when there is none to hide. Other extensions (``tls``) are kept."""
    extensions = scope.get("extensions")
    if not extensions:
        return scope
    hidden = [
        name
        for name in extensions
        if str(name).startswith("http.response.") and name not in _INSPECTED_EXTENSIONS
    ]
    if not hidden:
        return scope
    kept = {k: v for k, v in extensions.items() if k not in hidden}
    return {**scope, "extensions": kept}


def _file_chunks(message: Message) -> Generator[tuple[bytes, bool], None, None]:
    """The bytes a ``pathsend`` or ``zerocopysend`` message asks the server to send.

    Chunks with a flag set on the last one. ``pathsend``: the whole file at ``path``.
    ``zerocopysend``: ``count`` bytes (default: to the end) of the open ``file`` from
    ``offset`` (default: its current position, which advances as ``sendfile`` does).
    """
    if message["type"] == "http.response.pathsend":
        with open(message["path"], "rb") as f:
            chunk = f.read(_FILE_CHUNK)
            while True:
                after = f.read(_FILE_CHUNK)
                yield chunk, not after
                if not after:
                    return
                chunk = after
    file = message["file"]
    fd = file if isinstance(file, int) else file.fileno()
    offset = message.get("offset")
    left = message.get("count")
    while True:
        size = _FILE_CHUNK if left is None else min(_FILE_CHUNK, left)
        if size <= 0:
            yield b"", True
            return
        if offset is None:
            chunk = os.read(fd, size)
        else:
            chunk = os.pread(fd, size, offset)
            offset += len(chunk)
        if left is not None:
            left -= len(chunk)
        if not chunk:
            yield b"", True
            return
        yield chunk, False


def _whole_body(scope: Scope) -> Scope:
    """``scope`` without ``Range``/``If-Range``: the app answers with the whole body (200),
    which the egress guard reads and masks whole. The same scope when it has neither."""
    headers = scope.get("headers") or ()
    if not any(name.lower() in _RANGE_HEADERS for name, _ in headers):
        return scope
    kept = [(n, v) for n, v in headers if n.lower() not in _RANGE_HEADERS]
    return {**scope, "headers": kept}


class UvicornAccessFilter(logging.Filter):
    """Masks query strings and credentials in ``uvicorn.access`` and ``uvicorn.error`` records."""

    def __init__(
        self,
        redactor: Redactor | None = None,
        *,
        sensitive_query_params: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.redactor = redactor if redactor is not None else Redactor.default()
        self.params = NameSet(
            self.redactor, (*DEFAULT_SENSITIVE_QUERY_PARAMS, *sensitive_query_params)
        )

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always let it through, masked."""
        try:
            self._rewrite(record)
        except Exception:
            record.msg, record.args = PLACEHOLDER, None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True

    def _rewrite(self, record: logging.LogRecord) -> None:
        r = self.redactor
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and record.name == "uvicorn.access":
            client, method, full_path, version, status = args
            path, qmark, query = str(full_path).partition("?")
            full_path = r.redact(path) + (
                qmark + mask_query(query, self.params, r) if qmark else ""
            )
            record.args = (client, method, full_path, version, status)
        elif isinstance(args, tuple):
            record.args = tuple(self._arg(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: self._arg(v) for k, v in args.items()}
        if isinstance(record.msg, str):
            record.msg = r.redact(record.msg)
        else:
            record.msg = r.redact(str(record.msg))
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = r.redact(text), None
        elif record.exc_text:
            record.exc_text = r.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = r.redact(record.stack_info)

    def _arg(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float):
            return value
        text = value if isinstance(value, str) else str(value)
        return self.redactor.redact(text)


def install_uvicorn_filter(
    redactor: Redactor | None = None,
    *,
    loggers: Sequence[str] = ("uvicorn.access", "uvicorn.error"),
) -> UvicornAccessFilter:
    """Attach one :class:`UvicornAccessFilter` to uvicorn's loggers (idempotent); returns it."""
    filt = UvicornAccessFilter(redactor)
    for name in loggers:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, UvicornAccessFilter)]:
            logger.removeFilter(old)
        logger.addFilter(filt)
    return filt
