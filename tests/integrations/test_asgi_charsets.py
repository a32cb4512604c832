"""The egress guard reads a body as the browser will: byte-order mark first, then labels.

WHATWG encoding sniffing: a byte-order mark (UTF-8, UTF-16 LE/BE; UTF-32 too)
wins over the declared ``charset``; without a declared charset an HTML body's
``<meta charset>`` / ``<meta http-equiv>`` in its first 1024 bytes and an XML
body's ``<?xml encoding?>`` decide; a declared charset Python does not know is
blocked (500), never sent unread. Real uvicorn, real httpx client.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from redact import KnownSecrets, Redactor
from redact.integrations._web import BodyCodec
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import UvicornThread

_ALNUM = string.ascii_letters + string.digits
#: Registered values: ASCII, Latin-1 letters, Japanese (for Shift_JIS / EUC-JP bodies).
VALUES = {
    "ascii": "pw-" + "".join(secrets.choice(_ALNUM) for _ in range(20)),
    "umlaut": "Pässwörd-" + "".join(secrets.choice(_ALNUM) for _ in range(10)),
    "kana": "パスワード-" + "".join(secrets.choice(_ALNUM) for _ in range(10)),
}
_BOM = {
    "utf-8": b"\xef\xbb\xbf",
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
}


def _page(value: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{value}</p></body></html>"


def _bom(codec: str, media: str) -> Callable[[str], tuple[str, bytes, str]]:
    return lambda v: (media, _BOM[codec] + _page(v).encode(codec), codec)


#: kind -> value -> (Content-Type, body bytes, the codec a browser reads it in)
CASES: dict[str, Callable[[str], tuple[str, bytes, str]]] = {
    "bom-utf16le-declared-utf8": _bom("utf-16-le", "text/html; charset=utf-8"),
    "bom-utf16be-declared-utf8": _bom("utf-16-be", "text/plain; charset=UTF-8"),
    "bom-utf16le-undeclared": _bom("utf-16-le", "text/html"),
    "bom-utf16be-json": _bom("utf-16-be", "application/json"),
    "bom-utf32le-declared-utf8": _bom("utf-32-le", "text/plain; charset=utf-8"),
    "bom-utf32be-undeclared": _bom("utf-32-be", "text/plain"),
    "bom-utf8-declared-latin1": _bom("utf-8", "text/html; charset=iso-8859-1"),
    "bom-utf16le-octet-stream": _bom("utf-16-le", "application/octet-stream"),
    "meta-charset-shift-jis": lambda v: (
        "text/html",
        _page(v, '<meta charset="Shift_JIS">').encode("shift_jis"),
        "shift_jis",
    ),
    "meta-http-equiv-euc-jp": lambda v: (
        "text/html",
        _page(v, '<meta http-equiv="Content-Type" content="text/html; charset=euc-jp">').encode(
            "euc_jp"
        ),
        "euc_jp",
    ),
    "meta-utf16-label-means-utf8": lambda v: (
        "text/html",
        _page(v, "<meta charset=utf-16>").encode("utf-8"),
        "utf-8",
    ),
    "xml-declaration-shift-jis": lambda v: (
        "application/xml",
        f'<?xml version="1.0" encoding="Shift_JIS"?><v>{v}</v>'.encode("shift_jis"),
        "shift_jis",
    ),
}
#: Which values each kind can carry (a Shift_JIS page holds no umlaut).
_JAPANESE = {"meta-charset-shift-jis", "meta-http-equiv-euc-jp", "xml-declaration-shift-jis"}
PAIRS = [
    (kind, which)
    for kind in sorted(CASES)
    for which in sorted(VALUES)
    if (which == "umlaut") != (kind in _JAPANESE) or which == "ascii"
]


def _app() -> Starlette:
    async def body(request: Request) -> Response:
        media, data, _ = CASES[request.path_params["kind"]](VALUES[request.query_params["v"]])
        return Response(data, headers={"content-type": media})

    async def streamed(request: Request) -> Response:
        big = int(request.query_params.get("pad", "0"))
        value = VALUES[request.query_params["v"]] + " " * big  # past the 64 KiB buffer: streams
        media, data, _ = CASES[request.path_params["kind"]](value)

        async def gen() -> AsyncIterator[bytes]:
            yield data[:1]  # the byte-order mark split between messages
            yield data[1:9]
            yield data[9:]

        return StreamingResponse(gen(), headers={"content-type": media})

    async def unknown(request: Request) -> Response:
        value = VALUES["ascii"] if request.query_params.get("v") else "nothing"
        return Response(
            f"value {value} end".encode(), headers={"content-type": "text/plain; charset=x-klingon"}
        )

    return Starlette(
        routes=[
            Route("/body/{kind}", body),
            Route("/stream/{kind}", streamed),
            Route("/unknown", unknown),
        ]
    )


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app behind RedactMiddleware (mask), on a real uvicorn on a free loopback port."""
    known = KnownSecrets()
    for label, value in VALUES.items():
        known.add(value, label=label)
    app = RedactMiddleware(_app(), redactor=Redactor.default(known=known))
    with UvicornThread(app) as uv:
        yield uv.url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    """A real HTTP client on the running server."""
    with httpx.Client(base_url=base_url, timeout=10) as c:
        yield c


def _check(resp: httpx.Response, value: str, which: str, codec: str) -> None:
    assert resp.status_code == 200
    data = resp.content
    forms = {"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "latin-1", codec}
    assert not [c for c in forms if value.encode(c, "ignore") in data], data[:120]
    shown = data.decode(codec, "replace")  # what the browser renders
    assert value not in shown and f"[REDACTED:{which}]" in shown
    assert shown.lstrip("\ufeff").startswith(("<html>", "<?xml"))


@pytest.mark.parametrize(("kind", "which"), PAIRS)
def test_a_body_is_masked_in_the_encoding_a_browser_reads(
    client: httpx.Client, kind: str, which: str
) -> None:
    """BOM over declared charset, then meta / XML declaration: the value is masked whole."""
    _, _, codec = CASES[kind](VALUES[which])
    _check(client.get(f"/body/{kind}", params={"v": which}), VALUES[which], which, codec)


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("pad", [0, 70_000])
def test_a_streamed_body_is_sniffed_across_its_first_messages(
    client: httpx.Client, kind: str, pad: int
) -> None:
    """BOM split after one byte, meta after the first messages, buffered or streamed."""
    which = "kana" if kind in _JAPANESE else "umlaut"
    _, _, codec = CASES[kind](VALUES[which])
    resp = client.get(f"/stream/{kind}", params={"v": which, "pad": str(pad)})
    _check(resp, VALUES[which], which, codec)


def test_a_charset_python_does_not_know_is_blocked(client: httpx.Client) -> None:
    """charset=x-klingon: the guard cannot read it as the client will, so 500 — even when clean."""
    for params in ({"v": "1"}, {}):
        resp = client.get("/unknown", params=params)
        assert resp.status_code == 500
        assert VALUES["ascii"].encode() not in resp.content


@pytest.mark.parametrize(
    ("headers", "first", "codec"),
    [
        ([(b"content-type", b"text/html; charset=utf-8")], b"\xff\xfe<\x00", "utf-16-le"),
        ([(b"content-type", b"text/plain")], b"\x00\x00\xfe\xff", "utf-32-be"),
        ([(b"content-type", b"text/html")], b"<meta charset='koi8-r'>", "koi8-r"),
        (
            [(b"content-type", b"text/html; charset=latin-1")],
            b"<meta charset='koi8-r'>",
            "iso8859-1",
        ),
        (
            [(b"content-type", b"image/svg+xml")],
            b"<?xml version='1.0' encoding='cp1252'?>",
            "cp1252",
        ),
        ([], b"plain", "utf-8"),
    ],
)
def test_body_codec_sniffs_in_whatwg_order(
    headers: list[tuple[bytes, bytes]], first: bytes, codec: str
) -> None:
    """BOM, then the header charset, then the in-document label, then UTF-8."""
    bc = BodyCodec(headers)
    bc.decode(first, final=True)
    assert bc.charset == codec
