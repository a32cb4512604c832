"""Real uvicorn + httpx: Range requests cannot split a secret past the egress guard, and
credentials in short query parameters and WebSocket-subprotocol / vendor headers are
masked in uvicorn's access log, the ``redact.access`` event and the bound request view.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware, install_uvicorn_filter
from tests.integrations.conftest import UvicornThread

S = secrets.token_urlsafe(18)  # registered
V = secrets.token_hex(16)  # not registered: only its name or carrier marks it


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + str(getattr(record, "http_query", "")))


class Server:
    def __init__(self, url: str, logs: dict[str, _Capture], seen: dict[str, Any]) -> None:
        self.url, self.logs, self.seen = url, logs, seen


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Starlette app behind RedactMiddleware (mask and report), on a real uvicorn."""
    known = KnownSecrets()
    known.add(S, label="s")
    redactor = Redactor.default(known=known)
    path: Path = tmp_path_factory.mktemp("ranges") / "f.txt"
    path.write_text("head " + S + " tail")
    seen: dict[str, Any] = {}

    async def file(request: Request) -> Response:
        seen["range"] = request.headers.get("range")
        return FileResponse(path, media_type="text/plain")

    async def view(request: Request) -> Response:
        return JSONResponse(structlog.contextvars.get_contextvars())

    app = Starlette(routes=[Route("/f", file, methods=["GET", "HEAD"]), Route("/view", view)])
    stacks = {
        mode: RedactMiddleware(app, redactor=redactor, egress=mode, access_log=True)
        for mode in ("mask", "block", "report")
    }

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await app(scope, receive, send)
            return
        mode, _, rest = scope["path"][1:].partition("/")
        await stacks[mode]({**scope, "path": "/" + rest}, receive, send)

    logs = {name: _Capture() for name in ("uvicorn.access", "redact.access")}
    loggers = [logging.getLogger(name) for name in logs]
    for logger, handler in zip(loggers, logs.values(), strict=True):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    filt = install_uvicorn_filter(redactor)
    try:
        with UvicornThread(dispatch) as uv:
            yield Server(uv.url, logs, seen)
    finally:
        for logger, handler in zip(loggers, logs.values(), strict=True):
            logger.removeHandler(handler)
        logging.getLogger("uvicorn.access").removeFilter(filt)
        logging.getLogger("uvicorn.error").removeFilter(filt)


def _settled(server: Server) -> dict[str, list[str]]:
    """The captured lines once each logger has written: the access event is logged after
    the response is sent, so the client may read it before the server logs it."""
    deadline = time.monotonic() + 30
    while not all(log.lines for log in server.logs.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return {name: list(log.lines) for name, log in server.logs.items()}


def _fragments(value: str, n: int = 5) -> set[str]:
    return {value[i : i + n] for i in range(len(value) - n + 1)}


RANGES = [
    ["bytes=0-9", "bytes=10-"],  # the issue's pair
    ["bytes=0-7", "bytes=8-15", "bytes=16-"],
    ["bytes=-12", "bytes=0-20"],
    ["bytes=0-3,8-12,14-"],  # multipart/byteranges
]


@pytest.mark.parametrize("mode", ["mask", "block"])
@pytest.mark.parametrize("ranges", RANGES, ids="|".join)
def test_range_requests_never_split_a_secret_past_the_guard(
    server: Server, ranges: list[str], mode: str
) -> None:
    """Each Range request gets the whole body, masked (or blocked): no part of S in any."""
    bodies = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for r in ranges:
            for extra in ({}, {"if-range": "whatever"}):
                resp = client.get(f"/{mode}/f", headers={"range": r, **extra})
                assert resp.status_code == (200 if mode == "mask" else 500)
                assert server.seen.get("range") is None  # the app never saw the Range
                bodies.append(resp.text)
    blob = "".join(bodies)
    assert S not in blob
    assert not any(f in blob for f in _fragments(S))
    if mode == "mask":
        assert all(b == "head [REDACTED:s] tail" for b in bodies)


def test_report_mode_keeps_ranges(server: Server) -> None:
    """egress='report' changes no body, so it hands the app the Range as sent (206)."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        resp = client.get("/report/f", headers={"range": "bytes=0-3"})
    assert resp.status_code == 206
    assert resp.text == "head"


def test_head_sends_no_body(server: Server) -> None:
    """HEAD: headers only; the Content-Length reveals no character of the secret."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        resp = client.head("/mask/f")
    assert resp.status_code == 200
    assert resp.content == b""
    assert not any(f in str(resp.headers) for f in _fragments(S))


QUERIES = {
    "sid": f"sid={V}",
    "ticket": f"ticket=ST-{V}",
    "t token": f"t={V}",
    "p password": f"p={V}",
    "oauth_token": f"oauth_token={V}",
    "second place": f"page=2&t={V}",
}
KEPT = {"t timestamp": "t=1699999999", "t date": "t=2024-05-01T10:00:00Z", "p page": "p=2"}


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_short_credential_query_params_are_masked_in_access_logs(
    server: Server, query: str
) -> None:
    """uvicorn's access line and the redact.access event carry no credential from the query."""
    for log in server.logs.values():
        log.lines.clear()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get(f"/mask/view?{QUERIES[query]}").status_code == 200
    for name, lines in _settled(server).items():
        assert lines, name
        assert not any(V in line for line in lines), (name, lines)
        assert any("[REDACTED" in line for line in lines), name


@pytest.mark.parametrize("query", sorted(KEPT))
def test_timestamps_and_page_numbers_stay_readable(server: Server, query: str) -> None:
    """?t=<timestamp>, ?p=<page>: lookalikes of the short credential names are kept."""
    for log in server.logs.values():
        log.lines.clear()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get(f"/mask/view?{KEPT[query]}").status_code == 200
    for name, lines in _settled(server).items():
        assert any(KEPT[query] in line for line in lines), (name, lines)


HEADERS = {
    "sec-websocket-protocol": f"base64url.bearer.authorization.k8s.io.{V}, v4.channel.k8s.io",
    "x-tableau-auth": V,
    "x-trace": f"bearer.{V}",
}


def test_request_view_masks_subprotocol_tokens_and_vendor_auth_headers(server: Server) -> None:
    """The bound request view (structlog context, what logs and spans get) holds no V."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        resp = client.get("/mask/view", headers=HEADERS)
    assert resp.status_code == 200
    view = resp.json()
    assert V not in resp.text
    headers = view["http_headers"]
    assert headers["x-tableau-auth"].startswith("[REDACTED")
    assert "v4.channel.k8s.io" in headers["sec-websocket-protocol"]
