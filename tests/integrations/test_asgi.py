"""RedactMiddleware and UvicornAccessFilter under a real uvicorn on loopback, driven by httpx."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from redact import Redactor
from redact.integrations.asgi import RedactMiddleware, install_uvicorn_filter
from redact.integrations.otel import RedactingSpanProcessor
from tests.integrations.conftest import Planted, UvicornThread, make_planted, ws_exchange

BIG = 70_000  # past the middleware's default 64 KiB buffer: the response streams


@dataclass
class Stack:
    """The running server, what the app saw, and every sink it can write to."""

    url: str
    port: int
    planted: Planted
    redactor: Redactor
    spans: InMemorySpanExporter
    logs: Path
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def log_text(self) -> str:
        """Everything every log file holds."""
        return "".join(p.read_text() for p in sorted(self.logs.glob("*.log")))

    def span_text(self) -> str:
        """Every exported span as JSON."""
        return "".join(s.to_json(indent=None) for s in self.spans.get_finished_spans())


def _app(stack: Stack) -> Starlette:
    p = stack.planted
    secret = p.known["db-password"]

    async def echo(request: Request) -> Response:
        stack.seen[request.headers["x-req"]] = {
            "headers": dict(request.headers),
            "query": dict(request.query_params),
            "cookies": dict(request.cookies),
            "context": structlog.contextvars.get_contextvars(),
        }
        return JSONResponse({"ok": True})

    async def leak_header(request: Request) -> Response:
        value = p.all[request.query_params.get("kind", "db-password")]
        return PlainTextResponse("fine", headers={"x-debug": f"pw={value}"})

    async def leak_body(request: Request) -> Response:
        return JSONResponse({"user": "bob", "dsn": f"postgres://app:{secret}@db/app"})

    async def leak_chunks(request: Request) -> Response:
        secret = p.all[request.query_params.get("kind", "db-password")]
        cut = len(secret) // 2

        async def gen() -> AsyncIterator[bytes]:
            yield f"start {secret[:cut]}".encode()
            yield f"{secret[cut:]} end".encode()

        return StreamingResponse(gen(), media_type="text/plain")

    async def leak_big(request: Request) -> Response:
        cut = len(secret) // 3

        async def gen() -> AsyncIterator[bytes]:
            yield b"a" * BIG + secret[:cut].encode()
            yield secret[cut:].encode() + b"b" * 10
            yield b" and again " + secret.encode()

        return StreamingResponse(gen(), media_type="text/plain")

    async def leak_gzip(request: Request) -> Response:
        body = gzip.compress(f"zipped {secret}".encode())
        return Response(body, media_type="text/plain", headers={"content-encoding": "gzip"})

    async def leak_binary(request: Request) -> Response:
        return Response(f"\x00bin {secret}".encode(), media_type="application/octet-stream")

    async def clean(request: Request) -> Response:
        return PlainTextResponse("nothing to see here")

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        got = await websocket.receive_text()
        stack.seen["ws"] = {"received": got, "context": structlog.contextvars.get_contextvars()}
        await websocket.send_text(f"your key {secret} is safe")
        await websocket.send_text("bye")
        await websocket.close()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stack.state["started"] = True
        yield
        stack.state["stopped"] = True

    return Starlette(
        routes=[
            Route("/{mode}/echo", echo),
            Route("/{mode}/leak/header", leak_header),
            Route("/{mode}/leak/body", leak_body),
            Route("/{mode}/leak/chunks", leak_chunks),
            Route("/{mode}/leak/big", leak_big),
            Route("/{mode}/leak/gzip", leak_gzip),
            Route("/{mode}/leak/binary", leak_binary),
            Route("/{mode}/clean", clean),
            WebSocketRoute("/{mode}/ws", ws),
        ],
        lifespan=lifespan,
    )


def _file_handler(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path)
    handler.setFormatter(
        logging.Formatter(
            "%(name)s %(levelname)s %(message)s | %(http_query)s", defaults={"http_query": "-"}
        )
    )
    return handler


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Starlette behind RedactMiddleware (mask/block/report) behind OTel ASGI instrumentation."""
    planted, redactor = make_planted()
    logs = tmp_path_factory.mktemp("asgi-logs")
    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(spans), redactor=redactor))
    stack = Stack("", 0, planted, redactor, spans, logs)
    app = _app(stack)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
        mp.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", ".*")
        stacks = {
            mode: OpenTelemetryMiddleware(
                RedactMiddleware(app, redactor=redactor, egress=mode, access_log=True),
                tracer_provider=tp,
            )
            for mode in ("mask", "block", "report")
        }
        stacks["rules"] = OpenTelemetryMiddleware(
            RedactMiddleware(app, redactor=redactor, egress_rules=True), tracer_provider=tp
        )

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        mode = "mask" if scope["type"] == "lifespan" else scope["path"].split("/")[1]
        await stacks[mode](scope, receive, send)

    sinks = {
        "uvicorn.access": logs / "uvicorn-access.log",
        "uvicorn.error": logs / "uvicorn-error.log",
        "redact.egress": logs / "egress.log",
        "redact.access": logs / "access.log",
    }
    log_config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(client_addr)s - "%(request_line)s" %(status_code)s',
                "use_colors": False,
            },
            "plain": {"format": "%(name)s %(levelname)s %(message)s"},
        },
        "handlers": {
            "access": {
                "class": "logging.FileHandler",
                "filename": str(sinks["uvicorn.access"]),
                "formatter": "access",
            },
            "error": {
                "class": "logging.FileHandler",
                "filename": str(sinks["uvicorn.error"]),
                "formatter": "plain",
            },
        },
        "loggers": {
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        },
    }
    server = UvicornThread(dispatch, log_config=log_config)
    filt = install_uvicorn_filter(redactor)
    ours: list[tuple[logging.Logger, logging.Handler]] = []
    for name in ("redact.egress", "redact.access"):
        logger = logging.getLogger(name)
        handler = _file_handler(sinks[name])
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        ours.append((logger, handler))
    try:
        with server:
            stack.url, stack.port = server.url, server.port
            yield stack
    finally:
        for logger, handler in ours:
            logger.removeHandler(handler)
            handler.close()
        for name in ("uvicorn.access", "uvicorn.error"):
            uv = logging.getLogger(name)
            uv.removeFilter(filt)
            for h in list(uv.handlers):
                uv.removeHandler(h)
                h.close()
        tp.shutdown()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    """An httpx client on the running server."""
    with httpx.Client(base_url=stack.url, timeout=10) as c:
        yield c


def test_app_sees_real_request_while_every_sink_is_masked(
    stack: Stack, client: httpx.Client
) -> None:
    """Header, query and cookie secrets reach the app intact and no log, span or context."""
    p = stack.planted
    for kind, value in p.all.items():
        headers = {
            "x-req": kind,
            "authorization": f"Bearer {value}",
            "x-api-key": value,
            "cookie": f"session={value}; theme=dark",
            "x-trace-note": f"note {value}",
        }
        resp = client.get(
            "/mask/echo", params={"access_token": value, "q": "shoes"}, headers=headers
        )
        assert resp.status_code == 200
        seen = stack.seen[kind]
        assert seen["headers"]["authorization"] == f"Bearer {value}"
        assert seen["headers"]["x-api-key"] == value
        assert seen["cookies"]["session"] == value
        assert seen["query"]["access_token"] == value
        ctx = seen["context"]
        assert ctx["http_headers"]["authorization"] == "[REDACTED:authorization]"
        assert ctx["http_headers"]["cookie"] == "[REDACTED:cookie]"
        assert ctx["http_query"] == "access_token=[REDACTED:access_token]&q=shoes"
        assert p.leaks(json.dumps(ctx)) == []
    span_text = stack.span_text()
    assert "[REDACTED:authorization]" in span_text
    assert p.leaks(span_text) == []
    server_spans = [s for s in stack.spans.get_finished_spans() if s.attributes.get("url.query")]
    assert server_spans
    assert all("[REDACTED:access_token]" in s.attributes["url.query"] for s in server_spans)
    logs = stack.log_text()
    assert "access_token=[REDACTED:access_token]" in logs  # uvicorn's own access line, masked
    assert "redact.access INFO GET /mask/echo?access_token=[REDACTED:access_token]" in logs
    assert p.leaks(logs) == []


def test_response_header_with_registered_secret_is_masked(
    stack: Stack, client: httpx.Client
) -> None:
    """A registered secret of every kind in a response header never reaches the client."""
    for kind in stack.planted.known:
        resp = client.get("/mask/leak/header", params={"kind": kind})
        assert resp.status_code == 200
        assert resp.headers["x-debug"] == f"pw=[REDACTED:{kind}]"
        assert stack.planted.leaks(str(resp.headers.raw)) == []
    assert "masked: registered secret(s) db-password in response headers" in stack.log_text()
    assert stack.planted.leaks(stack.span_text()) == []


def test_response_body_is_masked_and_content_length_fixed(
    stack: Stack, client: httpx.Client
) -> None:
    """A one-message body is masked and its Content-Length matches the new body."""
    resp = client.get("/mask/leak/body")
    assert resp.status_code == 200
    assert resp.json() == {"user": "bob", "dsn": "postgres://app:[REDACTED:db-password]@db/app"}
    assert int(resp.headers["content-length"]) == len(resp.content)


def test_secret_split_across_two_chunks_is_masked(stack: Stack, client: httpx.Client) -> None:
    """Every registered kind cut between two http.response.body messages is still caught."""
    for kind in stack.planted.known:
        resp = client.get("/mask/leak/chunks", params={"kind": kind})
        assert resp.text == f"start [REDACTED:{kind}] end"
    assert stack.planted.leaks(stack.log_text()) == []


def test_rule_findings_are_masked_when_enabled(stack: Stack, client: httpx.Client) -> None:
    """egress_rules=True: rule-shaped tokens (not registered) are masked across chunks too."""
    for kind in stack.planted.rule:
        resp = client.get("/rules/leak/chunks", params={"kind": kind})
        assert resp.text == f"start [REDACTED:{kind}] end"
    unregistered = client.get("/mask/leak/chunks", params={"kind": "github-token"})
    assert unregistered.text == f"start {stack.planted.rule['github-token']} end"


def test_streamed_body_past_the_buffer_is_masked_at_every_boundary(
    stack: Stack, client: httpx.Client
) -> None:
    """Past the buffer limit the body streams (no Content-Length) and stays masked."""
    resp = client.get("/mask/leak/big")
    assert resp.status_code == 200
    assert "content-length" not in resp.headers
    assert (
        resp.text
        == "a" * BIG + "[REDACTED:db-password]" + "b" * 10 + " and again [REDACTED:db-password]"
    )


def test_clean_response_is_untouched(stack: Stack, client: httpx.Client) -> None:
    """A response without secrets keeps its body and Content-Length."""
    resp = client.get("/mask/clean")
    assert resp.text == "nothing to see here"
    assert resp.headers["content-length"] == str(len("nothing to see here"))


def test_compressed_and_binary_bodies_are_masked(stack: Stack, client: httpx.Client) -> None:
    """gzip-encoded and binary bodies are inspected too (they used to pass raw).

    More kinds (charsets, deflate, streaming, br) in test_asgi_bodies.py.
    """
    secret = stack.planted.known["db-password"]
    zipped = client.get("/mask/leak/gzip")
    assert zipped.text == "zipped [REDACTED:db-password]"
    binary = client.get("/mask/leak/binary")
    assert binary.content == b"\x00bin [REDACTED:db-password]"
    assert secret not in zipped.text + binary.text


def test_block_mode_replaces_the_response_with_a_generic_500(
    stack: Stack, client: httpx.Client
) -> None:
    """egress=block: a 500 with a generic body; the event names the label, never the value."""
    for path in ("/block/leak/header", "/block/leak/body", "/block/leak/chunks"):
        resp = client.get(path)
        assert resp.status_code == 500
        assert resp.text == "Internal Server Error"
    assert client.get("/block/clean").text == "nothing to see here"
    logs = stack.log_text()
    assert (
        "blocked: registered secret(s) db-password in response body of GET /block/leak/body" in logs
    )
    assert stack.planted.leaks(logs) == []


def test_block_mode_aborts_a_response_whose_headers_are_sent(
    stack: Stack, client: httpx.Client
) -> None:
    """egress=block on a streamed body: the connection is cut before the secret is sent."""
    with client.stream("GET", "/block/leak/big") as resp:
        assert resp.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            b"".join(resp.iter_bytes())
    assert "blocked (response aborted)" in stack.log_text()
    assert stack.planted.leaks(stack.log_text()) == []


def test_report_mode_passes_the_body_and_logs_the_event(stack: Stack, client: httpx.Client) -> None:
    """egress=report: the response is unchanged, the event is logged without the value."""
    secret = stack.planted.known["db-password"]
    resp = client.get("/report/leak/chunks")
    assert resp.text == f"start {secret} end"
    logs = stack.log_text()
    event = "reported: registered secret(s) db-password in response body of GET /report/leak/chunks"
    assert logs.count(event) == 1
    assert stack.planted.leaks(logs) == []


def test_websocket_messages_are_masked_and_app_gets_the_real_one(stack: Stack) -> None:
    """The app receives the client's real message; what it sends back is masked."""
    p = stack.planted
    sent = f"hello {p.known['api-key']}"
    received, code = ws_exchange(
        stack.port,
        "/mask/ws?token=" + p.known["api-key"],
        [sent],
        headers=[(b"authorization", b"Bearer " + p.known["api-key"].encode())],
    )
    assert received == ["your key [REDACTED:db-password] is safe", "bye"]
    assert code == 1000
    assert stack.seen["ws"]["received"] == sent
    assert stack.seen["ws"]["context"]["http_query"] == "token=[REDACTED:token]"
    assert p.leaks(json.dumps(stack.seen["ws"]["context"])) == []


def test_websocket_block_closes_with_1011(stack: Stack) -> None:
    """egress=block on a WebSocket: the secret is not sent, the connection closes with 1011."""
    received, code = ws_exchange(stack.port, "/block/ws", ["hi"])
    assert received == []
    assert code == 1011


def test_lifespan_passes_through(stack: Stack) -> None:
    """Lifespan events reach the app untouched: its startup ran."""
    assert stack.state.get("started") is True


def test_invalid_egress_policy_is_refused() -> None:
    """A wrong policy name raises ValueError naming the option."""
    with pytest.raises(ValueError, match="egress must be 'mask', 'block' or 'report'"):
        RedactMiddleware(_app_stub, egress="drop")  # type: ignore[arg-type]


async def _app_stub(scope: Any, receive: Any, send: Any) -> None:
    return None


def test_asgi_module_imports_no_framework() -> None:
    """Importing the middleware pulls in neither Starlette, structlog nor OpenTelemetry."""
    code = (
        "import sys, redact.integrations.asgi\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('starlette', 'structlog', 'opentelemetry')]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_websocket_close_reason_is_masked(planted: tuple[Planted, Redactor]) -> None:
    """The reason an app closes a WebSocket with reaches the client masked."""
    p, r = planted
    secret = p.known["db-password"]
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4000, "reason": f"bad {secret}"})

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    asyncio.run(RedactMiddleware(app, redactor=r, bind_context=False)(scope, receive, send))
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 4000
    assert sent[1]["reason"] == "bad [REDACTED:db-password]"


def test_response_trailers_are_masked(planted: tuple[Planted, Redactor]) -> None:
    """A registered secret in HTTP response trailers reaches the client masked."""
    p, r = planted
    secret = p.known["db-password"]
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"ok"})
        await send({"type": "http.response.trailers", "headers": [(b"x-debug", secret.encode())]})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(RedactMiddleware(app, redactor=r, bind_context=False)(scope, receive, send))
    trailers = [m for m in sent if m["type"] == "http.response.trailers"]
    assert trailers[0]["headers"] == [(b"x-debug", b"[REDACTED:db-password]")]


def test_websocket_denial_response_is_masked(planted: tuple[Planted, Redactor]) -> None:
    """A WebSocket denial response (HTTP instead of the handshake) reaches the client masked."""
    p, r = planted
    secret = p.known["db-password"]
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 403,
                "headers": [(b"x-debug", secret.encode())],
            }
        )
        await send({"type": "websocket.http.response.body", "body": f"denied {secret}".encode()})

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    for egress in ("mask", "block"):
        sent.clear()
        mw = RedactMiddleware(app, redactor=r, bind_context=False, egress=egress)
        asyncio.run(mw(scope, receive, send))
        assert [m["type"] for m in sent] == [
            "websocket.http.response.start",
            "websocket.http.response.body",
        ]
        assert secret not in repr(sent)
        assert sent[1]["body"] == b"denied [REDACTED:db-password]"
