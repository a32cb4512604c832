"""The egress guard per content type and coding, under a real uvicorn, read by a real httpx client.

What "mask" means per body (docs/integrations-asgi.md): every media type is inspected
for registered values (text types also for rules when enabled) in its declared charset;
gzip/deflate bodies are inflated to be inspected and sent masked; a coding the guard
cannot open (zstd; br without brotli) is blocked; headers are inspected as UTF-8 and as Latin-1.
"""

from __future__ import annotations

import gzip
import html
import json
import secrets
import string
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import UvicornThread

_ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


#: Registered values: ASCII, with HTML-special characters, and non-ASCII.
VALUES = {
    "ascii": "pw-" + _rand(20),
    "markup": f"s3cr3t&Pa55<{_rand(8)}>",
    "umlaut": f"Pässwörd-{_rand(10)}-ß",
}
BIG = 70_000  # past the default 64 KiB buffer: the body streams


def _encoded(value: str, how: str, *, head: str = "head ", tail: str = " tail") -> bytes:
    """A body holding ``value`` as the app writes it for kind ``how``."""
    if how == "html":
        inner = f"<p>{html.escape(value)}</p>"
    elif how == "xml":
        inner = f"<v a='{html.escape(value, quote=True)}'/>"
    elif how == "json":
        inner = json.dumps({"v": value})
    else:
        inner = f"value {value} end"
    charset = how.split("=", 1)[1] if how.startswith("charset=") else "utf-8"
    return f"{head}{inner}{tail}".encode(charset)


#: route name -> (media type, how the value is written, content-encoding)
BODIES: dict[str, tuple[str, str, str]] = {
    "html": ("text/html; charset=utf-8", "html", ""),
    "xml": ("application/xml", "xml", ""),
    "json": ("application/json", "json", ""),
    "octet": ("application/octet-stream", "raw", ""),
    "png": ("image/png", "raw", ""),
    "utf16": ("text/plain; charset=utf-16", "charset=utf-16", ""),
    "utf16le": ("text/plain; charset=UTF-16LE", "charset=utf-16-le", ""),
    "utf32": ("text/plain; charset=utf-32", "charset=utf-32", ""),
    "latin1": ("text/plain; charset=ISO-8859-1", "charset=latin-1", ""),
    "gzip": ("text/plain", "raw", "gzip"),
    "deflate": ("application/json", "json", "deflate"),
}


def _compress(data: bytes, coding: str) -> bytes:
    return gzip.compress(data) if coding == "gzip" else zlib.compress(data) if coding else data


def _app(seen: dict[str, Any]) -> Starlette:
    async def body(request: Request) -> Response:
        media, how, coding = BODIES[request.path_params["kind"]]
        value = VALUES.get(request.query_params.get("v", "ascii"), "nothing secret")
        data = _encoded(value, how)
        headers = {"content-encoding": coding} if coding else {}
        return Response(_compress(data, coding), media_type=media, headers=headers)

    async def streamed(request: Request) -> Response:
        media, how, coding = BODIES[request.path_params["kind"]]
        value = VALUES[request.query_params.get("v", "ascii")]
        data = _compress(_encoded(value, how, head="a" * BIG), coding)
        cut = BIG + 7  # inside the value (and an odd byte offset for wide charsets)

        async def gen() -> AsyncIterator[bytes]:
            yield data[:cut]
            yield data[cut:]

        headers = {"content-encoding": coding} if coding else {}
        return StreamingResponse(gen(), media_type=media, headers=headers)

    async def opaque(request: Request) -> Response:
        return Response(b"(\xb5/\xfd opaque", headers={"content-encoding": "zstd"})

    async def header(request: Request) -> Response:
        value = VALUES[request.query_params.get("v", "umlaut")]
        codec = request.query_params.get("codec", "utf-8")
        response = Response("fine", media_type="text/plain")
        response.raw_headers.append((b"x-debug", f"pw={value}".encode(codec)))
        return response

    async def echo(request: Request) -> Response:
        seen["headers"] = dict(request.headers)
        seen["context"] = structlog.contextvars.get_contextvars()
        return Response("ok", media_type="text/plain")

    return Starlette(
        routes=[
            Route("/body/{kind}", body),
            Route("/stream/{kind}", streamed),
            Route("/opaque", opaque),
            Route("/header", header),
            Route("/echo", echo),
        ]
    )


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, Any]]]:
    """One app behind RedactMiddleware per egress policy, on one real uvicorn."""
    known = KnownSecrets()
    for label, value in VALUES.items():
        known.add(value, label=label)
    redactor = Redactor.default(known=known)
    seen: dict[str, Any] = {}
    app = _app(seen)
    stacks = {m: RedactMiddleware(app, redactor=redactor, egress=m) for m in ("mask", "block")}

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await app(scope, receive, send)
            return
        mode = "block" if scope.get("query_string", b"").find(b"block=1") >= 0 else "mask"
        await stacks[mode](scope, receive, send)

    with UvicornThread(dispatch) as uv:
        yield uv.url, seen


@pytest.fixture
def client(server: tuple[str, dict[str, Any]]) -> Iterator[httpx.Client]:
    """A real HTTP client on the running server."""
    with httpx.Client(base_url=server[0], timeout=10) as c:
        yield c


def _leaks(resp: httpx.Response, value: str) -> bool:
    """Whether ``value`` reaches the client in any form this test writes it in."""
    data, text = resp.content, resp.text
    raw = {value.encode(c, "ignore") for c in ("utf-8", "utf-16-le", "utf-32-le", "latin-1")}
    return any(f in data for f in raw) or value in text or html.escape(value) in text


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("which", sorted(VALUES))
def test_every_body_kind_is_masked_whole(client: httpx.Client, kind: str, which: str) -> None:
    """Buffered bodies of every media type, charset and coding reach the client masked."""
    resp = client.get(f"/body/{kind}", params={"v": which})
    assert resp.status_code == 200
    assert not _leaks(resp, VALUES[which]), resp.content[:200]
    assert f"[REDACTED:{which}]" in resp.text
    assert resp.text.startswith("head ") and resp.text.endswith(" tail")


@pytest.mark.parametrize("kind", ["octet", "utf16", "utf32", "gzip", "deflate", "html"])
def test_streamed_bodies_are_masked_across_the_cut(client: httpx.Client, kind: str) -> None:
    """A value cut between two chunks (an odd byte in UTF-16, inside a gzip stream) is masked."""
    for which, value in VALUES.items():
        resp = client.get(f"/stream/{kind}", params={"v": which})
        assert resp.status_code == 200
        assert not _leaks(resp, value)
        assert f"[REDACTED:{which}]" in resp.text
        assert resp.text.startswith("a" * 1000)


def test_a_clean_compressed_body_is_sent_as_it_was(client: httpx.Client) -> None:
    """Without findings a gzip body passes byte for byte, still gzip-encoded; with one it is
    sent masked and uncompressed (the whole body is known, so its headers can say so)."""
    clean = client.get("/body/gzip", params={"v": "none"})
    assert clean.headers["content-encoding"] == "gzip"
    assert clean.text == "head value nothing secret end tail"
    dirty = client.get("/body/gzip", params={"v": "ascii"})
    assert "content-encoding" not in dirty.headers
    assert dirty.text == "head value [REDACTED:ascii] end tail"
    assert dirty.headers["content-length"] == str(len(dirty.content))


def test_an_opaque_coding_is_blocked(client: httpx.Client) -> None:
    """A body in a coding the guard cannot open (zstd) is never sent in mask or block mode."""
    resp = client.get("/opaque", headers={"accept-encoding": "identity"})
    assert resp.status_code == 500
    assert resp.content == b"Internal Server Error"


@pytest.mark.parametrize("kind", ["octet", "utf16", "gzip"])
def test_block_mode_refuses_every_body_kind(client: httpx.Client, kind: str) -> None:
    """egress='block' turns a response holding a value into the generic 500, whatever its type."""
    resp = client.get(f"/body/{kind}", params={"v": "umlaut", "block": "1"})
    assert resp.status_code == 500 and not _leaks(resp, VALUES["umlaut"])


@pytest.mark.parametrize("codec", ["utf-8", "latin-1"])
def test_a_non_ascii_value_in_a_response_header_is_masked(client: httpx.Client, codec: str) -> None:
    """A header written as UTF-8 bytes (read as Latin-1 mojibake by uvicorn) or Latin-1 is masked."""
    resp = client.get("/header", params={"codec": codec})
    raw = dict(resp.headers.raw)[b"x-debug"]
    value = VALUES["umlaut"]
    assert value.encode("utf-8") not in raw and value.encode("latin-1") not in raw
    assert value.encode().decode("latin-1").encode("latin-1") not in raw
    assert raw == b"pw=[REDACTED:umlaut]"


def test_a_non_ascii_value_in_a_request_header_is_masked_in_bound_context(
    client: httpx.Client, server: tuple[str, dict[str, Any]]
) -> None:
    """The request view bound for logs decodes UTF-8 header bytes, so the value is recognised."""
    value = VALUES["umlaut"]
    resp = client.get("/echo", headers={"x-trace-note": f"pw={value}".encode()})
    assert resp.status_code == 200
    seen = server[1]
    assert seen["headers"]["x-trace-note"] == f"pw={value}".encode().decode("latin-1")  # app: real
    bound = json.dumps(seen["context"], ensure_ascii=False)
    assert value not in bound and value.encode().decode("latin-1") not in bound
    assert "[REDACTED:umlaut]" in bound
