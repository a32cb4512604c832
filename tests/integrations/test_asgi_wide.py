"""Response bodies holding a registered value as UTF-16 or UTF-32 bytes (issue 9).

The guard read UTF-16 only in binary bodies: a text body sent without its charset
(JSON or text/plain in UTF-16/UTF-32 bytes, read as UTF-8) and any UTF-32 body passed.
Every split point of the body into two ``http.response.body`` chunks is tried.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from redact import Redactor
from redact.integrations.asgi import RedactMiddleware

VALUE = "Zq8vLm2Rt7Kp4Wx9Nc3B"

CASES = [
    ("utf-32-le", b"application/octet-stream"),
    ("utf-32-be", b"application/octet-stream"),
    ("utf-32-le", b"text/plain"),
    ("utf-32-be", b"application/json"),
    ("utf-16-le", b"application/json"),
    ("utf-16-be", b"text/plain"),
    ("utf-16-le", b"text/html"),
]


R = Redactor.default()
R.known.add(VALUE, label="planted")


def _run(chunks: list[bytes], ctype: bytes) -> bytes:

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", ctype)]}
        )
        for i, chunk in enumerate(chunks):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1}
            )

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(RedactMiddleware(app, redactor=R)(scope, receive, send))
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.mark.parametrize(("codec", "ctype"), CASES)
def test_wide_value_masked_at_every_split(codec: str, ctype: bytes) -> None:
    body = ("id 7 " + VALUE + " end").encode(codec)
    form = VALUE.encode(codec)
    for cut in range(len(body) + 1):
        out = _run([body[:cut], body[cut:]], ctype)
        assert form not in out, cut
        assert "[REDACTED:planted]".encode(codec) in out, cut


@pytest.mark.parametrize("ctype", [b"application/json", b"text/plain"])
def test_utf8_text_without_nul_is_not_read_wide(ctype: bytes) -> None:
    """Clean UTF-8 text is handed on byte for byte."""
    body = b'{"msg": "hello", "n": 1}'
    assert _run([body], ctype) == body
