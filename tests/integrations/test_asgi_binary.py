"""Binary bodies and frames: a registered value a client can read back is masked, in any reading.

A body that is no text in a declared charset (``application/octet-stream``, images, no
``Content-Type``) is raw bytes: the guard reads them as UTF-8 and, as the core's
``scan_wide`` does, as UTF-16 LE and BE at either byte alignment (what ``bytes.decode``,
PowerShell or a .NET client turns back into the value). Real uvicorn, real httpx, a real
WebSocket client.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import string
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import UvicornThread, ws_exchange
from tests.strategies import secret_values

_ALNUM = string.ascii_letters + string.digits
VALUES = {
    "ascii": "".join(secrets.choice(_ALNUM) for _ in range(24)),
    "umlaut": "Pässwörd-" + "".join(secrets.choice(_ALNUM) for _ in range(10)),
    "cjk": "秘密の鍵-" + "".join(secrets.choice(_ALNUM) for _ in range(8)) + "-𝒳",
}
BIG = 70_000  # past the default 64 KiB buffer: the body streams


def _readings(value: str) -> dict[str, bytes]:
    return {
        "utf-8": value.encode(),
        "utf-16-le": value.encode("utf-16-le"),
        "utf-16-be": value.encode("utf-16-be"),
    }


#: name -> (media type or None, bytes before the value): even and odd byte offsets
LAYOUTS: dict[str, tuple[str | None, bytes]] = {
    "octet, even offset": ("application/octet-stream", b"\x89BIN\x00\x01"),
    "octet, odd offset": ("application/octet-stream", b"\x89BIN\x00"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "no content-type": (None, b"\x00\xff"),
}


def _body(layout: str, reading: str, which: str, *, big: bool) -> bytes:
    _, head = LAYOUTS[layout]
    pad = b"\x00\x01frame\x7f" * (BIG // 8) if big else b""
    return pad + head + _readings(VALUES[which])[reading] + b"\x00\x00tail\xfe"


async def _app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await receive()  # the client's first message
        data = _body("octet, odd offset", "utf-16-le", "ascii", big=False)
        await send({"type": "websocket.send", "bytes": data})
        await send({"type": "websocket.close", "code": 1000})
        return
    _, layout, reading, which, mode = scope["path"].split("/")
    layout = layout.replace("_", " ")
    media, _ = LAYOUTS[layout]
    data = _body(layout, reading, which, big=mode == "streamed")
    headers = [(b"content-type", media.encode())] if media else []
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if mode == "streamed":
        cut = len(data) - 30  # inside the value (an odd byte for every layout above)
        await send({"type": "http.response.body", "body": data[:cut], "more_body": True})
        data = data[cut:]
    await send({"type": "http.response.body", "body": data, "more_body": False})


@pytest.fixture(scope="module")
def server() -> Iterator[UvicornThread]:
    """The app behind RedactMiddleware(egress='mask') on a real uvicorn."""
    known = KnownSecrets()
    for label, value in VALUES.items():
        known.add(value, label=label)
    guarded = RedactMiddleware(_app, redactor=Redactor.default(known=known), egress="mask")

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _app(scope, receive, send)
        else:
            await guarded(scope, receive, send)

    with UvicornThread(dispatch) as uv:
        yield uv


def _leaks(raw: bytes, value: str) -> list[str]:
    """The readings (and byte offsets) in which ``raw`` still holds ``value``."""
    out = [name for name, form in _readings(value).items() if form in raw]
    for codec in ("utf-16-le", "utf-16-be"):
        for offset in (0, 1):
            if value in raw[offset:].decode(codec, "ignore"):
                out.append(f"{codec}@{offset}")
    return out


@pytest.mark.parametrize("mode", ["buffered", "streamed"])
@pytest.mark.parametrize("which", sorted(VALUES))
@pytest.mark.parametrize("reading", ["utf-8", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_value_in_any_byte_reading_of_a_binary_body_is_masked(
    server: UvicornThread, layout: str, reading: str, which: str, mode: str
) -> None:
    """UTF-8 or UTF-16 LE/BE bytes of a value at any offset, buffered or cut across two
    messages, reach the client masked, the mask written in the same reading."""
    path = f"/{layout.replace(' ', '_')}/{reading}/{which}/{mode}"
    with httpx.Client(base_url=server.url, timeout=20) as client:
        resp = client.get(path)
    assert resp.status_code == 200
    assert _leaks(resp.content, VALUES[which]) == []
    assert f"[REDACTED:{which}]".encode(reading) in resp.content
    assert resp.content.endswith(b"\x00\x00tail\xfe")


def test_a_clean_binary_body_is_sent_byte_for_byte(server: UvicornThread) -> None:
    """Every byte value, no registered value: the body is not touched."""
    known = KnownSecrets()
    known.add("Z" * 12 + "q" * 12, label="other")
    data = bytes(range(256)) * 300
    guard = RedactMiddleware(_app, redactor=Redactor.default(known=known))
    scanner = guard.scanner
    text = data.decode("utf-8", "surrogateescape")
    assert scanner.mask(text, rules=False, wide=True) is text


def test_a_binary_websocket_frame_is_masked_in_utf16(server: UvicornThread) -> None:
    """A binary frame holding a value's UTF-16LE bytes at an odd offset is sent masked."""
    messages, _ = ws_exchange(server.port, "/ws", ["hello"])
    frames = [m for m in messages if isinstance(m, bytes)]
    assert frames
    assert _leaks(frames[0], VALUES["ascii"]) == []
    assert "[REDACTED:ascii]".encode("utf-16-le") in frames[0]


def _guarded_body(value: str, chunks: list[bytes], media: bytes) -> bytes:
    """One real ASGI call of the middleware in mask mode; the body bytes it sent."""
    known = KnownSecrets()
    known.add(value, label="v")
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", media)]}
        )
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    guard = RedactMiddleware(app, redactor=Redactor.default(known=known), buffer_limit=64)
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(guard(scope, receive, send))
    return b"".join(m.get("body", b"") for m in sent[1:])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=secret_values,
    pad=st.binary(max_size=40),
    reading=st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]),
    cuts=st.lists(st.integers(0, 200), max_size=3),
    media=st.sampled_from([b"application/octet-stream", b"image/png", b"application/zip"]),
)
def test_property_no_reading_of_a_binary_body_holds_the_value(
    value: str, pad: bytes, reading: str, cuts: list[int], media: bytes
) -> None:
    """Any value, in any of the readings, after any bytes, the body cut anywhere (buffered
    or streamed past a tiny buffer): no reading of what is sent holds the value."""
    data = pad + value.encode(reading) + pad[::-1]
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)] or [b""]
    assert _leaks(_guarded_body(value, chunks, media), value) == []
