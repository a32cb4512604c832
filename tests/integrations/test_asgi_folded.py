"""The egress guard reads a value a line-folding encoding split: quoted-printable parts of a
multipart body (soft line breaks ``=\\r\\n``, ``=3D``, ``=C3=A9``), base64 parts wrapped at
76 columns, folded part headers. Real uvicorn on 127.0.0.1, real httpx client; the body is
streamed in small chunks so that a chunk boundary also falls inside the split value.
"""

from __future__ import annotations

import base64
import email
import email.policy
import quopri
import secrets
import string
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import UvicornThread

_ALNUM = string.ascii_letters + string.digits
_BOUNDARY = "zz-boundary-42"


def _value(kind: str) -> str:
    """A synthetic registered value: a fixed readable head and a random tail (run time)."""
    tail = "".join(secrets.choice(_ALNUM) for _ in range(22))
    return {"ascii": "Zq", "equals": "Zq=a=", "umlaut": "Zqä-ö"}[kind] + tail


def _qp_part(value: str, *, crlf: bool, lead: int) -> str:
    """A quoted-printable part whose body holds ``value`` across a soft line break."""
    raw = ("x" * lead + " " + value + " end of text").encode()
    body = quopri.encodestring(raw).decode()
    assert "=\n" in body  # the value's line is longer than 76: the encoder broke it
    head = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable"
    part = head + "\n\n" + body
    return part.replace("\n", "\r\n") if crlf else part


def _b64_part(value: str, *, lead: int) -> str:
    raw = ("y" * lead + " " + value + " trailer " * 12).encode()
    body = base64.encodebytes(raw).decode()  # wrapped at 76 columns
    head = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64"
    return head + "\r\n\r\n" + body.replace("\n", "\r\n")


def _folded_header_part(value: str, *, lead: int) -> str:
    cut = 6 + lead % 10
    folded = value[:cut] + "\r\n " + value[cut:]
    return "Content-Type: text/plain\r\nX-Api-Key: " + folded + "\r\n\r\nbody\r\n"


#: case -> (value -> a part of the multipart body)
PARTS: dict[str, Callable[[str, int], str]] = {
    "qp-crlf": lambda v, lead: _qp_part(v, crlf=True, lead=lead),
    "qp-lf": lambda v, lead: _qp_part(v, crlf=False, lead=lead),
    "base64-wrapped": lambda v, lead: _b64_part(v, lead=lead),
    "folded-header": lambda v, lead: _folded_header_part(v, lead=lead),
}


def _multipart(part: str) -> bytes:
    return (
        f"--{_BOUNDARY}\r\nContent-Type: text/plain\r\n\r\npreamble part\r\n"
        f"--{_BOUNDARY}\r\n{part}\r\n--{_BOUNDARY}--\r\n"
    ).encode()


def _app(bodies: dict[str, bytes]) -> Starlette:
    async def serve(request: Request) -> StreamingResponse:
        body = bodies[request.path_params["key"]]

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(body), 7):
                yield body[i : i + 7]

        return StreamingResponse(chunks(), media_type=f"multipart/mixed; boundary={_BOUNDARY}")

    return Starlette(routes=[Route("/b/{key}", serve)])


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, bytes], dict[str, str]]]:
    """A guarded server with one multipart body per (case, value kind, lead)."""
    bodies: dict[str, bytes] = {}
    values: dict[str, str] = {}
    known = KnownSecrets()
    for kind in ("ascii", "equals", "umlaut"):
        values[kind] = _value(kind)
        known.add(values[kind], label=f"v-{kind}")
    for case, make in PARTS.items():
        for kind, value in values.items():
            for lead in range(40, 70, 7):
                bodies[f"{case}-{kind}-{lead}"] = _multipart(make(value, lead))
    app = RedactMiddleware(_app(bodies), redactor=Redactor.default(known=known), egress="mask")
    with UvicornThread(app) as server:
        yield server.url, bodies, values


def _decoded_parts(body: bytes) -> str:
    """Every part of a multipart body decoded as a mail client decodes it, headers unfolded."""
    head = f"Content-Type: multipart/mixed; boundary={_BOUNDARY}\r\n\r\n".encode()
    msg = email.message_from_bytes(head + body, policy=email.policy.compat32)
    out = []
    for part in msg.walk():
        out += [f"{k}: {' '.join(v.split())}" for k, v in part.items()]
        out += [str(v).replace("\r\n ", "").replace("\r\n\t", "") for v in part.values()]
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            out.append(payload.decode("utf-8", "replace"))
    return "\n".join(out)


@pytest.mark.parametrize("case", sorted(PARTS))
@pytest.mark.parametrize("kind", ["ascii", "equals", "umlaut"])
def test_split_value_never_leaves(
    served: tuple[str, dict[str, bytes], dict[str, str]], case: str, kind: str
) -> None:
    """A registered value split by a fold is masked: neither the bytes sent nor the parts a
    mail client decodes from them hold it (every lead width, 7-byte chunks)."""
    url, bodies, values = served
    value = values[kind]
    if case == "folded-header" and not value.isascii():
        pytest.skip("a raw non-ASCII header value is no MIME header (RFC 2047 encodes it)")
    keys = [k for k in bodies if k.startswith(f"{case}-{kind}-")]
    assert keys
    with httpx.Client(base_url=url, timeout=10) as client:
        for key in keys:
            assert value in _decoded_parts(bodies[key]).replace("\n", "") or case in (
                "folded-header",
            )  # the planted body holds the value (the test plants what it means to)
            got = client.get(f"/b/{key}")
            assert got.status_code == 200
            decoded = _decoded_parts(got.content)
            assert value not in decoded, key
            assert value[:12] not in decoded, key
            assert value.encode() not in got.content, key


def test_clean_multipart_passes_unchanged() -> None:
    """A quoted-printable part without a registered value is sent byte for byte."""
    clean = _multipart(_qp_part("Zq" + "readable words only", crlf=True, lead=60))
    assert b"=\r\n" in clean and b"=3D" not in clean

    async def one(request: Request) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield clean

        return StreamingResponse(chunks(), media_type=f"multipart/mixed; boundary={_BOUNDARY}")

    known = KnownSecrets()
    known.add(_value("ascii"), label="other")
    app = RedactMiddleware(
        Starlette(routes=[Route("/", one)]), redactor=Redactor.default(known=known), egress="mask"
    )
    with UvicornThread(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/").content == clean
