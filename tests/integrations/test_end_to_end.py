"""All four integrations wired into one app under a real uvicorn: no planted secret reaches a sink.

One server, one Starlette app, one Redactor shared by: structlog (JSON to a file,
``dict_tracebacks`` with locals), stdlib logging (a file handler with RedactFilter),
OpenTelemetry (ASGI instrumentation with header capture, RedactingSpanProcessor to
memory and to the OTLP/HTTP receiver, RedactingLogRecordProcessor to OTLP) and
RedactMiddleware (masked request view, uvicorn log filter, egress guard).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
import pytest
import structlog
from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from redact.integrations.asgi import RedactMiddleware, install_uvicorn_filter
from redact.integrations.logging import RedactFilter
from redact.integrations.otel import RedactingLogRecordProcessor, RedactingSpanProcessor
from redact.integrations.structlog import RedactProcessor
from tests.integrations.conftest import (
    OtlpReceiver,
    Planted,
    UvicornThread,
    make_planted,
    ws_exchange,
)

_STANDARD = set(vars(logging.LogRecord("n", 0, "p", 0, "m", None, None))) | {"message", "asctime"}


class ExtrasFormatter(logging.Formatter):
    """Appends every ``extra=`` attribute of a record, as a JSON-minded app would."""

    def format(self, record: logging.LogRecord) -> str:
        """The usual line plus ``key=value`` for each extra attribute."""
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        return f"{line} {extras}" if extras else line


@dataclass
class World:
    """The running server and every sink."""

    url: str
    port: int
    planted: Planted
    logs: Path
    spans: InMemorySpanExporter
    receiver: OtlpReceiver
    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: list[bytes] = field(default_factory=list)


def _app(world: World, slog: Any, stdlog: logging.Logger, otel_logger: Any) -> Starlette:
    p = world.planted

    async def login(request: Request) -> Response:
        kind = request.query_params["kind"]
        value = p.all[kind]
        body = await request.json()
        world.seen[kind] = {
            "authorization": request.headers["authorization"],
            "cookie": request.cookies.get("session"),
            "token": request.query_params.get("access_token"),
            "password": body["password"],
        }
        slog.info("login attempt", password=body["password"], note=f"user used {value}")
        slog.info("headers seen", headers=dict(request.headers), nested={"list": [value]})
        stdlog.info("login for %s with %s", "bob", value, extra={"token_value": value})
        span = trace.get_current_span()
        span.set_attribute("app.credential", value)
        span.add_event(f"checked {value}", {"detail": f"value {value}"})
        try:
            secret_local = value  # rendered by dict_tracebacks' locals
            raise ValueError(f"upstream refused {secret_local}")
        except ValueError as exc:
            slog.exception("upstream failed")
            stdlog.exception("upstream failed: %s", exc)
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"upstream refused {value}"))
            otel_logger.emit(
                severity_number=SeverityNumber.ERROR,
                body=f"upstream refused {value}",
                attributes={"password": value},
                exception=exc,
            )
        return JSONResponse(
            {"user": "bob", "echo": f"key={value}"}, headers={"x-debug": f"v {value}"}
        )

    async def stream(request: Request) -> Response:
        value = p.all[request.query_params["kind"]]
        cut = len(value) // 2

        async def gen() -> AsyncIterator[bytes]:
            yield f"part one {value[:cut]}".encode()
            yield f"{value[cut:]} part two".encode()

        return StreamingResponse(gen(), media_type="text/plain")

    async def crash(request: Request) -> Response:
        value = p.all[request.query_params["kind"]]
        raise RuntimeError(f"crashed holding {value}")

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        got = await websocket.receive_text()
        world.seen["ws"] = {"received": got}
        slog.info("ws message", text=got)
        await websocket.send_text(f"echo {got}")
        await websocket.close()

    return Starlette(
        routes=[
            Route("/login", login, methods=["POST"]),
            Route("/stream", stream),
            Route("/crash", crash),
            WebSocketRoute("/ws", ws),
        ]
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, otlp_receiver: OtlpReceiver) -> Iterator[World]:
    """Start the fully wired server; tear everything down afterwards."""
    planted, redactor = make_planted()
    logs = tmp_path_factory.mktemp("e2e-logs")
    otlp_receiver.clear()
    resource = Resource({"service.name": "e2e", "deploy.secret_note": planted.known["api-key"]})

    spans = InMemorySpanExporter()
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(spans), redactor=redactor))
    otlp = OTLPSpanExporter(endpoint=f"{otlp_receiver.url}/v1/traces", timeout=30)
    tp.add_span_processor(RedactingSpanProcessor(BatchSpanProcessor(otlp), redactor=redactor))

    lp = LoggerProvider(resource=resource)
    otlp_logs = OTLPLogExporter(endpoint=f"{otlp_receiver.url}/v1/logs", timeout=30)
    lp.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(otlp_logs), redactor=redactor)
    )

    structlog_file: TextIO = (logs / "structlog.json.log").open("a", encoding="utf-8")
    slog = structlog.wrap_logger(
        structlog.WriteLogger(structlog_file),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=True)
            ),
            RedactProcessor(redactor),
            structlog.processors.JSONRenderer(),
        ],
    )

    handler = logging.FileHandler(logs / "stdlib.log", encoding="utf-8")
    handler.setFormatter(ExtrasFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(RedactFilter(redactor))
    stdlog = logging.getLogger("e2e.app")
    stdlog.setLevel(logging.INFO)
    stdlog.propagate = False
    stdlog.addHandler(handler)
    access = logging.getLogger("redact.access")
    egress = logging.getLogger("redact.egress")
    for extra_logger in (access, egress):
        extra_logger.addHandler(handler)
        extra_logger.setLevel(logging.INFO)

    world = World("", 0, planted, logs, spans, otlp_receiver, tp, lp)
    app = _app(world, slog, stdlog, lp.get_logger("e2e"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
        mp.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", ".*")
        asgi = OpenTelemetryMiddleware(
            RedactMiddleware(app, redactor=redactor, egress_rules=True, access_log=True),
            tracer_provider=tp,
        )
    log_config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(name)s %(levelname)s %(message)s"}},
        "handlers": {
            "uv": {
                "class": "logging.FileHandler",
                "filename": str(logs / "uvicorn.log"),
                "formatter": "plain",
            }
        },
        "loggers": {
            "uvicorn.access": {"handlers": ["uv"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"handlers": ["uv"], "level": "INFO", "propagate": False},
        },
    }
    server = UvicornThread(asgi, log_config=log_config)
    filt = install_uvicorn_filter(redactor)
    try:
        with server:
            world.url, world.port = server.url, server.port
            yield world
    finally:
        tp.shutdown()
        lp.shutdown()
        for extra_logger in (access, egress, stdlog):
            extra_logger.removeHandler(handler)
        handler.close()
        structlog_file.close()
        for name in ("uvicorn.access", "uvicorn.error"):
            uv = logging.getLogger(name)
            uv.removeFilter(filt)
            for h in list(uv.handlers):
                uv.removeHandler(h)
                h.close()


def _drive(world: World) -> None:
    """Plant every kind in every request carrier, and exercise every endpoint."""
    p = world.planted
    with httpx.Client(base_url=world.url, timeout=60) as client:
        for kind, value in p.all.items():
            resp = client.post(
                "/login",
                params={"kind": kind, "access_token": value},
                headers={
                    "authorization": f"Bearer {value}",
                    "cookie": f"session={value}",
                    "x-custom": f"c {value}",
                },
                json={"password": value},
            )
            assert resp.status_code == 200
            world.responses.append(resp.content + str(resp.headers.raw).encode())
            chunks = client.get("/stream", params={"kind": kind})
            world.responses.append(chunks.content)
            crashed = client.get("/crash", params={"kind": kind}, headers={"connection": "close"})
            assert crashed.status_code == 500
            world.responses.append(crashed.content)
    received, _ = ws_exchange(world.port, "/ws", [f"hi {p.known['db-password']}"])
    world.responses.extend(r if isinstance(r, bytes) else r.encode() for r in received)


def test_no_planted_secret_reaches_any_sink(world: World) -> None:
    """Every kind in every carrier: log files, spans, OTLP payloads and responses stay clean."""
    _drive(world)
    p = world.planted
    assert world.tracer_provider.force_flush(10_000)
    assert world.logger_provider.force_flush(10_000)

    # the app saw the real values
    for kind, value in p.all.items():
        assert world.seen[kind] == {
            "authorization": f"Bearer {value}",
            "cookie": value,
            "token": value,
            "password": value,
        }
    assert world.seen["ws"]["received"] == f"hi {p.known['db-password']}"

    # every sink was written to, and none holds a planted value
    sinks: dict[str, bytes] = {
        path.name: path.read_bytes() for path in sorted(world.logs.glob("*.log"))
    }
    sinks["spans (memory)"] = "".join(
        s.to_json(indent=None) for s in world.spans.get_finished_spans()
    ).encode()
    sinks["OTLP payloads"] = b"".join(world.receiver.raw)
    sinks["HTTP responses"] = b"".join(world.responses)
    for name, data in sinks.items():
        assert data, f"sink {name} received nothing"
        assert p.leaks(data) == [], f"{name} leaks {p.leaks(data)}"

    structlog_lines = [json.loads(line) for line in sinks["structlog.json.log"].splitlines()]
    attempts = [e for e in structlog_lines if e["event"] == "login attempt"]
    assert len(attempts) == len(p.all)
    assert all(e["http_headers"]["authorization"] == "[REDACTED:authorization]" for e in attempts)
    assert any("exception" in e for e in structlog_lines)
    assert b"Traceback" in sinks["stdlib.log"]
    assert b"redact.access INFO GET /crash?kind=db-password 500 " in sinks["stdlib.log"]
    assert b"Exception in ASGI application" in sinks["uvicorn.log"]
    assert b"[REDACTED:access_token]" in sinks["uvicorn.log"]
    assert len(world.receiver.span_names()) >= len(p.all)
    assert world.receiver.logs
    assert b"[REDACTED:" in sinks["HTTP responses"]
