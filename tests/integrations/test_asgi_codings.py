"""The egress guard undoes every Content-Encoding as a client does, under real uvicorn + httpx.

A client (httpx, urllib3, curl, browsers) reads the codings of a body from every
``Content-Encoding`` header line, comma lists included, and undoes them last first;
gzip bodies may hold several members; ``deflate`` comes zlib-wrapped or raw. The
guard must read the same text, or block: each case below holds a registered value
that only appears once the body is decoded the way a client decodes it.
"""

from __future__ import annotations

import asyncio
import gzip
import secrets
import string
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import brotli
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact.integrations._web import BodyCodec, ContentCoding, content_codings
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import UvicornThread
from tests.strategies import coded_bodies

_ALNUM = string.ascii_letters + string.digits
VALUE = "".join(secrets.choice(_ALNUM) for _ in range(24))
NAME_VALUE = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(24))
BIG = 120_000  # past the default 64 KiB buffer: the body streams


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data)


def _zlib(data: bytes) -> bytes:
    return zlib.compress(data)


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def _br(data: bytes) -> bytes:
    return bytes(brotli.compress(data))


_ENCODE: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _zlib,
    "deflate-raw": _raw_deflate,
    "br": _br,
    "identity": lambda b: b,
}


def _apply(data: bytes, codings: list[str]) -> bytes:
    for coding in codings:  # in the order they are listed: the first was applied first
        data = _ENCODE[coding](data)
    return data


#: name -> (Content-Encoding header lines as sent, codings applied in order)
CHAINS: dict[str, tuple[list[bytes], list[str]]] = {
    "gzip": ([b"gzip"], ["gzip"]),
    "x-gzip": ([b"x-gzip"], ["x-gzip"]),
    "GZIP upper": ([b"GZIP"], ["gzip"]),
    "gzip spaced": ([b" gzip "], ["gzip"]),
    "deflate zlib": ([b"deflate"], ["deflate"]),
    "deflate raw": ([b"deflate"], ["deflate-raw"]),
    "br": ([b"br"], ["br"]),
    "identity": ([b"identity"], ["identity"]),
    "identity, gzip": ([b"identity, gzip"], ["gzip"]),
    "gzip, gzip": ([b"gzip, gzip"], ["gzip", "gzip"]),
    "two gzip lines": ([b"gzip", b"gzip"], ["gzip", "gzip"]),
    "deflate, gzip": ([b"deflate, gzip"], ["deflate", "gzip"]),
    "gzip line, br line": ([b"gzip", b"br"], ["gzip", "br"]),
    "raw deflate, x-gzip lines": ([b"deflate", b"x-gzip"], ["deflate-raw", "x-gzip"]),
    "three, mixed": ([b"gzip,deflate", b" br"], ["gzip", "deflate", "br"]),
}


def _multi(parts: list[bytes]) -> bytes:
    """A gzip body of one member per part (RFC 1952: members back to back)."""
    return b"".join(gzip.compress(p) for p in parts)


def _bodies() -> dict[str, tuple[list[tuple[bytes, bytes]], list[bytes]]]:
    """name -> (headers, body chunks as the app sends them)."""
    v = VALUE.encode()
    text = [(b"content-type", b"text/plain")]
    out: dict[str, tuple[list[tuple[bytes, bytes]], list[bytes]]] = {}
    for name, (lines, codings) in CHAINS.items():
        headers = text + [(b"content-encoding", line) for line in lines]
        out[f"buffered {name}"] = (headers, [_apply(b"x " + v + b" y", codings)])
        data = _apply(b"a" * BIG + v + b" y", codings)
        cut = len(data) // 2
        out[f"streamed {name}"] = (headers, [data[:cut], data[cut:]])
    gz = [*text, (b"content-encoding", b"gzip")]
    out["members: value in the second"] = (gz, [_multi([b"hello ", v])])
    out["members: value split across two"] = (gz, [_multi([b"x " + v[:10], v[10:] + b" y"])])
    out["members: many small"] = (gz, [_multi([bytes([c]) for c in b"x " + v])])
    out["members: zero padding between"] = (gz, [gzip.compress(b"x ") + b"\0\0" + _multi([v])])
    big = _multi([b"hello " * 20_000, v])
    out["members: streamed, value member alone"] = (
        gz,
        [gzip.compress(b"hello " * 20_000), _multi([v])],
    )
    out["members: streamed, cut inside the second"] = (gz, [big[: len(big) - 9], big[-9:]])
    out["members: streamed, byte by byte"] = (
        gz,
        [gzip.compress(b"a" * BIG)] + [bytes([c]) for c in _multi([b"x ", v])],
    )
    out["members: x-gzip, in gzip, gzip"] = (
        [*text, (b"content-encoding", b"x-gzip, gzip")],
        [gzip.compress(_multi([b"x ", v]))],
    )
    out["transfer-encoding chunked set by the app"] = (
        [*gz, (b"transfer-encoding", b"chunked")],
        [_multi([b"x ", v])],
    )
    return out


BODIES = _bodies()
OPAQUE: dict[str, list[bytes]] = {
    "zstd": [b"zstd"],
    "compress": [b"compress"],
    "gzip then unknown": [b"gzip, x-custom"],
    "unknown line": [b"gzip", b"snappy"],
}
UNDECODABLE: dict[str, tuple[list[bytes], bytes]] = {
    "gzip, junk after the member": ([b"gzip"], gzip.compress(b"fine ") + b"JUNK" + b"j" * 20),
    "gzip lies": ([b"gzip"], b"not gzip at all " * 4),
    "br lies": ([b"br"], b"\xffnot brotli at all" * 4),
    "gzip, gzip but once": ([b"gzip, gzip"], gzip.compress(b"only once compressed " * 3)),
}


def _app(scope: Any, receive: Any, send: Any) -> Any:
    async def app() -> None:
        path = scope["path"].lstrip("/")
        kind, _, name = path.partition("/")
        name = name.replace("_", " ")
        if kind == "body":
            headers, chunks = BODIES[name]
        elif kind == "opaque":
            headers = [(b"content-encoding", line) for line in OPAQUE[name]]
            chunks = [b"opaque " + VALUE.encode()]
        elif kind == "undecodable":
            lines, data = UNDECODABLE[name]
            headers = [(b"content-encoding", line) for line in lines]
            chunks = [data]
        else:  # a header whose NAME holds a registered value
            headers = [(b"x-" + NAME_VALUE.encode(), b"1"), (b"content-type", b"text/plain")]
            chunks = [b"fine"]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    if scope["type"] == "lifespan":

        async def lifespan() -> None:
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return

        return lifespan()
    return app()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The raw ASGI app behind RedactMiddleware (egress='mask') on a real uvicorn."""
    known = KnownSecrets()
    known.add(VALUE, label="x")
    known.add(NAME_VALUE, label="y")
    guarded = RedactMiddleware(_app, redactor=Redactor.default(known=known), egress="mask")

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _app(scope, receive, send)
        else:
            await guarded(scope, receive, send)

    with UvicornThread(dispatch) as uv:
        yield uv.url


def _client_decode(raw: bytes, codings: list[str]) -> bytes:
    """Undo ``codings`` last first, as lenient as any client: every gzip member, both deflates."""
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            raw = gzip.decompress(raw)
        elif coding == "deflate":
            try:
                raw = zlib.decompress(raw)
            except zlib.error:
                raw = zlib.decompress(raw, -zlib.MAX_WBITS)
        elif coding == "br":
            raw = brotli.decompress(raw)
    return raw


def _get(base_url: str, path: str) -> tuple[httpx.Response, bytes, bytes]:
    """The response, its raw bytes and those bytes decoded by every coding it declares."""
    with (
        httpx.Client(base_url=base_url, timeout=20) as client,
        client.stream("GET", path.replace(" ", "_")) as resp,
    ):
        raw = b"".join(resp.iter_raw())
    codings = [c.strip().lower() for c in resp.headers.get_list("content-encoding", True)]
    return resp, raw, _client_decode(raw, [c for c in codings if c and c != "identity"])


@pytest.mark.parametrize("name", sorted(BODIES))
def test_every_coding_chain_is_decoded_as_a_client_does(base_url: str, name: str) -> None:
    """A registered value inside any chain of codings, any member, any chunking is masked."""
    resp, raw, plain = _get(base_url, f"/body/{name}")
    assert resp.status_code == 200
    value = VALUE.encode()
    assert value not in raw and value not in plain
    assert b"[REDACTED:x]" in plain  # inspected and masked, not just mangled
    assert plain.endswith(b" y") or plain.endswith(b"[REDACTED:x]")


@pytest.mark.parametrize("name", sorted(OPAQUE))
def test_a_coding_the_guard_cannot_undo_is_blocked(base_url: str, name: str) -> None:
    """Any coding in the chain that cannot be undone (zstd, compress, unknown) fails closed."""
    resp, raw, _ = _get(base_url, f"/opaque/{name}")
    assert resp.status_code == 500 and raw == b"Internal Server Error"


@pytest.mark.parametrize("name", sorted(UNDECODABLE))
def test_a_body_that_is_not_its_coding_is_blocked(base_url: str, name: str) -> None:
    """A body that does not decode as declared (junk after a member, a missing layer) is 500."""
    resp, raw, _ = _get(base_url, f"/undecodable/{name}")
    assert resp.status_code == 500 and raw == b"Internal Server Error"


def test_a_header_name_holding_a_value_is_masked(base_url: str) -> None:
    """A response header whose name holds a registered value goes out under a masked name."""
    resp, _, _ = _get(base_url, "/header/name")
    names = [n for n, _ in resp.headers.raw]
    assert not any(NAME_VALUE.encode() in n.lower() for n in names)
    assert b"x--redacted-y-" in [n.lower() for n in names]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([b"gzip"], ["gzip"]),
        ([b"X-GZIP"], ["gzip"]),
        ([b"identity"], []),
        ([b"identity, gzip"], ["gzip"]),
        ([b"gzip,deflate", b" br ,"], ["gzip", "deflate", "br"]),
        ([b"", b" , "], []),
    ],
)
def test_content_codings_reads_every_line_and_list(lines: list[bytes], expected: list[str]) -> None:
    """Every Content-Encoding line, comma lists, case and spaces, identity dropped, in order."""
    headers = [(b"Content-Encoding", line) for line in lines] + [(b"content-type", b"text/plain")]
    assert content_codings(headers) == expected
    codec = BodyCodec(headers)
    assert not codec.opaque and codec.coding == ", ".join(expected)


@pytest.mark.parametrize("name", sorted(CHAINS))
@pytest.mark.parametrize("step", [1, 7, 4096])
def test_content_coding_round_trips_in_any_chunking(name: str, step: int) -> None:
    """Decoding in pieces of any size equals decoding whole; encoding again decodes back."""
    _, codings = CHAINS[name]
    plain = b"head " + VALUE.encode() * 50 + b" tail"
    data = _apply(plain, codings)
    wire = [c.replace("deflate-raw", "deflate").replace("x-gzip", "gzip") for c in codings]
    wire = [c for c in wire if c != "identity"]
    chain = ContentCoding(wire)
    pieces = [data[i : i + step] for i in range(0, len(data), step)] or [b""]
    out = b"".join(chain.decode(p, final=i == len(pieces) - 1) for i, p in enumerate(pieces))
    assert out == plain
    again = ContentCoding(wire)
    encoded = again.encode(plain[:100], final=False) + again.encode(plain[100:], final=True)
    assert _client_decode(encoded, wire) == plain


def _through_guard(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> tuple[int, Any, bytes]:
    """One real ASGI call of the middleware: status, response headers and body bytes sent."""
    known = KnownSecrets()
    known.add(VALUE, label="x")
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    guard = RedactMiddleware(app, redactor=Redactor.default(known=known), egress="mask")
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(guard(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], httpx.Headers(start["headers"]), body


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_no_coding_chain_or_chunking_lets_a_value_out(data: st.DataObject) -> None:
    """Any chain of codings on any header lines, gzip cut into any members, the body cut into
    any chunks: what the client decodes never holds the registered value, and it was masked."""
    headers, chunks = data.draw(coded_bodies(VALUE.encode()))
    status, sent_headers, body = _through_guard(headers, chunks)
    assert status == 200
    codings = [c.strip().lower() for c in sent_headers.get_list("content-encoding", True)]
    plain = _client_decode(body, [c for c in codings if c and c != "identity"])
    assert VALUE.encode() not in body and VALUE.encode() not in plain
    assert b"[REDACTED:x]" in plain
