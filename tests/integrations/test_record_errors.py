"""Validation errors through every adapter: a real pydantic ``ValidationError`` logged with
``log.exception`` (stdlib logging filter, structlog), and FastAPI's 422 body through
``RedactMiddleware`` under uvicorn on loopback, read by a real HTTP client.

The field's name and its value sit in different places (``loc`` and ``input``, or the line
above ``input_value=``): the core's record rule joins them (``redact._carriers``).
"""

from __future__ import annotations

import io
import json
import logging
import secrets
from typing import Any

import httpx
import pydantic
import pytest
import structlog
from fastapi import FastAPI

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor
from tests.integrations.conftest import UvicornThread


def _value() -> str:
    """A synthetic value no rule or registry knows: a fixed head and a random tail."""
    return "Zq" + secrets.token_hex(8)


class Db(pydantic.BaseModel):
    host: str
    password: int


class User(pydantic.BaseModel):
    name: str
    token: int


class Settings(pydantic.BaseModel):
    db_password: int
    port: int
    db: Db
    users: list[User]


def _invalid(v: str) -> pydantic.ValidationError:
    """A real ValidationError whose inputs are ``v`` under three sensitive locations."""
    data = {
        "db_password": v,
        "port": "eighty",
        "db": {"host": "h", "password": v + "x"},
        "users": [{"name": "bob", "token": v + "y"}],
    }
    try:
        Settings.model_validate(data)
    except pydantic.ValidationError as exc:
        return exc
    msg = "the model accepted invalid input"
    raise AssertionError(msg)


def _survives(value: str, out: str) -> bool:
    tail = value[2:]
    return any(tail[i : i + 4] in out for i in range(len(tail) - 3))


def test_pydantic_error_through_the_logging_filter() -> None:
    """``log.exception`` of a real ValidationError: no input of a sensitive field in the
    output; the field names and the non-sensitive input stay readable."""
    r = Redactor.default(known=KnownSecrets())
    v = _value()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(r))
    log = logging.getLogger("tests.record_errors")
    log.propagate = False
    log.addHandler(handler)
    try:
        try:
            raise _invalid(v)
        except pydantic.ValidationError:
            log.exception("settings rejected")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "validation errors for Settings" in out
    assert not _survives(v, out), out
    assert "db_password" in out and "db.password" in out and "users.0.token" in out
    assert "input_value='eighty'" in out


def test_pydantic_error_as_text_object_and_errors_list() -> None:
    """``redact(str(exc))``, ``redact_obj(exc)`` and ``redact_obj(exc.errors())`` agree."""
    r = Redactor.default(known=KnownSecrets())
    v = _value()
    exc = _invalid(v)
    assert not _survives(v, r.redact(str(exc)))
    masked = r.redact_obj(exc)
    assert not _survives(v, str(masked) + repr(masked))
    errors = r.redact_obj(exc.errors())
    assert not _survives(v, repr(errors))
    by_loc = {e["loc"]: e["input"] for e in errors}
    assert by_loc[("port",)] == "eighty"
    assert by_loc[("db", "password")] == "[REDACTED:sensitive-key]"
    assert by_loc[("users", 0, "token")] == "[REDACTED:sensitive-key]"
    assert not _survives(v, r.redact(json.dumps(exc.errors(include_url=False))))


def test_pydantic_errors_through_structlog() -> None:
    """structlog with ``errors=exc.errors()`` and the JSON renderer: masked like redact_obj."""
    r = Redactor.default(known=KnownSecrets())
    v = _value()
    exc = _invalid(v)
    out: list[str] = []

    def sink(_: Any, __: str, event: dict[str, Any]) -> str:
        rendered = structlog.processors.JSONRenderer()(None, "", event)
        out.append(str(rendered))
        raise structlog.DropEvent

    logger = structlog.wrap_logger(
        None, processors=[RedactProcessor(r), sink], wrapper_class=structlog.BoundLogger
    )
    logger.warning("rejected", errors=exc.errors(), text=str(exc))
    assert out and not _survives(v, out[0]), out
    assert '"eighty"' in out[0]


class Signup(pydantic.BaseModel):
    email: str = pydantic.Field(min_length=5)
    password: str = pydantic.Field(min_length=40)


def _fastapi_app() -> FastAPI:
    app = FastAPI()

    @app.post("/signup")
    async def signup(body: Signup) -> dict[str, str]:
        return {"ok": body.email}

    return app


@pytest.mark.timeout(60)
def test_fastapi_422_body_is_masked_by_the_middleware() -> None:
    """FastAPI's 422 body echoes the rejected input under ``loc``: the password's input is
    masked on the wire, the email's (``a@b``, too short) is kept."""
    r = Redactor.default(known=KnownSecrets())
    v = _value()
    app = RedactMiddleware(_fastapi_app(), redactor=r, egress_rules=True)
    with UvicornThread(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        resp = client.post("/signup", json={"email": "a@b", "password": v})
        raw = client.post("/signup", json={"email": "a@b", "password": v}).content
    assert resp.status_code == 422
    assert not _survives(v, resp.text), resp.text
    assert not _survives(v, raw.decode())
    detail = {tuple(e["loc"]): e for e in resp.json()["detail"]}
    assert detail[("body", "password")]["input"] == "[REDACTED:sensitive-key]"
    assert detail[("body", "email")]["input"] == "a@b"
