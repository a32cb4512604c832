"""The egress guard masks a registered value with invisible characters inserted (a second red
team found JSON bodies, escaped bodies and headers going out raw, in mask and block mode).
Real uvicorn on a free loopback port, real httpx client."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware
from tests.integrations.conftest import UvicornThread

VALUE = "Zq" + secrets.token_urlsafe(18)
CHARS = {"zwsp": "\u200b", "shy": "\u00ad", "rlo": "\u202e", "vs16": "\ufe0f", "tag": "\U000e0041"}


def _hidden(ch: str) -> str:
    return VALUE[:6] + ch + VALUE[6:12] + ch + VALUE[12:]


def _app() -> Starlette:
    async def raw(request: Request) -> Response:
        ch = CHARS[request.path_params["ch"]]
        return Response(f"value {_hidden(ch)} end", media_type="text/plain; charset=utf-8")

    async def as_json(request: Request) -> Response:
        ch = CHARS[request.path_params["ch"]]
        return JSONResponse({"v": _hidden(ch)})  # starlette writes non-ASCII raw

    async def escaped(request: Request) -> Response:
        ch = CHARS[request.path_params["ch"]]
        return Response(json.dumps({"v": _hidden(ch)}), media_type="application/json")

    return Starlette(
        routes=[
            Route("/raw/{ch}", raw),
            Route("/json/{ch}", as_json),
            Route("/escaped/{ch}", escaped),
        ]
    )


@pytest.fixture(scope="module", params=["mask", "block"])
def base_url(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    known = KnownSecrets()
    known.add(VALUE, label="db")
    app = RedactMiddleware(_app(), redactor=Redactor.default(known=known), egress=request.param)
    with UvicornThread(app) as uv:
        yield uv.url, request.param


@pytest.mark.parametrize("route", ["raw", "json", "escaped"])
@pytest.mark.parametrize("ch", sorted(CHARS))
def test_the_guard_sees_through_invisible_characters(
    base_url: tuple[str, str], route: str, ch: str
) -> None:
    url, egress = base_url
    with httpx.Client(base_url=url, timeout=30) as client:
        resp = client.get(f"/{route}/{ch}")
    body = resp.content.decode("utf-8", "replace")
    assert VALUE[12:] not in body
    assert VALUE[6:12] not in body
    if egress == "block":
        assert resp.status_code == 500
    else:
        assert "[REDACTED:db]" in body
