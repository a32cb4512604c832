"""Real parts for the web integration tests: uvicorn on loopback, an OTLP/HTTP receiver,
a raw WebSocket client, and a set of synthetic secrets planted in every carrier."""

from __future__ import annotations

import base64
import gzip
import http.server
import secrets
import socket
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Request,
    TextMessage,
)

from redact import KnownSecrets, Redactor

ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass(frozen=True)
class Planted:
    """Synthetic secrets built at run time: registered values and rule-shaped tokens."""

    known: dict[str, str]
    rule: dict[str, str]

    @property
    def all(self) -> dict[str, str]:
        """Every planted value by kind."""
        return {**self.known, **self.rule}

    def leaks(self, blob: str | bytes) -> list[str]:
        """The kinds whose value (or its base64) appears in ``blob``."""
        data = blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else blob
        return [
            kind
            for kind, value in self.all.items()
            if value.encode() in data or base64.b64encode(value.encode()) in data
        ]


def make_planted() -> tuple[Planted, Redactor]:
    """Fresh synthetic secrets and a default Redactor with the known ones registered."""
    known = {
        "db-password": "pw-" + _rand(20),
        "api-key": "ak_" + _rand(28),
        "session-secret": _rand(24) + "-" + _rand(8),
    }
    rule = {
        "github-token": "ghp_" + _rand(36),
        "aws-access-key-id": "AKIA" + _rand(16, string.ascii_uppercase + "234567"),
        "stripe-secret-key": "sk_live_" + _rand(32),
    }
    ks = KnownSecrets()
    for kind, value in known.items():
        ks.add(value, label=kind)
    return Planted(known, rule), Redactor.default(known=ks)


@pytest.fixture
def planted() -> tuple[Planted, Redactor]:
    """A fresh planted-secret set per test, with its redactor."""
    return make_planted()


# -- uvicorn on loopback ---------------------------------------------------------------------


class UvicornThread:
    """A real uvicorn server on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: Any, *, log_config: dict[str, Any] | None = None) -> None:
        self.config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_config=log_config,
            lifespan="on",
            ws="wsproto",
            http="h11",
            loop="asyncio",
            access_log=True,
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)
        self.port = 0

    def __enter__(self) -> UvicornThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                msg = "uvicorn did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


# -- OTLP/HTTP receiver ----------------------------------------------------------------------


@dataclass
class OtlpReceiver:
    """A tiny OTLP/HTTP collector on 127.0.0.1 that keeps raw payloads and decodes them."""

    url: str = ""
    raw: list[bytes] = field(default_factory=list)
    traces: list[ExportTraceServiceRequest] = field(default_factory=list)
    logs: list[ExportLogsServiceRequest] = field(default_factory=list)

    def span_names(self) -> list[str]:
        """Names of every span received."""
        return [
            s.name
            for req in self.traces
            for rs in req.resource_spans
            for ss in rs.scope_spans
            for s in ss.spans
        ]

    def clear(self) -> None:
        """Forget everything received."""
        self.raw.clear()
        self.traces.clear()
        self.logs.clear()


@pytest.fixture(scope="session")
def otlp_receiver() -> Iterator[OtlpReceiver]:
    """Run the OTLP/HTTP receiver for the whole session on a random loopback port."""
    store = OtlpReceiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            store.raw.append(body)
            if self.path.endswith("/v1/traces"):
                req = ExportTraceServiceRequest()
                req.ParseFromString(body)
                store.traces.append(req)
                reply = ExportTraceServiceResponse().SerializeToString()
            else:
                lreq = ExportLogsServiceRequest()
                lreq.ParseFromString(body)
                store.logs.append(lreq)
                reply = ExportLogsServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    store.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="otlp-receiver", daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- WebSocket client ------------------------------------------------------------------------


def ws_exchange(
    port: int, path: str, send: list[str], *, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[list[str | bytes], int | None]:
    """Open a WebSocket, send ``send`` as text, collect messages until the server closes."""
    conn = WSConnection(ConnectionType.CLIENT)
    received: list[str | bytes] = []
    close_code: int | None = None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            conn.send(Request(host=f"127.0.0.1:{port}", target=path, extra_headers=headers or []))
        )
        accepted = False
        pending = list(send)
        done = False
        while not done:
            data = sock.recv(65536)
            if not data:
                break
            conn.receive_data(data)
            for event in conn.events():
                if isinstance(event, AcceptConnection):
                    accepted = True
                elif isinstance(event, TextMessage | BytesMessage):
                    received.append(event.data)
                elif isinstance(event, CloseConnection):
                    close_code = event.code
                    sock.sendall(conn.send(event.response()))
                    done = True
            if accepted and pending:
                for text in pending:
                    sock.sendall(conn.send(TextMessage(data=text)))
                pending = []
    return received, close_code
