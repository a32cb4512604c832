"""ASGI extension messages never carry a registered secret past the egress guard.

``pathsend``/``zerocopysend`` have the server send a file the guard never reads: they are
hidden from the app (Starlette's FileResponse then sends ``http.response.body``) and read
as the body when an app sends them regardless. Early hints and push promises are read as
headers, debug info is walked by the core, and a response message type the guard does
not know blocks the response (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from redact import Redactor
from redact.integrations import asgi
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import Planted, UvicornThread

Message = MutableMapping[str, Any]
FILE_EXTENSIONS = ("http.response.pathsend", "http.response.zerocopysend")


def _scope(extensions: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"x")],
        "server": ("x", 80),
        "client": ("127.0.0.1", 5000),
        "extensions": extensions,
    }


def _run(
    app: Any,
    redactor: Redactor,
    extensions: dict[str, Any],
    *,
    egress: asgi.Egress = "mask",
) -> list[Message]:
    """Every message the middleware hands the server for one request."""
    sent: list[Message] = []
    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    mw = RedactMiddleware(app, redactor=redactor, egress=egress, bind_context=False)
    asyncio.run(mw(_scope(extensions), receive, send))
    return sent


def _body(sent: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _secret_file(tmp_path: Path, secret: str) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(f"db {secret}\nvisible line\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("extension", FILE_EXTENSIONS)
@pytest.mark.parametrize("egress", ["mask", "block"])
def test_file_response_is_read_by_the_guard(
    planted: tuple[Planted, Redactor], tmp_path: Path, extension: str, egress: asgi.Egress
) -> None:
    """Starlette's FileResponse under a server advertising pathsend/zerocopysend: masked."""
    p, r = planted
    secret = p.known["db-password"]
    path = _secret_file(tmp_path, secret)
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(dict(scope["extensions"]))
        await FileResponse(path, media_type="text/plain")(scope, receive, send)

    sent = _run(app, r, {extension: {}, "tls": {"tls_version": 0x0304}}, egress=egress)
    assert extension not in seen[0]
    assert "tls" in seen[0]  # extensions the guard does not stand between are kept
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert secret not in repr(sent)
    if egress == "mask":
        assert _body(sent) == b"db [REDACTED:db-password]\nvisible line\n"
    else:
        assert sent[0]["status"] == 500


def test_hidden_extensions_are_the_unread_response_ones_only() -> None:
    """Inspected and non-response extensions stay; any other ``http.response.*`` is hidden."""
    kept: dict[str, Any] = {
        "http.response.trailers": {},
        "http.response.early_hint": {},
        "http.response.push": {},
        "http.response.debug": {},
        "tls": {"client_cert_chain": []},
        "websocket.http.response": {},
    }
    hidden: dict[str, Any] = {
        "http.response.pathsend": {},
        "http.response.zerocopysend": {},
        "http.response.x": {},
    }
    scope = _scope({**kept, **hidden})
    assert asgi._inspected_extensions(scope)["extensions"] == kept
    same = _scope(kept)
    assert asgi._inspected_extensions(same) is same


def _sends_pathsend(path: Path, length: int) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(length).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(path)})

    return app


def test_pathsend_sent_regardless_is_read_and_masked(
    planted: tuple[Planted, Redactor], tmp_path: Path
) -> None:
    """An app that sends pathsend without the extension: the file goes out as a masked body."""
    p, r = planted
    secret = p.known["api-key"]
    path = _secret_file(tmp_path, secret)
    size = path.stat().st_size
    sent = _run(_sends_pathsend(path, size), r, {})
    assert secret not in repr(sent)
    assert all(m["type"] != "http.response.pathsend" for m in sent)
    body = _body(sent)
    assert body == b"db [REDACTED:api-key]\nvisible line\n"
    assert dict(sent[0]["headers"])[b"content-length"] == str(len(body)).encode()
    blocked = _run(_sends_pathsend(path, size), r, {}, egress="block")
    assert blocked[0]["status"] == 500
    assert secret not in repr(blocked)


def test_pathsend_of_a_clean_large_file_is_sent_whole(
    planted: tuple[Planted, Redactor], tmp_path: Path
) -> None:
    """A clean file longer than the buffer and a read chunk arrives byte for byte."""
    _, r = planted
    data = b"".join(b"line %06d of a clean export\n" % i for i in range(10_000))
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    sent = _run(_sends_pathsend(path, len(data)), r, {})
    assert _body(sent) == data
    assert sent[-1]["more_body"] is False


def test_unreadable_pathsend_is_blocked(planted: tuple[Planted, Redactor], tmp_path: Path) -> None:
    """A path the guard cannot open is not handed to the server: the response is blocked."""
    _, r = planted
    sent = _run(_sends_pathsend(tmp_path / "missing.txt", 10), r, {})
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 500


def test_zerocopysend_range_and_more_body_are_masked(
    planted: tuple[Planted, Redactor], tmp_path: Path
) -> None:
    """zerocopysend with offset and count, followed by a body: the range is read and masked."""
    p, r = planted
    secret = p.known["session-secret"]
    path = tmp_path / "data.txt"
    path.write_text(f"SKIP|key {secret} end|TAIL", encoding="utf-8")
    offset = len("SKIP|")
    count = len(f"key {secret} end")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        with open(path, "rb") as f:
            await send(
                {
                    "type": "http.response.zerocopysend",
                    "file": f,
                    "offset": offset,
                    "count": count,
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b"|after", "more_body": False})

    sent = _run(app, r, {})
    assert secret not in repr(sent)
    assert _body(sent) == b"key [REDACTED:session-secret] end|after"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    head=st.binary(max_size=40),
    tail=st.binary(max_size=40),
    chunk=st.integers(min_value=1, max_value=16),
)
def test_property_zerocopysend_never_sends_the_secret(
    planted: tuple[Planted, Redactor],
    *,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    head: bytes,
    tail: bytes,
    chunk: int,
) -> None:
    """Property: whatever surrounds the value and however the file is read, it never leaves."""
    p, r = planted
    secret = p.known["db-password"].encode()
    monkeypatch.setattr(asgi, "_FILE_CHUNK", chunk)
    path = tmp_path / "prop.bin"
    path.write_bytes(head + secret + tail)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        with open(path, "rb") as f:
            await send({"type": "http.response.zerocopysend", "file": f.fileno()})

    sent = _run(app, r, {})
    # masked in place, or blocked when the bytes read as another charset fail to decode
    assert _body(sent) in (head + b"[REDACTED:db-password]" + tail, b"Internal Server Error")


def test_early_hint_links_are_masked_dropped_or_reported(
    planted: tuple[Planted, Redactor], caplog: pytest.LogCaptureFixture
) -> None:
    """103 Early Hints links: masked (mask), dropped (block), sent and reported (report)."""
    p, r = planted
    secret = p.known["api-key"]
    clean = b"</static/app.css>; rel=preload; as=style"
    leaky = f"</s.css?k={secret}>; rel=preload".encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.early_hint", "links": [clean, leaky]})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    ext: dict[str, Any] = {"http.response.early_hint": {}}
    masked = _run(app, r, ext)
    assert masked[0]["links"] == [clean, b"</s.css?k=[REDACTED:api-key]>; rel=preload"]
    assert secret not in repr(masked)
    blocked = _run(app, r, ext, egress="block")
    assert [m["type"] for m in blocked] == ["http.response.start", "http.response.body"]
    assert _body(blocked) == b"ok"
    with caplog.at_level(logging.WARNING, logger="redact.egress"):
        reported = _run(app, r, ext, egress="report")
    assert reported[0]["links"] == [clean, leaky]
    assert "reported: registered secret(s) api-key in response early hint" in caplog.text


def test_clean_early_hint_is_sent_as_it_is(planted: tuple[Planted, Redactor]) -> None:
    """A hint without a finding is the very message the app sent."""
    _, r = planted
    hint = {"type": "http.response.early_hint", "links": [b"</a.js>; rel=preload"]}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(hint)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert _run(app, r, {"http.response.early_hint": {}})[0] is hint


def test_push_promise_path_and_headers_are_masked(planted: tuple[Planted, Redactor]) -> None:
    """A push promise's path and headers are masked as response headers are."""
    p, r = planted
    secret = p.known["db-password"]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.push",
                "path": f"/asset?t={secret}",
                "headers": [(b"x-trace", secret.encode()), (b"accept", b"*/*")],
            }
        )
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = _run(app, r, {"http.response.push": {}})
    assert secret not in repr(sent)
    assert sent[0]["path"] == "/asset?t=[REDACTED:db-password]"
    assert sent[0]["headers"] == [(b"x-trace", b"[REDACTED:db-password]"), (b"accept", b"*/*")]


def test_debug_info_is_masked(planted: tuple[Planted, Redactor]) -> None:
    """The debug extension's template context (TestClient's ``response.context``) is masked."""
    p, r = planted
    secret = p.known["db-password"]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})
        info = {"template": "page.html", "context": {"dsn": f"postgres://u:{secret}@db/app"}}
        await send({"type": "http.response.debug", "info": info})

    sent = _run(app, r, {"http.response.debug": {}})
    assert secret not in repr(sent)
    debug = [m for m in sent if m["type"] == "http.response.debug"]
    assert debug[0]["info"]["template"] == "page.html"


@pytest.mark.parametrize("when", ["before-headers", "after-headers"])
def test_unknown_response_message_fails_closed(
    planted: tuple[Planted, Redactor], when: str
) -> None:
    """A response message type the guard does not know never reaches the server."""
    p, r = planted
    secret = p.known["db-password"]
    unknown = {"type": "http.response.future_send", "data": secret.encode()}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if when == "after-headers":
            await send({"type": "http.response.body", "body": b"x" * 70_000, "more_body": True})
        await send(unknown)
        await send({"type": "http.response.body", "body": b"end"})

    if when == "before-headers":
        sent = _run(app, r, {"http.response.future_send": {}})
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert sent[0]["status"] == 500
    else:
        with pytest.raises(RuntimeError, match="cannot inspect"):
            _run(app, r, {})
    reported = _run(app, r, {}, egress="report")  # report mode changes no response
    assert unknown in reported


def test_file_response_through_uvicorn_is_masked(
    planted: tuple[Planted, Redactor], tmp_path: Path
) -> None:
    """A Starlette FileResponse behind the middleware on a real uvicorn: masked on the wire."""
    p, r = planted
    secret = p.known["db-password"]
    path = _secret_file(tmp_path, secret)

    async def download(request: Request) -> Response:
        return FileResponse(path, media_type="text/plain")

    app = Starlette(routes=[Route("/file", download)])
    with UvicornThread(RedactMiddleware(app, redactor=r, bind_context=False)) as server:
        response = httpx.get(f"{server.url}/file", timeout=10)
    assert response.status_code == 200
    assert secret not in response.text
    assert response.text == "db [REDACTED:db-password]\nvisible line\n"
    assert response.headers["content-length"] == str(len(response.content))


@pytest.mark.parametrize("egress", ["mask", "block", "report"])
def test_unknown_websocket_message_fails_closed(
    planted: tuple[Planted, Redactor], egress: asgi.Egress
) -> None:
    """A WebSocket message type the guard does not know closes the connection (1011)."""
    p, r = planted
    secret = p.known["api-key"]
    unknown = {"type": "websocket.future_send", "bytes": secret.encode()}
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        await send(unknown)
        await send({"type": "websocket.send", "text": "after"})

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    mw = RedactMiddleware(app, redactor=r, bind_context=False, egress=egress)
    asyncio.run(mw(scope, receive, send))
    if egress == "report":  # report mode changes nothing
        assert unknown in sent
        return
    assert secret not in repr(sent)
    assert sent == [
        {"type": "websocket.accept"},
        {"type": "websocket.close", "code": 1011, "reason": ""},
    ]
