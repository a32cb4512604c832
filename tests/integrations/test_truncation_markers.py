"""A library that truncates a registered value in its own text leaks no piece of it.

pydantic's ``ValidationError`` shows a long input as ``input_value='head...tail'``,
``reprlib.repr`` as ``'head...tail'``: the registered value is no longer in the text,
only its two ends. Real pydantic errors and reprs through real structlog, real
``logging`` handlers and the ASGI egress guard (real uvicorn, real httpx, the guard's
registry-only reader) come out with both pieces masked.
"""

from __future__ import annotations

import io
import json
import logging
import re
import reprlib
import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import pydantic
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from structlog.processors import JSONRenderer, format_exc_info

from redact import KnownSecrets, Redactor
from redact._cuts import PIECE_MIN
from redact.integrations.asgi import RedactMiddleware
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor
from tests.integrations.conftest import UvicornThread

S = "Zq" + secrets.token_urlsafe(45)  # ~62 characters: pydantic shows 24 + "..." + 24


class Order(pydantic.BaseModel):
    """A model whose field gets the secret by mistake (a token where a number goes)."""

    quantity: int


def _validation_error() -> pydantic.ValidationError:
    try:
        Order(quantity=S)  # type: ignore[arg-type]
    except pydantic.ValidationError as exc:
        return exc
    raise AssertionError("pydantic accepted a token as an int")


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(S, label="s")
    return Redactor.default(known=ks)


def _leaked(out: str) -> list[str]:
    """Every run of PIECE_MIN characters of S that is in ``out``."""
    return [
        S[i : i + PIECE_MIN] for i in range(len(S) - PIECE_MIN + 1) if S[i : i + PIECE_MIN] in out
    ]


def test_the_libraries_really_truncate_the_value() -> None:
    """The control: pydantic and reprlib show pieces of S, never S whole."""
    text = str(_validation_error())
    assert S not in text
    shown = re.search(r"input_value='([^'.]+)\.\.\.([^'.]+)'", text)
    assert shown is not None
    head, tail = shown.groups()
    assert S.startswith(head) and S.endswith(tail) and min(len(head), len(tail)) >= PIECE_MIN
    assert S not in reprlib.repr(S)
    assert _leaked(reprlib.repr(S))


@pytest.fixture
def _structlog_reset() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("_structlog_reset")
def test_structlog_masks_a_validation_error_in_an_event_and_a_traceback() -> None:
    """structlog: the error as a field and as the rendered exception keep no piece of S."""
    buf = io.StringIO()
    log = structlog.wrap_logger(
        structlog.WriteLogger(buf),
        processors=[format_exc_info, RedactProcessor(redactor=_redactor()), JSONRenderer()],
    )
    exc = _validation_error()
    log.warning("invalid order", error=str(exc), shown=reprlib.repr(S))
    try:
        raise exc
    except pydantic.ValidationError:
        log.exception("invalid order")
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert len(lines) == 2
    assert "[REDACTED:s]...[REDACTED:s]" in lines[0]["error"]
    assert lines[0]["shown"] == "'[REDACTED:s]...[REDACTED:s]'"
    assert "input_value='[REDACTED:s]...[REDACTED:s]'" in lines[1]["exception"]
    assert not _leaked(buf.getvalue())


def test_logging_masks_a_validation_error_message_and_traceback() -> None:
    """logging: a RedactFilter on the handler masks the message and the exception text."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(RedactFilter(redactor=_redactor()))
    log = logging.getLogger("redact-test-truncation-markers")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("invalid order: %s", _validation_error())
        log.warning("value %r", reprlib.repr(S))
        try:
            raise _validation_error()
        except pydantic.ValidationError:
            log.exception("invalid order")
    finally:
        log.removeHandler(handler)
    out = buf.getvalue()
    assert out.count("[REDACTED:s]...[REDACTED:s]") == 3
    assert not _leaked(out)


def _app() -> Starlette:
    async def error_page(request: Request) -> Response:
        return PlainTextResponse(f"400 bad order\n{_validation_error()}\n", status_code=400)

    async def streamed(request: Request) -> Response:
        text = f"debug: value={reprlib.repr(S)} end\n".encode()
        cut = text.index(b"...") + 1  # the marker split between two body messages

        async def gen() -> AsyncIterator[bytes]:
            yield text[:cut]
            yield text[cut:]

        return StreamingResponse(gen(), media_type="text/plain")

    async def prose(request: Request) -> Response:
        return PlainTextResponse("Loading... please wait\u2026 a...b [truncated]")

    return Starlette(
        routes=[Route("/error", error_page), Route("/stream", streamed), Route("/prose", prose)]
    )


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app behind RedactMiddleware (egress mask, registry only) on real uvicorn."""
    app = RedactMiddleware(_app(), redactor=_redactor())
    with UvicornThread(app) as uv:
        yield uv.url


@pytest.mark.parametrize("path", ["/error", "/stream"])
def test_the_egress_guard_masks_both_pieces_of_a_truncated_value(base_url: str, path: str) -> None:
    """A response body with S's head and tail around ``...`` reaches the client masked."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        resp = client.get(path)
    assert "[REDACTED:s]...[REDACTED:s]" in resp.text
    assert not _leaked(resp.text)


def test_the_egress_guard_leaves_prose_ellipses_alone(base_url: str) -> None:
    """A body whose markers touch no piece of a registered value is sent as it is."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        resp = client.get("/prose")
    assert resp.text == "Loading... please wait\u2026 a...b [truncated]"
